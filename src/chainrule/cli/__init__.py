"""The ``chainrule`` command: one module per subcommand.

Each subcommand module defines ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int``. User errors raise :class:`CLIError` (or ``ValueError``/``TypeError``
from the library) and become one line on stderr with exit status 2, no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .common import CLIError

#: subcommand name -> module (imported lazily so ``chainrule --help`` stays fast)
COMMANDS = {
    "train": "chainrule.cli.train",
    "predict": "chainrule.cli.predict",
    "gradcheck": "chainrule.cli.gradcheck",
    "explain": "chainrule.cli.explain",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chainrule",
        description="Back-propagation written out by hand: train, check and explain "
        "small neural networks.",
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"chainrule {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, modname in COMMANDS.items():
        try:
            module = importlib.import_module(modname)
        except ModuleNotFoundError as exc:
            if exc.name == modname:  # subcommand not written yet
                continue
            raise
        p = sub.add_parser(name, help=module.HELP, description=module.HELP,
                           formatter_class=argparse.ArgumentDefaultsHelpFormatter)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except (CLIError, ValueError, TypeError, FileNotFoundError) as exc:
        print(f"chainrule {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


__all__ = ["CLIError", "main"]
