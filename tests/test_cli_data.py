"""`chainrule train` on other data, CSV errors at the command line, animation, predict."""

import csv
import json
import shutil

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from PIL import Image

from chainrule.cli import main
from chainrule.plot import CLASS_COLORS


def summary(out):
    return json.loads((out / "summary.json").read_text())


def near(img, color, tol=12):
    target = np.round(np.array(to_rgb(color)) * 255)
    return int(np.count_nonzero(np.all(np.abs(img - target) <= tol, axis=-1)))


def test_digits_defaults_reach_96_percent(tmp_path):
    out = tmp_path / "digits"
    assert main(["train", "--dataset", "digits", "--out", str(out), "--quiet"]) == 0
    s = summary(out)
    assert s["final"]["val_accuracy"] >= 0.96
    assert s["settings"]["hidden"] == [64]
    assert "confusion.png" in s["files"] and "boundary.png" not in s["files"]


def test_three_arm_spiral_draws_three_colours(tmp_path):
    out = tmp_path / "spiral"
    code = main(["train", "--dataset", "spiral", "--classes", "3", "--out", str(out),
                 "--quiet"])
    assert code == 0
    assert summary(out)["final"]["val_accuracy"] >= 0.95
    with Image.open(out / "boundary.png") as im:
        img = np.asarray(im.convert("RGB"), dtype=np.int16)
    for color in CLASS_COLORS[:3]:
        assert near(img, color) > 100, color
    assert near(img, CLASS_COLORS[3]) < 5


def test_animate_writes_a_bounded_gif(tmp_path):
    out = tmp_path / "anim"
    code = main(["train", "--dataset", "xor", "--epochs", "80", "--animate", "--out", str(out),
                 "--quiet", "--no-figures"])
    assert code == 0
    with Image.open(out / "animation.gif") as im:
        assert 2 <= im.n_frames <= 60
        assert im.size[0] > 400


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
def test_animate_also_writes_mp4_with_ffmpeg(tmp_path):
    out = tmp_path / "anim"
    assert main(["train", "--dataset", "xor", "--epochs", "10", "--animate", "--out", str(out),
                 "--quiet", "--no-figures"]) == 0
    assert (out / "animation.mp4").stat().st_size > 1000


@pytest.mark.parametrize("command", [["explain", "--hidden", "2"],
                                     ["gradcheck", "--hidden", "3", "--samples", "1",
                                      "--loss", "cross_entropy"]])
def test_explain_and_gradcheck_on_a_csv_with_string_labels(tmp_path, capsys, command):
    rows = "\n".join(f"{i % 7},{i % 5},{'ab'[i % 2]}" for i in range(40))
    path = write(tmp_path, "u,v,label\n" + rows + "\n")
    assert main([*command, "--dataset", str(path)]) == 0, capsys.readouterr().err


def test_regression_dataset_reports_mae(tmp_path):
    out = tmp_path / "plane"
    assert main(["train", "--dataset", "plane", "--out", str(out), "--quiet"]) == 0
    s = summary(out)
    assert s["task"] == "regression" and s["final"]["val_mae"] < 0.2
    with (out / "history.csv").open() as f:
        assert next(csv.reader(f)) == ["epoch", "loss", "mae", "val_loss", "val_mae"]


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


CSV_ERRORS = [
    ("", "empty"),
    ("x,y,c\n1,2,a\n3,4\n5,6,b\n", "row 3 has 2 fields"),
    ("x,y,c\n1,2,a\n3,oops,b\n5,6,b\n", "row 3, column 'y' (column 2): cannot read 'oops'"),
    ("x,y,c\n1,2,a\n3,4,a\n5,6,a\n", "only one class"),
]


@pytest.mark.parametrize("text, message", CSV_ERRORS)
def test_bad_csv_exits_2_with_one_line(tmp_path, capsys, text, message):
    path = write(tmp_path, text)
    out = tmp_path / "out"
    assert main(["train", "--dataset", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert str(path) in err and message in err
    assert not out.exists()


def test_missing_csv_and_target_column(tmp_path, capsys):
    assert main(["train", "--dataset", str(tmp_path / "nope.csv"), "--quiet"]) == 2
    assert "file not found" in capsys.readouterr().err
    path = write(tmp_path, "x,y,c\n1,2,a\n3,4,b\n")
    assert main(["train", "--dataset", str(path), "--target", "label", "--quiet"]) == 2
    assert "target column 'label' not found" in capsys.readouterr().err


def test_csv_training_and_predict_round_trip(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 2)) * [10, 0.1] + [50, 0]
    species = np.where(X[:, 0] > 50, "tall", "short")
    rows = "\n".join(f"{a:.4f},{b:.4f},{s}" for (a, b), s in zip(X, species, strict=True))
    path = write(tmp_path, "height,width,species\n" + rows + "\n")
    out = tmp_path / "out"
    code = main(["train", "--dataset", str(path), "--target", "species", "--epochs", "60",
                 "--out", str(out), "--quiet"])
    assert code == 0
    s = summary(out)
    assert s["final"]["val_accuracy"] >= 0.9
    # standardized inputs (fitted on train) are replayed by predict from the model file
    new = write(tmp_path, "width,height\n0.0,70\n0.0,30\n", "new.csv")
    capsys.readouterr()
    assert main(["predict", str(out / "model.safetensors"), str(new), "--proba"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "height,width,prediction,p(short),p(tall)"
    assert lines[1].split(",")[2] == "tall" and lines[2].split(",")[2] == "short"
    dest = tmp_path / "pred.csv"
    assert main(["predict", str(out / "model.safetensors"), str(new), "--output",
                 str(dest)]) == 0
    assert dest.read_text().splitlines()[1].endswith(",tall")


def test_predict_regression_in_original_units(tmp_path, capsys):
    x = np.linspace(0, 1, 80)
    path = write(tmp_path, "x,price\n" + "\n".join(f"{a},{1000 + 500 * a}" for a in x) + "\n")
    out = tmp_path / "out"
    assert main(["train", "--dataset", str(path), "--epochs", "150", "--activation", "tanh",
                 "--out", str(out), "--quiet", "--no-figures"]) == 0
    new = write(tmp_path, "x\n0.5\n", "new.csv")
    capsys.readouterr()
    assert main(["predict", str(out / "model.safetensors"), str(new)]) == 0
    value = float(capsys.readouterr().out.splitlines()[1].split(",")[1])
    assert value == pytest.approx(1250, abs=25)


def test_predict_errors(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["train", "--epochs", "2", "--out", str(out), "--quiet", "--no-figures"]) == 0
    bad = write(tmp_path, "a,b\n1,2\n", "bad.csv")
    assert main(["predict", str(out / "model.safetensors"), str(bad)]) == 2
    assert "column 'x1' not found" in capsys.readouterr().err
    junk = write(tmp_path, "not a model", "junk.safetensors")
    assert main(["predict", str(junk), str(bad)]) == 2
    assert "not a valid chainrule model file" in capsys.readouterr().err
    import chainrule as cr

    net = cr.load(out / "model.safetensors")
    net.metadata["pipeline"]["raw_names"] = [1, 2]
    net.save(tmp_path / "hacked.safetensors", metadata=net.metadata)
    assert main(["predict", str(tmp_path / "hacked.safetensors"), str(bad)]) == 2
    assert "input pipeline metadata is damaged" in capsys.readouterr().err
    folder = tmp_path / "folder"
    folder.mkdir()
    good = write(tmp_path, "x1,x2\n0,0\n", "good.csv")
    assert main(["predict", str(out / "model.safetensors"), str(good), "--output",
                 str(folder)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
