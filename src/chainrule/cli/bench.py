"""``chainrule bench``: chainrule against the blog's algorithm, scikit-learn and PyTorch."""

from __future__ import annotations

HELP = ("Benchmark chainrule against the blog's algorithm, scikit-learn and PyTorch (when "
        "installed), side by side, and print the ratios as Markdown.")


def add_arguments(parser):
    from ..bench import add_arguments as bench_arguments

    bench_arguments(parser)


def run(args) -> int:
    from ..bench import run as bench_run

    return bench_run(args)
