"""`coach`: one command line for operators and developers.

Each command group lives in `coach_app/commands/<name>.py` and exposes `register(subparsers)`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMAND_MODULES = [
    "coach_app.commands.dev",
    "coach_app.commands.db",
    "coach_app.commands.personas",
    "coach_app.commands.users",
    "coach_app.commands.feedback",
    "coach_app.commands.sessions",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coach", description="Coach operator and developer commands.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
