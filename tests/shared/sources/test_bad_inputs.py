"""Bad files never crash a run or lose a row: each gives a finding naming file, row and column."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

Reader = Callable[[Path], tuple[list[Any], list[Any], Any]]
HEADER = "Patient ID,First Name,Last Name,DOB,Town\r\n"


def reasons(findings: list[Any]) -> set[tuple[str, str, str | None]]:
    return {(f.reason, f.file, f.column) for f in findings}


def test_a_clean_file_reads_every_row_with_its_data_row_number(
    tmp_path: Path, read_dir: Reader
) -> None:
    (tmp_path / "patients.csv").write_text(
        HEADER + "P1,Ada,Lovelace,10/12/1815,London\r\nP2,Alan,Turing,23/06/1912,Wilmslow\r\n",
        encoding="utf-8",
    )
    outcomes, _, result = read_dir(tmp_path)
    assert [o.source_ref.row for o in outcomes] == [1, 2]  # first row after the header is 1
    assert not any(o.quarantined for o in outcomes)
    patient = outcomes[0].record
    assert patient.date_of_birth.year == 1815
    assert patient.addresses[0].country == "GB"  # profile default
    assert result.files[0].header_row == 1


def test_malformed_values_quarantine_the_row_and_name_the_column(
    tmp_path: Path, read_dir: Reader
) -> None:
    (tmp_path / "patients.csv").write_text(
        HEADER + "P1,Ada,Lovelace,31/02/1815,London\r\n,Alan,Turing,23/06/1912,\r\n",
        encoding="utf-8",
    )
    outcomes, _, _ = read_dir(tmp_path)
    assert [o.quarantined for o in outcomes] == [True, True]
    assert reasons(outcomes[0].findings) == {("malformed_date", "patients.csv", "DOB")}
    assert ("missing_required", "patients.csv", "Patient ID") in reasons(outcomes[1].findings)
    assert all("Ada" not in f.message and "1815" not in f.message for f in outcomes[0].findings)


def test_ragged_rows_are_quarantined_not_shifted(tmp_path: Path, read_dir: Reader) -> None:
    (tmp_path / "patients.csv").write_text(
        HEADER
        + "P1,Ada,Lovelace,10/12/1815,London,extra\r\n"
        + "P2,Alan,Turing\r\n"
        + "P3,Grace,Hopper,09/12/1906,Arlington,,\r\n",  # trailing empty cells are fine
        encoding="utf-8",
    )
    outcomes, _, _ = read_dir(tmp_path)
    assert [o.quarantined for o in outcomes] == [True, True, False]
    assert reasons(outcomes[0].findings) == {("ragged_row", "patients.csv", "column 6")}
    assert reasons(outcomes[1].findings) == {("ragged_row", "patients.csv", "DOB")}


def test_empty_and_header_only_files(tmp_path: Path, read_dir: Reader) -> None:
    (tmp_path / "patients.csv").write_bytes(b"")
    (tmp_path / "patients_2.csv").write_text(HEADER, encoding="utf-8")
    outcomes, files, _ = read_dir(tmp_path)
    assert outcomes == []
    assert ("empty_file", "patients.csv", None) in reasons(files)
    assert ("empty_file", "patients_2.csv", None) in reasons(files)


def test_a_binary_file_renamed_csv_is_unreadable(tmp_path: Path, read_dir: Reader) -> None:
    (tmp_path / "patients.csv").write_bytes(b"PK\x03\x04\x14\x00" + bytes(range(256)) * 10)
    outcomes, files, _ = read_dir(tmp_path)
    assert outcomes == []
    assert [(f.reason, f.severity) for f in files if f.file == "patients.csv"] == [
        ("unreadable_file", "quarantine")
    ]


def test_a_file_without_header_keeps_every_row_quarantined(
    tmp_path: Path, read_dir: Reader
) -> None:
    (tmp_path / "patients.csv").write_text(
        "P1,Ada,Lovelace,10/12/1815,London\r\n\r\nP2,Alan,Turing,23/06/1912,Wilmslow\r\n",
        encoding="utf-8",
    )
    outcomes, files, _ = read_dir(tmp_path)
    assert ("missing_header", "patients.csv", None) in reasons(files)
    assert [(o.source_ref.row, o.quarantined) for o in outcomes] == [(1, True), (3, True)]


def test_missing_and_unexpected_files_are_reported_not_fatal(
    tmp_path: Path, read_dir: Reader
) -> None:
    (tmp_path / "patients.csv").write_text(HEADER + "P1,Ada,L,10/12/1815,X\r\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    (tmp_path / "_manifest.json").write_text("{}", encoding="utf-8")
    outcomes, files, _ = read_dir(tmp_path)
    assert len(outcomes) == 1
    found = {(f.reason, f.file, f.severity) for f in files}
    assert ("missing_file", "appointments.csv", "warning") in found
    assert not any(f.file == "recalls.csv" for f in files)  # optional in the profile
    assert ("unexpected_file", "notes.txt", "warning") in found
    assert not any(f.file == "_manifest.json" for f in files)


def test_a_missing_required_column_is_reported_and_rows_quarantined(
    tmp_path: Path, read_dir: Reader
) -> None:
    (tmp_path / "appointments.csv").write_text(
        "Appointment ID,Patient ID,Status\nA1,P1,DNA\n", encoding="utf-8"
    )
    outcomes, files, _ = read_dir(tmp_path)
    assert ("missing_column", "appointments.csv", "When") in reasons(files)
    assert outcomes[0].quarantined
    assert ("missing_required", "appointments.csv", "(start)") in reasons(outcomes[0].findings)


def test_unknown_status_becomes_other_with_a_warning(tmp_path: Path, read_dir: Reader) -> None:
    (tmp_path / "appointments.csv").write_text(
        "Appointment ID,Patient ID,When,Status\n"
        "A1,P1,2024-03-07 09:30,DNA\nA2,P1,2024-03-07 10:00,Teleported\n",
        encoding="utf-8",
    )
    outcomes, _, _ = read_dir(tmp_path)
    assert outcomes[0].record.status == "no_show"
    assert outcomes[1].record.status == "other"
    assert outcomes[1].record.status_raw == "Teleported"
    assert not outcomes[1].quarantined
    assert [(f.reason, f.severity, f.column) for f in outcomes[1].findings] == [
        ("unknown_enum_value", "warning", "Status")
    ]


def test_an_unterminated_quote_does_not_lose_rows_silently(
    tmp_path: Path, read_dir: Reader
) -> None:
    (tmp_path / "patients.csv").write_text(
        HEADER + 'P1,Ada,Lovelace,10/12/1815,"London\r\nP2,Alan,Turing,23/06/1912,Wilmslow\r\n',
        encoding="utf-8",
    )
    outcomes, _, _ = read_dir(tmp_path)
    assert len(outcomes) >= 1
    assert all(o.quarantined for o in outcomes)
