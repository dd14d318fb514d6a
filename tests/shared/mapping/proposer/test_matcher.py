"""The matcher's proposals: readable reasons, values that overrule misleading headers, one-to-one,
custom fields with inferred types, and no patient value anywhere in the proposal."""

from __future__ import annotations

import csv
from pathlib import Path

from shared.mapping.proposer.matcher import match_columns, match_csv

CASES = Path(__file__).parent / "cases"


def _by_column(headers: list[str], rows: list[list[str]], kind: str = "patient") -> dict:
    columns = [list(c) for c in zip(*rows, strict=True)]
    result = match_columns(headers, columns, kind, region="GB")
    return {c.column: c for c in result.proposal.columns}


def test_turkish_header_reason_names_language_and_date_format() -> None:
    proposal = match_csv(CASES / "tr_drdentes_hastalar.csv", "patient").proposal
    dob = next(c for c in proposal.columns if c.column == "Doğum Tarihi")
    assert dob.field == "date_of_birth"
    assert "'Doğum Tarihi' is the Turkish for date of birth" in dob.reason
    assert "parse as d.MM.yyyy dates" in dob.reason
    assert dob.detected.date_format == "d.MM.yyyy"
    assert dob.confidence >= 0.9


def test_values_overrule_a_misleading_header() -> None:
    rows = [[f"P{i}", f"user{i}@example.org", f"0161 496 0{i:03d}"] for i in range(12)]
    proposals = _by_column(["ID", "Phone", "Contact"], rows)
    assert proposals["Phone"].field == "contact_points[email]"
    assert proposals["Contact"].field == "contact_points[phone]"


def test_one_field_per_column_and_the_better_column_wins() -> None:
    rows = [[f"07400 1{i:05d}", f"07400 2{i:05d}"] for i in range(12)]
    proposals = _by_column(["Mobile", "Mobile Phone 2"], rows)
    assert proposals["Mobile"].field == "contact_points[mobile]"
    assert proposals["Mobile Phone 2"].field != "contact_points[mobile]"


def test_a_relatives_phone_is_not_the_patients_phone() -> None:
    proposal = match_csv(CASES / "tr_drdentes_hastalar.csv", "patient").proposal
    relative = next(c for c in proposal.columns if c.column == "Yakınının Tel.")
    assert relative.field is None
    assert "someone else" in relative.reason


def test_columns_without_a_home_become_typed_custom_fields() -> None:
    rows = [
        [f"P{i}", ["A Rh+", "0 Rh-", "B Rh+"][i % 3], ["Y", "N"][i % 2], f"0{i % 9 + 1}/03/2023",
         ["Asthma; Diabetes", "Angina", ""][i % 3], f"note {i} about something long enough"]
        for i in range(12)
    ]  # fmt: skip
    headers = ["ID", "Blood Group", "Has Pet", "Consent Signed", "Conditions List", "Xyz Memo"]
    proposals = _by_column(headers, rows)
    blood = proposals["Blood Group"]
    assert blood.field is None and blood.custom_field is not None
    assert blood.custom_field.name == "blood_group"
    assert blood.custom_field.type == "picklist"
    assert set(blood.custom_field.options or []) == {"A Rh+", "0 Rh-", "B Rh+"}
    assert blood.custom_field.counts == [4, 4, 4]
    assert proposals["Has Pet"].custom_field.type == "boolean"  # type: ignore[union-attr]
    assert proposals["Consent Signed"].custom_field.type == "date"  # type: ignore[union-attr]
    assert proposals["Xyz Memo"].custom_field.type == "text"  # type: ignore[union-attr]


def test_the_proposal_carries_no_patient_value() -> None:
    path = CASES / "en_uk_patients.csv"
    proposal = match_csv(path, "patient").proposal
    text = proposal.model_dump_json()
    phi_columns = [
        "First Name", "Last Name", "Date of Birth", "Address Line 1", "Town", "Postcode",
        "Home Phone", "Mobile", "Email", "NHS Number", "Medical Alerts",
    ]  # fmt: skip
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for column in phi_columns:
                if row[column]:
                    assert row[column] not in text, f"a value of {column} leaked"


def test_region_from_phone_numbers_decides_month_first_dates() -> None:
    rows = [[f"(201) 555-01{i:02d}", f"0{i % 9 + 1}/0{i % 3 + 1}/1980"] for i in range(12)]
    columns = [list(c) for c in zip(*rows, strict=True)]
    proposal = match_columns(["Phone", "Birth Date"], columns, "patient").proposal
    assert proposal.region == "US"
    assert proposal.columns[1].detected.date_format == "MM/dd/yyyy"
