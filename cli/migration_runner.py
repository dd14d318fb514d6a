"""Runs a migration orchestration on the local Durable host and shows its progress on a terminal."""

from __future__ import annotations

import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from cli.durable_host import DurableHost, RuntimeStatus
from orchestrators import names
from shared.ledger import RunRecord, clients
from shared.pipeline.messages import StartRun
from shared.pipeline.reports import REPORT_NAMES, report_blob_name

DONE = {RuntimeStatus.COMPLETED, RuntimeStatus.FAILED, RuntimeStatus.TERMINATED}


def create_run(start: StartRun) -> None:
    """The run row the portal's start endpoint would create (idempotent)."""
    now = datetime.now(UTC)
    clients.run_store().create(RunRecord(
        run_id=start.run_id, source_system=start.source_system,
        destination_kind=start.destination.kind, environment=start.destination.environment,
        mode=start.mode, started_by=start.started_by, created_at=now, updated_at=now,
    ))  # fmt: skip


def _progress_line(host: DurableHost, run_id: str) -> str:
    status = host.get_status(run_id)
    custom = status.custom_status or {}
    line = f"  {custom.get('stage', 'starting')}"
    done = total = 0
    records: Counter[str] = Counter()
    for child in host.list_statuses():
        if child.instance_id.startswith(f"{run_id}:load:") and child.custom_status:
            done += int(child.custom_status.get("pages_done", 0))
            total += int(child.custom_status.get("pages_total", 0))
            records.update(child.custom_status.get("records", {}))
    if custom.get("stage") == "loading":
        line += (
            f" level {custom.get('level')}/{custom.get('levels')}: {', '.join(custom['tables'])}"
        )
        written = ", ".join(f"{n:,} {op}" for op, n in sorted(records.items()))
        line += f" | pages {done}/{total}" + (f" | {written}" if written else "")
    return line


def run_to_completion(
    host: DurableHost, start: StartRun, out: TextIO = sys.stdout, poll_seconds: float = 0.5
) -> tuple[Any, float]:
    """Starts the run and prints a progress line whenever it changes; returns (status, seconds)."""
    create_run(start)
    began = time.monotonic()
    host.start_new(names.MIGRATION, start.model_dump(mode="json"), instance_id=start.run_id)
    last = ""
    while True:
        status = host.get_status(start.run_id)
        line = _progress_line(host, start.run_id)
        if line != last:
            print(line, file=out, flush=True)
            last = line
        if status.runtime_status in DONE:
            return status, time.monotonic() - began
        time.sleep(poll_seconds)


def save_reports(run_id: str, folder: Path) -> list[Path]:
    """Copies the run's reports from the private container to a local folder for reading."""
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for name in REPORT_NAMES:
        try:
            data = clients.staging().read_bytes(report_blob_name(run_id, name), container="reports")
        except KeyError:
            continue
        path = folder / name
        path.write_bytes(data)
        saved.append(path)
    return saved


def outcome_totals(output: dict[str, Any]) -> Counter[str]:
    """Records by outcome across every table of a finished run."""
    totals: Counter[str] = Counter()
    for counts in (output.get("tables") or {}).values():
        totals.update(counts)
    return totals
