"""`python -m cli map-proposal` and `confirm-map`: the operator's path to a confirmed map."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.__main__ import main as cli_main
from shared.mapping.gate import load_confirmed
from shared.mapping.loader import default_map_path


def test_cli_confirm_map_writes_the_confirmed_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "core.confirmed.json"
    status = cli_main(
        [
            "confirm-map",
            str(default_map_path("dataverse", "aerona")),
            "--by",
            "lead@clinic.test",
            "--output",
            str(target),
        ]
    )
    assert status == 0
    confirmed = load_confirmed(target)
    assert confirmed.confirmed_by == "lead@clinic.test"
    assert confirmed.sha256 in capsys.readouterr().out


def test_cli_map_proposal_then_confirm_map(tmp_path: Path) -> None:
    status = cli_main(
        [
            "map-proposal",
            "--destination",
            "dataverse",
            "--source",
            "core_practice",
            "--option",
            "billing_target=opportunity",
            "--out",
            str(tmp_path),
        ]
    )
    assert status == 0
    proposal = tmp_path / "dataverse-core_practice.proposal.json"
    needs = json.loads((tmp_path / "dataverse-core_practice.schema-needs.json").read_text())
    assert "opportunity" in {t["logical_name"] for t in needs["tables"]}
    assert cli_main(["confirm-map", str(proposal), "--by", "ops@clinic.test"]) == 0
    confirmed = load_confirmed(tmp_path / "dataverse-core_practice.confirmed.json")
    assert "billing_opportunity" in confirmed.spec.tables
