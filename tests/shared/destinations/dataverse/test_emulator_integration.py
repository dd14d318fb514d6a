"""The Dataverse destination against the emulator over HTTPS, with msal tokens from its endpoint."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar

import pytest

from shared.destinations.base import WriteOptions
from shared.destinations.dataverse import DataverseDestination
from shared.destinations.errors import TerminalError
from shared.destinations.schema import (
    ChoiceOption,
    ColumnNeed,
    SchemaNeeds,
    SchemaNotReady,
    SchemaPlan,
    TableNeed,
)
from tests.fixtures.dataverse_destination import emulator_settings

pytestmark = pytest.mark.integration
T = TypeVar("T")

NEEDS = SchemaNeeds(
    map_hash="test-map",
    tables=[
        TableNeed(name="account", custom=False),
        TableNeed(
            name="contact",
            custom=False,
            columns=[ColumnNeed(name="new_nhsnumber", type="string", max_length=10)],
        ),
        TableNeed(name="appointment", custom=False),
        TableNeed(name="annotation", custom=False),
        TableNeed(
            name="new_patientinvoice",
            custom=True,
            schema_name="new_PatientInvoice",
            label="Patient invoice",
            columns=[
                ColumnNeed(name="new_amount", type="money"),
                ColumnNeed(
                    name="new_paymentstatus",
                    type="choice",
                    choices=[
                        ChoiceOption(value=100000000, label="Pending"),
                        ChoiceOption(value=100000001, label="Paid"),
                    ],
                ),
                ColumnNeed(
                    name="new_patientid",
                    schema_name="new_PatientId",
                    type="lookup",
                    targets=["contact"],
                ),
            ],
        ),
    ],
)


def run(destination: DataverseDestination, work: Callable[[], Awaitable[T]]) -> T:
    async def go() -> T:
        try:
            return await work()
        finally:
            await destination.aclose()

    return asyncio.run(go())


def provisioned(emulator: Any, **settings: Any) -> DataverseDestination:
    """A destination whose environment has been given everything NEEDS asks for."""
    destination = DataverseDestination(emulator_settings(emulator, **settings))
    plan = run(destination, lambda: destination.apply_schema(unplanned()))
    assert plan.satisfied, plan.missing()
    return DataverseDestination(emulator_settings(emulator, **settings))


def unplanned() -> SchemaPlan:
    """A plan carrying NEEDS; apply_schema re-plans against live metadata before acting."""
    return SchemaPlan(destination="dataverse", needs=NEEDS)


def contact(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "new_sourceid": f"aerona.patient.P{n:04d}",
        "new_sourcesystem": "aerona",
        "lastname": f"Example{n}",
        "firstname": "Test",
        **extra,
    }


def metadata_posts(emulator: Any, since: int = 0) -> list[dict[str, Any]]:
    return [
        entry
        for entry in emulator.request_log(since)
        if entry["method"] == "POST" and "Definitions" in str(entry["resource"])
    ]


def test_plan_and_apply_from_an_empty_environment(fresh_dataverse: Any) -> None:
    destination = DataverseDestination(emulator_settings(fresh_dataverse))
    marks: list[int] = []

    async def work() -> tuple[Any, Any, Any]:
        before = await destination.plan_schema(NEEDS)
        with pytest.raises(SchemaNotReady, match="create custom table new_patientinvoice"):
            await destination.ensure_ready(NEEDS)
        after = await destination.apply_schema(before)
        marks.append(max(entry["seq"] for entry in fresh_dataverse.request_log()))
        again = await destination.apply_schema(after)
        return before, after, again

    before, after, again = run(destination, work)
    assert "create alternate key on contact.new_sourceid" in before.missing()
    assert after.satisfied, after.missing()
    assert again.satisfied
    assert len(metadata_posts(fresh_dataverse)) == len(before.actions)
    assert metadata_posts(fresh_dataverse, since=marks[0]) == []  # idempotent: nothing to do
    assert destination.solution_zip(before)[:2] == b"PK"


def test_metadata_apply_needs_the_operators_permission(fresh_dataverse: Any) -> None:
    destination = DataverseDestination(
        emulator_settings(fresh_dataverse, allow_metadata_apply=False)
    )
    plan = unplanned()
    with pytest.raises(TerminalError, match="metadata_apply_not_allowed"):
        run(destination, lambda: destination.apply_schema(plan))


def test_owner_report_before_load(fresh_dataverse: Any) -> None:
    destination = DataverseDestination(emulator_settings(fresh_dataverse))
    users = fresh_dataverse.users
    emails = [users[1].email.upper() + " ", "nobody@clinic.example"]

    report = run(destination, lambda: destination.resolve_users(emails, users[0].email))

    assert report.summary() == {"matched": 1, "unmatched": 1}
    assert report.owner_for(users[1].email) == users[1].user_id
    assert report.owner_for("nobody@clinic.example") == users[0].user_id
    assert "unmatched" in report.to_csv()


def test_upsert_twice_leaves_no_duplicates(fresh_dataverse: Any) -> None:
    destination = provisioned(fresh_dataverse)
    records = [contact(n) for n in range(120)]
    options = WriteOptions(run_id="run-a", batch_id="contact.0")

    async def work() -> tuple[Any, Any, int]:
        first = await destination.write("contact", records, options)
        second = await destination.write("contact", records, options)
        return first, second, await destination.count("contact", "run-a")

    first, second, count = run(destination, work)
    assert first.counts() == {"created": 120}
    assert second.counts() == {"unchanged": 120}
    assert count == 120
    assert fresh_dataverse.admin.counts()["contact"] == 120


def test_a_bad_record_is_isolated_and_the_batch_lands(fresh_dataverse: Any) -> None:
    destination = provisioned(fresh_dataverse)
    records = [contact(n) for n in range(40)]
    records[17]["new_notacolumn"] = "x"
    records[30]["new_nhsnumber"] = "12345678901234567890"  # longer than the column allows

    result = run(destination, lambda: destination.write("contact", records, WriteOptions()))

    rejected = {r.key: r for r in result.results if r.status == "rejected"}
    assert set(rejected) == {"aerona.patient.P0017", "aerona.patient.P0030"}
    assert all(r.status_code == 400 and r.service_code for r in rejected.values())
    assert result.counts()["created"] == 38


def test_throttling_is_absorbed_by_retries(fresh_dataverse: Any) -> None:
    destination = provisioned(fresh_dataverse, users=3, max_batch_size=20)
    fresh_dataverse.admin.settings(chaos={"rate_429": 0.3, "seed": 7})
    records = [contact(n) for n in range(200)]

    async def work() -> tuple[Any, int]:
        written = await destination.write("contact", records, WriteOptions(run_id="run-t"))
        return written, destination.client.stats.throttled

    result, throttled = run(destination, work)
    fresh_dataverse.admin.settings(chaos={})
    assert result.counts() == {"created": 200}
    assert 0 < result.throttled <= throttled  # the client also counts the metadata reads
    log = fresh_dataverse.request_log()
    callers = {e["user"] for e in log if e["resource"] == "contacts" and e["status"] < 400}
    assert len(callers) == 3  # load spread over every application user


def test_notes_with_documents_and_oversized_files(fresh_dataverse: Any) -> None:
    fresh_dataverse.admin.settings(annotation_max_bytes=4096)
    destination = provisioned(fresh_dataverse, max_upload_bytes=4096)
    small = base64.b64encode(b"%PDF-1.4 consent form" * 10).decode()
    large = base64.b64encode(b"x" * 10_000).decode()
    notes = [
        {
            "new_sourceid": f"aerona.document.D{n}",
            "subject": "Consent form",
            "filename": f"consent-{n}.pdf",
            "mimetype": "application/pdf",
            "documentbody": body,
            "isdocument": True,
            "overriddencreatedon": "2021-05-04T10:00:00Z",
            "objectid_contact@odata.bind": "/contacts(new_sourceid='aerona.patient.P0001')",
        }
        for n, body in enumerate([small, large])
    ]

    async def work() -> tuple[Any, Any]:
        await destination.write("contact", [contact(1)], WriteOptions())
        written = await destination.write("annotation", notes, WriteOptions(run_id="run-n"))
        back = await destination.read_back(
            "annotation",
            ["aerona.document.D0"],
            ["filename", "mimetype", "documentbody", "createdon"],
        )
        return written, back

    written, back = run(destination, work)
    assert [(r.status, r.reason_code) for r in written.results] == [
        ("created", None),
        ("rejected", "file_too_large"),
    ]
    note = back["aerona.document.D0"]
    assert note["documentbody"] == small
    assert note["filename"] == "consent-0.pdf"
    assert note["createdon"].startswith("2021-05-04")


def test_appointments_reach_completed_and_canceled_states(fresh_dataverse: Any) -> None:
    destination = provisioned(fresh_dataverse)
    practitioner = fresh_dataverse.users[0].user_id

    def appointment(n: int, state: int, status: int) -> dict[str, Any]:
        return {
            "new_sourceid": f"aerona.appointment.A{n}",
            "subject": "Check-up",
            "scheduledstart": "2022-03-01T09:00:00Z",
            "scheduledend": "2022-03-01T09:30:00Z",
            "statecode": state,
            "statuscode": status,
            "appointment_activity_parties": [
                {"partyid_systemuser@odata.bind": f"/systemusers({practitioner})",
                 "participationtypemask": 7},
                {"partyid_contact@odata.bind": "/contacts(new_sourceid='aerona.patient.P0001')",
                 "participationtypemask": 5},
            ],
        }  # fmt: skip

    wanted = [appointment(1, 1, 3), appointment(2, 2, 4), appointment(3, 3, 5)]

    async def work() -> tuple[Any, Any, Any]:
        await destination.write("contact", [contact(1)], WriteOptions())
        first = await destination.write("appointment", wanted, WriteOptions(run_id="run-p"))
        wanted[0]["subject"] = "Check-up (moved)"
        second = await destination.write("appointment", wanted, WriteOptions(run_id="run-p"))
        keys = [a["new_sourceid"] for a in wanted]
        back = await destination.read_back(
            "appointment", keys, ["statecode", "statuscode", "subject"]
        )
        return first, second, back

    first, second, back = run(destination, work)
    assert first.counts() == {"created": 3}
    assert second.counts() == {"updated": 1, "unchanged": 2}
    states = {key: (row["statecode"], row["statuscode"]) for key, row in back.items()}
    assert states == {
        "aerona.appointment.A1": (1, 3),
        "aerona.appointment.A2": (2, 4),
        "aerona.appointment.A3": (3, 5),
    }
    assert back["aerona.appointment.A1"]["subject"] == "Check-up (moved)"


def test_read_back_sum_and_rollback(fresh_dataverse: Any) -> None:
    destination = provisioned(fresh_dataverse)

    def invoice(n: int, amount: str) -> dict[str, Any]:
        return {
            "new_sourceid": f"aerona.invoice.I{n}",
            "new_name": f"INV-{n}",
            "new_amount": Decimal(amount),
            "new_paymentstatus": 100000001,
            "new_PatientId@odata.bind": "/contacts(new_sourceid='aerona.patient.P0001')",
        }

    async def work() -> dict[str, Any]:
        await destination.write("contact", [contact(1)], WriteOptions(run_id="run-0"))
        created = await destination.write(
            "new_patientinvoice",
            [{**invoice(1, "120.50"), "new_amount": 120.5}, {**invoice(2, "80"), "new_amount": 80}],
            WriteOptions(run_id="run-1"),
        )
        total = await destination.sum("new_patientinvoice", "new_amount", "run-1")
        invoices = await destination.read_back(
            "new_patientinvoice", ["aerona.invoice.I1"], ["new_paymentstatus", "new_amount"]
        )
        changed = await destination.write(
            "contact", [contact(1, lastname="Renamed")], WriteOptions(run_id="run-1")
        )
        renamed = await destination.read_back("contact", ["aerona.patient.P0001"], ["lastname"])
        restored = await destination.restore("contact", changed.before_images)
        back = await destination.read_back("contact", ["aerona.patient.P0001"], ["lastname"])
        deleted = await destination.delete(
            "new_patientinvoice", [r.id for r in created.results if r.id]
        )
        left = await destination.count("new_patientinvoice", "run-1")
        return {
            "created": created, "total": total, "invoices": invoices, "renamed": renamed,
            "restored": restored, "back": back, "deleted": deleted, "left": left,
        }  # fmt: skip

    out = run(destination, work)
    assert out["created"].counts() == {"created": 2}
    assert out["total"] == Decimal("200.50")
    paid = out["invoices"]["aerona.invoice.I1"]
    assert paid["new_paymentstatus"] == 100000001
    assert paid["new_paymentstatus@OData.Community.Display.V1.FormattedValue"] == "Paid"
    assert out["renamed"]["aerona.patient.P0001"]["lastname"] == "Renamed"
    assert [r.status for r in out["restored"]] == ["restored"]
    assert out["back"]["aerona.patient.P0001"]["lastname"] == "Example1"
    assert [r.status for r in out["deleted"]] == ["deleted", "deleted"]
    assert out["left"] == 0


def test_lookups_by_key_compare_unchanged_and_restore(fresh_dataverse: Any) -> None:
    destination = provisioned(fresh_dataverse)
    practices = [{"new_sourceid": f"aerona.practice.L{n}", "name": f"Practice {n}"} for n in (1, 2)]

    def patient_at(practice: int) -> dict[str, Any]:
        bind = f"/accounts(new_sourceid='aerona.practice.L{practice}')"
        return contact(1, **{"parentcustomerid_account@odata.bind": bind})

    async def work() -> tuple[Any, Any, Any, Any]:
        accounts = await destination.write("account", practices, WriteOptions())
        await destination.write("contact", [patient_at(1)], WriteOptions())
        again = await destination.write("contact", [patient_at(1)], WriteOptions())
        assert again.counts() == {"unchanged": 1}  # the bind by key resolves to the same id
        moved = await destination.write("contact", [patient_at(2)], WriteOptions())
        await destination.restore("contact", moved.before_images)
        back = await destination.read_back(
            "contact", ["aerona.patient.P0001"], ["_parentcustomerid_value"]
        )
        return accounts, moved, back, moved.before_images

    accounts, moved, back, images = run(destination, work)
    first_practice = accounts.results[0].id
    assert moved.counts() == {"updated": 1}
    assert images[0].values["parentcustomerid_account@odata.bind"] == f"/accounts({first_practice})"
    assert back["aerona.patient.P0001"]["_parentcustomerid_value"] == first_practice


def test_a_plan_with_conflicts_is_never_applied(fresh_dataverse: Any) -> None:
    destination = DataverseDestination(emulator_settings(fresh_dataverse))
    wrong = SchemaNeeds(
        tables=[
            TableNeed(
                name="contact",
                custom=False,
                columns=[ColumnNeed(name="lastname", type="integer")],
            )
        ]
    )

    async def work() -> Any:
        plan = await destination.plan_schema(wrong)
        assert plan.missing()[0] == "add column contact.lastname integer [conflict]"
        return await destination.apply_schema(plan)

    with pytest.raises(TerminalError, match="schema_conflict"):
        run(destination, work)
    assert metadata_posts(fresh_dataverse) == []


def test_a_new_option_on_an_existing_choice_column_is_inserted_and_published(
    fresh_dataverse: Any,
) -> None:
    provisioned(fresh_dataverse)
    invoice = NEEDS.tables[-1]
    status = next(c for c in invoice.columns if c.name == "new_paymentstatus")
    more = status.model_copy(
        update={"choices": [*status.choices, ChoiceOption(value=100000002, label="Written off")]}
    )
    columns = [more if c.name == status.name else c for c in invoice.columns]
    needs = SchemaNeeds(tables=[invoice.model_copy(update={"columns": columns})])
    destination = DataverseDestination(emulator_settings(fresh_dataverse))

    async def work() -> tuple[Any, Any]:
        before = await destination.plan_schema(needs)
        return before, await destination.apply_schema(before)

    before, after = run(destination, work)
    assert before.missing() == [
        "add options to new_patientinvoice.new_paymentstatus: 100000002=Written off"
    ]
    assert after.satisfied, after.missing()
