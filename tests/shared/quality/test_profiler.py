"""The profiler on a small clinic export: statuses, merges, orphans, settings, quarantine list."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from shared.model import (
    Appointment,
    ContactPoint,
    CustomFieldRecord,
    Patient,
    Payment,
    SourceRef,
)
from shared.quality import QualityConfig, QualityProfiler, RowOutcome, render_summary
from shared.quality.findings import Finding
from tests.fixtures.quality import (
    AS_OF,
    CLINIC_EXPECTED,
    CLINIC_FILES,
    clinic_stream,
    make_appointment,
    make_document,
    make_patient,
    outcome,
    unparsed,
)


def run(
    rows: list[tuple[str, RowOutcome]], config: QualityConfig | None = None, **kwargs: object
) -> tuple[QualityProfiler, list[RowOutcome]]:
    profiler = QualityProfiler(config or QualityConfig(as_of=AS_OF), **kwargs)  # type: ignore[arg-type]
    return profiler, [profiler.profile_row(kind, row) for kind, row in rows]


def reasons(row: RowOutcome) -> list[tuple[str, str | None]]:
    return [(f.reason, f.column) for f in row.findings]


def test_clinic_export_statuses_match_a_hand_count() -> None:
    quarantine = io.StringIO()
    profiler, rows = run(
        clinic_stream(), quarantine=quarantine, document_exists=CLINIC_FILES.__contains__
    )
    report = profiler.finish()
    counted = {p.object_kind: (p.accepted, p.quarantined, p.merged) for p in report.objects}
    assert counted == CLINIC_EXPECTED
    assert report.balanced
    by_row = Counter((row.object_kind, row.status) for row in rows)
    for profile in report.objects:
        assert by_row[(profile.object_kind, "accepted")] == profile.accepted
        assert by_row[(profile.object_kind, "merged")] == profile.merged
    lines = [json.loads(line) for line in quarantine.getvalue().splitlines()]
    assert len(lines) == report.quarantine_rows == 9
    assert {"object_kind": "document", "file": "documents.csv", "sheet": None, "row": 2,
            "findings": [{"reason": "oversized_document", "severity": "quarantine",
                          "column": "size_bytes"}]} in lines  # fmt: skip


def test_turkish_case_duplicate_is_merged_and_its_children_follow_the_survivor() -> None:
    _, rows = run(clinic_stream())
    merged = next(r for r in rows if r.status == "merged")
    assert merged.record is not None and merged.record.source_id == "P5"
    assert merged.merged_into == "P4"
    assert reasons(merged) == [("duplicate_patient", None)]
    appointment = next(r for r in rows if r.record and r.record.source_id == "A2")
    assert isinstance(appointment.record, Appointment)
    assert appointment.record.patient_id == "P4"
    assert appointment.status == "accepted"
    assert reasons(appointment) == [("parent_merged", "patient_id")]


def test_duplicates_can_be_held_for_review_or_left_alone() -> None:
    held = QualityConfig(as_of=AS_OF, rules={"duplicate_patient": "quarantine"})
    _, rows = run(clinic_stream(), held)
    p5 = next(r for r in rows if r.record and r.record.source_id == "P5")
    assert p5.status == "quarantined" and p5.merged_into is None
    off = QualityConfig(as_of=AS_OF, rules={"duplicate_patient": "off"})
    _, rows = run(clinic_stream(), off)
    assert not any(r.status == "merged" for r in rows)


def test_patients_without_birth_date_are_never_merged_by_name() -> None:
    stream = [outcome(make_patient("P1", "Ann", "Lee", None, row=1)),
              outcome(make_patient("P2", "Ann", "Lee", None, row=2))]  # fmt: skip
    _, rows = run(stream)
    assert [r.status for r in rows] == ["accepted", "accepted"]


def test_children_of_missing_or_quarantined_parents_are_held_back_with_distinct_reasons() -> None:
    _, rows = run(clinic_stream())
    held = {
        r.record.source_id: reasons(r)
        for r in rows
        if r.record and r.record.kind != "patient" and r.status == "quarantined"
        and r.findings[0].reason in ("orphan_reference", "parent_quarantined")
    }  # fmt: skip
    assert held == {
        "R2": [("orphan_reference", "patient_id")],  # P404 is not in the export
        "A3": [("parent_quarantined", "patient_id")],  # P7 was born in the future
        "I1": [("parent_quarantined", "patient_id")],  # P6 has a blank family name
    }


def test_polymorphic_references_follow_the_kind_the_record_names() -> None:
    def value(source_id: str, entity_id: str, kind: str = "patient") -> CustomFieldRecord:
        return CustomFieldRecord.model_validate({
            "source_system": "drdentes", "source_id": source_id, "entity_kind": kind,
            "entity_id": entity_id, "definition_key": "blood_group", "raw_value": "A+",
            "source_ref": SourceRef(file="ozel_alanlar.csv", row=int(source_id[1:]))})  # fmt: skip

    stream = [
        outcome(make_patient("P1", "Ali", "Kaya", date(1980, 1, 1), row=1)),
        outcome(make_patient("P2", "ALİ", "KAYA", date(1980, 1, 1), row=2)),
        outcome(value("C1", "P1")), outcome(value("C2", "P2")), outcome(value("C3", "P9")),
        outcome(value("C4", "X1", kind="appointment")),  # no appointments read: not checked
    ]  # fmt: skip
    _, rows = run(stream)
    custom = [r for r in rows if isinstance(r.record, CustomFieldRecord)]
    assert [r.status for r in custom] == ["accepted", "accepted", "quarantined", "accepted"]
    assert [r.record.entity_id for r in custom if isinstance(r.record, CustomFieldRecord)] == [
        "P1", "P1", "P9", "X1"]  # fmt: skip
    assert reasons(custom[2]) == [("orphan_reference", "entity_id")]


def test_references_to_a_kind_the_export_lacks_are_not_checked_and_say_so() -> None:
    stream = [outcome(make_appointment("A1", "P1", datetime(2025, 1, 1, 9), location_id="L7"))]
    profiler, rows = run(stream)
    assert rows[0].status == "accepted" and rows[0].findings == []
    report = profiler.finish()
    assert report.unchecked_references == ["appointment.location_id", "appointment.patient_id"]
    assert "References not checked (parent not read): appointment.location_id" in (
        render_summary(report)
    )


def test_contact_points_are_normalised_in_place() -> None:
    stream = [outcome(make_patient("P1", "Ada", "Lee", date(1980, 1, 1), phones=(
        "07400 123456", "07700 900123", "123"), emails=("Ada@Example.ORG", "ada@@x")))]  # fmt: skip
    _, rows = run(stream)
    patient = rows[0].record
    assert isinstance(patient, Patient)
    points = [(p.value_normalised, p.is_valid) for p in patient.contact_points]
    assert points == [("+447400123456", True), ("+447700900123", False), (None, False),
                      ("Ada@example.org", True), (None, False)]  # fmt: skip
    assert sorted(reasons(rows[0])) == [
        ("invalid_email", "contact_points.email"),
        ("invalid_phone", "contact_points.mobile"),
        ("unverified_phone", "contact_points.mobile"),
    ]
    assert rows[0].status == "accepted"  # contact problems never drop a patient by default


def test_phone_region_follows_the_source_system_unless_configured() -> None:
    turkish = make_patient("P1", "Ayşe", "Kaya", date(1980, 1, 1), system="drdentes",
                           phones=("0532 123 45 67",))  # fmt: skip
    _, rows = run([outcome(turkish)])
    assert isinstance(rows[0].record, Patient)
    assert rows[0].record.contact_points[0].value_normalised == "+905321234567"
    irish = make_patient("P1", "Seán", "Ryan", date(1980, 1, 1), system="generic_csv",
                         phones=("085 012 3456",))  # fmt: skip
    _, rows = run([outcome(irish)], QualityConfig(as_of=AS_OF, phone_region="IE"))
    assert isinstance(rows[0].record, Patient)
    assert rows[0].record.contact_points[0].value_normalised == "+353850123456"


def test_identifiers_get_is_valid_and_bad_ones_warn() -> None:
    patient = make_patient("P1", "Ali", "Kaya", date(1980, 1, 1), system="drdentes",
                           identifiers=(("tr-tckn", "17291716060"), ("tr-tckn", "17291716050"),
                                        ("passport", "U1234567")))  # fmt: skip
    _, rows = run([outcome(patient)])
    assert isinstance(rows[0].record, Patient)
    assert [i.is_valid for i in rows[0].record.identifiers] == [True, False, None]
    assert reasons(rows[0]) == [("invalid_identifier", "identifiers.tr-tckn")]
    assert rows[0].status == "accepted"


@pytest.mark.parametrize(
    ("born", "quarantined"),
    [(date(1900, 1, 1), False), (date(1899, 12, 31), True), (AS_OF, False),
     (AS_OF + timedelta(days=1), True)],
)  # fmt: skip
def test_birth_date_window(born: date, quarantined: bool) -> None:
    _, rows = run([outcome(make_patient("P1", "Ann", "Lee", born))])
    assert (rows[0].status == "quarantined") is quarantined


def test_events_in_the_future_are_flagged_only_where_they_cannot_be_booked_ahead() -> None:
    next_year = datetime(AS_OF.year + 1, 1, 5, 9)
    payment = Payment.model_validate({
        "source_system": "aerona", "source_id": "Y1",
        "source_ref": SourceRef(file="pay.csv", row=1), "patient_id": "P1",
        "received_at": next_year.date(), "amount": Decimal(10),
        "currency": "GBP"})  # fmt: skip
    stream = [outcome(make_appointment("A1", "P1", next_year)), outcome(payment),
              outcome(make_appointment("A2", "P1", datetime(AS_OF.year + 4, 1, 1, 9)))]  # fmt: skip
    _, rows = run(stream)
    assert [reasons(r) for r in rows] == [
        [],
        [("date_out_of_range", "received_at")],
        [("date_out_of_range", "start")],
    ]


@pytest.mark.parametrize(
    ("size", "measured_on", "oversized"),
    [(3_932_160, "base64", False), (3_932_161, "base64", True), (5_242_880, "raw", False),
     (5_242_881, "raw", True)],
)  # fmt: skip
def test_document_limit_is_measured_like_the_destination(
    size: int, measured_on: str, oversized: bool
) -> None:
    config = QualityConfig(as_of=AS_OF, document_size_measured_on=measured_on)  # type: ignore[arg-type]
    _, rows = run([outcome(make_document("D1", "P1", size, "d.pdf"))], config)
    assert (("oversized_document", "size_bytes") in reasons(rows[0])) is oversized


def test_missing_files_are_only_checked_when_the_export_listing_is_given() -> None:
    stream = [outcome(make_document("D1", "P1", 10, "docs/none.pdf"))]
    profiler, rows = run(stream)
    assert rows[0].status == "accepted"
    assert profiler.finish().rules["document_file_present"] == "not_checked"


def test_configured_required_fields_and_rules_switched_off() -> None:
    config = QualityConfig(
        as_of=AS_OF, required_fields={"patient": ["date_of_birth"]},
        rules={"date_of_birth_plausible": "off"},
    )  # fmt: skip
    stream = [outcome(make_patient("P1", "Ann", "Lee", None, row=1)),
              outcome(make_patient("P2", "Bo", "Lee", date(1850, 1, 1), row=2))]  # fmt: skip
    _, rows = run(stream, config)
    assert reasons(rows[0]) == [("missing_required", "date_of_birth")]
    assert rows[1].status == "accepted"


def test_reader_severities_can_be_relaxed_per_reason() -> None:
    patient = make_patient("P1", "Ann", "Lee", date(1980, 1, 1))
    finding = Finding(reason="unknown_enum_value", severity="quarantine", object_kind="patient",
                      file="patients.csv", row=1, column="Sex")  # fmt: skip
    config = QualityConfig(as_of=AS_OF, reader_reasons={"unknown_enum_value": "warning"})
    _, rows = run([outcome(patient, [finding])], config)
    assert rows[0].status == "accepted"
    assert rows[0].findings[0].severity == "warning"


def test_a_row_the_reader_could_not_build_stays_quarantined() -> None:
    config = QualityConfig(as_of=AS_OF, reader_reasons={"malformed_date": "warning"})
    profiler, rows = run([unparsed("patient", "p.csv", 3, "malformed_date", "DOB")], config)
    assert rows[0].status == "quarantined"
    assert profiler.finish().object("patient") is not None


def test_examples_per_reason_are_bounded_and_name_only_locations() -> None:
    stream = [outcome(make_patient(f"P{i}", "Ann", "", date(1980, 1, 1), row=i))
              for i in range(1, 30)]  # fmt: skip
    profiler, _ = run(stream, QualityConfig(as_of=AS_OF, max_examples=3))
    patient = profiler.finish().object("patient")
    assert patient is not None
    (missing,) = patient.reasons
    assert missing.count == 29 and missing.columns == {"family_name": 29}
    assert [(e.file, e.row, e.column) for e in missing.examples] == [
        ("patients.csv", 1, "family_name"), ("patients.csv", 2, "family_name"),
        ("patients.csv", 3, "family_name")]  # fmt: skip


def test_files_are_reported_with_encoding_rows_and_file_findings() -> None:
    profiler = QualityProfiler(QualityConfig(as_of=AS_OF))
    empty = Finding(reason="empty_file", severity="warning", object_kind="recall", file="r.csv")
    profiler.note_file("patients.csv", object_kind="patient", encoding="cp1254")
    profiler.note_file("r.csv", object_kind="recall", encoding="utf-8", findings=[empty])
    for kind, row in [outcome(make_patient("P1", "Ann", "Lee", date(1980, 1, 1)))]:
        profiler.profile_row(kind, row)
    files = {f.file: f for f in profiler.finish().files}
    assert (files["patients.csv"].encoding, files["patients.csv"].rows) == ("cp1254", 1)
    assert [r.reason for r in files["r.csv"].reasons] == ["empty_file"]


def test_staff_phones_and_location_emails_are_checked_too() -> None:
    from shared.model import Location

    location = Location.model_validate({
        "source_system": "core_practice", "source_id": "L1", "name": "Bondi",
        "source_ref": SourceRef(file="sites.xlsx", row=1), "email": "front desk@bondi",
        "phones": [ContactPoint(system="phone", value_raw="(02) 9130 1234")]})  # fmt: skip
    _, rows = run([outcome(location)])
    assert isinstance(rows[0].record, Location)
    assert rows[0].record.phones[0].value_normalised == "+61291301234"
    assert reasons(rows[0]) == [("invalid_email", "email")]
