"""Encodings, delimiters, title rows, XLSX text cells and JSON exports."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from shared.sources.encoding import UnreadableFile, detect_encoding
from shared.sources.tables.delimited import sniff_delimiter
from shared.sources.tables.workbook import render_cell

Reader = Callable[[Path], tuple[list[Any], list[Any], Any]]
TURKISH = (
    "Patient ID;First Name;Last Name;DOB;Town\r\n"
    "P1;Şükrü;Güneş;07/03/1984;İstanbul\r\nP2;Ayşe;Yılmaz;01/02/1990;Eskişehir\r\n"
)


def test_encoding_detection_order() -> None:
    assert detect_encoding(b"\xef\xbb\xbfa,b", "auto", ["cp1252"]).encoding == "utf-8-sig"
    assert detect_encoding("é".encode(), "auto", ["cp1252"]).encoding == "utf-8"
    single = detect_encoding("Güneş".encode("cp1254"), "auto", ["cp1254"])
    assert (single.encoding, single.guessed) == ("cp1254", False)  # the profile's one code page
    forced = detect_encoding(b"abc", "cp1254", ["cp1252"])
    assert (forced.encoding, forced.guessed) == ("cp1254", False)
    with pytest.raises(UnreadableFile):
        detect_encoding(b"\x00\x01\x02binary", "auto", ["cp1252"])


def test_a_guessed_code_page_decodes_turkish_and_warns(tmp_path: Path, read_dir: Reader) -> None:
    (tmp_path / "patients.csv").write_bytes(TURKISH.encode("cp1254"))
    outcomes, files, result = read_dir(tmp_path)
    patient = outcomes[0].record
    assert (patient.given_name, patient.family_name) == ("Şükrü", "Güneş")
    assert result.files[0].encoding_guessed
    mine = [(f.reason, f.severity) for f in files if f.file == "patients.csv"]
    assert mine == [("encoding_fallback", "warning")]


def test_a_stray_ansi_line_in_a_utf8_file_is_decoded_and_flagged(
    tmp_path: Path, read_dir: Reader
) -> None:
    lines = ["Patient ID,First Name,Last Name,DOB,Town\n"]
    lines += [f"P{i},Zoë,Smith,01/01/1990,Leeds\n" for i in range(9000)]  # past the prefix
    body = "".join(lines).encode() + "P9999,Zoë,Smith,01/01/1990,Leeds\n".encode("cp1252")
    (tmp_path / "patients.csv").write_bytes(body)
    outcomes, _, _ = read_dir(tmp_path)
    last = outcomes[-1]
    assert last.record.given_name == "Zoë"
    assert [(f.reason, f.row) for f in last.findings] == [("encoding_fallback", 9001)]
    assert not any(o.findings for o in outcomes[:-1])


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed_against_the_profile_columns(delimiter: str) -> None:
    sample = delimiter.join(["Patient ID", "Town", "Notes"]) + "\nP1,2" + delimiter + "a;b|c\n"
    assert sniff_delimiter(sample, {"patient id", "town"}) == delimiter


def test_title_rows_above_the_header_are_skipped(tmp_path: Path, read_dir: Reader) -> None:
    (tmp_path / "patients.csv").write_text(
        "Patient List Report\nSmile Dental — generated 7/03/2024\n\n"
        "Patient ID,First Name,Last Name,DOB,Town\nP1,Ada,Lovelace,10/12/1815,London\n"
        "Total,,,,\n",
        encoding="utf-8",
    )
    outcomes, _, result = read_dir(tmp_path)
    assert result.files[0].header_row == 4
    assert [(o.source_ref.row, o.record.source_id) for o in outcomes] == [(1, "P1")]


def test_xlsx_cells_are_read_as_text(tmp_path: Path, read_dir: Reader) -> None:
    book = xlsxwriter.Workbook(tmp_path / "patients.xlsx")
    sheet = book.add_worksheet("Patients")
    sheet.write_row(0, 0, ["Patient List Report"])
    sheet.write_row(2, 0, ["Patient ID", "First Name", "Last Name", "DOB", "Town"])
    sheet.write_string(3, 0, "011")  # leading zero kept: a text cell
    sheet.write_row(3, 1, ["Ada", "Lovelace"])
    day_format = book.add_format({"num_format": "d/mm/yyyy"})  # a real Excel date cell
    sheet.write_datetime(3, 3, datetime(1985, 12, 10), day_format)
    sheet.write_number(3, 4, 2000)  # a number cell comes back without '.0'
    book.close()
    outcomes, _, result = read_dir(tmp_path)
    record = outcomes[0].record
    assert record.source_id == "011"
    assert record.date_of_birth.isoformat() == "1985-12-10"
    assert record.addresses[0].city == "2000"
    assert (result.files[0].sheet, result.files[0].header_row) == ("Patients", 3)


def test_render_cell_keeps_numbers_human() -> None:
    assert render_cell(11.0) == "11"
    assert render_cell(9434765870.0) == "9434765870"
    assert render_cell(1234.5, ",") == "1234,5"
    assert render_cell(None) == ""


def test_a_corrupt_xlsx_is_unreadable(tmp_path: Path, read_dir: Reader) -> None:
    (tmp_path / "patients.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    _, files, _ = read_dir(tmp_path)
    assert [f.reason for f in files if f.file == "patients.xlsx"] == ["unreadable_file"]


@pytest.mark.parametrize("lines", [True, False])
def test_json_arrays_and_json_lines(tmp_path: Path, read_dir: Reader, lines: bool) -> None:
    people = [
        {"Patient ID": "P1", "First Name": "Ada", "Last Name": "L", "DOB": "10/12/1815"},
        {"Patient ID": 7, "First Name": "Alan", "Last Name": "T", "DOB": None},
    ]
    text = "\n".join(json.dumps(p) for p in people) if lines else json.dumps(people, indent=2)
    (tmp_path / ("patients.jsonl" if lines else "patients.json")).write_text(text, "utf-8")
    outcomes, _, _ = read_dir(tmp_path)
    assert [(o.source_ref.row, o.record.source_id) for o in outcomes] == [(1, "P1"), (2, "7")]
    assert outcomes[1].record.date_of_birth is None


def test_large_workbooks_stream_through_openpyxl_with_the_same_result(
    tmp_path: Path, read_dir: Reader, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = xlsxwriter.Workbook(tmp_path / "patients.xlsx")
    sheet = book.add_worksheet("Patients")
    sheet.write_row(0, 0, ["Patient ID", "First Name", "Last Name", "DOB", "Town"])
    for row in range(1, 40):
        sheet.write_row(row, 0, [f"0{row}", "Ada", "Lovelace", "10/12/1985", "London"])
    sheet.write_row(40, 0, ["Total"])
    book.close()
    small, _, _ = read_dir(tmp_path)
    monkeypatch.setattr("shared.sources.tables.workbook.CALAMINE_MAX_BYTES", 0)
    streamed, _, _ = read_dir(tmp_path)
    assert len(small) == 39
    assert [o.record for o in streamed] == [o.record for o in small]
    assert streamed[0].record.source_id == "01"


def test_wide_json_rows_unpivot_into_one_record_per_field(tmp_path: Path) -> None:
    from shared.sources.export import SourceReader
    from shared.sources.profile import parse_profile

    profile = parse_profile(
        {
            "source_system": "generic_csv",
            "objects": {
                "custom_field": {
                    "files": ["custom.jsonl"],
                    "unpivot": "fields.*",
                    "source_id": "{pid}:{@key}",
                    "columns": {
                        "pid": {"to": "entity_id", "required": True},
                        "@key": "definition_key",
                        "@value": "raw_value",
                    },
                }
            },
        },
        "wide.yaml",
    )
    lines = [
        {"pid": "P1", "fields": {"Pharmacy": "CVS", "Topics": ["kids", "whitening"]}},
        {"pid": "P2", "fields": {"Pharmacy": None}},  # nothing to read: no record
        {"pid": "P3", "fields": {"RecallDate": "2025-03-01"}},  # a key seen late
    ]
    (tmp_path / "custom.jsonl").write_text("\n".join(json.dumps(x) for x in lines), "utf-8")
    read = SourceReader(profile).read(tmp_path)
    records = [(o.source_ref.row, o.record.source_id, o.record.raw_value) for _, o in read]
    assert records == [
        (1, "P1:Pharmacy", "CVS"),
        (1, "P1:Topics", "kids|whitening"),
        (3, "P3:RecallDate", "2025-03-01"),
    ]


def test_excel_unicode_text_utf16_tab_separated(tmp_path: Path, read_dir: Reader) -> None:
    text = "Patient ID\tFirst Name\tLast Name\tDOB\tTown\r\nP1\tŞükrü\tGüneş\t07/03/1984\tİzmir\r\n"
    (tmp_path / "patients.csv").write_bytes(text.encode("utf-16"))  # BOM + UTF-16 LE
    outcomes, _, result = read_dir(tmp_path)
    assert (result.files[0].encoding, result.files[0].delimiter) == ("utf-16", "\t")
    assert outcomes[0].record.family_name == "Güneş"
