"""The ``chainrule`` command: one module per subcommand.

Each subcommand module defines ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int``. User errors raise :class:`CLIError` (or ``ValueError``/``TypeError``
from the library) and become one line on stderr with exit status 2, no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from .common import CLIError

#: subcommand name -> module (imported lazily so ``chainrule --help`` stays fast)
COMMANDS = {
    "train": "chainrule.cli.train",
    "predict": "chainrule.cli.predict",
    "gradcheck": "chainrule.cli.gradcheck",
    "explain": "chainrule.cli.explain",
    "playground": "chainrule.cli.playground",
    "bench": "chainrule.cli.bench",
}


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows an option's default only when it has a real one (not None/False)."""

    def _get_help_string(self, action):
        if action.default in (None, False) or action.default is argparse.SUPPRESS:
            return action.help
        return super()._get_help_string(action)


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
                           formatter_class=_HelpFormatter)
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
    except (CLIError, ValueError, TypeError) as exc:
        print(f"chainrule {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader went away (`chainrule explain | head`): not an error of ours; send the
        # rest of the output, including Python's final flush, to /dev/null
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # a folder where a file should go, no permission, disk full...
        where = f": {exc.filename!r}" if exc.filename else ""
        print(f"chainrule {args.command}: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


__all__ = ["CLIError", "main"]
