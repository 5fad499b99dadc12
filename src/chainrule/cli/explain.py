"""``chainrule explain``: the chain rule for one sample, every number checked."""

from __future__ import annotations

import argparse

from .common import CLIError, positive_float, positive_int
from .gradcheck import add_network_arguments, load_training_data, network_from_args

HELP = ("Print the forward and backward pass of one sample, step by step, each number "
        "checked against a finite difference.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_network_arguments(parser)
    parser.add_argument("--sample", type=int, default=0,
                        help="index of the sample in the training split")
    parser.add_argument("--tol", type=positive_float, default=1e-5,
                        help="largest relative error marked as agreeing")
    parser.add_argument("--format", choices=["text", "markdown"], default=None,
                        help="rendering (default: text, or markdown with --output)")
    parser.add_argument("--output", metavar="PATH", default=None,
                        help="write the explanation to PATH instead of printing it")
    parser.add_argument("--max-entries", type=positive_int, default=6,
                        help="arrays larger than this are shown truncated, with a summary")


def run(args) -> int:
    from .._atomic import write_text
    from ..explain import explain

    X, y, task = load_training_data(args.dataset)
    if not 0 <= args.sample < len(X):
        raise CLIError(f"--sample must be an index in [0, {len(X) - 1}], got {args.sample}")
    net = network_from_args(args, X.shape[1], y, task)
    result = explain(net, X[args.sample], y[args.sample], loss=args.loss, eps=args.eps,
                     tol=args.tol)
    fmt = args.format or ("markdown" if args.output else "text")
    text = result.render(fmt, max_entries=args.max_entries)
    if args.output:
        write_text(args.output, text if text.endswith("\n") else text + "\n")
        print(f"wrote {args.output} ({'all numbers agree' if result.ok else 'MISMATCHES'})")
    else:
        print(text)
    return 0 if result.ok else 1
