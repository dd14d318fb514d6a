"""`python -m cli <command>`: every module in cli/commands/ that has `register` adds a command."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import cli.commands
from shared.telemetry import install_phi_filter


def build_parser() -> argparse.ArgumentParser:
    """One sub-command per module in cli.commands, each registering its own arguments."""
    parser = argparse.ArgumentParser(prog="python -m cli", description="ClinicFerry local CLI")
    commands = parser.add_subparsers(dest="command", required=True)
    for info in sorted(pkgutil.iter_modules(cli.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"cli.commands.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    install_phi_filter()
    args = build_parser().parse_args(argv)
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
