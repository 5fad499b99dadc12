"""Figures: open the written files and check size, frames and colours."""

import os

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from PIL import Image

import chainrule as cr
from chainrule import plot
from chainrule.data import load_dataset
from chainrule.plot import CLASS_COLORS, SHADE_STRENGTH, BoundaryRecorder


def _pixels(path):
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.int16)


def _count_near(img, color, tol=10):
    """Pixels within ``tol`` (per channel, 0-255) of ``color``."""
    target = np.round(np.array(to_rgb(color)) * 255).astype(np.int16)
    return int(np.count_nonzero(np.all(np.abs(img - target) <= tol, axis=-1)))


def _shade_of(color):
    """The background colour of a region the network is sure belongs to ``color``'s class."""
    return tuple(1 - SHADE_STRENGTH * (1 - np.array(to_rgb(color))))


def _train(ds, hidden, epochs, callbacks=(), track_gradients=False, lr=0.02, act="tanh"):
    sizes = [ds.n_features, *hidden]
    layers = [cr.Dense(a, b, act) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    out = (ds.n_classes, "softmax") if ds.classes is not None else (1, "linear")
    net = cr.Network([*layers, cr.Dense(sizes[-1], *out)], seed=0)
    hist = net.fit(ds.X_train, ds.y_train, epochs=epochs, optimizer=cr.Adam(lr=lr),
                   validation_data=(ds.X_test, ds.y_test), callbacks=list(callbacks),
                   track_gradients=track_gradients, seed=0)
    return net, hist


@pytest.fixture(scope="module")
def spiral3():
    """A three-arm spiral with a trained network, its history and a boundary recording."""
    ds = load_dataset("spiral", classes=3, n_samples=300)
    rec = BoundaryRecorder(ds, max_frames=7, resolution=30)
    net, hist = _train(ds, [32, 32], epochs=40, callbacks=[rec], track_gradients=True,
                       act="relu")
    return ds, net, hist, rec


@pytest.fixture(scope="module")
def sine():
    ds = load_dataset("sine", n_samples=200)
    return (ds, *_train(ds, [8], epochs=30))


def test_dataset_scatter_shows_every_class(tmp_path, spiral3):
    ds = spiral3[0]
    out = plot.plot_dataset(ds, tmp_path / "data.png")
    assert out == tmp_path / "data.png"
    img = _pixels(out)
    assert img.shape == (500, 600, 3)
    for color in CLASS_COLORS[:3]:
        assert _count_near(img, color) > 30, color
    assert _count_near(img, CLASS_COLORS[3]) < 5  # no fourth class drawn


def test_boundary_has_each_class_colour_in_points_and_regions(tmp_path, spiral3):
    ds, net = spiral3[:2]
    assert net.evaluate(ds.X_test, ds.y_test)["accuracy"] > 0.9
    img = _pixels(plot.plot_boundary(net, ds, tmp_path / "boundary.png", resolution=80))
    assert img.shape == (500, 600, 3)
    for color in CLASS_COLORS[:3]:
        assert _count_near(img, color) > 30, color  # point markers
        assert _count_near(img, _shade_of(color), tol=14) > 2000, color  # confident regions
    assert _count_near(img, CLASS_COLORS[3]) < 5
    assert _count_near(img, _shade_of(CLASS_COLORS[3]), tol=14) < 50


def test_binary_boundary_shades_two_regions(tmp_path):
    ds = load_dataset("gaussian", n_samples=100)
    net, _ = _train(ds, [4], epochs=20)
    img = _pixels(plot.plot_boundary(net, ds, tmp_path / "b.png", resolution=40))
    for color in CLASS_COLORS[:2]:
        assert _count_near(img, _shade_of(color), tol=14) > 5000
    assert _count_near(img, _shade_of(CLASS_COLORS[2]), tol=14) < 50


def test_regression_boundaries(tmp_path, sine):
    ds, net, _ = sine
    img = _pixels(plot.plot_boundary(net, ds, tmp_path / "curve.png"))
    assert img.shape == (500, 600, 3)
    assert _count_near(img, "#000000", tol=40) > 300  # the fitted curve is drawn in black
    gauss = load_dataset("gauss", n_samples=150)
    gnet, _ = _train(gauss, [8], epochs=5)
    img = _pixels(plot.plot_boundary(gnet, gauss, tmp_path / "surface.png", resolution=30))
    assert img.shape == (500, 600, 3)


def test_metrics_curves(tmp_path, spiral3):
    img = _pixels(plot.plot_metrics(spiral3[2], tmp_path / "metrics.png"))
    assert img.shape == (400, 1000, 3)
    # Train is drawn in the first default colour, valid in the second.
    assert _count_near(img, CLASS_COLORS[0], tol=30) > 200
    assert _count_near(img, CLASS_COLORS[1], tol=30) > 100
    only_loss = plot.plot_metrics({"loss": [1.0, 0.5]}, tmp_path / "loss.png")
    assert _pixels(only_loss).shape == (400, 1000, 3)
    with pytest.raises(ValueError, match="history must be"):
        plot.plot_metrics({"accuracy": [0.5]}, tmp_path / "bad.png")


def test_gradient_flow_needs_tracked_gradients(tmp_path, spiral3):
    hist = spiral3[2]
    assert len(hist.grad_norms) == 40 and len(hist.grad_norms[0]) == 3
    img = _pixels(plot.plot_gradient_flow(hist, tmp_path / "grads.png"))
    assert img.shape == (450, 700, 3)
    for color in CLASS_COLORS[:3]:  # one line per layer
        assert _count_near(img, color, tol=30) > 100
    with pytest.raises(ValueError, match="track_gradients=True"):
        plot.plot_gradient_flow(cr.History(), tmp_path / "none.png")
    assert not (tmp_path / "none.png").exists()


def test_hidden_units_show_one_tile_per_unit(tmp_path, spiral3):
    ds, net = spiral3[:2]
    small = plot.plot_hidden_units(net, ds, tmp_path / "h.png", resolution=20)
    assert _pixels(small).shape[1] >= 400
    # The image grows with the number of tiles: two layers of 32 units are 4 rows each.
    rows = _pixels(small).shape[0]
    wide = cr.Network([cr.Dense(2, 50, "relu"), cr.Dense(50, 3, "softmax")], seed=0)
    wide.classes_ = ds.classes
    taller = _pixels(plot.plot_hidden_units(wide, ds, tmp_path / "w.png", resolution=20))
    assert taller.shape[0] < rows  # one layer of 5 rows is shorter than two of 4
    flat = cr.Network([cr.Dense(2, 3, "softmax")], seed=0)
    with pytest.raises(ValueError, match="at least one hidden layer"):
        plot.plot_hidden_units(flat, ds, tmp_path / "x.png")


def test_hidden_units_of_one_dimensional_inputs(tmp_path, sine):
    ds, net, _ = sine
    img = _pixels(plot.plot_hidden_units(net, ds, tmp_path / "h1.png"))
    assert img.shape == (350, 400, 3)


def test_confusion_matrix(tmp_path, spiral3):
    ds, net = spiral3[:2]
    img = _pixels(plot.plot_confusion(net, ds, tmp_path / "cm.png"))
    assert img.shape[0] > 300
    with pytest.raises(ValueError, match="classification dataset"):
        plot.plot_confusion(net, load_dataset("plane", n_samples=20), tmp_path / "cm2.png")


def test_wide_data_is_drawn_by_principal_components(tmp_path):
    ds = load_dataset("iris")
    img = _pixels(plot.plot_dataset(ds, tmp_path / "iris.png"))
    for color in CLASS_COLORS[:3]:
        assert _count_near(img, color) > 10
    with pytest.raises(ValueError, match=r"2-D raw inputs.*'iris' has 4 raw columns"):
        plot.plot_boundary(None, ds, tmp_path / "nope.png")
    with pytest.raises(ValueError, match="BoundaryRecorder needs 2-D"):
        BoundaryRecorder(ds)


def test_recorder_keeps_evenly_spaced_bounded_frames(spiral3):
    rec = spiral3[3]
    epochs = [e for e, _ in rec.frames]
    assert len(epochs) <= 7
    assert epochs[0] == 0 and epochs[-1] == 39  # first and last epoch
    steps = np.diff(epochs[:-1])
    assert np.all(steps == steps[0])
    assert rec.frames[0][1].shape == (30 * 30, 3)
    assert np.allclose(rec.frames[-1][1].sum(axis=1), 1, atol=1e-5)
    assert len(rec.losses) == 40 and len(rec.val_losses) == 40


@pytest.mark.parametrize(("epochs", "max_frames"), [(1, 2), (5, 60), (33, 4), (64, 8)])
def test_recorder_frame_count_never_exceeds_max(epochs, max_frames):
    ds = load_dataset("moons", n_samples=40)
    rec = BoundaryRecorder(ds, max_frames=max_frames, resolution=4)
    _train(ds, [3], epochs=epochs, callbacks=[rec])
    assert 1 <= len(rec.frames) <= max_frames
    assert rec.frames[-1][0] == epochs - 1
    assert len(rec.frames) == min(epochs, max_frames) or len(rec.frames) >= max_frames // 2


def test_animation_gif_frames_size_and_colours(tmp_path, spiral3):
    ds, net, hist, rec = spiral3
    out = plot.save_animation(rec, hist, tmp_path / "train.gif")
    with Image.open(out) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == len(rec.frames)
        assert gif.size == (720, 320)
        gif.seek(gif.n_frames - 1)
        last = np.asarray(gif.convert("RGB"), dtype=np.int16)
    for color in CLASS_COLORS[:3]:
        assert _count_near(last, color, tol=24) > 20, color  # GIF palettes shift colours
    # Without a history the recorder's own losses draw the curve.
    plot.save_animation(rec, None, tmp_path / "again.gif")


def test_animation_of_regression(tmp_path):
    ds = load_dataset("sine", n_samples=60)
    rec = BoundaryRecorder(ds, max_frames=3, resolution=20)
    _, hist = _train(ds, [4], epochs=6, callbacks=[rec])
    with Image.open(plot.save_animation(rec, hist, tmp_path / "s.gif")) as gif:
        assert gif.n_frames == len(rec.frames) == 3


def test_animation_errors(tmp_path, spiral3, monkeypatch):
    ds, net, hist, rec = spiral3
    with pytest.raises(ValueError, match=r"must end in \.gif or \.mp4"):
        plot.save_animation(rec, hist, tmp_path / "a.avi")
    with pytest.raises(ValueError, match="no frames"):
        plot.save_animation(BoundaryRecorder(ds), hist, tmp_path / "a.gif")
    with pytest.raises(ValueError, match="max_frames must be >= 2"):
        BoundaryRecorder(ds, max_frames=1)
    monkeypatch.setattr(plot.shutil, "which", lambda name: None)
    with pytest.raises(ValueError, match="ffmpeg"):
        plot.save_animation(rec, hist, tmp_path / "a.mp4")
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(plot.shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
def test_animation_mp4(tmp_path, spiral3):
    rec, hist = spiral3[3], spiral3[2]
    out = plot.save_animation(rec, hist, tmp_path / "a.mp4")
    assert out.stat().st_size > 1000
    ffprobe = plot.shutil.which("ffprobe")
    if ffprobe:
        import subprocess

        probe = subprocess.run([ffprobe, "-v", "error", "-count_frames", "-show_entries",
                                "stream=nb_read_frames,width,height", "-of", "csv=p=0", str(out)],
                               capture_output=True, text=True, check=True).stdout.strip()
        assert probe == f"720,320,{len(rec.frames)}"


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, spiral3,
                                                                  monkeypatch):
    ds, net = spiral3[:2]
    path = tmp_path / "boundary.png"
    path.write_bytes(b"old")

    def broken(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(plot.Figure, "savefig", broken)
    with pytest.raises(OSError, match="disk full"):
        plot.plot_boundary(net, ds, path, resolution=10)
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["boundary.png"]


def test_path_needs_a_suffix_and_folders_are_created(tmp_path, spiral3):
    with pytest.raises(ValueError, match="image suffix"):
        plot.plot_metrics(spiral3[2], tmp_path / "metrics")
    out = plot.plot_metrics(spiral3[2], tmp_path / "new" / "dir" / "m.svg")
    assert out.read_text().lstrip().startswith("<?xml")
