"""`python -m cli demo`: a whole local migration of the bundled AeronaClinic sample, explained.

Starts Azurite and the Dataverse emulator, drops the sample export into the staging container,
then runs the real orchestration on the local Durable host twice: a sample of patients first,
then the full run, which opens the delta window; a second export drop (the clinic kept working
during cutover) is then picked up by the window's closing pass. Reports are copied to
.local/demo/reports/<run>/ for reading.
"""

from __future__ import annotations

import argparse
import json
import os
import uuid
from pathlib import Path

from cli.demo_delta import run_delta
from cli.durable_host import DurableHost, RuntimeStatus
from cli.local_services import start_local_services
from cli.migration_runner import outcome_totals, run_to_completion, save_reports
from shared.ledger import clients
from shared.pipeline.destination import close_destinations
from shared.pipeline.messages import StartRun

REPO = Path(__file__).resolve().parents[2]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds the `demo` command."""
    parser = commands.add_parser("demo", help="run a whole local migration of a bundled sample")
    parser.add_argument("--source", default="aerona",
                        choices=["aerona", "drdentes", "core_practice", "generic_csv"])  # fmt: skip
    parser.add_argument("--state", type=Path, default=REPO / ".local" / "demo")
    parser.add_argument("--sample-size", type=int, default=25)
    parser.set_defaults(run=run)


def _say(text: str = "") -> None:
    print(text, flush=True)


def _migrate(host: DurableHost, source: str, prefix: str, mode: str, state: Path,
             sample_size: int) -> str | None:  # fmt: skip
    """Runs one migration and explains it; returns the run id when it reconciled."""
    run_id = f"demo-{mode}-{uuid.uuid4().hex[:8]}"
    start = StartRun.model_validate({
        "run_id": run_id, "source_system": source, "export": {"prefix": prefix}, "mode": mode,
        "started_by": "demo@localhost",
        "options": {"auto_confirm": True, "apply_schema": True, "sample_size": sample_size},
    })  # fmt: skip
    _say(f"\n== {mode} run {run_id}")
    status, seconds = run_to_completion(host, start)
    output = status.output or {}
    reports = save_reports(run_id, state / "reports" / run_id)
    if status.runtime_status != RuntimeStatus.COMPLETED or output.get("state") == "failed":
        reason = output.get("reason") if isinstance(output, dict) else output
        _say(f"   the run did not complete: {reason}")
        return None
    objects = output["objects"]
    read = sum(o["read"] for o in objects.values())
    quarantined = sum(o["quarantined"] for o in objects.values())
    merged = sum(o["merged"] for o in objects.values())
    staged = sum(o["staged"] for o in objects.values())
    _say(f"   source rows read {read:,}: quarantined {quarantined:,} (with reasons), "
         f"merged duplicates {merged:,}, staged for loading {staged:,}")  # fmt: skip
    written = ", ".join(f"{n:,} {op}" for op, n in sorted(outcome_totals(output).items()))
    _say(f"   destination writes by outcome: {written}")
    plan_file = state / "reports" / run_id / "plan.json"
    if plan_file.exists():
        plan = json.loads(plan_file.read_text())
        _say(f"   plan: {plan['records']:,} records, about {plan['estimated_seconds']:.0f} s under "
             f"the service-protection limits, {plan['entitlement_share']:.2%} of the 24 h "
             f"request entitlement")  # fmt: skip
        for warning in plan["warnings"]:
            _say(f"   note: {warning}")
    if output.get("diff"):
        verdicts = ", ".join(f"{n:,} {v}" for v, n in output["diff"].items() if n)
        _say(f"   field-level diff of the sample (read back from the CRM): {verdicts}")
        _say(f"   -> open {state / 'reports' / run_id / 'diff.html'} to review, field by field")
    verdict = "reconciled" if output["reconciled"] else f"NOT reconciled ({output['gaps']} gaps)"
    _say(f"   {verdict} in {seconds:.1f} s")
    _say(f"   reconciliation (counts and field totals): "
         f"{state / 'reports' / run_id / 'reconciliation.html'}")  # fmt: skip
    _say(f"   what does not migrate, to rebuild by hand: "
         f"{state / 'reports' / run_id / 'handover-checklist.md'}")  # fmt: skip
    _say(f"   all reports: {state / 'reports' / run_id}/ ({len(reports)} files)")
    return run_id if output["reconciled"] else None


def run(args: argparse.Namespace) -> int:
    """Runs the demo end to end; exit 0 when both runs complete and reconcile."""
    state: Path = args.state
    state.mkdir(parents=True, exist_ok=True)
    _say("ClinicFerry demo: a local migration of a synthetic practice (no real patient data).")
    _say("Starting Azurite (Azure Storage) and the Dataverse emulator on 127.0.0.1 ...")
    services = start_local_services(state)
    try:
        os.environ.update(services.settings)
        clients.reset()
        _say(f"   storage:   Azurite, data in {state / 'azurite'}")
        _say(f"   Dataverse: {services.dataverse.environment_url} (HTTPS, emulator CA "
             f"{services.dataverse.ca_file})")  # fmt: skip
        folder = "generic" if args.source == "generic_csv" else args.source
        prefix = f"exports/demo-{folder}-{uuid.uuid4().hex[:6]}"
        count = clients.staging().upload_folder(REPO / "samples" / folder, prefix)
        _say(f"Uploaded the {args.source} sample export ({count} files) to staging/{prefix}")
        _say("AUTO-CONFIRM: in demo mode the proposed map is confirmed on your behalf. A real run")
        _say("waits for a person: GET /api/migrations/{id}/proposal, then POST .../confirm.")
        from function_app import app

        host = DurableHost(app, store_path=state / "durable" / f"{uuid.uuid4().hex[:8]}.sqlite")
        host.start()
        try:
            sample = _migrate(host, args.source, prefix, "sample", state, args.sample_size)
            full = _migrate(host, args.source, prefix, "full", state, args.sample_size)
            ok = sample is not None and full is not None
            if full is not None:
                ok = run_delta(host, full, REPO / "samples" / folder, prefix, _say) and ok
        finally:
            host.close()
            close_destinations()
    finally:
        services.stop()
    _say("\nDone." if ok else "\nDone, with problems: see the reports above.")
    return 0 if ok else 1
