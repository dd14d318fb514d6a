"""No patient value reaches a finding, the report, the summary or the quarantine list."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from decimal import Decimal

from shared.model import ClinicalNote, Identifier, Invoice, RelatedPerson, SourceRef
from shared.quality import QualityConfig, QualityProfiler, render_json, render_summary
from tests.fixtures.quality import AS_OF, make_document, make_patient, outcome

# Every PHI value below carries one of these; none may appear in anything the profiler emits.
SENTINELS = ("zqx", "9434765871", "17291716050", "7700900999", "1877", "04 1234")


def _stream() -> list[tuple[str, object]]:
    bad = make_patient(
        "P1", "=Zqxgiven", "Zqxfamily", date(1877, 3, 14), row=1,
        phones=("07700 900999", "zqx-phone", "04 1234"), emails=("zqx@@mail",),
        identifiers=(("gb-nhs", "9434765871"), ("tr-tckn", "17291716050")),
        name_raw="-zqx+cmd|' /C calc'!A0", medical_alerts=["@zqxalert"],
    )  # fmt: skip
    twin_a = make_patient("P2", "Zqxtwin", "Zqxson", date(1990, 1, 2), row=2)
    twin_b = make_patient("P3", "ZQXTWIN", "ZQXSON", date(1990, 1, 2), row=3)
    blank = make_patient("P4", " ", "Zqxblank", date(1980, 1, 1), row=4)
    related = RelatedPerson.model_validate({
        "source_system": "aerona", "source_id": "R1", "patient_id": "P404",
        "source_ref": SourceRef(file="contacts.csv", row=1), "given_name": "Zqxkin",
        "family_name": "=Zqxkin", "date_of_birth": date(1877, 3, 14)})  # fmt: skip
    note = ClinicalNote.model_validate({
        "source_system": "aerona", "source_id": "N1", "patient_id": "P1",
        "source_ref": SourceRef(file="notes.csv", row=1), "written_at": datetime(2031, 1, 1),
        "text": "=zqx clinical text"})  # fmt: skip
    invoice = Invoice.model_validate({
        "source_system": "aerona", "source_id": "I1", "patient_id": "P2", "number": "",
        "source_ref": SourceRef(file="inv.csv", row=1), "issued_at": date(1877, 3, 14),
        "total": Decimal("1877.00"), "currency": "GBP"})  # fmt: skip
    document = make_document("D1", "P1", 9_000_000, "zqx/zqx-scan.pdf")
    staff_ids = [Identifier(system="us-npi", value="1234567890")]
    from shared.model import StaffMember

    staff = StaffMember.model_validate({
        "source_system": "aerona", "source_id": "S1", "given_name": "Zqxdoc",
        "family_name": "Zqxdoc", "email": "zqx@", "identifiers": staff_ids,
        "source_ref": SourceRef(file="staff.csv", row=1)})  # fmt: skip
    return [outcome(r) for r in (staff, bad, twin_a, twin_b, blank, related, note, invoice,
                                 document)]  # fmt: skip


def test_sentinel_values_never_leave_the_records() -> None:
    quarantine = io.StringIO()
    profiler = QualityProfiler(
        QualityConfig(as_of=AS_OF), quarantine=quarantine, document_exists=lambda path: False
    )
    rows = [profiler.profile_row(kind, row) for kind, row in _stream()]  # type: ignore[arg-type]
    report = profiler.finish()
    findings = [f for row in rows for f in row.findings]
    reasons = {f.reason for f in findings}
    # The stream really tripped every value-bearing rule, so the sentinels were looked at.
    assert reasons >= {
        "invalid_identifier", "invalid_phone", "unverified_phone", "invalid_email",
        "formula_injection", "date_out_of_range", "duplicate_patient", "missing_required",
        "orphan_reference", "parent_quarantined", "oversized_document", "missing_document_file",
    }  # fmt: skip
    emitted = [
        render_json(report),
        render_summary(report),
        quarantine.getvalue(),
        *(f.message for f in findings),
        *(json.dumps(f.model_dump()) for f in findings),
        *(row.model_dump_json(exclude={"record"}) for row in rows),
    ]
    for text in emitted:
        for sentinel in SENTINELS:
            assert sentinel not in text.lower(), (sentinel, text[:200])
