"""`python -m cli propose-columns`: JSON and Markdown proposals, bad input, the opt-in assist."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.fixtures.proposer import FakeAzureOpenAI

REPO = Path(__file__).resolve().parents[3]
CASES = REPO / "tests" / "shared" / "mapping" / "proposer" / "cases"


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_OPENAI_")}
    return subprocess.run(
        [sys.executable, "-m", "cli", "propose-columns", *args],
        cwd=REPO, capture_output=True, text=True, timeout=120, env={**clean, **(env or {})},
    )  # fmt: skip


def test_json_lists_every_column_with_field_confidence_and_reason() -> None:
    done = _cli("--csv", str(CASES / "en_uk_patients.csv"), "--object", "patient", "--json")
    assert done.returncode == 0, done.stderr
    proposal = json.loads(done.stdout)
    columns = {c["column"]: c for c in proposal["columns"]}
    assert len(columns) == 23
    assert columns["NHS Number"]["field"] == "identifiers[gb-nhs].value"
    assert 0.9 <= columns["NHS Number"]["confidence"] <= 1.0
    assert "NHS number check digit" in columns["NHS Number"]["reason"]
    custom = columns["Preferred Contact Method"]
    assert custom["field"] is None
    assert custom["custom_field"]["type"] == "picklist"
    assert {m["field"] for m in proposal["value_maps"]} >= {"sex", "status", "marketing_opt_in"}


def test_markdown_is_the_default_and_can_go_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "proposal.md"
    done = _cli("--csv", str(CASES / "tr_randevular.csv"), "--object", "appointment",
                "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert "| Durum | `status` |" in text
    assert "| Gelmedi |" in text and "`no_show`" in text


def test_unknown_object_and_missing_file_exit_2_with_a_reason() -> None:
    done = _cli("--csv", str(CASES / "en_uk_patients.csv"), "--object", "horse")
    assert done.returncode == 2 and "no vocabulary for object 'horse'" in done.stderr
    done = _cli("--csv", "nowhere.csv", "--object", "patient")
    assert done.returncode == 2 and "no such file" in done.stderr


def test_an_empty_file_exits_2(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    done = _cli("--csv", str(empty), "--object", "patient")
    assert done.returncode == 2 and "has no header row" in done.stderr


def test_assist_needs_configuration() -> None:
    done = _cli("--csv", str(CASES / "en_uk_patients.csv"), "--object", "patient", "--assist")
    assert done.returncode == 2 and "AZURE_OPENAI_ENDPOINT" in done.stderr


def test_assist_calls_the_configured_deployment(fake_azure_openai: FakeAzureOpenAI) -> None:
    env = {"AZURE_OPENAI_ENDPOINT": fake_azure_openai.endpoint,
           "AZURE_OPENAI_DEPLOYMENT": "mapper", "AZURE_OPENAI_API_KEY": "k"}  # fmt: skip
    done = _cli("--csv", str(CASES / "tr_drdentes_hastalar.csv"), "--object", "patient",
                "--json", "--assist", env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(fake_azure_openai.requests) == 1
    assisted = [c for c in json.loads(done.stdout)["columns"] if c["assisted"]]
    assert assisted and all(c["confidence"] <= 0.75 for c in assisted)
