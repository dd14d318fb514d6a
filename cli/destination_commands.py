"""`plan` and `owners` for a destination: the schema plan with its package, the owner report."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.destinations.map_needs import needs_from_map
from shared.mapping.loader import load_map
from shared.mapping.schema import schema_needs


@dataclass(frozen=True)
class DestinationCommand:
    """What differs between destinations: names, the factory, the admin-deployable package."""

    name: str
    title: str
    create: Callable[[], Any]  # a destination from the environment's settings
    package_file: str
    package: Callable[[Any, Any], bytes]  # (destination, plan) -> zip bytes


def register_destination_command(commands: Any, spec: DestinationCommand) -> None:
    """Adds `<name> plan` and `<name> owners`."""
    parser = commands.add_parser(spec.name, help=f"{spec.title} schema plan and owner report")
    actions = parser.add_subparsers(dest="action", required=True)
    out = Path(".local") / spec.name
    plan = actions.add_parser("plan", help="diff a map against the destination; write the package")
    plan.add_argument(
        "--map", type=Path, required=True, help=f"map YAML, e.g. mappings/{spec.name}/aerona.yaml"
    )
    plan.add_argument("--out", type=Path, default=out)
    plan.add_argument("--apply", action="store_true", help="create what is missing")
    owners = actions.add_parser("owners", help="match staff e-mails to active users")
    owners.add_argument("--emails", type=Path, required=True, help="one e-mail per line")
    owners.add_argument("--fallback", required=True, help="e-mail of the fallback owner")
    owners.add_argument("--out", type=Path, default=out)
    parser.set_defaults(run=lambda args: _run(spec, args))


def _run(spec: DestinationCommand, args: argparse.Namespace) -> int:
    """Runs the chosen action; 0 when the destination is ready / the report is written."""
    destination = spec.create()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.action == "plan":
        return asyncio.run(_plan(spec, destination, args))
    return asyncio.run(_owners(destination, args))


async def _plan(spec: DestinationCommand, destination: Any, args: argparse.Namespace) -> int:
    async with destination:
        needs = needs_from_map(schema_needs(load_map(args.map)))
        plan = await destination.plan_schema(needs)
        (args.out / "schema-plan.txt").write_text(plan.render(), encoding="utf-8")
        (args.out / spec.package_file).write_bytes(spec.package(destination, plan))
        if args.apply and not plan.satisfied:
            plan = await destination.apply_schema(plan)
        print(plan.render(), end="")
        return 0 if plan.satisfied else 2


async def _owners(destination: Any, args: argparse.Namespace) -> int:
    async with destination:
        emails = [line for line in args.emails.read_text(encoding="utf-8").splitlines() if line]
        report = await destination.resolve_users(emails, args.fallback)
        (args.out / "owners.json").write_text(report.to_json(), encoding="utf-8")
        (args.out / "owners.csv").write_text(report.to_csv(), encoding="utf-8")
        print(" ".join(f"{status}={count}" for status, count in sorted(report.summary().items())))
        return 0
