"""`python -m cli dataverse ...` against the emulator, configured only through the environment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cli.__main__ import main

pytestmark = pytest.mark.integration
AERONA = Path(__file__).parents[3] / "mappings" / "dataverse" / "aerona.yaml"


@pytest.fixture
def dataverse_env(fresh_dataverse: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    user = fresh_dataverse.users[0]
    values = {
        "ORG_URL": fresh_dataverse.environment_url,
        "TENANT_ID": fresh_dataverse.tenant_id,
        "AUTHORITY_HOST": fresh_dataverse.authority.rsplit("/", 1)[0],
        "CA_BUNDLE": str(fresh_dataverse.ca_file),
        "USERS": json.dumps([{"client_id": user.client_id, "client_secret": user.client_secret}]),
    }
    for name, value in values.items():
        monkeypatch.setenv(f"CLINICFERRY_DATAVERSE_{name}", value)
    return fresh_dataverse


def test_owner_report_is_written_as_json_and_csv(dataverse_env: Any, tmp_path: Path) -> None:
    emails = tmp_path / "staff.txt"
    emails.write_text(f"{dataverse_env.users[1].email}\nlocum@elsewhere.example\n")

    code = main(["dataverse", "owners", "--emails", str(emails),
                 "--fallback", dataverse_env.users[0].email, "--out", str(tmp_path)])  # fmt: skip

    assert code == 0
    report = json.loads((tmp_path / "owners.json").read_text())
    assert report["summary"] == {"matched": 1, "unmatched": 1}
    assert (tmp_path / "owners.csv").read_text().startswith("email,status,user_id,owner_id")


def test_plan_of_the_aerona_map_is_written_with_its_solution(
    dataverse_env: Any, tmp_path: Path
) -> None:
    code = main(["dataverse", "plan", "--map", str(AERONA), "--out", str(tmp_path)])

    assert code == 2  # not ready: nothing applied
    plan = (tmp_path / "schema-plan.txt").read_text()
    assert "create custom table new_treatmentplan" in plan
    assert (tmp_path / "clinicferry-solution.zip").read_bytes()[:2] == b"PK"
