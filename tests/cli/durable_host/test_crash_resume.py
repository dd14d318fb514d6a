"""A host killed with SIGKILL at any point resumes the same instance when started again."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli.durable_host import DurableHost, RuntimeStatus
from tests.cli.durable_host.crash_worker import INSTANCE_ID, TOTAL_STEPS
from tests.cli.durable_host.sample_app import app

REPO_ROOT = Path(__file__).resolve().parents[3]
# Kill once at a fixed delay (lands wherever the first process happens to be), then each time
# a number of markers exist: in the chain, mid fan-out, around the sub-orchestration.
KILL_AFTER_SECONDS = 0.9
KILL_AFTER_MARKERS = [3, 6, 10, 14]


def spawn(hub: Path, markers: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.cli.durable_host.crash_worker", str(hub), str(markers)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def written(markers: Path) -> int:
    return len(list(markers.glob("step-*")))


def kill_when(proc: subprocess.Popen[str], ready: object, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if ready():  # type: ignore[operator]
            proc.kill()  # SIGKILL: no cleanup, no flush
            proc.wait()
            return True
        time.sleep(0.005)
    return False


@pytest.mark.slow
def test_sigkilled_host_resumes_and_completes(tmp_path: Path) -> None:
    hub, markers = tmp_path / "taskhub.sqlite", tmp_path / "markers"
    markers.mkdir()
    started = time.monotonic()
    kills = kill_when(spawn(hub, markers), lambda: time.monotonic() - started >= KILL_AFTER_SECONDS)
    for threshold in KILL_AFTER_MARKERS:
        kills += kill_when(spawn(hub, markers), lambda t=threshold: written(markers) >= t)

    final = spawn(hub, markers)
    stdout, stderr = final.communicate(timeout=60)

    assert final.returncode == 0, stderr[-2000:]
    result = json.loads(stdout.strip().splitlines()[-1])
    expected = [f"step-{step:03d}" for step in range(TOTAL_STEPS)]
    assert result == {"status": "Completed", "output": expected}
    assert sorted(path.name for path in markers.glob("step-*")) == expected
    executed = (markers / "executions.log").read_text().split()
    assert set(executed) == {str(step) for step in range(TOTAL_STEPS)}  # at least once each
    assert kills >= 4, f"only {kills} kills landed before the run finished"
    with DurableHost(app, hub) as host:  # the hub on disk agrees, with nothing left queued
        status = host.get_status(INSTANCE_ID)
        assert status is not None and status.runtime_status == RuntimeStatus.COMPLETED
        assert host.store.pending_work_items() == [] and host.store.next_due_at() is None
