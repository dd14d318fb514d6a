"""Generated exports: deterministic, complete, linked, in each source's documented layout."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import phonenumbers
import pytest
from email_validator import validate_email
from openpyxl import load_workbook

from cli.synthetic.faults import FaultConfig
from cli.synthetic.generator import GenerateOptions, generate_export
from cli.synthetic.readback import iter_rows, load_manifest
from tests.cli.synthetic.sources import SOURCES

ALL_SOURCES = sorted(SOURCES)


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize("source", ALL_SOURCES)
def test_same_seed_gives_byte_identical_exports(source: str, synthetic_export, tmp_path) -> None:
    first = synthetic_export(source, patients=40, seed=5, fault_rate=0.05)
    generate_export(
        GenerateOptions(source, 40, 5, tmp_path, FaultConfig(dict.fromkeys(
            load_manifest(first)["options"]["fault_rates"], 0.05), 64 * 1024))
    )  # fmt: skip
    assert _tree_digest(first) == _tree_digest(tmp_path)


@pytest.mark.parametrize("source", ALL_SOURCES)
def test_another_seed_gives_other_patients(source: str, synthetic_export) -> None:
    facts = SOURCES[source]
    one = list(iter_rows(synthetic_export(source, seed=1), facts.patients))
    two = list(iter_rows(synthetic_export(source, seed=2), facts.patients))
    assert [facts.name_key(r) for r in one] != [facts.name_key(r) for r in two]


@pytest.mark.parametrize("source", ALL_SOURCES)
def test_manifest_row_counts_match_the_files(source: str, synthetic_export) -> None:
    export = synthetic_export(source)
    files = load_manifest(export)["files"]
    on_disk = {p.name for p in export.iterdir() if p.is_file() and not p.name.startswith("_")}
    assert set(files) == on_disk
    for name, info in files.items():
        assert sum(1 for _ in iter_rows(export, name)) == info["rows"], name
        assert info["rows"] > 0, f"{name} is empty"


@pytest.mark.parametrize("source", ALL_SOURCES)
def test_records_link_to_their_patients(source: str, synthetic_export) -> None:
    facts = SOURCES[source]
    export = synthetic_export(source, patients=80)
    patients = {r[facts.patient_id] for r in iter_rows(export, facts.patients)}
    appointments = list(iter_rows(export, facts.appointments))
    assert {r[facts.appointment_patient] for r in appointments} <= patients
    per_patient = Counter(r[facts.appointment_patient] for r in appointments)
    assert max(per_patient.values()) >= 5  # several appointments per patient
    for row in iter_rows(export, facts.documents):
        path = export / row[facts.document_file]
        assert path.stat().st_size == int(row[facts.document_size])


@pytest.mark.parametrize("source", ALL_SOURCES)
def test_contact_details_are_valid_for_the_country(source: str, synthetic_export) -> None:
    facts = SOURCES[source]
    for row in iter_rows(synthetic_export(source), facts.patients):
        number = phonenumbers.parse(str(row[facts.mobile]), facts.region)
        assert phonenumbers.is_valid_number(number), row[facts.mobile]
        validate_email(str(row[facts.email]), check_deliverability=False)


@pytest.mark.parametrize("source", ALL_SOURCES)
def test_identifiers_are_valid_without_faults(source: str, synthetic_export) -> None:
    facts = SOURCES[source]
    values = [
        r[facts.identifier] for r in iter_rows(synthetic_export(source), facts.identifier_file)
    ]
    present = [str(v) for v in values if v]
    assert len(present) >= len(values) // 2
    assert all(facts.identifier_valid(v) for v in present)


def test_no_show_statuses_use_each_sources_words(synthetic_export) -> None:
    expected = {"aerona": {"DNA", "FTA", "Attended", "Cancelled"},
                "drdentes": {"Gelmedi", "Geldi", "İptal"},
                "core_practice": {"Failed To Attend", "Completed", "Cancelled"},
                "generic": {"no-show", "completed", "cancelled"}}  # fmt: skip
    for source, words in expected.items():
        facts = SOURCES[source]
        export = synthetic_export(source, patients=150)
        seen = {r[facts.appointment_status] for r in iter_rows(export, facts.appointments)}
        assert words <= seen, source


def test_aerona_encodings(synthetic_export) -> None:
    export = synthetic_export("aerona")
    assert (export / "Patients.csv").read_bytes().startswith(b"\xef\xbb\xbfPatient ID,")
    fee_list = (export / "TreatmentCodes.csv").read_bytes()
    assert b"Fee (\xa3)" in fee_list  # '£' in Windows-1252
    assert not fee_list.startswith(b"\xef\xbb\xbf")
    plan_row = next(iter_rows(export, "Treatments.csv"))
    assert plan_row["Tooth"] == "" or plan_row["Tooth"][:2] in {"UR", "UL", "LR", "LL"}


def test_drdentes_csv_is_windows_1254_with_semicolons(synthetic_export) -> None:
    export = synthetic_export("drdentes")
    raw = (export / "hastalar.csv").read_bytes()
    header = raw.split(b"\r\n", 1)[0].decode("cp1254")
    assert header.startswith("Hasta No;Adı;Soyadı;TC Kimlik No;Pasaport No;Uyruk;Doğum Tarihi")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    invoice = next(iter_rows(export, "faturalar.csv"))
    assert "," in invoice["Toplam"] and "." not in invoice["Toplam"][-3:]  # 1.234,50
    book = load_workbook(export / "notlar.xlsx", read_only=True)
    assert book.sheetnames == ["Notlar"]
    note = next(iter_rows(export, "notlar.xlsx"))
    assert str(note["Not"]).startswith("<p>")


def test_drdentes_refunds_are_negative(synthetic_export) -> None:
    export = synthetic_export("drdentes", patients=150)
    refunds = [r for r in iter_rows(export, "hesap_defteri.xlsx") if r["Ödeme Tipi"] == "İade"]
    assert refunds and all(str(r["Tutar"]).startswith("-") for r in refunds)


def test_core_practice_reports_have_a_title_block_and_totals(synthetic_export) -> None:
    export = synthetic_export("core_practice")
    sheet = load_workbook(export / "PaymentReceivedReport.xlsx").active
    assert sheet["A1"].value == "Payment Received Report"
    assert sheet["A4"].value == "Receipt Number"
    last = list(sheet.iter_rows(values_only=True))[-1]
    assert last[0] == "Total"
    patient = next(iter_rows(export, "PatientListReport.xlsx"))
    assert ", " in patient["Patient"]
    items = {r["Item Number"] for r in iter_rows(export, "FeeScheduleReport.xlsx")}
    assert "011" in items  # kept as text, leading zero intact


def test_aerona_ireland_variant_uses_euro_and_irish_numbers(tmp_path: Path) -> None:
    generate_export(GenerateOptions("aerona", 30, 2, tmp_path, country="IE"))
    assert b"Fee (\x80)" in (tmp_path / "TreatmentCodes.csv").read_bytes()  # '€' in cp1252
    invoices = list(iter_rows(tmp_path, "Invoices.csv"))
    assert invoices and {r["Currency"] for r in invoices} == {"EUR"}
    for row in iter_rows(tmp_path, "Patients.csv"):
        assert row["NHS Number"] == "" and row["Country"] == "Ireland"
        assert phonenumbers.is_valid_number(phonenumbers.parse(row["Mobile Phone"], "IE"))
