"""Argument types and helpers shared by the subcommands."""

from __future__ import annotations

import argparse


class CLIError(Exception):
    """A user error: printed as one line, exit status 2."""


def hidden_sizes(text: str) -> list[int]:
    """``"25,50,25"`` -> ``[25, 50, 25]``; ``""`` or ``"none"`` -> no hidden layer."""
    if text.strip().lower() in ("", "none"):
        return []
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--hidden must be comma-separated positive integers like 25,50,25, got {text!r}"
        ) from None
    if any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(f"--hidden sizes must be >= 1, got {text!r}")
    return sizes


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text!r}")
    return value


#: The output activation a loss implies for class labels; mse keeps the blog's sigmoid units.
OUTPUT_FOR_LOSS = {"mse": "sigmoid", "cross_entropy": "softmax",
                   "binary_cross_entropy": "sigmoid"}


def output_layer(task, n_classes, n_targets, loss=None, output=None):
    """``(activation, units)`` of the output layer for the data and the chosen loss.

    Regression: linear units, one per target column (loss must be mse). Classes: softmax
    (cross-entropy) by default, the loss's own output otherwise, and a single sigmoid
    unit for binary cross-entropy on two classes. An explicit ``output`` wins; a loss
    that does not fit it is refused later with the engine's own message.
    """
    if task == "regression":
        if loss not in (None, "mse"):
            raise CLIError(f"--loss must be mse for a regression dataset, got {loss!r}")
        return output or "linear", n_targets
    activation = output or OUTPUT_FOR_LOSS.get(loss, "softmax")
    if loss == "binary_cross_entropy":
        if n_classes != 2:
            raise CLIError(f"--loss binary_cross_entropy needs 2 classes, got {n_classes}")
        return activation, 1
    return activation, n_classes


def build_network(n_in, hidden, n_out, activation, output, seed, dtype="float64", init=None):
    """``Network`` of Dense layers ``n_in -> hidden... -> n_out`` (hidden share ``activation``)."""
    from .. import Dense, Network

    sizes = [n_in, *hidden, n_out]
    layers = [
        Dense(a, b, activation if i < len(hidden) else output, init=init)
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True))
    ]
    return Network(layers, seed=seed, dtype=dtype)
