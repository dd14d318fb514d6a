"""`python -m cli salesforce ...` against the emulator, configured only through the environment."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from cli.__main__ import main
from tests.fixtures.salesforce_emulator import CLIENT_ID, CLIENT_SECRET, SalesforceEmulator

pytestmark = pytest.mark.integration
AERONA = Path(__file__).parents[3] / "mappings" / "salesforce" / "aerona.yaml"


@pytest.fixture
def salesforce_env(
    fresh_salesforce: SalesforceEmulator, monkeypatch: pytest.MonkeyPatch
) -> SalesforceEmulator:
    values = {
        "AUTH_FLOW": "client_credentials",
        "MY_DOMAIN_URL": fresh_salesforce.origin,
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "CA_BUNDLE": str(fresh_salesforce.ca_file),
    }
    for name, value in values.items():
        monkeypatch.setenv(f"CLINICFERRY_SALESFORCE_{name}", value)
    return fresh_salesforce


def test_plan_writes_the_package_and_refuses_until_applied(
    salesforce_env: SalesforceEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refused = main(["salesforce", "plan", "--map", str(AERONA), "--out", str(tmp_path)])
    archive = zipfile.ZipFile(io.BytesIO((tmp_path / "clinicferry-metadata.zip").read_bytes()))
    monkeypatch.setenv("CLINICFERRY_SALESFORCE_ALLOW_METADATA_APPLY", "true")
    applied = main(["salesforce", "plan", "--map", str(AERONA), "--out", str(tmp_path), "--apply"])
    assert refused == 2 and applied == 0
    assert "objects/Treatment__c.object" in archive.namelist()
    assert "create custom table Treatment__c" in (tmp_path / "schema-plan.txt").read_text()


def test_owner_report_is_written_as_json_and_csv(
    salesforce_env: SalesforceEmulator, tmp_path: Path
) -> None:
    emails = tmp_path / "staff.txt"
    emails.write_text("dr.jones@smile.example\nformer@smile.example\nlocum@elsewhere.example\n")
    code = main(["salesforce", "owners", "--emails", str(emails),
                 "--fallback", "integration@clinicferry.test", "--out", str(tmp_path)])  # fmt: skip
    report = json.loads((tmp_path / "owners.json").read_text())
    assert code == 0
    assert report["summary"] == {"matched": 1, "disabled": 1, "unmatched": 1}
    assert (tmp_path / "owners.csv").read_text().startswith("email,status,user_id,owner_id\n")
