"""`python -m cli run start|confirm|status|delta|fixback`: a migration step by step.

Each command starts the local services on the state folder (Azurite's files, the emulator's
SQLite, the Durable task hub), does its step and stops them, so a run waits for confirmation
across commands exactly as it waits in Azure:

    python -m cli run start --source aerona --export samples/aerona      # stops at the gate
    python -m cli run confirm RUN_ID --by you@clinic.example              # loads and reconciles
    python -m cli run status RUN_ID
    python -m cli run delta RUN_ID --drop path/to/new-export [--close]  # a cutover pass
    python -m cli run fixback RUN_ID                                      # reload the gaps
"""

from __future__ import annotations

import argparse
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from cli.durable_host import DurableHost, RuntimeStatus
from cli.local_services import start_local_services
from cli.migration_runner import create_run, outcome_totals, save_reports
from orchestrators import names
from shared.ledger import clients
from shared.pipeline.destination import close_destinations
from shared.pipeline.extract import load_run_start
from shared.pipeline.messages import PassJob, PassKind, StartRun
from shared.pipeline.passes import close_requested, next_pass_id, open_window
from shared.pipeline.proposal import confirm_run_map

REPO = Path(__file__).resolve().parents[2]
STATE = REPO / ".local" / "runs"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds `run start`, `run confirm` and `run status`."""
    parser = commands.add_parser("run", help="run a migration step by step on local services")
    parser.add_argument("--state", type=Path, default=STATE, help="local services' data folder")
    steps = parser.add_subparsers(dest="step", required=True)
    start = steps.add_parser("start", help="profile and propose; stops at the confirmation gate")
    start.add_argument("--source", required=True,
                       choices=["aerona", "drdentes", "core_practice", "generic_csv"])  # fmt: skip
    start.add_argument("--export", required=True, type=Path, help="the export folder")
    start.add_argument("--mode", choices=["sample", "full"], default="sample")
    start.add_argument("--sample-size", type=int, default=200)
    start.add_argument("--apply-schema", action="store_true", help="let the run create tables")
    start.add_argument("--by", default=os.environ.get("USER", "operator"), help="operator name")
    start.set_defaults(run=_start)
    confirm = steps.add_parser("confirm", help="confirm the proposed map and finish the run")
    confirm.add_argument("run_id")
    confirm.add_argument("--by", required=True, help="the person confirming (e-mail)")
    confirm.set_defaults(run=_confirm)
    status = steps.add_parser("status", help="the run's state and progress")
    status.add_argument("run_id")
    status.set_defaults(run=_status)
    delta = steps.add_parser("delta", help="a delta pass of a full run from a new export drop")
    delta.add_argument("run_id")
    delta.add_argument("--drop", type=Path, help="the new export folder (default: none new)")
    delta.add_argument("--close", action="store_true", help="the closing pass: reconcile all")
    delta.add_argument("--by", default=os.environ.get("USER", "operator"), help="operator name")
    delta.set_defaults(run=_delta)
    fixback = steps.add_parser("fixback", help="reconcile again, reload only what is missing")
    fixback.add_argument("run_id")
    fixback.add_argument("--by", default=os.environ.get("USER", "operator"), help="operator name")
    fixback.set_defaults(run=_fixback)


@contextmanager
def _services(state: Path) -> Iterator[DurableHost]:
    services = start_local_services(state, keep_destination=True)
    os.environ.update(services.settings)
    clients.reset()
    from function_app import app

    # Real time: the confirmation deadline (72 h by default) runs on the wall clock.
    host = DurableHost(app, store_path=state / "taskhub.sqlite", time_scale=1.0)
    try:
        yield host
    finally:
        host.close()
        close_destinations()
        services.stop()


def _report(host: DurableHost, run_id: str, state: Path) -> int:
    status = host.get_status(run_id)
    run = clients.run_store().get(run_id)
    print(f"run {run_id}: {run.state}" + (f" ({run.reason})" if run.reason else ""))
    custom = status.custom_status or {}
    if custom.get("waiting_for"):
        print(f"  waiting for {custom['waiting_for']}")
        print(f"  review: {state / 'reports' / run_id / 'proposal.md'}")
    if status.runtime_status == RuntimeStatus.COMPLETED and isinstance(status.output, dict):
        totals = ", ".join(f"{n:,} {op}" for op, n in sorted(outcome_totals(status.output).items()))
        print(f"  writes: {totals}; reconciled: {status.output.get('reconciled')}")
    saved = save_reports(run_id, state / "reports" / run_id)
    print(f"  reports: {state / 'reports' / run_id}/ ({len(saved)} files)")
    return 0 if run.state not in ("failed", "cancelled") else 1


def _start(args: argparse.Namespace) -> int:
    run_id = f"run-{uuid.uuid4().hex[:12]}"
    with _services(args.state) as host:
        prefix = f"exports/{run_id}"
        clients.staging().upload_folder(args.export.resolve(), prefix)
        start = StartRun.model_validate({
            "run_id": run_id, "source_system": args.source, "export": {"prefix": prefix},
            "mode": args.mode, "started_by": args.by,
            "options": {"sample_size": args.sample_size, "apply_schema": args.apply_schema},
        })  # fmt: skip
        create_run(start)
        host.start_new(names.MIGRATION, start.model_dump(mode="json"), instance_id=run_id)
        host.run_due()  # up to the confirmation gate (or the end, if a gate failed)
        return _report(host, run_id, args.state)


def _confirm(args: argparse.Namespace) -> int:
    with _services(args.state) as host:
        run = clients.run_store().get(args.run_id)
        if run.state != "awaiting_confirmation":
            print(f"run {args.run_id} is {run.state}, not awaiting confirmation")
            return 1
        confirmation = confirm_run_map(args.run_id, clients.staging(), args.by)
        print(f"confirmed map {confirmation.confirmed_map_hash[:12]}... by {args.by}")
        host.raise_event(args.run_id, names.MAP_CONFIRMED_EVENT,
                         json.loads(confirmation.model_dump_json()))  # fmt: skip
        host.run_until_idle(timeout=24 * 3600)
        return _report(host, args.run_id, args.state)


def _status(args: argparse.Namespace) -> int:
    with _services(args.state) as host:
        return _report(host, args.run_id, args.state)


def _run_pass(host: DurableHost, run_id: str, kind: PassKind, by: str, closing: bool) -> int:
    run = clients.run_store().get(run_id)
    job = PassJob(run_id=run_id, pass_id=next_pass_id(run, kind), kind=kind, operator=by,
                  closing=closing)  # fmt: skip
    instance = names.pass_instance_id(run_id, job.pass_id)
    host.start_new(names.LOAD_PASS, job.model_dump(mode="json"), instance_id=instance)
    status = host.wait_for(instance, timeout=24 * 3600)
    output = status.output if isinstance(status.output, dict) else {"error": status.output}
    print(f"{job.pass_id}: {output.get('state', status.runtime_status.value)}")
    for name in ("found", "written"):
        counts = ", ".join(f"{n:,} {k}" for k, n in sorted((output.get(name) or {}).items()) if n)
        print(f"  {name}: {counts or 'nothing'}")
    if output.get("reconciliation"):
        print(f"  reconciled: {output['reconciliation']['reconciled']}")
    return 0 if status.runtime_status == RuntimeStatus.COMPLETED else 1


def _delta(args: argparse.Namespace) -> int:
    with _services(args.state) as host:
        store = clients.run_store()
        run = store.get(args.run_id)
        if run.delta_window is None and run.state == "completed":
            open_window(store, load_run_start(clients.staging(), args.run_id), datetime.now(UTC))
        window = store.get(args.run_id).delta_window
        if window is None or not window.is_open:
            print(f"run {args.run_id} has no open delta window ({run.state})")
            return 1
        if args.drop:
            clients.staging().upload_folder(args.drop.resolve(), window.drop_prefix, replace=True)
        if args.close:
            close_requested(store, args.run_id)
        return _run_pass(host, args.run_id, "delta", args.by, args.close)


def _fixback(args: argparse.Namespace) -> int:
    with _services(args.state) as host:
        return _run_pass(host, args.run_id, "fixback", args.by, False)
