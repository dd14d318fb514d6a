"""`python -m cli rollback RUN` reverts a run through the local Durable host."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cli.__main__ import main
from shared.ledger import clients
from tests.orchestrators.test_rollback import completed_run, env
from tests.shared.rollback.test_rollback import clean

pytestmark = pytest.mark.integration
__all__ = ["env"]  # the fixture, imported for this module


def test_cli_rollback_reverts_and_reports(
    env: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_id, snapshot = completed_run(env)

    code = main(["rollback", run_id, "--hub", str(tmp_path / "hub.sqlite"), "--operator", "op"])

    out = capsys.readouterr().out
    assert code == 0, out
    assert "contact: deleted 6, restored 5" in out and f"{run_id}: rolled_back" in out
    assert clean(env, snapshot) == {}
    assert clients.run_store().get(run_id).state == "rolled_back"
    assert main(["rollback", run_id, "--hub", str(tmp_path / "hub.sqlite")]) == 0  # idempotent
