"""Figures: the data, the learning curves, what the network learned, and how it learned it.

Every function draws on its own :class:`matplotlib.figure.Figure` (no pyplot global state, so
it is safe in threads and servers), writes ``path`` atomically (a temporary file moved into
place) and returns it as a :class:`~pathlib.Path`. The image format comes from the suffix:
``.png``, ``.svg``, ``.pdf``...

2-D pictures draw in the data's own coordinates (``Dataset.raw_*``) and evaluate the network on
a grid through :meth:`chainrule.data.Dataset.transform`, so feature expansion and
standardization are applied exactly as in training.
"""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize, to_rgb
from matplotlib.figure import Figure

from ._atomic import atomic_path
from ._validation import check_int
from .data import REGRESSION_TASK, Dataset
from .train import Callback

#: Class colours, class ``i`` is ``CLASS_COLORS[i % len(CLASS_COLORS)]`` (matplotlib's tab10).
CLASS_COLORS = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
]
#: Colour map of regression values and hidden-unit outputs (blue low, red high).
VALUE_CMAP = "RdBu_r"
#: How strongly a fully confident prediction tints the background (0 white, 1 the class colour);
#: below 1 so that the points drawn on top stay visible.
SHADE_STRENGTH = 0.55
DPI = 100
#: Tile colour of a hidden unit whose output is constant over the plane (e.g. a dead ReLU).
DEAD_GREY = (0.8, 0.8, 0.8)


# ---------------------------------------------------------------------------- helpers


def _save(fig: Figure, path) -> Path:
    """Write ``fig`` to ``path`` atomically, format from the suffix."""
    path = Path(path)
    if not path.suffix:
        raise ValueError(f"path must end in an image suffix such as .png or .svg, got {path}")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=path.suffix[1:].lower(), dpi=fig.dpi)
    return path


def _class_rgb(k: int) -> np.ndarray:
    """``(k, 3)`` RGB rows in [0, 1] of the first ``k`` class colours."""
    return np.array([to_rgb(CLASS_COLORS[i % len(CLASS_COLORS)]) for i in range(k)])


def _shade(P: np.ndarray) -> np.ndarray:
    """Probabilities ``(M, k)`` to background colours ``(M, 3)``.

    The probability-weighted mix of the class colours, faded to white as the prediction gets
    less sure (confidence 0 at ``max p = 1/k``), as TensorFlow Playground does.
    """
    k = P.shape[1]
    mix = P @ _class_rgb(k)
    conf = (P.max(axis=1) - 1 / k) / (1 - 1 / k)
    alpha = SHADE_STRENGTH * np.clip(conf, 0, 1)[:, None]
    return np.clip(1 - alpha * (1 - mix), 0, 1)  # float32 frames can overshoot 1 slightly


def _label_index(ds: Dataset, y) -> np.ndarray:
    """Position of each label of ``y`` in ``ds.classes``."""
    return np.searchsorted(ds.classes, y)


def _require_2d(ds: Dataset, what: str):
    if not isinstance(ds, Dataset):
        raise TypeError(f"ds must be a chainrule.data.Dataset, got {type(ds).__name__}")
    if not ds.is_2d:
        raise ValueError(
            f"{what} needs 2-D raw inputs (or 1-D regression); dataset {ds.name!r} has "
            f"{ds.n_raw} raw columns ({ds.task})"
        )


def _limits(ds: Dataset):
    """Per raw column ``(low, high)`` covering train and test with a 10 % margin."""
    R = np.vstack([ds.raw_train, ds.raw_test])
    lo, hi = R.min(axis=0), R.max(axis=0)
    pad = 0.1 * np.where(hi > lo, hi - lo, 1.0)
    return lo - pad, hi + pad


def _grid(ds: Dataset, resolution: int):
    """Plotting grid: axes values and the raw points ``(resolution**n_raw, n_raw)``."""
    lo, hi = _limits(ds)
    axes = [np.linspace(lo[j], hi[j], resolution) for j in range(ds.n_raw)]
    if ds.n_raw == 1:
        return axes, axes[0].reshape(-1, 1)
    XX, YY = np.meshgrid(axes[0], axes[1])
    return axes, np.column_stack([XX.ravel(), YY.ravel()])


def _extent(axes):
    return (axes[0][0], axes[0][-1], axes[1][0], axes[1][-1])


def _net_inputs(net, ds: Dataset, raw):
    return net.check_X(ds.transform(raw), name="grid inputs")


def _grid_values(net, ds: Dataset, raw) -> np.ndarray:
    """What the background shows: probabilities ``(M, k)`` or regression output ``(M,)``."""
    X = _net_inputs(net, ds, raw)
    if ds.task == REGRESSION_TASK:
        return net.output(X)[:, 0]
    return net.predict_proba(X)


def _value_norm(ds: Dataset) -> Normalize:
    y = np.concatenate([ds.y_train, ds.y_test]).astype(np.float64)
    lo, hi = float(y.min()), float(y.max())
    return Normalize(lo, hi if hi > lo else lo + 1)


def _scatter(ax, ds: Dataset, norm=None, size=18):
    """Train points as circles, test points as triangles; classes or values as colours."""
    for R, y, marker, label in ((ds.raw_train, ds.y_train, "o", "train"),
                                (ds.raw_test, ds.y_test, "^", "test")):
        if ds.n_raw == 1:
            ax.scatter(R[:, 0], y, s=size * 0.6, marker=marker, label=label,
                       color=CLASS_COLORS[0] if label == "train" else CLASS_COLORS[1],
                       edgecolors="none", alpha=0.8)
            continue
        if ds.task == REGRESSION_TASK:
            ax.scatter(R[:, 0], R[:, 1], c=y, cmap=VALUE_CMAP, norm=norm, s=size, marker=marker,
                       edgecolors="k", linewidths=0.3, label=label)
        else:
            colors = _class_rgb(ds.n_classes)[_label_index(ds, y)]
            ax.scatter(R[:, 0], R[:, 1], c=colors, s=size, marker=marker, edgecolors="k",
                       linewidths=0.3, label=label)


def _class_legend(ax, ds: Dataset):
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker="s", linestyle="", color=CLASS_COLORS[i % 10],
                      label=str(c)) for i, c in enumerate(ds.classes)]
    handles += [Line2D([], [], marker="o", linestyle="", color="0.4", label="train"),
                Line2D([], [], marker="^", linestyle="", color="0.4", label="test")]
    ax.legend(handles=handles, fontsize=7, loc="best", framealpha=0.8)


def _axes_labels(ax, ds: Dataset):
    names = ds.raw_names or [f"x{i + 1}" for i in range(ds.n_raw)]
    ax.set_xlabel(names[0])
    ax.set_ylabel(ds.target_name if ds.n_raw == 1 else names[1])


def _pca2(ds: Dataset):
    """Train and test projected on the first two principal components of the standardized train."""
    mean, std = ds.raw_train.mean(axis=0), ds.raw_train.std(axis=0)
    std[std == 0] = 1
    Z = (ds.raw_train - mean) / std
    _, _, Vt = np.linalg.svd(Z, full_matrices=False)
    V = Vt[:2].T
    # NOTE: SVD fixes each component only up to sign; make the largest loading positive so the
    # picture does not flip between platforms.
    V *= np.sign(V[np.argmax(np.abs(V), axis=0), np.arange(V.shape[1])])
    return Z @ V, ((ds.raw_test - mean) / std) @ V


# ---------------------------------------------------------------------------- static figures


def plot_dataset(ds: Dataset, path) -> Path:
    """Scatter the data: classes coloured, train as circles and test as triangles.

    2-D data is drawn in its own coordinates; 2-D regression is coloured by the target and 1-D
    regression drawn as ``y`` against ``x``. Wider data (digits, CSV files...) is projected on
    its first two principal components.

    Parameters
    ----------
    ds : Dataset
    path : str or Path
        Output image; the suffix picks the format.

    Returns
    -------
    Path
    """
    if not isinstance(ds, Dataset):
        raise TypeError(f"ds must be a chainrule.data.Dataset, got {type(ds).__name__}")
    fig = Figure(figsize=(6, 5), dpi=DPI, layout="constrained")
    ax = fig.subplots()
    if ds.is_2d:
        norm = _value_norm(ds) if ds.task == REGRESSION_TASK else None
        _scatter(ax, ds, norm)
        _axes_labels(ax, ds)
        if ds.task == REGRESSION_TASK and ds.n_raw == 2:
            fig.colorbar(ax.collections[0], ax=ax, label=ds.target_name)
    else:
        Ptr, Pte = _pca2(ds)
        view = Dataset(ds.name, ds.task, ds.X_train, ds.X_test, ds.y_train, ds.y_test, Ptr,
                       Pte, ds.feature_names, ds.classes, raw_names=["PC 1", "PC 2"])
        norm = _value_norm(ds) if ds.task == REGRESSION_TASK else None
        _scatter(ax, view, norm, size=10)
        ax.set_xlabel("principal component 1")
        ax.set_ylabel("principal component 2")
        if ds.task == REGRESSION_TASK:
            fig.colorbar(ax.collections[0], ax=ax, label=ds.target_name)
    if ds.classes is not None:
        _class_legend(ax, ds)
    elif ds.n_raw == 1:
        ax.legend(fontsize=8)
    n_tr, n_te = len(ds.raw_train), len(ds.raw_test)
    ax.set_title(f"{ds.name}: {n_tr} train, {n_te} test" + (
        "" if ds.is_2d else f" ({ds.n_raw} columns, PCA view)"))
    return _save(fig, path)


def _history_dict(history) -> dict:
    h = getattr(history, "history", history)
    if not isinstance(h, dict) or not h.get("loss"):
        raise ValueError("history must be a History (or dict of lists) with a non-empty 'loss' "
                         f"list, got {type(history).__name__}")
    return h


def plot_metrics(history, path) -> Path:
    """Loss and accuracy (or mean absolute error) per epoch, train against valid.

    Parameters
    ----------
    history : History or dict of str -> list of float
        ``loss`` is required; ``val_loss``, ``accuracy``/``mae`` and their ``val_`` twins are
        drawn when present.
    path : str or Path

    Returns
    -------
    Path
    """
    h = _history_dict(history)
    metric = "accuracy" if "accuracy" in h else "mae" if "mae" in h else None
    fig = Figure(figsize=(10, 4), dpi=DPI, layout="constrained")
    axes = fig.subplots(1, 2 if metric else 1, squeeze=False)[0]
    panels = [("loss", "loss")] + ([(metric, metric)] if metric else [])
    for ax, (key, title) in zip(axes, panels, strict=True):
        scale = 100 if key == "accuracy" else 1
        for k, label, style in ((key, "train", "-"), (f"val_{key}", "valid", "--")):
            if h.get(k):
                epochs = np.arange(1, len(h[k]) + 1)
                ax.plot(epochs, np.asarray(h[k]) * scale, style, label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel(f"{title} (%)" if key == "accuracy" else title)
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend()
    return _save(fig, path)


def plot_boundary(net, ds: Dataset, path, *, resolution: int = 200) -> Path:
    """What the network predicts over the plane, with the data on top.

    Classification: each point of the plane is shaded by the predicted class probabilities
    (the mix of the class colours, paler where the network is unsure), for any number of
    classes, with the argmax boundaries drawn as lines. 2-D regression: the prediction surface
    in the colours of the targets. 1-D regression: the fitted curve over the data.

    Parameters
    ----------
    net : Network
        Trained on ``ds.X_train``.
    ds : Dataset
        With ``ds.is_2d``.
    path : str or Path
    resolution : int
        Grid points per axis.

    Returns
    -------
    Path
    """
    _require_2d(ds, "plot_boundary")
    resolution = check_int("resolution", resolution, 2)
    axes, raw = _grid(ds, resolution)
    V = _grid_values(net, ds, raw)
    fig = Figure(figsize=(6, 5), dpi=DPI, layout="constrained")
    ax = fig.subplots()
    if ds.n_raw == 1:
        _scatter(ax, ds)
        ax.plot(axes[0], V, color="k", lw=2, label="network")
        ax.legend(fontsize=8)
        title = f"{ds.name}: fitted curve"
    elif ds.task == REGRESSION_TASK:
        norm = _value_norm(ds)
        im = ax.imshow(V.reshape(resolution, resolution), origin="lower", extent=_extent(axes),
                       aspect="auto", cmap=VALUE_CMAP, norm=norm, alpha=0.8)
        _scatter(ax, ds, norm, size=12)
        fig.colorbar(im, ax=ax, label=ds.target_name)
        title = f"{ds.name}: prediction surface"
    else:
        img = _shade(V).reshape(resolution, resolution, 3)
        ax.imshow(img, origin="lower", extent=_extent(axes), aspect="auto")
        k = V.shape[1]
        label = np.argmax(V, axis=1).reshape(resolution, resolution)
        if k > 1 and label.min() != label.max():
            ax.contour(axes[0], axes[1], label, levels=np.arange(k - 1) + 0.5, colors="0.25",
                       linewidths=0.8)
        _scatter(ax, ds)
        _class_legend(ax, ds)
        acc = np.mean(net.predict(net.check_X(ds.X_test)) == ds.y_test)
        title = f"{ds.name}: decision boundary (test accuracy {acc:.1%})"
    _axes_labels(ax, ds)
    ax.set_title(title, fontsize=10)
    return _save(fig, path)


def plot_hidden_units(net, ds: Dataset, path, *, resolution: int = 48,
                      columns: int = 10) -> Path:
    """Every hidden unit's output over the input plane, as TensorFlow Playground shows.

    One panel per hidden layer, one tile per unit (blue low, red high, each tile scaled to its
    own range; a plain grey tile is a unit that outputs a constant, e.g. a dead ReLU). For 1-D
    inputs each layer's panel draws every unit's output as a curve.

    Parameters
    ----------
    net : Network
        With at least one hidden layer (every layer but the last).
    ds : Dataset
        With ``ds.is_2d``.
    path : str or Path
    resolution : int
        Grid points per axis of each tile.
    columns : int
        Tiles per row.

    Returns
    -------
    Path
    """
    _require_2d(ds, "plot_hidden_units")
    resolution = check_int("resolution", resolution, 2)
    columns = check_int("columns", columns, 1)
    hidden = net.layers[:-1]
    if not hidden:
        raise ValueError("plot_hidden_units needs a network with at least one hidden layer, got "
                         f"{len(net.layers)} layer(s)")
    axes_values, raw = _grid(ds, resolution)
    A = _net_inputs(net, ds, raw)
    outputs = []
    for layer in hidden:
        A, _ = layer.forward(A)
        outputs.append(A)

    if ds.n_raw == 1:
        fig = Figure(figsize=(4 * len(hidden), 3.5), dpi=DPI, layout="constrained")
        axs = fig.subplots(1, len(hidden), squeeze=False)[0]
        for i, (ax, layer, out) in enumerate(zip(axs, hidden, outputs, strict=True)):
            ax.plot(axes_values[0], out, lw=1)
            ax.set_title(f"layer {i + 1}: {layer.n_out} {layer.activation.name} units",
                         fontsize=9)
            ax.set_xlabel((ds.raw_names or ["x"])[0])
        return _save(fig, path)

    from matplotlib import colormaps

    cmap = colormaps[VALUE_CMAP]
    gap = max(2, resolution // 16)
    mosaics = []
    for out in outputs:
        n = out.shape[1]
        cols = min(columns, n)
        rows = math.ceil(n / cols)
        tile = resolution + gap
        mosaic = np.ones((rows * tile - gap, cols * tile - gap, 3))
        lo, hi = out.min(axis=0), out.max(axis=0)
        flat = hi - lo <= 1e-12
        scaled = (out - lo) / np.where(flat, 1.0, hi - lo)
        for u in range(n):
            r, c = divmod(u, cols)
            img = scaled[:, u].reshape(resolution, resolution)[::-1]  # row 0 is the top
            rgb = DEAD_GREY if flat[u] else cmap(img)[..., :3]
            mosaic[r * tile : r * tile + resolution, c * tile : c * tile + resolution] = rgb
        mosaics.append((mosaic, rows, cols))
    width = max(cols for _, _, cols in mosaics)
    heights = [rows for _, rows, _ in mosaics]
    fig = Figure(figsize=(max(4.0, 0.8 * width), 0.8 * sum(heights) + 0.45 * len(hidden) + 0.3),
                 dpi=DPI, layout="constrained")
    axs = fig.subplots(len(hidden), 1, squeeze=False, height_ratios=heights)[:, 0]
    for i, (ax, layer, (mosaic, rows, cols)) in enumerate(
        zip(axs, hidden, mosaics, strict=True)
    ):
        ax.imshow(mosaic, interpolation="nearest", extent=(0, cols, rows, 0))
        ax.set_xlim(0, width)
        ax.set_axis_off()
        ax.set_title(f"layer {i + 1}: {layer.n_out} {layer.activation.name} units", fontsize=9,
                     loc="left")
    fig.suptitle(f"{ds.name}: hidden-unit outputs over the input plane", fontsize=10)
    return _save(fig, path)


def plot_gradient_flow(history, path) -> Path:
    """Mean weight-gradient norm of each layer per epoch, on a log scale.

    The picture that shows vanishing gradients: with the seed's four sigmoid layers under MSE
    the first layers' lines sit orders of magnitude below the last.

    Parameters
    ----------
    history : History
        From ``fit(..., track_gradients=True)``; ``history.grad_norms`` is a list (epochs) of
        lists (layers, input first).
    path : str or Path

    Returns
    -------
    Path
    """
    norms = getattr(history, "grad_norms", None)
    if not norms:
        raise ValueError("history has no grad_norms; train with fit(..., track_gradients=True)")
    G = np.asarray(norms, dtype=np.float64)
    if G.ndim != 2:
        raise ValueError(f"history.grad_norms must be a list of equal-length lists, got shape "
                         f"{G.shape}")
    # Log axes cannot show zeros (a layer with no gradient at all): leave those points out.
    G = np.where(G > 0, G, np.nan)
    fig = Figure(figsize=(7, 4.5), dpi=DPI, layout="constrained")
    ax = fig.subplots()
    epochs = np.arange(1, len(G) + 1)
    for j in range(G.shape[1]):
        ax.plot(epochs, G[:, j], marker="." if len(G) < 30 else None, label=f"layer {j + 1}")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean ||dW|| per batch")
    ax.set_title("gradient flow: weight-gradient norm per layer")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_confusion(net, ds: Dataset, path) -> Path:
    """Confusion matrix of the network on the test split (rows true, columns predicted).

    Parameters
    ----------
    net : Network
    ds : Dataset
        A classification dataset.
    path : str or Path

    Returns
    -------
    Path
    """
    if not isinstance(ds, Dataset):
        raise TypeError(f"ds must be a chainrule.data.Dataset, got {type(ds).__name__}")
    if ds.classes is None:
        raise ValueError(f"plot_confusion needs a classification dataset, got {ds.name!r} "
                         f"({ds.task})")
    k = ds.n_classes
    pred = net.predict(net.check_X(ds.X_test))
    true_i = _label_index(ds, ds.y_test)
    pred_i = np.searchsorted(ds.classes, pred)
    known = (pred_i < k) & (ds.classes[np.minimum(pred_i, k - 1)] == pred)
    if not np.all(known):
        raise ValueError(f"the network predicts label {pred[~known][0]!r}, which is not one of "
                         f"the dataset's classes {ds.classes.tolist()}")
    M = np.zeros((k, k), dtype=np.int64)
    np.add.at(M, (true_i, pred_i), 1)
    size = min(10.0, 3 + 0.45 * k)
    fig = Figure(figsize=(size + 1, size), dpi=DPI, layout="constrained")
    ax = fig.subplots()
    im = ax.imshow(M, cmap="Blues")
    fig.colorbar(im, ax=ax, label="test rows")
    if k <= 30:
        for (i, j), n in np.ndenumerate(M):
            ax.text(j, i, str(n), ha="center", va="center", fontsize=8,
                    color="white" if n > M.max() / 2 else "black")
    labels = [str(c) for c in ds.classes]
    ax.set_xticks(range(k), labels, rotation=45 if k > 10 else 0, fontsize=8)
    ax.set_yticks(range(k), labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{ds.name}: confusion matrix, test accuracy {np.trace(M) / M.sum():.1%}")
    return _save(fig, path)


# ---------------------------------------------------------------------------- animation


class BoundaryRecorder(Callback):
    """Callback that records what the network predicts over the plane during training.

    Frames are kept at evenly spaced epochs and never more than ``max_frames``: every epoch is
    recorded at first, and whenever the count would pass ``max_frames`` every other frame is
    dropped and the spacing doubles. The last epoch is always recorded.

    Parameters
    ----------
    ds : Dataset
        With ``ds.is_2d``; the network is trained on ``ds.X_train``.
    max_frames : int
        Upper bound on recorded frames (>= 2).
    resolution : int
        Grid points per axis.

    Attributes
    ----------
    frames : list of (int, ndarray)
        ``(epoch, values)``: probabilities ``(resolution**2, k)`` (classification), predictions
        ``(resolution**2,)`` (2-D regression) or ``(resolution,)`` (1-D).
    losses, val_losses : list of float
        The loss of every epoch (``val_losses`` when validation data was given).
    """

    def __init__(self, ds: Dataset, max_frames: int = 60, resolution: int = 80):
        _require_2d(ds, "BoundaryRecorder")
        self.ds = ds
        self.max_frames = check_int("max_frames", max_frames, 2)
        self.resolution = check_int("resolution", resolution, 2)
        self.axes, self._raw = _grid(ds, self.resolution)
        self.frames: list[tuple[int, np.ndarray]] = []
        self.losses: list[float] = []
        self.val_losses: list[float] = []
        self.stride = 1
        self._last_epoch = None

    def on_train_begin(self, logs=None):
        self.frames, self.losses, self.val_losses, self.stride = [], [], [], 1
        self._last_epoch = None

    def _record(self, epoch):
        V = _grid_values(self.network, self.ds, self._raw).astype(np.float32)
        self.frames.append((epoch, V))

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.losses.append(float(logs.get("loss", math.nan)))
        if "val_loss" in logs:
            self.val_losses.append(float(logs["val_loss"]))
        self._last_epoch = epoch
        if epoch % self.stride:
            return
        self._record(epoch)
        if len(self.frames) > self.max_frames:
            # Kept frames sit at multiples of the doubled stride: still evenly spaced.
            self.frames = self.frames[::2]
            self.stride *= 2

    def on_train_end(self, logs=None):
        if self._last_epoch is None or (self.frames and self.frames[-1][0] == self._last_epoch):
            return
        if len(self.frames) >= self.max_frames:
            self.frames.pop()
        self._record(self._last_epoch)


def save_animation(recorder: BoundaryRecorder, history, path, *, fps: float = 8) -> Path:
    """Animate the recorded boundary, with the loss curve beside it, as a GIF or MP4.

    Parameters
    ----------
    recorder : BoundaryRecorder
        Passed to ``fit(..., callbacks=[recorder])``.
    history : History or None
        For the loss curves (train and valid); None uses the losses the recorder saw.
    path : str or Path
        ``.gif`` (Pillow) or ``.mp4`` (needs ``ffmpeg`` on PATH).
    fps : float
        Frames per second; the last frame is held for a second.

    Returns
    -------
    Path
    """
    if not isinstance(recorder, BoundaryRecorder):
        raise TypeError(f"recorder must be a BoundaryRecorder, got {type(recorder).__name__}")
    if not recorder.frames:
        raise ValueError("recorder has no frames; pass it to fit(..., callbacks=[recorder]) "
                         "first")
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".gif", ".mp4"):
        raise ValueError(f"path must end in .gif or .mp4, got {str(path)!r}")
    if not (isinstance(fps, (int, float)) and 0 < fps <= 100):
        raise ValueError(f"fps must be a number in (0, 100], got {fps!r}")
    ffmpeg = None
    if suffix == ".mp4":
        ffmpeg = shutil.which("ffmpeg")
        if ffmpeg is None:
            raise ValueError(f"writing {str(path)!r} needs ffmpeg on PATH and none was found; "
                             "install ffmpeg or write a .gif instead")
    h = getattr(history, "history", history) if history is not None else None
    train = list(h["loss"]) if h and h.get("loss") else recorder.losses
    valid = list(h["val_loss"]) if h and h.get("val_loss") else recorder.val_losses
    images = _render_frames(recorder, train, valid)

    with atomic_path(path) as tmp:
        if ffmpeg is None:
            _write_gif(images, tmp, fps)
        else:
            _write_mp4(images, tmp, fps, ffmpeg)
    return path


def _render_frames(rec: BoundaryRecorder, train, valid) -> list[np.ndarray]:
    """One RGB image ``(H, W, 3)`` uint8 per recorded frame; the figure is drawn once."""
    ds = rec.ds
    fig = Figure(figsize=(9, 4), dpi=80, layout="constrained")
    canvas = FigureCanvasAgg(fig)
    ax, ax_loss = fig.subplots(1, 2, width_ratios=[1, 1.1])
    res = rec.resolution
    first = rec.frames[0][1]
    if ds.n_raw == 1:
        _scatter(ax, ds, size=12)
        (artist,) = ax.plot(rec.axes[0], first, color="k", lw=2)
        y = np.concatenate([ds.y_train, ds.y_test])
        ax.set_ylim(y.min() - 0.2 * np.ptp(y), y.max() + 0.2 * np.ptp(y))
    elif ds.task == REGRESSION_TASK:
        norm = _value_norm(ds)
        artist = ax.imshow(first.reshape(res, res), origin="lower", extent=_extent(rec.axes),
                           aspect="auto", cmap=VALUE_CMAP, norm=norm)
        _scatter(ax, ds, norm, size=12)
    else:
        artist = ax.imshow(_shade(first).reshape(res, res, 3), origin="lower",
                           extent=_extent(rec.axes), aspect="auto")
        _scatter(ax, ds, size=12)
    _axes_labels(ax, ds)
    # a real title before the layout is solved, so the layout leaves room for it
    title = ax.set_title(f"{ds.name}: epoch {rec.frames[-1][0] + 1}", fontsize=10)

    epochs = np.arange(1, len(train) + 1)
    ax_loss.plot(epochs, train, label="train loss")
    if valid:
        ax_loss.plot(np.arange(1, len(valid) + 1), valid, "--", label="valid loss")
    (marker,) = ax_loss.plot([], [], "o", color="k")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("loss")
    if len(train) and np.all(np.asarray(train) > 0):
        ax_loss.set_yscale("log")
    ax_loss.grid(alpha=0.3, which="both")
    ax_loss.legend(fontsize=8)

    canvas.draw()
    # NOTE: constrained layout re-solves on every draw; the layout of frame 0 fits them all.
    fig.set_layout_engine("none")
    images = []
    for epoch, V in rec.frames:
        if ds.n_raw == 1:
            artist.set_ydata(V)
        elif ds.task == REGRESSION_TASK:
            artist.set_data(V.reshape(res, res))
        else:
            artist.set_data(_shade(V.astype(np.float64)).reshape(res, res, 3))
        title.set_text(f"{ds.name}: epoch {epoch + 1}")
        if epoch < len(train):
            marker.set_data([epoch + 1], [train[epoch]])
        canvas.draw()
        images.append(np.asarray(canvas.buffer_rgba())[..., :3].copy())
    return images


def _write_gif(images, tmp, fps):
    from PIL import Image

    frames = [Image.fromarray(img) for img in images]
    durations = [round(1000 / fps)] * len(frames)
    durations[-1] = max(durations[-1], 1000)
    frames[0].save(tmp, format="GIF", save_all=True, append_images=frames[1:],
                   duration=durations, loop=0)


def _write_mp4(images, tmp, fps, ffmpeg):
    h, w, _ = images[0].shape
    cmd = [ffmpeg, "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
           "-s", f"{w}x{h}", "-r", str(fps), "-i", "-",
           # yuv420p (what players expect) needs even sizes.
           "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-pix_fmt", "yuv420p", "-f", "mp4", str(tmp)]
    data = b"".join(img.tobytes() for img in images)
    proc = subprocess.run(cmd, input=data, capture_output=True, check=False)
    if proc.returncode != 0:
        msg = proc.stderr.decode(errors="replace").strip().splitlines()
        raise RuntimeError(f"ffmpeg failed with status {proc.returncode}: "
                           f"{msg[-1] if msg else 'no message'}")
