"""Report renderers: JSON that reads back into the model, and a short terminal summary."""

from __future__ import annotations

from shared.quality import (
    QualityConfig,
    QualityProfiler,
    QualityReport,
    render_json,
    render_summary,
)
from tests.fixtures.quality import AS_OF, CLINIC_FILES, clinic_stream


def _report() -> QualityReport:
    profiler = QualityProfiler(
        QualityConfig(as_of=AS_OF), document_exists=CLINIC_FILES.__contains__
    )
    for kind, row in clinic_stream():
        profiler.profile_row(kind, row)
    profiler.note_file("patients.csv", object_kind="patient", encoding="utf-8-sig")
    return profiler.finish()


def test_json_reads_back_into_the_same_report() -> None:
    report = _report()
    assert QualityReport.model_validate_json(render_json(report)) == report


def test_summary_shows_each_object_with_its_top_reasons_first() -> None:
    text = render_summary(_report(), top_reasons=2)
    lines = text.splitlines()
    assert lines[0] == "Data quality as of 2026-06-01: 25 rows"
    patient = next(i for i, line in enumerate(lines) if line.lstrip().startswith("patient "))
    assert "read        10" in lines[patient] and "merged       1" in lines[patient]
    # Quarantine reasons come before warnings; the rest is pointed to, not dropped silently.
    assert lines[patient + 1].split()[0] == "quarantine"
    assert "more reason(s) in the JSON report" in lines[patient + 3]
    assert "patients.csv (10 rows, utf-8-sig)" in text
    assert text.endswith("9 quarantined rows: see the quarantine list\n")
    assert len(lines) < 40  # a terminal screen, not a dump


def test_summary_flags_an_object_that_does_not_balance() -> None:
    report = _report()
    report.objects[0].accepted += 1
    assert "[UNBALANCED]" in render_summary(report)
