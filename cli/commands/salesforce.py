"""`python -m cli salesforce plan|owners`: schema plan + metadata package, owner report.

Connection settings come from the environment (`CLINICFERRY_SALESFORCE_*`, see
shared/destinations/salesforce/settings.py); nothing is written to the org unless `plan --apply`
is given and the settings allow metadata changes. The package zip can instead be deployed by an
admin (`sf project deploy start --metadata-dir`, Workbench) before the run.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from shared.destinations.map_needs import needs_from_map
from shared.destinations.salesforce import SalesforceDestination, SalesforceSettings
from shared.mapping.loader import load_map
from shared.mapping.schema import schema_needs


def register(commands: Any) -> None:
    """Adds `salesforce plan` and `salesforce owners`."""
    parser = commands.add_parser("salesforce", help="Salesforce schema plan and owner report")
    actions = parser.add_subparsers(dest="action", required=True)
    plan = actions.add_parser("plan", help="diff a map against the org; write the package zip")
    plan.add_argument(
        "--map", type=Path, required=True, help="map YAML, e.g. mappings/salesforce/aerona.yaml"
    )
    plan.add_argument("--out", type=Path, default=Path(".local/salesforce"))
    plan.add_argument("--apply", action="store_true", help="deploy what is missing")
    owners = actions.add_parser("owners", help="match staff e-mails to active Users")
    owners.add_argument("--emails", type=Path, required=True, help="one e-mail per line")
    owners.add_argument("--fallback", required=True, help="e-mail of the fallback owner")
    owners.add_argument("--out", type=Path, default=Path(".local/salesforce"))
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Runs the chosen action; returns 0 when the org is ready / the report is written."""
    destination = SalesforceDestination(SalesforceSettings())  # type: ignore[call-arg]
    args.out.mkdir(parents=True, exist_ok=True)
    if args.action == "plan":
        return asyncio.run(_plan(destination, args))
    return asyncio.run(_owners(destination, args))


async def _plan(destination: SalesforceDestination, args: argparse.Namespace) -> int:
    async with destination:
        needs = needs_from_map(schema_needs(load_map(args.map)))
        plan = await destination.plan_schema(needs)
        (args.out / "schema-plan.txt").write_text(plan.render(), encoding="utf-8")
        (args.out / "clinicferry-metadata.zip").write_bytes(destination.metadata_package(plan))
        if args.apply and not plan.satisfied:
            plan = await destination.apply_schema(plan)
        print(plan.render(), end="")
        return 0 if plan.satisfied else 2


async def _owners(destination: SalesforceDestination, args: argparse.Namespace) -> int:
    async with destination:
        emails = [line for line in args.emails.read_text(encoding="utf-8").splitlines() if line]
        report = await destination.resolve_users(emails, args.fallback)
        (args.out / "owners.json").write_text(report.to_json(), encoding="utf-8")
        (args.out / "owners.csv").write_text(report.to_csv(), encoding="utf-8")
        print(" ".join(f"{status}={count}" for status, count in sorted(report.summary().items())))
        return 0
