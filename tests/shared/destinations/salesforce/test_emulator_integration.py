"""The Salesforce destination against the emulator over HTTPS: schema package and deploy,
owners, Bulk API 2.0 writes, idempotency, audit fields, locks, read-back, reconciliation,
rollback and Files."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar

import pytest

from shared.destinations.base import WriteOptions
from shared.destinations.errors import TerminalError, TransientError
from shared.destinations.salesforce import SalesforceDestination
from shared.destinations.salesforce import files as files_module
from tests.fixtures.salesforce_destination import aerona_needs, salesforce_settings
from tests.fixtures.salesforce_emulator import INTEGRATION, SalesforceEmulator

pytestmark = pytest.mark.integration
T = TypeVar("T")
RUN = "run-0001"


def run(destination: SalesforceDestination, work: Callable[[], Awaitable[T]]) -> T:
    async def go() -> T:
        try:
            return await work()
        finally:
            await destination.aclose()

    return asyncio.run(go())


async def prepared(destination: SalesforceDestination) -> None:
    plan = await destination.plan_schema(aerona_needs())
    await destination.apply_schema(plan)


def patient(n: int, **extra: Any) -> dict[str, Any]:
    return {"Source_Id__c": f"aerona.patient.{n}", "LastName": f"Patient{n}",
            "Source_System__c": "aerona", "Migration_Run_Id__c": RUN, **extra}  # fmt: skip


def test_plan_lists_the_custom_objects_and_fields_and_apply_satisfies_it(
    salesforce_destination: SalesforceDestination, fresh_salesforce: SalesforceEmulator
) -> None:
    async def work() -> tuple[Any, Any, bytes]:
        plan = await salesforce_destination.plan_schema(aerona_needs())
        archive = salesforce_destination.metadata_package(plan)
        after = await salesforce_destination.apply_schema(plan)
        return plan, after, archive

    plan, after, archive = run(salesforce_destination, work)
    created = {a.table for a in plan.actions if a.kind == "create_table"}
    assert created == {"Appointment__c", "Treatment__c", "Clinical_Note__c", "Invoice__c",
                       "Document__c"}  # fmt: skip
    lines = plan.missing()
    assert "add column Contact.NHS_Number__c string(10)" in lines
    assert any(line.startswith("add options to Contact.LeadSource: ") for line in lines)
    assert b"permissionsets/ClinicFerry_Migration.permissionset" in archive
    assert after.satisfied, after.missing()
    contact = {
        f["name"]
        for f in fresh_salesforce.client().get("sobjects/Contact/describe").json()["fields"]
    }
    assert {"NHS_Number__c", "Allergies__c", "Source_Id__c"} <= contact


def test_apply_needs_the_operators_permission(fresh_salesforce: SalesforceEmulator) -> None:
    destination = SalesforceDestination(
        salesforce_settings(fresh_salesforce, allow_metadata_apply=False)
    )

    async def work() -> None:
        await destination.apply_schema(await destination.plan_schema(aerona_needs()))

    with pytest.raises(TerminalError) as caught:
        run(destination, work)
    assert caught.value.reason_code == "metadata_apply_not_allowed"


def test_jwt_bearer_settings_reach_the_org(
    fresh_salesforce: SalesforceEmulator, tmp_path: Any
) -> None:
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(fresh_salesforce.private_key_pem)
    destination = SalesforceDestination(salesforce_settings(
        fresh_salesforce, auth_flow="jwt_bearer", login_url=fresh_salesforce.origin,
        jwt_audience="https://login.salesforce.com", client_id="3MVG9-clinicferry-jwt",
        username=INTEGRATION, jwt_private_key_path=key_file, client_secret=None,
    ))  # fmt: skip
    schema = run(destination, lambda: destination.describe(["Contact"]))
    assert "LastName" in schema.tables["Contact"].columns


def test_owners_match_active_users_by_email_and_fall_back(
    salesforce_destination: SalesforceDestination, fresh_salesforce: SalesforceEmulator
) -> None:
    report = run(salesforce_destination, lambda: salesforce_destination.resolve_users(
        ["DR.JONES@smile.example", "former@smile.example", "nobody@smile.example"],
        "integration@clinicferry.test",
    ))  # fmt: skip
    fallback = fresh_salesforce.user_id(INTEGRATION)
    assert report.summary() == {"matched": 1, "disabled": 1, "unmatched": 1}
    assert report.owner_for("dr.jones@smile.example") == fresh_salesforce.user_id(
        "dr.jones@smile.test"
    )
    assert report.owner_for("former@smile.example") == fallback
    assert report.owner_for(None) == fallback


@pytest.mark.parametrize("bulk_min_records", [0, 10_000], ids=["bulk", "collections"])
def test_first_load_keeps_created_date_and_a_rerun_updates_without_duplicates(
    fresh_salesforce: SalesforceEmulator, bulk_min_records: int
) -> None:
    destination = SalesforceDestination(
        salesforce_settings(fresh_salesforce, bulk_min_records=bulk_min_records)
    )
    rows = [
        patient(n, CreatedDate="2015-06-07T08:09:10Z", Birthdate="1980-02-29") for n in range(5)
    ]

    async def work() -> tuple[Any, Any, Any]:
        await prepared(destination)
        first = await destination.write("Contact", rows, WriteOptions(first_load=True, run_id=RUN))
        changed = [{**row, "LastName": "Changed"} for row in rows]
        second = await destination.write("Contact", changed, WriteOptions(run_id=RUN))
        # The first-load activity runs again (a replay): the key refuses the inserts.
        replay = await destination.write(
            "Contact", [*changed, changed[0]], WriteOptions(first_load=True, run_id=RUN)
        )
        return first, second, replay

    first, second, replay = run(destination, work)
    contacts = fresh_salesforce.records("Contact")
    assert first.counts() == {"created": 5} and second.counts() == {"updated": 5}
    assert replay.counts() == {"updated": 6} and len(replay.before_images) == 6
    assert len(contacts) == 5
    assert {c["CreatedDate"] for c in contacts} == {"2015-06-07T08:09:10.000+0000"}
    assert {c["LastName"] for c in contacts} == {"Changed"}
    assert {image.values["LastName"] for image in second.before_images} == {
        f"Patient{n}" for n in range(5)
    }


def test_bad_rows_are_rejected_with_reason_codes_and_the_rest_land(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    destination = SalesforceDestination(salesforce_settings(fresh_salesforce, bulk_min_records=0))
    rows = [
        patient(1),
        {**patient(2), "LastName": None},
        {**patient(3), "OwnerId": fresh_salesforce.user_id("former@smile.test")},
        {"LastName": "No key"},
    ]

    async def work() -> Any:
        await prepared(destination)
        return await destination.write("Contact", rows, WriteOptions(run_id=RUN))

    result = run(destination, work)
    by_key = {r.key: r for r in result.results}
    assert by_key["aerona.patient.1"].status == "created"
    assert by_key["aerona.patient.2"].reason_code == "required_field_missing"
    assert by_key["aerona.patient.3"].service_code == "INACTIVE_OWNER_OR_USER"
    assert by_key[""].reason_code == "missing_key"
    for rejected in result.results:
        assert "Patient" not in str(rejected.model_dump())  # no patient values in results


def test_lookups_bind_by_external_id_and_locked_rows_succeed_in_serial_mode(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    destination = SalesforceDestination(salesforce_settings(fresh_salesforce, bulk_min_records=0))
    appointments = [
        {"Source_Id__c": f"aerona.appointment.{n}", "Name": "Exam",
         "Appointment_Date_Time__c": "2024-07-01T09:00:00Z", "Status__c": "No Show",
         "Contact__r.Source_Id__c": "aerona.patient.1", "Migration_Run_Id__c": RUN}
        for n in range(30)
    ]  # fmt: skip

    async def work() -> Any:
        await prepared(destination)
        await destination.write("Contact", [patient(1)], WriteOptions(run_id=RUN))
        fresh_salesforce.settings(
            limits={"bulk_chunk_size": 10}, chaos={"lock_contention": 1.0, "seed": 3}
        )
        return await destination.write("Appointment__c", appointments, WriteOptions(run_id=RUN))

    result = run(destination, work)
    contact_id = fresh_salesforce.records("Contact")[0]["Id"]
    stored = fresh_salesforce.records("Appointment__c")
    assert result.counts() == {"created": 30}
    assert result.throttled >= 20  # two chunks lost the lock and went round again
    assert {a["Contact__c"] for a in stored} == {contact_id}


def test_read_back_count_and_sum_for_diff_and_reconciliation(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    destination = SalesforceDestination(salesforce_settings(fresh_salesforce, bulk_min_records=0))
    invoices = [
        {"Source_Id__c": f"aerona.invoice.{n}", "Name": f"INV{n}", "Amount__c": Decimal("10.25"),
         "Contact__r.Source_Id__c": "aerona.patient.1", "Migration_Run_Id__c": RUN}
        for n in range(4)
    ]  # fmt: skip

    async def work() -> tuple[Any, int, Decimal, int]:
        await prepared(destination)
        await destination.write("Contact", [patient(1)], WriteOptions(run_id=RUN))
        await destination.write("Invoice__c", invoices, WriteOptions(run_id=RUN))
        back = await destination.read_back(
            "Invoice__c", ["aerona.invoice.0"], ["Amount__c", "Contact__r.Source_Id__c"]
        )
        return (back, await destination.count("Invoice__c", RUN),
                await destination.sum("Invoice__c", "Amount__c", RUN),
                await destination.count("Invoice__c", "another-run"))  # fmt: skip

    back, count, total, other = run(destination, work)
    assert back == {
        "aerona.invoice.0": {"Amount__c": 10.25, "Contact__r.Source_Id__c": "aerona.patient.1"}
    }
    assert (count, total, other) == (4, Decimal("41.0"), 0)


def test_rollback_deletes_created_records_and_restores_before_images(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    destination = SalesforceDestination(salesforce_settings(fresh_salesforce, bulk_min_records=0))

    async def work() -> tuple[Any, Any]:
        await prepared(destination)
        await destination.write("Contact", [patient(1, Email="old@x.example")], WriteOptions())
        fresh_salesforce.snapshot("before-run")
        update = await destination.write(
            "Contact", [patient(1, Email=None), patient(2)], WriteOptions(run_id=RUN)
        )
        created = [r.id for r in update.results if r.status == "created" and r.id]
        deleted = await destination.delete("Contact", [*created, "003Hn00000000ZZIAA"])
        restored = await destination.restore("Contact", update.before_images)
        return deleted, restored

    deleted, restored = run(destination, work)
    assert [r.status for r in deleted] == ["deleted", "deleted"]
    assert [r.status for r in restored] == ["restored"]
    changes = fresh_salesforce.diff("before-run")
    assert changes["created"] == [] and changes["deleted"] == []
    assert [u["fields"] for u in changes["updated"]] == []  # Email is back to its old value


def test_a_field_hidden_by_field_level_security_is_a_terminal_schema_error(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    from tests.emulators.salesforce.helpers import deploy, package_zip

    with fresh_salesforce.client() as client:  # fields deployed, no permission set assigned
        deploy(client, package_zip())
    destination = SalesforceDestination(salesforce_settings(fresh_salesforce, bulk_min_records=0))
    rows = [{"Source_Id__c": "aerona.patient.1", "LastName": "A", "NHS_Number__c": "1"}]
    with pytest.raises(TerminalError) as caught:
        run(destination, lambda: destination.write("Contact", rows))
    assert caught.value.reason_code == "schema_not_ready" and caught.value.table == "Contact"


def test_the_daily_api_limit_is_a_transient_error_with_a_long_wait(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    fresh_salesforce.settings(limits={"daily_api_requests": 1})
    destination = SalesforceDestination(salesforce_settings(fresh_salesforce))
    with pytest.raises(TransientError) as caught:
        run(destination, lambda: destination.describe(["Contact"]))
    assert caught.value.service_code == "REQUEST_LIMIT_EXCEEDED"
    assert caught.value.retry_after and caught.value.retry_after >= 3600


def test_transient_5xx_are_retried(fresh_salesforce: SalesforceEmulator) -> None:
    fresh_salesforce.settings(chaos={"rate_5xx": 0.4, "seed": 7, "retry_after_s": 0})
    destination = SalesforceDestination(salesforce_settings(fresh_salesforce))
    schema = run(destination, lambda: destination.describe(["Account", "Contact", "User"]))
    assert set(schema.tables) == {"Account", "Contact", "User"}
    assert destination.client.usage.retries > 0


@pytest.mark.parametrize("multipart", [False, True], ids=["json", "multipart"])
def test_files_become_content_versions_linked_to_the_record(
    fresh_salesforce: SalesforceEmulator, monkeypatch: pytest.MonkeyPatch, multipart: bool
) -> None:
    if multipart:
        monkeypatch.setattr(files_module, "JSON_BASE64_LIMIT", 10)
    destination = SalesforceDestination(salesforce_settings(fresh_salesforce))
    data = bytes(range(256)) * 40

    async def work() -> Any:
        await prepared(destination)
        await destination.write("Contact", [patient(1)], WriteOptions())
        contact_id = fresh_salesforce.records("Contact")[0]["Id"]
        return await destination.upload_file(contact_id, "xray.png", data)

    uploaded = run(destination, work)
    (link,) = fresh_salesforce.records("ContentDocumentLink")
    (version,) = fresh_salesforce.records("ContentVersion")
    assert link["LinkedEntityId"] == uploaded.linked_entity_id
    assert link["ContentDocumentId"] == uploaded.content_document_id
    assert version["ContentSize"] == len(data) and version["FileType"] == "PNG"
    blob = fresh_salesforce.client().get(f"sobjects/ContentVersion/{version['Id']}/VersionData")
    assert blob.content == data
    # Rollback of a file: deleting its document removes the version and the link too.
    cleanup = SalesforceDestination(salesforce_settings(fresh_salesforce))
    deleted = run(
        cleanup, lambda: cleanup.delete("ContentDocument", [uploaded.content_document_id])
    )
    assert [r.status for r in deleted] == ["deleted"]
    assert fresh_salesforce.records("ContentVersion") == []
    assert fresh_salesforce.records("ContentDocumentLink") == []


def test_an_expired_session_is_renewed_once(fresh_salesforce: SalesforceEmulator) -> None:
    destination = SalesforceDestination(salesforce_settings(fresh_salesforce))

    async def work() -> list[str]:
        await destination.describe(["Contact"])
        fresh_salesforce.admin.delete("/_emulator/tokens").raise_for_status()
        return sorted((await destination.describe(["Account"])).tables)

    assert run(destination, work) == ["Account"]
    log = fresh_salesforce.admin.get("/_emulator/requests").json()
    assert [e["status"] for e in log if e["path"].endswith("/sobjects")] == [200, 401, 200]
    assert sum(e["path"] == "/services/oauth2/token" for e in log) == 2


def test_rows_a_failed_job_never_reached_are_sent_again_without_duplicates(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    destination = SalesforceDestination(
        salesforce_settings(fresh_salesforce, bulk_min_records=0, lock_retry_rounds=6)
    )
    rows = [patient(n, CreatedDate="2015-06-07T08:09:10Z") for n in range(40)]

    async def work() -> Any:
        await prepared(destination)
        fresh_salesforce.settings(
            limits={"bulk_chunk_size": 10}, chaos={"chunk_failure": 0.5, "seed": 1}
        )
        return await destination.write("Contact", rows, WriteOptions(first_load=True))

    result = run(destination, work)
    states = fresh_salesforce.drain()
    assert "Failed" in states.values()  # at least one job stopped part-way
    assert result.counts() == {"created": 40}
    assert len(fresh_salesforce.records("Contact")) == 40


def test_rows_still_unprocessed_after_the_last_round_say_so(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    destination = SalesforceDestination(
        salesforce_settings(fresh_salesforce, bulk_min_records=0, lock_retry_rounds=1)
    )

    async def work() -> Any:
        await prepared(destination)
        fresh_salesforce.settings(chaos={"chunk_failure": 1.0})
        return await destination.write("Contact", [patient(1)], WriteOptions())

    (result,) = run(destination, work).results
    assert (result.status, result.reason_code) == ("rejected", "not_processed")
