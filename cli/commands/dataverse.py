"""`python -m cli dataverse plan|owners`: schema plan + solution zip, owner report (JSON + CSV).

Connection settings come from the environment (`CLINICFERRY_DATAVERSE_*`, see
shared/destinations/dataverse/settings.py); nothing here is written to the destination unless
`plan --apply` is given and the settings allow metadata changes.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from shared.destinations.dataverse import DataverseDestination, DataverseSettings
from shared.destinations.map_needs import needs_from_map
from shared.mapping.loader import load_map
from shared.mapping.schema import schema_needs


def register(commands: Any) -> None:
    """Adds `dataverse plan` and `dataverse owners`."""
    parser = commands.add_parser("dataverse", help="Dataverse schema plan and owner report")
    actions = parser.add_subparsers(dest="action", required=True)
    plan = actions.add_parser("plan", help="diff a map against the environment")
    plan.add_argument(
        "--map", type=Path, required=True, help="map YAML, e.g. mappings/dataverse/aerona.yaml"
    )
    plan.add_argument("--out", type=Path, default=Path(".local/dataverse"))
    plan.add_argument("--apply", action="store_true", help="create what is missing")
    owners = actions.add_parser("owners", help="match staff e-mails to users")
    owners.add_argument("--emails", type=Path, required=True, help="one e-mail per line")
    owners.add_argument("--fallback", required=True, help="e-mail of the fallback owner")
    owners.add_argument("--out", type=Path, default=Path(".local/dataverse"))
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Runs the chosen action; returns 0 when the environment is ready / the report is written."""
    destination = DataverseDestination(DataverseSettings())  # type: ignore[call-arg]
    args.out.mkdir(parents=True, exist_ok=True)
    if args.action == "plan":
        return asyncio.run(_plan(destination, args))
    return asyncio.run(_owners(destination, args))


async def _plan(destination: DataverseDestination, args: argparse.Namespace) -> int:
    async with destination:
        needs = needs_from_map(schema_needs(load_map(args.map)))
        plan = await destination.plan_schema(needs)
        (args.out / "schema-plan.txt").write_text(plan.render(), encoding="utf-8")
        (args.out / "clinicferry-solution.zip").write_bytes(destination.solution_zip(plan))
        if args.apply and not plan.satisfied:
            plan = await destination.apply_schema(plan)
        print(plan.render(), end="")
        return 0 if plan.satisfied else 2


async def _owners(destination: DataverseDestination, args: argparse.Namespace) -> int:
    async with destination:
        emails = [line for line in args.emails.read_text(encoding="utf-8").splitlines() if line]
        report = await destination.resolve_users(emails, args.fallback)
        (args.out / "owners.json").write_text(report.to_json(), encoding="utf-8")
        (args.out / "owners.csv").write_text(report.to_csv(), encoding="utf-8")
        print(" ".join(f"{status}={count}" for status, count in sorted(report.summary().items())))
        return 0
