"""`python -m cli profile`: the summary a person reads and the JSON report a machine reads."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from cli.__main__ import main


def test_profile_prints_a_summary_and_writes_the_report(
    synthetic_export: Callable[..., Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    export = synthetic_export("core_practice", patients=60, seed=11, fault_rate=0.05)
    report_path = tmp_path / "report.json"
    quarantine_path = tmp_path / "quarantine.jsonl"
    code = main(
        [
            "profile", "--source", "core_practice", "--export", str(export),
            "--json", str(report_path), "--quarantine", str(quarantine_path),
        ]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "patient" in out and "malformed_date" in out
    assert "PatientListReport.xlsx[Patients] -> patient" in out
    assert "header row 4" in out  # the title block was skipped
    report = json.loads(report_path.read_text("utf-8"))
    patients = next(o for o in report["objects"] if o["object_kind"] == "patient")
    assert (
        patients["accepted"] + patients["quarantined"] + patients["merged"]
        == (patients["rows_read"])
    )
    quarantined = quarantine_path.read_text("utf-8").splitlines()
    assert len(quarantined) == report["quarantine_rows"] > 0


def test_profile_reports_an_invalid_profile_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("source_system: aerona\nobjects: {patient: {files: [p.csv]}}\n", "utf-8")
    code = main(
        ["profile", "--source", "generic", "--export", str(tmp_path), "--profile", str(bad)]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "bad.yaml: objects.patient.columns" in err


def test_profile_rejects_a_missing_export_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["profile", "--source", "aerona", "--export", str(tmp_path / "nope")])
    assert code == 2
    assert "export folder not found" in capsys.readouterr().err
