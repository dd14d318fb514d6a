"""Owner resolution: matched, disabled, unmatched, and a fallback that must be active."""

from __future__ import annotations

import asyncio
import csv
import io
import json

import httpx
import pytest

from shared.destinations.base import OwnerReport
from shared.destinations.dataverse.owners import resolve_owners
from shared.destinations.errors import TerminalError
from tests.fixtures.dataverse_fake import FakeDataverse, fake_client

USERS = [
    {
        "systemuserid": "u-1",
        "internalemailaddress": " Dr.Smith@Clinic.example ",
        "isdisabled": False,
    },
    {"systemuserid": "u-2", "internalemailaddress": "nurse@clinic.example", "isdisabled": True},
    {"systemuserid": "u-3", "internalemailaddress": "admin@clinic.example", "isdisabled": False},
    {"systemuserid": "u-4", "internalemailaddress": "gone@clinic.example", "isdisabled": True},
]


def resolve(emails: list[str], fallback: str) -> OwnerReport:
    service = FakeDataverse()
    service.handler = lambda request: httpx.Response(200, json={"value": USERS})  # type: ignore[method-assign]
    client, _ = fake_client(service)
    return asyncio.run(resolve_owners(client, emails, fallback))


def test_each_source_email_is_matched_disabled_or_unmatched() -> None:
    report = resolve(
        ["dr.smith@clinic.example", "NURSE@clinic.example", "locum@elsewhere.example", " "],
        "Admin@Clinic.example",
    )
    by_email = {m.email: m for m in report.matches}
    assert by_email["dr.smith@clinic.example"].owner_id == "u-1"
    assert by_email["nurse@clinic.example"].status == "disabled"
    assert by_email["nurse@clinic.example"].owner_id == "u-3"
    assert by_email["locum@elsewhere.example"].status == "unmatched"
    assert report.summary() == {"matched": 1, "disabled": 1, "unmatched": 1}
    assert report.owner_for("  DR.SMITH@clinic.example") == "u-1"
    assert report.owner_for(None) == "u-3"

    rows = list(csv.DictReader(io.StringIO(report.to_csv())))
    assert rows[1] == {"email": "locum@elsewhere.example", "status": "unmatched", "user_id": "",
                       "owner_id": "u-3"}  # fmt: skip
    assert json.loads(report.to_json())["summary"]["disabled"] == 1


@pytest.mark.parametrize("fallback", ["gone@clinic.example", "nobody@clinic.example"])
def test_the_fallback_owner_must_be_an_active_user(fallback: str) -> None:
    with pytest.raises(TerminalError) as caught:
        resolve(["dr.smith@clinic.example"], fallback)
    assert caught.value.reason_code == "fallback_owner_invalid"
