"""The field-level diff of a sample really loaded into the Dataverse emulator and read back."""

from __future__ import annotations

import asyncio
import copy
import csv
import io
import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from shared.destinations.base import WriteOptions
from shared.destinations.dataverse import DataverseDestination
from shared.destinations.map_needs import needs_from_map
from shared.destinations.schema import SchemaPlan
from shared.mapping.compiler import CompiledMap, compile_map
from shared.mapping.context import RunContext
from shared.mapping.loader import parse_map
from shared.model import Invoice, Patient, SourceRef
from shared.reports.diff import DiffReport, SampleRow, field_diff
from shared.reports.diff_csv import render_diff_csv
from shared.reports.diff_html import render_diff_html
from tests.fixtures.dataverse_destination import emulator_settings

pytestmark = pytest.mark.integration
RUN = "run-sample-1"
MAP: dict[str, Any] = {
    "name": "diff-test",
    "destination": "dataverse",
    "publisher_prefix": "new",
    "timezone": "Europe/London",
    "provenance": {
        "key_column": "new_SourceId",
        "source_system_column": "new_SourceSystem",
        "run_id_column": "new_MigrationRunId",
        "created_on_column": None,
    },
    "value_maps": {
        "gender": {"entries": {"female": "Female", "male": "Male"}, "on_unmapped": "drop_value"}
    },
    "tables": {
        "patient_contact": {
            "table": "contact",
            "source": "patient",
            "fields": {
                "firstname": {"from": "given_name", "max_length": 50},
                "lastname": {"from": "family_name", "max_length": 50, "required": True},
                "birthdate": {"from": "date_of_birth", "type": "dateonly"},
                "gendercode": {
                    "from": "sex",
                    "type": "choice",
                    "value_map": "gender",
                    "options": {1: "Male", 2: "Female"},
                },
                "telephone1": {"from": "primary_contact(phone)", "max_length": 50},
            },
        },
        "invoice": {
            "table": "new_PatientInvoice",
            "source": "invoice",
            "fields": {
                "new_Name": {"from": "number", "max_length": 100},
                "new_Amount": {"from": "total", "type": "money"},
                "new_Balance": {"from": "balance", "type": "money"},
            },
            "lookups": {"new_PatientId": {"from": "patient_id", "to": "patient_contact"}},
        },
    },
}


def ref(kind: str, n: int) -> dict[str, Any]:
    return {"source_system": "aerona", "source_id": f"{kind[0].upper()}{n}",
            "source_ref": SourceRef(file=f"{kind}.csv", row=n)}  # fmt: skip


def sample() -> list[Any]:
    patients = [
        Patient(**ref("patient", n), given_name=f"Ann{n}", family_name=f"=Example{n}",
                date_of_birth=date(1980, 6, 1 + n), sex="female" if n % 2 else "male",
                contact_points=[{"system": "phone", "value_raw": f"0113 496 00{n:02d}"}])
        for n in range(1, 5)
    ]  # fmt: skip
    invoices = [
        Invoice(**ref("invoice", n), number=f"INV-{n}", patient_id=f"P{n}",
                issued_at=date(2024, 5, n), total=Decimal("120.50"), balance=Decimal("20.25"),
                currency="GBP")
        for n in range(1, 4)
    ]  # fmt: skip
    orphan = Invoice(**ref("invoice", 9), number="INV-9", patient_id="P99",
                     issued_at=date(2024, 5, 9), total=Decimal("1"), currency="GBP")  # fmt: skip
    return [*patients, *invoices, orphan]


def compiled(document: dict[str, Any]) -> CompiledMap:
    return compile_map(parse_map(document), RunContext(run_id=RUN), map_sha256="ab" * 32)


def load_and_diff(emulator: Any, document: dict[str, Any], after: Any = None) -> DiffReport:
    """Provision, write the sample with the Dataverse destination, then diff it."""
    plan_map = compiled(MAP)
    setup = DataverseDestination(emulator_settings(emulator))
    plan = SchemaPlan(destination="dataverse", needs=needs_from_map(plan_map.schema_needs()))
    assert asyncio.run(_closing(setup, setup.apply_schema(plan))).satisfied
    the_map = compiled(document)
    destination = DataverseDestination(emulator_settings(emulator))

    async def work() -> DiffReport:
        written: list[SampleRow] = []
        rejected: dict[str, str] = {}
        for name in ("patient_contact", "invoice"):
            entry = the_map.tables[name]
            records = [r for r in sample() if r.kind == entry.source_kind]
            rows = [entry.transform_one(r) for r in records]
            result = await destination.write(entry.table, [r.payload for r in rows],
                                             WriteOptions(run_id=RUN))  # fmt: skip
            rejected.update({r.key: r.reason_code or "" for r in result.results
                             if r.status == "rejected"})  # fmt: skip
            written += [SampleRow(entry, rec, row) for rec, row in zip(records, rows, strict=True)]
        if after is not None:
            after(destination)
        return await field_diff(destination, written, run_id=RUN, rejected=rejected)

    return asyncio.run(_closing(destination, work()))


async def _closing(destination: DataverseDestination, work: Any) -> Any:
    try:
        return await work
    finally:
        await destination.aclose()


def verdicts(report: DiffReport) -> dict[tuple[str, str], str]:
    return {(f.key, f.column): f.verdict for f in report.fields}


def test_a_faithful_map_has_no_mismatch_but_the_refused_record(fresh_dataverse: Any) -> None:
    report = load_and_diff(fresh_dataverse, MAP)

    by = verdicts(report)
    assert by[("aerona.patient.P1", "lastname")] == "match"
    assert by[("aerona.patient.P1", "gendercode")] == "transformed"  # female -> 2
    gender = next(f for f in report.fields if f.column == "gendercode")
    assert (gender.source_value, gender.read_back, gender.read_back_label) == (
        "female",
        2,
        "Female",
    )
    assert by[("aerona.patient.P2", "birthdate")] == "match"  # a date is a date
    assert by[("aerona.invoice.I1", "new_PatientId@odata.bind")] == "transformed"  # key -> link
    assert by[("aerona.invoice.I1", "new_amount")] == "match"  # 120.50 is 120.5
    bad = [f for f in report.fields if f.verdict in ("mismatch", "missing")]
    assert bad and {f.key for f in bad} == {"aerona.invoice.I9"}  # bound to a missing patient
    assert all("rejected the record" in f.reason for f in bad)
    linked = next(f for f in report.fields if f.key == "aerona.invoice.I2" and "@" in f.column)
    assert linked.read_back == "aerona.patient.P2"


def test_a_broken_map_shows_mismatches_with_reasons(fresh_dataverse: Any) -> None:
    broken = copy.deepcopy(MAP)
    fields = broken["tables"]["patient_contact"]["fields"]
    fields["birthdate"] = {"from": "date_of_birth", "type": "datetime"}  # BST midnight -> UTC

    def someone_edits(destination: DataverseDestination) -> None:
        with fresh_dataverse.client(user=1) as other:
            found = other.get("contacts", params={"$filter": "new_sourceid eq 'aerona.patient.P3'"})
            contact_id = found.json()["value"][0]["contactid"]
            assert other.patch(f"contacts({contact_id})", json={"telephone1": "x"}).is_success
            found = other.get("new_patientinvoices", params={"$filter": "new_name eq 'INV-2'"})
            invoice_id = found.json()["value"][0]["new_patientinvoiceid"]
            relink = {"new_PatientId@odata.bind": f"/contacts({contact_id})"}
            assert other.patch(f"new_patientinvoices({invoice_id})", json=relink).is_success

    report = load_and_diff(fresh_dataverse, broken, after=someone_edits)

    dates = [f for f in report.fields if f.column == "birthdate"]
    assert {f.verdict for f in dates} == {"mismatch"}
    assert all("date shifted by -1 day(s)" in f.reason for f in dates)
    assert dates[0].source_value == "1980-06-02" and dates[0].read_back == "1980-06-01"
    edited = next(f for f in report.fields if f.key.endswith("P3") and f.column == "telephone1")
    assert edited.verdict == "mismatch" and "changed after the write" in edited.reason
    link = next(f for f in report.fields if f.key.endswith("I2") and "@" in f.column)
    assert (link.verdict, link.sent, link.read_back) == (
        "mismatch", "aerona.patient.P2", "aerona.patient.P3"
    )  # fmt: skip
    assert "different record" in link.reason
    assert report.mismatch_rate > 0.2
    assert all(f.reason for f in report.fields if f.verdict in ("mismatch", "missing"))


def test_renderings_escape_and_neutralise(fresh_dataverse: Any) -> None:
    report = load_and_diff(fresh_dataverse, MAP)
    report.fields[0].source_value = "<script>alert(1)</script>"

    page = render_diff_html(report)
    rows = list(csv.DictReader(io.StringIO(render_diff_csv(report))))
    body = json.loads(report.to_json())

    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert page.count("<section") == 2 and 'data-verdict="missing"' in page
    assert "http" not in page.replace("http-equiv", "")  # self-contained: no external resource
    lastnames = [r for r in rows if r["column"] == "lastname"]
    assert lastnames[0]["sent"].startswith("'=Example")  # formula made inert
    assert body["summary"]["all"]["missing"] == len(
        [f for f in report.fields if f.verdict == "missing"]
    )
