"""The seed's lesson (examples/seed_lesson.py and its notebook), on shortened settings."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def lesson():
    spec = importlib.util.spec_from_file_location("seed_lesson", EXAMPLES / "seed_lesson.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["seed_lesson"] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop("seed_lesson", None)


def _blog_reference(Ws, bs, X, T, lr):
    """The blog's algorithm written out independently: per-sample SGD on the squared error
    0.5 * ||a - t||^2 through sigmoid layers, weights only (the blog never updates biases)."""
    Ws = [W.copy() for W in Ws]
    for x, t in zip(X, T, strict=True):
        acts = [x]
        for W, b in zip(Ws, bs, strict=True):
            acts.append(1 / (1 + np.exp(-(acts[-1] @ W + b))))
        delta = (acts[-1] - t) * acts[-1] * (1 - acts[-1])
        deltas = [delta]
        for W, a in zip(Ws[:0:-1], acts[-2:0:-1], strict=True):
            delta = (delta @ W.T) * a * (1 - a)
            deltas.append(delta)
        for W, a, d in zip(Ws, acts[:-1], deltas[::-1], strict=True):
            W -= lr * np.outer(a, d)
    return Ws


def test_blog_recipe_is_the_blogs_algorithm(lesson):
    X_train, _, y_train, _ = lesson.load_data()
    X, y = X_train[:120], y_train[:120]
    net = lesson.build(lesson.STEPS[0], seed=3)
    Ws = [layer.W.copy() for layer in net.layers]
    bs = [layer.b.copy() for layer in net.layers]
    step = lesson.STEPS[0]
    net.fit(X, y, epochs=1, batch_size=step.batch_size, optimizer=step.optimizer(),
            loss=step.loss, shuffle=step.shuffle)
    expected = _blog_reference(Ws, bs, X, np.eye(2)[y], lr=0.1)
    for layer, W, b in zip(net.layers, expected, bs, strict=True):
        np.testing.assert_allclose(layer.W, W, rtol=1e-10, atol=1e-12)
        np.testing.assert_array_equal(layer.b, b)  # frozen, as in the blog


def test_blog_recipe_stalls_and_final_recipe_does_not(lesson):
    results = lesson.run_lesson(epochs_scale=0.4, seeds=2, steps=["blog", lesson.FINAL])
    blog, final = results["blog"], results[lesson.FINAL]
    assert blog.epochs == 20 and final.epochs == 20
    assert blog.mean < 0.90, blog.val_accuracy
    assert final.mean > 0.96, final.val_accuracy
    # the gradient norms that explain it: the blog's first layer gets a small fraction of the
    # output layer's gradient, the relu network's first layer a sizeable one
    assert lesson._first_ratio(blog) < 0.1 < lesson._first_ratio(final)
    assert len(blog.histories[0].grad_norms) == 20


def test_write_lesson_document_and_figures(lesson, tmp_path):
    results = lesson.run_lesson(epochs_scale=0.02, seeds=1)
    assert list(results) == lesson.STEP_KEYS
    out = lesson.write_lesson(results, tmp_path / "lesson.md", epochs_scale=0.02)
    text = out.read_text(encoding="utf-8")
    for step in lesson.STEPS:
        assert step.title in text
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(links) == 4
    for link in links:
        data = (tmp_path / link).read_bytes()
        assert data.startswith(b"\x89PNG")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lesson", "lesson.md"]


def test_main_subset(lesson, tmp_path, capsys):
    out = tmp_path / "short.md"
    assert lesson.main(["--epochs-scale", "0.02", "--seeds", "1", "--steps", "blog,relu",
                        "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    assert "--steps blog,relu" in text and "relu hidden layers" in text


def test_bad_settings(lesson):
    with pytest.raises(ValueError, match="steps"):
        lesson.run_lesson(steps=["nope"])
    with pytest.raises(ValueError, match="epochs_scale"):
        lesson.run_lesson(epochs_scale=0)


def test_committed_document_links_existing_figures():
    doc = ROOT / "docs" / "seed-lesson.md"
    text = doc.read_text(encoding="utf-8")
    assert "the blog's recipe" in text
    for link in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text):
        assert (doc.parent / link).is_file(), link


def test_notebook_runs_end_to_end(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    # A kernel spec of our own that runs *this* interpreter, so the notebook uses the venv
    # whatever python3 kernels the machine or user has registered.
    spec_dir = tmp_path / "jupyter" / "kernels" / "chainrule-test"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "chainrule test", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("MPLBACKEND", "Agg")

    nb = nbformat.read(EXAMPLES / "seed_lesson.ipynb", as_version=4)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    params[0].source = "EPOCHS_SCALE = 0.1\nSEEDS = 1"
    client = nbclient.NotebookClient(nb, kernel_name="chainrule-test", timeout=120,
                                     resources={"metadata": {"path": str(EXAMPLES)}})
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "OK: every checked gradient" in text
    assert "blog" in text and "-> final" in text
    assert any("image/png" in o.get("data", {}) for o in outputs)
