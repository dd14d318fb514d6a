"""`python -m cli propose-map`: an export checked against the Dataverse map and saved metadata."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
CASES = REPO / "tests" / "shared" / "mapping" / "proposer" / "cases"
METADATA = CASES / "metadata" / "dynamics_sales_org.json"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", "propose-map", *args],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_json_has_the_column_proposal_and_the_destination_check() -> None:
    done = _cli("--csv", str(CASES / "en_uk_patients.csv"), "--object", "patient",
                "--metadata", str(METADATA), "--source-system", "aerona", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert len(document["columns"]["columns"]) == 23
    decisions = {d["column"]: d for d in document["destination"]["decisions"]}
    assert decisions["emailaddress1"]["action"] == "reuse"
    assert decisions["emailaddress1"]["fed_by"] == "Email"
    assert decisions["new_preferred_contact_method"]["action"] == "add_options"


def test_markdown_shows_the_schema_plan() -> None:
    done = _cli("--csv", str(CASES / "en_appointments.csv"), "--object", "appointment",
                "--metadata", str(METADATA), "--source-system", "aerona")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "## Schema plan" in done.stdout
    assert "`new_appointmentstatus` needs options:" in done.stdout
    assert "No Show (" in done.stdout


def test_unreadable_metadata_exits_2(tmp_path: Path) -> None:
    metadata = tmp_path / "describe.json"
    metadata.write_text("{not json", encoding="utf-8")
    done = _cli("--csv", str(CASES / "en_uk_patients.csv"), "--object", "patient",
                "--metadata", str(metadata))  # fmt: skip
    assert done.returncode == 2 and "ValidationError" in done.stderr
