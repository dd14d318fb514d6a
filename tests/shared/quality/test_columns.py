"""Findings name the export's own column header when the source profile says which one it was."""

from __future__ import annotations

from datetime import date

from shared.model import ContactPoint
from shared.quality import QualityConfig, QualityProfiler
from shared.quality.columns import contact_point_path, source_column_names
from tests.fixtures.quality import AS_OF, make_patient, outcome


def test_contact_point_paths_use_the_profile_syntax() -> None:
    mobile = ContactPoint(system="mobile", use="mobile", value_raw="x")
    home = ContactPoint(system="phone", value_raw="x")
    work = ContactPoint(system="phone", use="work", value_raw="x")
    assert contact_point_path("contact_points", mobile) == "contact_points.mobile"
    assert contact_point_path("contact_points", home) == "contact_points.phone"
    assert contact_point_path("phones", work) == "phones.phone.work"


def test_headers_are_joined_and_whole_names_stand_for_their_parts() -> None:
    names = source_column_names(
        {"appointment": [("Date", "start"), ("Time", "start")], "patient": [("Patient", "name")]}
    )
    assert names["appointment"]["start"] == "Date + Time"
    assert names["patient"]["family_name"] == "Patient"


def test_profiler_reports_the_source_header() -> None:
    columns = source_column_names(
        {
            "patient": [
                ("Surname", "family_name"),
                ("NHS Number", "identifiers.gb-nhs"),
                ("Mobile", "contact_points.mobile"),
            ]
        }
    )
    profiler = QualityProfiler(QualityConfig(as_of=AS_OF), source_columns=columns)
    patient = make_patient("P1", "Ann", "", date(1980, 1, 1), phones=("123",),
                           identifiers=(("gb-nhs", "9434765871"),), emails=("a@@b",))  # fmt: skip
    row = profiler.profile_row(*outcome(patient))
    assert sorted((f.reason, f.column) for f in row.findings) == [
        ("invalid_email", "contact_points.email"),  # no header known: the canonical path
        ("invalid_identifier", "NHS Number"),
        ("invalid_phone", "Mobile"),
        ("missing_required", "Surname"),
    ]
