"""The benchmark harness runs and reports every contender (tiny sizes: no timing asserted)."""

import pytest

from chainrule import bench


def test_race_interleaves_and_keeps_the_best():
    calls = []
    best = bench.race({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, 3)
    assert calls == ["a", "b"] * 3
    assert set(best) == {"a", "b"} and all(t >= 0 for t in best.values())


def test_step_and_mlp_benchmarks_cover_the_peers():
    step = bench.bench_step(1, steps=5)
    assert "chainrule" in step and all(t > 0 for t in step.values())
    mlp = bench.bench_mlp(1, [16], n=64)
    assert {"chainrule", "scikit-learn"} <= set(mlp[16])
    assert all(v > 0 for v in mlp[16].values())
    if bench.torch is not None:
        assert "PyTorch" in step and "PyTorch" in mlp[16]


def test_blog_algorithm_reference_matches_the_blog(moons_split):
    Xtr, Xte, ytr, yte = moons_split
    seconds, acc = bench.blog_algorithm(Xtr, ytr, Xte, yte, epochs=3)
    assert seconds > 0 and 0.5 < acc < 0.9  # early in the blog's slow climb


def test_bench_command_help(capsys):
    from chainrule.cli import main

    with pytest.raises(SystemExit):
        main(["bench", "--help"])
    assert "--quick" in capsys.readouterr().out
