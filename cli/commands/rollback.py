"""`python -m cli rollback RUN`: revert a run on the local Durable host (resumable, audited)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from activities.rollback import bp as rollback_activities
from cli.durable_host import DurableHost, RuntimeStatus
from cli.durable_host.host import DEFAULT_STORE
from orchestrators.rollback import ROLLBACK, instance_id
from orchestrators.rollback import bp as rollback_orchestrator
from shared.ledger import clients
from shared.pipeline.messages import DestinationRef
from shared.rollback.messages import RollbackRequest


def register(commands: Any) -> None:
    """Add the `rollback` command."""
    parser = commands.add_parser(
        "rollback",
        help="delete what a run created and restore what it updated (children first)",
    )
    parser.add_argument("run_id")
    parser.add_argument(
        "--on-conflict",
        choices=["list", "force", "skip"],
        default="list",
        help="records changed after the run: list them (default), force, skip",
    )
    parser.add_argument(
        "--force",
        action="append",
        default=[],
        metavar="SOURCE_KEY",
        help="revert this conflicting record anyway (repeatable)",
    )
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="SOURCE_KEY",
        help="leave this conflicting record as it is (repeatable)",
    )
    parser.add_argument("--operator", default=getpass.getuser(), help="who asks (audited)")
    parser.add_argument("--hub", default=str(DEFAULT_STORE), help="SQLite task hub file")
    parser.add_argument("--timeout", type=float, default=6 * 3600.0)
    parser.set_defaults(run=run)  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """Starts (or resumes) the rollback and prints its summary: 0 rolled back, 3 conflicts."""
    record = clients.run_store().get(args.run_id)
    choices = {key: "force" for key in args.force} | {key: "skip" for key in args.skip}
    request = RollbackRequest(
        run_id=args.run_id, operator=args.operator,
        destination=DestinationRef(kind=record.destination_kind, environment=record.environment),
        on_conflict=args.on_conflict, choices=choices,
    )  # fmt: skip
    with DurableHost([rollback_orchestrator, rollback_activities], args.hub) as host:
        instance = instance_id(args.run_id)
        existing = host.get_status(instance)
        if existing is None or existing.runtime_status.is_terminal:
            host.start_new(ROLLBACK, instance_id=instance,
                           input_json=json.dumps(request.model_dump(mode="json")))  # fmt: skip
        status = host.wait_for(instance, timeout=args.timeout)
    if status.runtime_status != RuntimeStatus.COMPLETED:
        print(f"{instance} {status.runtime_status}: run the command again to resume",
              file=sys.stderr)  # fmt: skip
        return 1
    summary = status.output or {}
    if isinstance(summary, str):
        summary = json.loads(summary)
    for table in summary.get("tables", []):
        print(f"{table['table']}: deleted {table['deleted']}, restored {table['restored']}, "
              f"already reverted {table['already_done']}, conflicts {table['conflicts']}, "
              f"still stamped {summary['stamped_left'].get(table['table'], 0)}")  # fmt: skip
    print(f"{args.run_id}: {summary.get('state')}"
          + (f" ({summary['reason']})" if summary.get("reason") else "")
          + f"; report reports/{summary.get('report_blob')}")  # fmt: skip
    return 0 if summary.get("state") == "rolled_back" else 3
