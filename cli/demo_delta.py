"""The demo's cutover step: the clinic kept working, a second export drop arrives, and the delta
window's closing pass loads only what changed, then reconciles the whole run once more."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from cli.durable_host import DurableHost, RuntimeStatus
from cli.synthetic.changes import ChangePlan
from cli.synthetic.faults import FaultConfig
from cli.synthetic.generator import GenerateOptions, generate_export
from orchestrators import names
from shared.ledger import clients
from shared.pipeline.messages import PassJob
from shared.pipeline.passes import close_requested, next_pass_id

CHANGES = {"new_patients": 5, "deleted_patients": 1, "moved_appointments": 5,
           "paid_invoices": 5, "changed_emails": 3}  # fmt: skip


def second_drop(sample: Path, out: Path) -> dict[str, int]:
    """The sample's practice a day later: drop 2 from the sample's own manifest, with changes."""
    manifest = json.loads((sample / "_manifest.json").read_text())
    options = manifest["options"]
    faults = FaultConfig(options["fault_rates"], options["oversize_bytes"])
    plan = ChangePlan.draw(CHANGES, manifest["patients"], manifest["seed"])
    generate_export(GenerateOptions(
        manifest["source"], manifest["patients"], manifest["seed"], out, faults,
        as_of=date.fromisoformat(manifest["as_of"]), country=manifest.get("country"), drop=2,
        changes=plan,
    ))  # fmt: skip
    changes = json.loads((out / "_manifest.json").read_text())["changes"]
    counts: dict[str, int] = {}
    for change in changes:
        counts[change["change"]] = counts.get(change["change"], 0) + 1
    return counts


def run_delta(host: DurableHost, run_id: str, sample: Path, prefix: str,
              say: Callable[[str], None]) -> bool:  # fmt: skip
    """Uploads drop 2 where the run's window reads drops, closes the window; True if reconciled."""
    staging = clients.staging()
    with tempfile.TemporaryDirectory(prefix="clinicferry-drop2-") as work:
        counts = second_drop(sample, Path(work))
        staging.upload_folder(Path(work), prefix, replace=True)
    say(
        f"\n== delta window of {run_id}: a second export drop arrives with "
        + ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(counts.items()))
    )
    store = clients.run_store()
    close_requested(store, run_id)  # the demo's only pass is also the closing one
    run = store.get(run_id)
    job = PassJob(run_id=run_id, pass_id=next_pass_id(run, "delta"), kind="delta",
                  operator="demo@localhost", closing=True)  # fmt: skip
    instance = names.pass_instance_id(run_id, job.pass_id)
    began = time.monotonic()
    host.start_new(names.LOAD_PASS, job.model_dump(mode="json"), instance_id=instance)
    status = host.wait_for(instance, timeout=3600)
    output: dict[str, Any] = status.output if isinstance(status.output, dict) else {}
    if status.runtime_status != RuntimeStatus.COMPLETED:
        say(f"   the delta pass did not complete: {status.output}")
        return False
    found = ", ".join(f"{n:,} {k}" for k, n in sorted(output["found"].items()) if n)
    written = ", ".join(f"{n:,} {k}" for k, n in sorted(output["written"].items()) if n)
    say(f"   detected by content hash: {found}")
    say(f"   written through the same load path and audit: {written}")
    reconciled = bool((output.get("reconciliation") or {}).get("reconciled"))
    verdict = "reconciled" if reconciled else "NOT reconciled"
    say(f"   window closed; the whole run {verdict} against the latest drop in "
        f"{time.monotonic() - began:.1f} s")  # fmt: skip
    return reconciled
