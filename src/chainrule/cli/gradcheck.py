"""``chainrule gradcheck``: back-propagation against finite differences, per tensor."""

from __future__ import annotations

import argparse

from .common import (
    CLIError,
    build_network,
    hidden_sizes,
    output_layer,
    positive_float,
    positive_int,
)

HELP = ("Check a network's back-propagated gradient against central finite differences "
        "(exit 1 if a gradient is wrong).")

def add_network_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by gradcheck and explain: the network, its loss and the data."""
    from ..activations import ACTIVATIONS
    from ..layers import INITIALIZERS
    from ..losses import LOSSES

    parser.add_argument("--hidden", type=hidden_sizes, default=[25, 50, 25],
                        help="hidden layer sizes, comma-separated (default: the seed's "
                        "2-25-50-25-2 network); 'none' for no hidden layer")
    parser.add_argument("--activation", default="sigmoid", choices=sorted(ACTIVATIONS),
                        help="activation of the hidden layers")
    parser.add_argument("--output-activation", default=None,
                        choices=sorted(ACTIVATIONS),
                        help="activation of the output layer (default from --loss: softmax "
                        "for cross_entropy, sigmoid for mse and binary_cross_entropy)")
    parser.add_argument("--loss", default="mse", choices=sorted(LOSSES), help="loss function")
    parser.add_argument("--init", default=None, choices=sorted(INITIALIZERS),
                        help="weight initializer (default: he for relu/leaky_relu, else glorot)")
    parser.add_argument("--dataset", default="moons",
                        help="dataset (a chainrule.data name or a CSV path) whose training "
                        "split supplies the samples; moons is the seed's")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weight init")
    parser.add_argument("--eps", type=positive_float, default=1e-6,
                        help="finite-difference step")


def load_training_data(name: str):
    """``(X_train, y_train, task)`` of a dataset of :func:`chainrule.data.load_dataset`.

    ``moons`` (the default) is the seed's: ``make_moons(1000, noise=0.2,
    random_state=100)`` with a 30 % test split (``random_state=42``).
    """
    from ..data import load_dataset

    try:
        data = load_dataset(name)
    except ValueError as exc:
        raise CLIError(f"--dataset: {exc}") from None
    return data.X_train, data.y_train, data.task


def network_from_args(args, n_in: int, y, task: str, dtype="float64"):
    """The network the options describe, its classes set from all of ``y``.

    The classes come from the whole training split, so a few checked samples (or the one
    that ``explain`` follows) need not contain every class.
    """
    import numpy as np

    classes = np.unique(y) if task == "classification" else None
    n_targets = 1 if y.ndim == 1 else y.shape[1]
    output, n_out = output_layer(task, None if classes is None else len(classes), n_targets,
                                 args.loss, args.output_activation)
    net = build_network(n_in, args.hidden, n_out, args.activation, output, args.seed,
                        dtype=dtype, init=args.init)
    net.classes_ = classes
    return net


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_network_arguments(parser)
    parser.add_argument("--samples", type=positive_int, default=16,
                        help="training rows the loss is averaged over")
    parser.add_argument("--dtype", default="float64", choices=["float32", "float64"],
                        help="network precision (the check runs on a float64 copy)")
    parser.add_argument("--tol", type=positive_float, default=1e-6,
                        help="largest relative error accepted")
    parser.add_argument("--max-checks", type=positive_int, default=4000,
                        help="parameters to check at most (sampled per tensor beyond this)")


def run(args) -> int:
    from ..gradcheck import gradcheck

    X, y, task = load_training_data(args.dataset)
    net = network_from_args(args, X.shape[1], y, task, dtype=args.dtype)
    print(net.summary())
    report = gradcheck(net, X[: args.samples], y[: args.samples], loss=args.loss,
                       eps=args.eps, tol=args.tol, max_checks=args.max_checks, seed=args.seed)
    print(report)
    return 0 if report.ok else 1
