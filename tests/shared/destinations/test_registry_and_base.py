"""The registry creates destinations by name; run_sync serves sync callers; reports render."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest

from shared.destinations import registry
from shared.destinations.base import (
    Destination,
    FileAttacher,
    OwnerMatch,
    OwnerReport,
    run_sync,
)
from shared.destinations.dataverse import DataverseDestination


def test_dataverse_is_created_by_name_from_settings() -> None:
    destination = registry.create(
        "dataverse",
        org_url="https://clinic.crm.dynamics.com",
        tenant_id="t",
        users=[{"client_id": "a", "client_secret": "s"}],
        publisher_prefix="cf",
    )
    assert isinstance(destination, DataverseDestination)
    assert isinstance(destination, Destination)
    assert destination.capabilities.name == "dataverse"
    assert destination.capabilities.max_custom_tables == 15
    assert destination.key_column == "cf_sourceid"
    assert "dataverse" in registry.names()
    asyncio.run(destination.aclose())


def test_salesforce_is_created_by_name_and_offers_the_same_protocol() -> None:
    destination = registry.create(
        "salesforce",
        auth_flow="client_credentials",
        my_domain_url="https://clinic.my.salesforce.com",
        client_id="c",
        client_secret="s",
    )
    assert isinstance(destination, Destination)  # records_of_run, bound_keys, timestamps, ...
    assert isinstance(destination, FileAttacher)  # documents go as Files after the write
    assert destination.capabilities.name == "salesforce"
    assert (destination.created_column, destination.modified_column) == (
        "CreatedDate", "LastModifiedDate")  # fmt: skip
    asyncio.run(destination.aclose())


def test_dataverse_takes_documents_inline() -> None:
    destination = registry.create(
        "dataverse", org_url="https://clinic.crm.dynamics.com", tenant_id="t",
        users=[{"client_id": "a", "client_secret": "s"}],
    )  # fmt: skip
    assert not isinstance(destination, FileAttacher)  # annotation.documentbody in the payload
    asyncio.run(destination.aclose())


def test_unknown_destinations_name_the_known_ones() -> None:
    with pytest.raises(KeyError, match="dataverse"):
        registry.get_factory("dynamics-crm-2011")


def test_run_sync_works_with_and_without_a_running_loop() -> None:
    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    async def inside_a_loop() -> int:
        return run_sync(answer())

    assert run_sync(answer()) == 42
    assert asyncio.run(inside_a_loop()) == 42


def test_capabilities_are_frozen() -> None:
    destination = registry.create(
        "dataverse",
        org_url="https://clinic.crm.dynamics.com",
        tenant_id="t",
        users=[{"client_id": "a", "client_secret": "s"}],
    )
    with pytest.raises(ValueError, match="frozen"):
        destination.capabilities.max_batch_size = 5  # type: ignore[misc]
    asyncio.run(destination.aclose())


def test_owner_report_falls_back_for_unknown_emails() -> None:
    report = OwnerReport(
        fallback_owner_email="admin@x",
        fallback_owner_id="u-0",
        matches=[OwnerMatch(email="a@x", status="matched", user_id="u-1", owner_id="u-1")],
    )
    assert report.owner_for(" A@X ") == "u-1"
    assert report.owner_for("b@x") == "u-0"


def test_the_owner_report_csv_neutralises_formula_like_emails() -> None:
    report = OwnerReport(
        fallback_owner_email="owner@clinic.example", fallback_owner_id="u-1",
        matches=[OwnerMatch(email="=HYPERLINK(\"http://x\")@x.com", status="unmatched",
                            owner_id="u-1")],
    )  # fmt: skip
    rows = list(csv.reader(io.StringIO(report.to_csv())))
    assert rows[1][0] == '\'=HYPERLINK("http://x")@x.com'
