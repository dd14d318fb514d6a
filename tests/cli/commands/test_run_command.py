"""`python -m cli run`: a run waits at the confirmation gate and finishes once confirmed."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.__main__ import main

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SAMPLE = Path(__file__).resolve().parents[3] / "samples" / "core_practice"


def test_run_waits_for_confirmation_across_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("CLINICFERRY_STORAGE", "CLINICFERRY_DATAVERSE_USERS"):
        monkeypatch.delenv(name, raising=False)  # each command sets them for its own services
    state = str(tmp_path)
    assert main(["run", "--state", state, "start", "--source", "core_practice", "--export",
                 str(SAMPLE), "--sample-size", "10", "--apply-schema"]) == 0  # fmt: skip
    started = capsys.readouterr().out
    assert "awaiting_confirmation" in started and "proposal.md" in started
    run_id = started.split()[1].rstrip(":")
    assert (tmp_path / "reports" / run_id / "proposal.md").exists()
    assert (
        main(["run", "--state", state, "confirm", run_id, "--by", "approver@clinic.example"]) == 0
    )
    finished = capsys.readouterr().out
    assert f"run {run_id}: sample_loaded" in finished
    assert "reconciled: True" in finished
