"""``chainrule train``: train a network on a dataset and write its figures and files."""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import platform
import shutil
import sys
import time
from pathlib import Path

from .common import (
    CLIError,
    build_network,
    hidden_sizes,
    output_layer,
    positive_float,
    positive_int,
)

HELP = (
    "Train a network and write history.csv, summary.json and figures to an output folder. "
    "With no options: the blog's moons experiment with chainrule's recipe."
)

#: The recipes: settings used for every option the user leaves out.
RECIPES = {
    # chainrule's recipe on the seed's 2-25-50-25-2 network: relu + softmax/cross-entropy,
    # He init, mini-batches of 32 with Adam, the learning rate decaying exponentially from
    # 0.01 to 0.001 over the run (which steadies the last epochs). ~97-98 % in ~0.15 s.
    "chainrule": dict(activation="relu", loss=None, optimizer="adam", lr=0.01, lr_decay=0.1,
                      epochs=60, batch_size=32),
    # The blog: sigmoid everywhere, MSE on one-hot targets, per-sample SGD at lr 0.1, 50
    # epochs, its N(0, 1/n_out) init. (Biases are trained here; the blog forgot them.)
    "seed": dict(activation="sigmoid", loss="mse", optimizer="sgd", lr=0.1,
                 lr_decay=1.0, epochs=50, batch_size=1, init="seed"),
}

#: Defaults for a CSV file under the chainrule recipe (per-dataset ones: data.TRAINING_DEFAULTS).
CSV_DEFAULTS = dict(hidden=[32], activation="relu", epochs=100, lr=0.01, batch_size=32,
                    standardize=True)


def add_arguments(p):
    g = p.add_argument_group("data")
    g.add_argument("--dataset", default="moons",
                   help="built-in dataset name (see chainrule.data.DATASETS) or a CSV file")
    g.add_argument("--target", default=None, help="CSV: name of the target column (default last)")
    g.add_argument("--test-size", type=positive_float, default=0.3,
                   help="fraction of samples held out for validation")
    g.add_argument("--n-samples", type=positive_int, default=None,
                   help="generated datasets: number of samples")
    g.add_argument("--noise", type=float, default=None, help="generated datasets: noise level")
    g.add_argument("--classes", type=positive_int, default=None,
                   help="spiral/blobs: number of classes")
    g.add_argument("--data-seed", type=int, default=None,
                   help="seed of the generated data (default: the dataset's own, moons: 100)")
    g.add_argument("--standardize", action=argparse.BooleanOptionalAction, default=None,
                   help="standardize features with the training split's mean and std "
                   "(default: the dataset's; on for CSV files and tabular data)")
    g.add_argument("--features", default=None,
                   help="2-D data: comma-separated input features, e.g. x1,x2,x1^2,x1*x2,sin(x1)")

    g = p.add_argument_group("network and training")
    g.add_argument("--recipe", choices=sorted(RECIPES), default="chainrule",
                   help="defaults for the options below: chainrule's recipe or the blog's")
    g.add_argument("--hidden", type=hidden_sizes, default=None,
                   help="hidden layer sizes, comma-separated, or 'none' (default: the "
                   "dataset's; moons: 25,50,25 as in the blog)")
    g.add_argument("--activation", default=None, help="hidden activation (default: recipe's)")
    g.add_argument("--output-activation", default=None,
                   help="output activation (default: softmax for classes, sigmoid with "
                   "--loss mse or binary_cross_entropy, linear for values)")
    g.add_argument("--loss", default=None,
                   help="mse, cross_entropy or binary_cross_entropy (default: from the output)")
    g.add_argument("--init", default=None, help="glorot, he or seed (default: per activation)")
    g.add_argument("--optimizer", choices=["adam", "sgd", "rmsprop"], default=None,
                   help="default: the recipe's (adam; the blog's: sgd)")
    g.add_argument("--lr", type=positive_float, default=None,
                   help="(initial) learning rate (default: the dataset's, 0.01 for moons)")
    g.add_argument("--lr-decay", type=positive_float, default=None,
                   help="factor the learning rate is multiplied by over the whole run "
                   "(exponential decay; 1 keeps it constant; default: recipe's)")
    g.add_argument("--momentum", type=float, default=0.0, help="SGD momentum")
    g.add_argument("--weight-decay", type=float, default=0.0, help="L2 penalty on the weights")
    g.add_argument("--epochs", type=positive_int, default=None,
                   help="passes over the training set (default: the dataset's; moons: 60)")
    g.add_argument("--batch-size", type=positive_int, default=None,
                   help="samples per step; 1 is the blog's per-sample SGD (default: 32)")
    g.add_argument("--patience", type=positive_int, default=None,
                   help="stop after this many epochs without val_loss improvement")
    g.add_argument("--seed", type=int, default=0, help="seed of weights and shuffling")
    g.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                   help="precision of the weights and of every computation")

    g = p.add_argument_group("output")
    g.add_argument("--out", default="chainrule-out", help="output folder")
    g.add_argument("--animate", action="store_true",
                   help="also write animation.gif (and animation.mp4 when ffmpeg is installed) "
                   "of the decision boundary during training")
    g.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    g.add_argument("--progress", choices=["auto", "lines", "bar", "none"], default="auto",
                   help="per-epoch lines, a progress bar, or nothing (auto: lines up to 100 "
                   "epochs, else a bar)")
    g.add_argument("--quiet", action="store_true", help="print nothing but errors")


def settings_from(args) -> dict:
    """Every training setting, from the recipe, the dataset defaults and the options."""
    from ..data import TRAINING_DEFAULTS

    s = dict(RECIPES[args.recipe])
    defaults = TRAINING_DEFAULTS.get(str(args.dataset), CSV_DEFAULTS)
    if args.recipe == "seed":
        # the blog's network and recipe whatever the data; only the input scaling follows it
        s.update(hidden=[25, 50, 25], standardize=defaults["standardize"])
    else:
        s.update(defaults)
    for key in ("hidden", "activation", "loss", "init", "optimizer", "lr", "lr_decay", "epochs",
                "batch_size", "standardize"):
        value = getattr(args, key)
        if value is not None:
            s[key] = value
    s["output"] = args.output_activation
    s.setdefault("init", None)
    s.update(momentum=args.momentum, weight_decay=args.weight_decay, seed=args.seed,
             dtype=args.dtype, patience=args.patience)
    return s


def make_optimizer(s, n_train):
    """The optimizer of the settings; ``lr_decay`` spreads over all the run's steps."""
    from .. import SGD, Adam, ExponentialDecay, RMSprop

    lr = s["lr"]
    if not 0 < s["lr_decay"] <= 1:
        raise CLIError(f"--lr-decay must be in (0, 1], got {s['lr_decay']}")
    if s["lr_decay"] != 1:
        steps = s["epochs"] * -(-n_train // min(s["batch_size"], n_train))
        lr = ExponentialDecay(lr, s["lr_decay"], steps)
    if s["optimizer"] == "sgd":
        return SGD(lr, momentum=s["momentum"], weight_decay=s["weight_decay"])
    if s["momentum"]:
        raise CLIError(f"--momentum applies to --optimizer sgd, got --optimizer {s['optimizer']}")
    cls = Adam if s["optimizer"] == "adam" else RMSprop
    return cls(lr, weight_decay=s["weight_decay"])


def load_data(args, s):
    from ..data import DataError, load_dataset

    features = None
    if args.features:
        features = [f.strip() for f in args.features.split(",") if f.strip()]
    try:
        return load_dataset(args.dataset, n_samples=args.n_samples, noise=args.noise,
                            classes=args.classes, seed=args.data_seed, test_size=args.test_size,
                            standardize=s["standardize"], features=features,
                            target=args.target)
    except DataError as exc:
        raise CLIError(str(exc)) from None


def history_csv(history) -> str:
    keys = list(history.history)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["epoch", *keys])
    for i, epoch in enumerate(history.epoch):
        writer.writerow([epoch + 1, *(f"{history.history[k][i]:.6g}" for k in keys)])
    return buf.getvalue()


def run(args) -> int:
    from .. import EarlyStopping, TrainingError
    from .._atomic import write_text

    t_start = time.perf_counter()
    s = settings_from(args)
    ds = load_data(args, s)
    classifier = ds.task == "classification"
    n_targets = ds.y_train.reshape(len(ds.y_train), -1).shape[1]
    output, n_out = output_layer(ds.task, ds.n_classes, n_targets, s["loss"], s["output"])
    net = build_network(ds.n_features, s["hidden"], n_out, s["activation"], output,
                        seed=s["seed"], dtype=s["dtype"], init=s["init"])
    optimizer = make_optimizer(s, len(ds.X_train))
    quiet = args.quiet or args.progress == "none"
    progress = args.progress
    if progress == "auto":
        progress = "lines" if s["epochs"] <= 100 else "bar"
    verbose = 0 if quiet else (2 if progress == "lines" else 1)
    callbacks = []
    if s["patience"]:
        callbacks.append(EarlyStopping(patience=s["patience"], restore_best_weights=True))
    recorder = None
    figures = not args.no_figures
    if args.animate:
        from ..plot import BoundaryRecorder

        if not ds.is_2d:
            raise CLIError(f"--animate needs 2-D data, got {ds.n_features}-D {ds.name!r}")
        recorder = BoundaryRecorder(ds)
        callbacks.append(recorder)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out must be a folder, got the file {str(out)!r}")
    if not quiet:
        print(f"dataset {ds.name}: {len(ds.X_train)} train / {len(ds.X_test)} valid samples, "
              f"{ds.n_features} features" + (f", {ds.n_classes} classes" if classifier else ""))
        print(net.summary())
    try:
        history = net.fit(ds.X_train, ds.y_train, epochs=s["epochs"],
                          batch_size=s["batch_size"], optimizer=optimizer, loss=s["loss"],
                          validation_data=(ds.X_test, ds.y_test), callbacks=callbacks,
                          verbose=verbose, seed=s["seed"], track_gradients=figures)
    except TrainingError as exc:
        raise CLIError(str(exc)) from None
    # the final weights (the best epoch's, after early stopping) on both splits
    final = {f"train_{k}": v for k, v in net.evaluate(ds.X_train, ds.y_train).items()}
    final.update({f"val_{k}": v for k, v in net.evaluate(ds.X_test, ds.y_test).items()})
    bad = {k: v for k, v in final.items() if not math.isfinite(v)}
    if bad:
        raise CLIError(f"training diverged: the final {', '.join(bad)} is not finite "
                       f"({bad}); try a smaller --lr")
    written = ["history.csv", "summary.json", "model.safetensors"]
    write_text(out / "history.csv", history_csv(history))
    net.save(out / "model.safetensors",
             metadata={"dataset": ds.name, "task": ds.task, "pipeline": ds.pipeline(),
                       "settings": {k: v for k, v in s.items() if k != "hidden"}})
    if figures:
        written += write_figures(net, ds, history, out)
    if recorder is not None:
        from ..plot import save_animation

        save_animation(recorder, history, out / "animation.gif")
        written.append("animation.gif")
        if shutil.which("ffmpeg"):  # the same frames as a video, where ffmpeg can encode it
            save_animation(recorder, history, out / "animation.mp4")
            written.append("animation.mp4")
    summary = {
        "dataset": ds.name,
        "task": ds.task,
        "n_train": len(ds.X_train),
        "n_valid": len(ds.X_test),
        "settings": {**s, "loss": net.loss_.name, "output": output,
                     "optimizer_repr": repr(optimizer), "recipe": args.recipe},
        "network": [repr(layer) for layer in net.layers],
        "epochs_run": len(history.epoch),
        # JSON has no inf/NaN: a diverged validation epoch before early stopping is null
        "last_epoch": {k: v[-1] if math.isfinite(v[-1]) else None
                       for k, v in history.history.items()},
        "final": final,
        "train_time_s": history.train_time,
        "wall_time_s": time.perf_counter() - t_start,
        "python": platform.python_version(),
        "files": written,
    }
    write_text(out / "summary.json",
               json.dumps(summary, indent=2, default=str, allow_nan=False) + "\n")
    if not quiet:
        metric = "val_accuracy" if classifier else "val_mae"
        shown = f"{final[metric] * 100:.2f}%" if classifier else f"{final[metric]:.4f}"
        print(f"{metric}: {shown} after {len(history.epoch)} epochs; trained in "
              f"{history.train_time:.3f} s")
        print(f"wrote {', '.join(written)} to {out}/")
    sys.stdout.flush()
    return 0


def write_figures(net, ds, history, out) -> list[str]:
    from .. import plot

    written = []
    jobs = [("dataset.png", lambda p: plot.plot_dataset(ds, p)),
            ("metrics.png", lambda p: plot.plot_metrics(history, p)),
            ("gradient_flow.png", lambda p: plot.plot_gradient_flow(history, p))]
    if ds.is_2d:
        jobs.append(("boundary.png", lambda p: plot.plot_boundary(net, ds, p)))
        if len(net.layers) > 1:
            jobs.append(("hidden_units.png", lambda p: plot.plot_hidden_units(net, ds, p)))
    if ds.task == "classification" and ds.n_classes > 2:
        jobs.append(("confusion.png", lambda p: plot.plot_confusion(net, ds, p)))
    for name, job in jobs:
        job(out / name)
        written.append(name)
    return written
