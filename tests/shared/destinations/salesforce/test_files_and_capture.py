"""What the load step asks of Salesforce beyond writes: the write-ahead capture, documents' files
after the write (once, however often a batch replays), and rollback taking the files along."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from shared.destinations.base import AttachedFile, WriteOptions, WriteResult
from shared.destinations.salesforce import SalesforceDestination
from tests.fixtures.salesforce_destination import aerona_needs, salesforce_settings
from tests.fixtures.salesforce_emulator import SalesforceEmulator

pytestmark = pytest.mark.integration
T = TypeVar("T")


def patient(n: int, **extra: Any) -> dict[str, Any]:
    return {"Source_Id__c": f"aerona.patient.{n}", "LastName": f"Patient{n}",
            "Migration_Run_Id__c": "run-1", **extra}  # fmt: skip


def scenario(
    emulator: SalesforceEmulator, work: Callable[[SalesforceDestination], Awaitable[T]]
) -> T:
    destination = SalesforceDestination(salesforce_settings(emulator, bulk_min_records=0))

    async def go() -> T:
        try:
            await destination.apply_schema(await destination.plan_schema(aerona_needs()))
            return await work(destination)
        finally:
            await destination.aclose()

    return asyncio.run(go())


def test_capture_reads_existing_keys_and_before_images_without_writing(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    async def work(destination: SalesforceDestination) -> Any:
        await destination.write("Contact", [patient(1, Email="old@example.org")])
        before = fresh_salesforce.records("Contact")
        wanted = [patient(1, Email="new@example.org"), patient(2, Email="two@example.org")]
        taken = await destination.capture("Contact", wanted)
        return before, taken

    before, taken = scenario(fresh_salesforce, work)
    assert fresh_salesforce.records("Contact") == before  # nothing written
    assert taken.existing == ["aerona.patient.1"]
    (image,) = taken.before_images
    assert image.id == before[0]["Id"]
    assert image.values == {"LastName": "Patient1", "Migration_Run_Id__c": "run-1",
                            "Email": "old@example.org"}  # fmt: skip


def test_files_are_published_once_to_their_records_and_go_with_them_on_delete(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    files = [AttachedFile(key=f"aerona.patient.{n}", file_name=f"xray-{n}.png", data=b"\x89PNG",
                          created_date="2020-05-06T07:08:09Z") for n in (1, 2, 3)]  # fmt: skip

    async def work(destination: SalesforceDestination) -> tuple[WriteResult, WriteResult, int]:
        written = await destination.write("Contact", [patient(1), patient(2), patient(n=3)],
                                          WriteOptions(first_load=True))  # fmt: skip
        # Record 3 was refused by this write: its file must not be attached.
        written.results[2] = written.results[2].model_copy(update={"status": "rejected"})
        first = await destination.attach_files("Contact", written, files)
        again = await destination.attach_files("Contact", written, files)  # a replayed batch
        versions = len(fresh_salesforce.records("ContentVersion"))
        ids = [r.id or "" for r in written.results]
        await destination.delete("Contact", ids)
        return first, again, versions

    first, again, versions = scenario(fresh_salesforce, work)
    assert versions == 2  # records 1 and 2, once each
    assert [r.status for r in first.results] == [r.status for r in again.results]
    assert [r.status for r in first.results] == ["created", "created", "rejected"]
    for name in ("ContentVersion", "ContentDocument", "ContentDocumentLink", "Contact"):
        assert fresh_salesforce.records(name) == [], name


def test_a_file_the_org_refuses_rejects_its_record(fresh_salesforce: SalesforceEmulator) -> None:
    nameless = AttachedFile(key="aerona.patient.1", file_name="", data=b"%PDF")

    async def work(destination: SalesforceDestination) -> WriteResult:
        written = await destination.write("Contact", [patient(1)])
        return await destination.attach_files("Contact", written, [nameless])

    (result,) = scenario(fresh_salesforce, work).results
    assert (result.status, result.reason_code, result.status_code) == (
        "rejected", "file_rejected", 400)  # fmt: skip
    assert result.id and fresh_salesforce.records("ContentVersion") == []
