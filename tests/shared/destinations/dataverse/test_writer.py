"""The bulk writer against an in-memory service: results per record, isolation, before-images."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest

from shared.destinations.base import WriteOptions, WriteResult
from shared.destinations.dataverse import behaviours
from shared.destinations.dataverse.behaviours import TableBehaviour, behaviour_for
from shared.destinations.dataverse.current import TableTarget
from shared.destinations.dataverse.writer import TableWriter
from shared.destinations.schema import TableInfo
from tests.fixtures.dataverse_fake import FakeDataverse, contact_info, fake_client


def patient(n: int, **extra: Any) -> dict[str, Any]:
    return {"new_sourceid": f"aerona.patient.P{n:05d}", "lastname": f"Name{n}", **extra}


def write(
    service: FakeDataverse,
    records: list[dict[str, Any]],
    *,
    max_batch: int = 100,
    behaviour: TableBehaviour | None = None,
    table_info: Any = None,
    run_id: str | None = "run-1",
    first_load: bool = False,
) -> WriteResult:
    async def go() -> WriteResult:
        client, _ = fake_client(service)
        info = table_info or contact_info()
        target = TableTarget(info, "new_sourceid", "new_migrationrunid")

        async def describe(table: str) -> TableInfo:
            if table == info.name:
                return info
            return TableInfo(name=table, collection=table + "s", primary_id=table + "id")

        writer = TableWriter(
            client,
            target,
            behaviour or TableBehaviour(),
            WriteOptions(run_id=run_id, batch_id="contact.0", first_load=first_load),
            describe=describe,
            max_batch=max_batch,
            max_upload_bytes=1000,
        )
        try:
            return await writer.write(records)
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_first_write_creates_every_record_with_one_query_and_one_create(
    fake_dataverse: FakeDataverse,
) -> None:
    result = write(fake_dataverse, [patient(n) for n in range(50)])

    assert result.counts() == {"created": 50}
    assert all(r.id for r in result.results)
    assert fake_dataverse.count("POST", "CreateMultiple") == 1
    assert fake_dataverse.count("GET", "contacts") == 1  # 50 keys fit in one filter
    stored = fake_dataverse.rows["contacts"].values()
    assert {row["new_migrationrunid"] for row in stored} == {"run-1"}


def test_writing_twice_leaves_no_duplicates_and_reports_unchanged(
    fake_dataverse: FakeDataverse,
) -> None:
    records = [patient(n) for n in range(20)]
    write(fake_dataverse, records)
    again = write(fake_dataverse, records)

    assert again.counts() == {"unchanged": 20}
    assert len(fake_dataverse.rows["contacts"]) == 20
    assert fake_dataverse.count("POST", "UpsertMultiple") == 0


def test_changed_records_are_updated_with_before_images_of_the_written_columns(
    fake_dataverse: FakeDataverse,
) -> None:
    write(fake_dataverse, [patient(n) for n in range(10)])
    changed = [patient(n, lastname="Renamed") if n < 3 else patient(n) for n in range(10)]
    result = write(fake_dataverse, changed)

    assert result.counts() == {"updated": 3, "unchanged": 7}
    images = {image.key: image.values for image in result.before_images}
    assert images["aerona.patient.P00000"]["lastname"] == "Name0"
    assert "new_sourceid" not in images["aerona.patient.P00000"]
    upsert = next(b for b in fake_dataverse.bodies if "Targets" in b and len(b["Targets"]) == 3)
    assert upsert["Targets"][0]["@odata.id"] == "contacts(new_sourceid='aerona.patient.P00000')"
    assert "new_sourceid" not in upsert["Targets"][0]
    assert upsert["Targets"][0]["@odata.type"] == "Microsoft.Dynamics.CRM.contact"


def test_bad_records_are_isolated_by_splitting_and_the_rest_land(
    fake_dataverse: FakeDataverse,
) -> None:
    records = [patient(n, lastname="BAD") if n in (7, 40) else patient(n) for n in range(64)]
    result = write(fake_dataverse, records)

    rejected = [r for r in result.results if r.status == "rejected"]
    assert [r.key for r in rejected] == ["aerona.patient.P00007", "aerona.patient.P00040"]
    assert {(r.status_code, r.service_code, r.reason_code) for r in rejected} == {
        (400, "0x0", "invalid_property")
    }
    assert result.counts()["created"] == 62
    assert len(fake_dataverse.rows["contacts"]) == 62
    # Halving isolates two bad records out of 64 in far fewer requests than one per record.
    assert fake_dataverse.count("POST", "CreateMultiple") < 25


def test_results_keep_input_order_across_chunks_and_local_rejections(
    fake_dataverse: FakeDataverse,
) -> None:
    records = [patient(n) for n in range(25)]
    records.insert(5, {"lastname": "no key"})
    records.insert(9, patient(3))
    records.insert(12, {"new_sourceid": "bad/key"})
    result = write(fake_dataverse, records, max_batch=7)

    assert [r.key for r in result.results][:6] == [
        *(f"aerona.patient.P{n:05d}" for n in range(5)), "",
    ]  # fmt: skip
    reasons = [r.reason_code for r in result.results if r.status == "rejected"]
    assert reasons == ["missing_key", "duplicate_key_in_batch", "key_has_reserved_character"]
    assert fake_dataverse.count("POST", "CreateMultiple") == 4


def test_a_create_that_landed_before_its_connection_dropped_lands_once(
    fake_dataverse: FakeDataverse,
) -> None:
    fake_dataverse.drop_after_commit = 1
    result = write(fake_dataverse, [patient(n) for n in range(10)])

    assert result.counts() == {"created": 10}
    assert len(fake_dataverse.rows["contacts"]) == 10
    assert {r.id for r in result.results} == set(fake_dataverse.rows["contacts"])


def test_throttled_requests_are_retried_and_counted(fake_dataverse: FakeDataverse) -> None:
    fake_dataverse.throttle_next = 3
    result = write(fake_dataverse, [patient(n) for n in range(5)])

    assert result.counts() == {"created": 5}
    assert result.throttled == 3


def test_create_only_columns_are_not_sent_on_update(fake_dataverse: FakeDataverse) -> None:
    first = [patient(1, overriddencreatedon="2019-03-01T09:00:00Z")]
    write(fake_dataverse, first)
    write(
        fake_dataverse, [patient(1, lastname="Other", overriddencreatedon="2019-03-01T09:00:00Z")]
    )

    create, upsert = [b["Targets"][0] for b in fake_dataverse.bodies if "Targets" in b]
    assert create["overriddencreatedon"] == "2019-03-01T09:00:00Z"
    assert "overriddencreatedon" not in upsert


def test_appointment_state_is_set_after_create(fake_dataverse: FakeDataverse) -> None:
    info = contact_info().model_copy(
        update={"name": "appointment", "collection": "appointments", "primary_id": "activityid"}
    )
    info.columns["statecode"] = info.columns["lastname"].model_copy(update={"name": "statecode"})
    record = patient(1, statecode=1, statuscode=3)
    result = write(
        fake_dataverse, [record], behaviour=behaviour_for("appointment"), table_info=info
    )

    create = next(b for b in fake_dataverse.bodies if "Targets" in b)["Targets"][0]
    assert "statecode" not in create
    patch = fake_dataverse.bodies[-1]
    assert patch == {"statecode": 1, "statuscode": 3}
    assert fake_dataverse.requests[-1] == ("PATCH", f"appointments({result.results[0].id})")


def test_oversized_documents_are_rejected_not_dropped(fake_dataverse: FakeDataverse) -> None:
    notes = [patient(1, documentbody="A" * 2000), patient(2, documentbody="A" * 10)]
    result = write(fake_dataverse, notes, behaviour=behaviour_for("annotation"))

    assert [(r.status, r.reason_code) for r in result.results] == [
        ("rejected", "file_too_large"),
        ("created", None),
    ]


def test_first_loads_create_without_reading_and_fall_back_on_a_clash(
    fake_dataverse: FakeDataverse,
) -> None:
    fresh = write(fake_dataverse, [patient(n) for n in range(30)], first_load=True)
    assert fresh.counts() == {"created": 30}
    assert fake_dataverse.count("GET", "contacts") == 0

    mixed = write(fake_dataverse, [patient(n) for n in range(25, 40)], first_load=True)
    assert mixed.counts() == {"unchanged": 5, "created": 10}
    assert len(fake_dataverse.rows["contacts"]) == 40
    assert fake_dataverse.count("GET", "contacts") == 1


def test_oversized_documents_go_in_blocks_when_the_operator_allows_it(
    fake_dataverse: FakeDataverse, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(behaviours, "BLOCK_BYTES", 4096)
    data = bytes(range(256)) * 40  # 10,240 bytes -> three blocks of at most 4,096
    note = patient(1, subject="X-ray", filename="bw.png", mimetype="image/png",
                   documentbody=base64.b64encode(data).decode())  # fmt: skip
    in_blocks = behaviours.behaviour_for("annotation", allow_block_upload=True)

    result = write(fake_dataverse, [note], behaviour=in_blocks)

    assert result.counts() == {"created": 1}
    create = next(b for b in fake_dataverse.bodies if "Targets" in b)["Targets"][0]
    assert "documentbody" not in create and "_upload_in_blocks" not in create
    blocks = [b for b in fake_dataverse.bodies if "BlockData" in b]
    assert len(blocks) == 3
    assert b"".join(base64.b64decode(b["BlockData"]) for b in blocks) == data
    commit = fake_dataverse.bodies[-1]
    assert commit["BlockList"] == [b["BlockId"] for b in blocks]
    assert commit["Target"]["annotationid"] == result.results[0].id
