"""A migration whose host process is SIGKILLed mid-load resumes and lands every record once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from shared.ledger import clients
from tests.e2e.conftest import create_run, upload_export

pytestmark = [pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
METADATA = ("EntityDefinitions", "RelationshipDefinitions")


def data_writes(emulator: Any) -> int:
    """Record writes the emulator has accepted so far (its request log names no values)."""
    return sum(1 for r in emulator.request_log() if r["method"] in ("POST", "PATCH")
               and r["status"] < 400 and not r["resource"].startswith(METADATA))  # fmt: skip


def host_command(hub: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "cli", "durable", "--hub", str(hub), *args]


def run_until(
    command: list[str], emulator: Any, writes_at_least: int, timeout: float = 120
) -> bool:
    """Runs the host; SIGKILLs it once the emulator has seen `writes_at_least` bulk writes.

    Returns False when the process finished on its own before that.
    """
    proc = subprocess.Popen(command, cwd=REPO, env=dict(os.environ),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            if data_writes(emulator) >= writes_at_least:
                proc.kill()  # SIGKILL: no cleanup
                proc.wait()
                return True
            time.sleep(0.02)
        raise TimeoutError("the host neither finished nor reached the kill point")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_killed_host_resumes_without_duplicates_and_ledger_agrees(
    migration_env: Any, tmp_path: Path
) -> None:
    run_id, hub = "run-crash-1", tmp_path / "hub.sqlite"
    upload_export("aerona", f"exports/{run_id}")
    create_run(run_id, "aerona")
    start = {
        "run_id": run_id, "source_system": "aerona", "export": {"prefix": f"exports/{run_id}"},
        "mode": "full", "started_by": "crash@example.org",
        "options": {"auto_confirm": True, "apply_schema": True, "page_size": 100},
    }  # fmt: skip
    start_cmd = host_command(hub, "run", "migration", "--input", json.dumps(start),
                             "--instance-id", run_id)  # fmt: skip
    kills = 0
    if run_until(start_cmd, migration_env, writes_at_least=1):
        kills += 1
    for target in (30, 200, 500):
        if run_until(host_command(hub, "resume"), migration_env, writes_at_least=target):
            kills += 1
    assert kills >= 3, "the run finished before the kill points; make pages smaller"
    final = subprocess.run(host_command(hub, "resume"), cwd=REPO, env=dict(os.environ),
                           capture_output=True, timeout=600, check=False)  # fmt: skip
    assert final.returncode == 0, final.stderr.decode()[-2000:]

    run = clients.run_store().get(run_id)
    assert run.state == "delta_open", run.reason  # a full run opens its cutover window
    reconciliation = json.loads(clients.staging().read_bytes(f"{run_id}/reconciliation.json",
                                                             container="reports"))  # fmt: skip
    assert reconciliation["reconciled"], reconciliation["reasons"]
    # The ledger agrees with the emulator, key for key, for the patients' contacts.
    ledger_keys = {row.source_key for row in clients.audit_ledger().rows(run_id, "patient_contact")
                   if row.operation in ("created", "updated", "unchanged")}  # fmt: skip
    with migration_env.client() as http:
        body = http.get("contacts", params={"$select": "new_sourceid", "$filter":
                        "startswith(new_sourceid,'aerona.patient.')"},
                        headers={"Prefer": "odata.maxpagesize=5000"}).json()  # fmt: skip
    stored = [row["new_sourceid"] for row in body["value"]]
    assert len(stored) == len(set(stored)), "a patient's contact was written twice"
    assert set(stored) == ledger_keys
