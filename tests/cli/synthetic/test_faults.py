"""Every injected fault is in the manifest, at the cell that shows it, and nothing else is faulty.

That is the contract the quality profile is tested against: it must find exactly these faults.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from email_validator import validate_email

from cli.synthetic.faults import FAULT_KINDS, FaultConfig
from cli.synthetic.generator import GenerateOptions, generate_export
from cli.synthetic.readback import iter_rows, load_manifest
from tests.cli.synthetic.sources import SOURCES, SourceFacts

FORMULA_STARTS = ("=", "+", "-", "@")
OVERSIZE = 64 * 1024


def _rows(export: Path, name: str, cache: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    if name not in cache:
        cache[name] = list(iter_rows(export, name))
    return cache[name]


def _normalised(facts: SourceFacts, row: dict[str, Any]) -> tuple[str, str, Any]:
    def fold(text: str) -> str:
        text = unicodedata.normalize("NFKD", text.replace("İ", "I").replace("ı", "i"))
        return " ".join("".join(c for c in text if not unicodedata.combining(c)).split()).casefold()

    given, family = facts.name_key(row)
    return fold(given), fold(family), facts.parse_date(row[facts.dob])


def _odd(text: str) -> bool:
    return any(unicodedata.category(c) in ("Cf", "Mn", "So") for c in text)


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_each_fault_sits_where_the_manifest_says(source: str, synthetic_export) -> None:
    facts = SOURCES[source]
    export = synthetic_export(source, patients=150, seed=9, fault_rate=0.04)
    manifest = load_manifest(export)
    cache: dict[str, list[dict[str, Any]]] = {}
    patients = _rows(export, facts.patients, cache)
    by_id = {r[facts.patient_id]: r for r in patients}
    assert {f["fault"] for f in manifest["faults"]} == set(FAULT_KINDS)
    for fault in manifest["faults"]:
        row = _rows(export, fault["file"], cache)[fault["row"] - 1]
        assert str(next(iter(row.values()))) == fault["source_id"], fault
        value = row[fault["column"]]
        kind = fault["fault"]
        if kind == "missing_email":
            assert value in ("", None)
        elif kind == "malformed_date":
            assert isinstance(value, str) and facts.parse_date(value) is None
        elif kind == "invalid_identifier":
            assert not facts.identifier_valid(str(value))
        elif kind == "formula_text":
            assert str(value).startswith(FORMULA_STARTS)
        elif kind == "odd_unicode":
            assert _odd(str(value))
        elif kind == "orphan_appointment":
            assert value not in by_id
        elif kind == "duplicate_patient":
            original = by_id[fault["duplicate_of"]]
            assert _normalised(facts, row) == _normalised(facts, original)
            assert facts.name_key(row) != facts.name_key(original)  # spelled differently
        elif kind == "oversized_document":
            assert int(value) == fault["size"] > OVERSIZE
            assert (export / row[facts.document_file]).stat().st_size == int(value)


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_rows_without_faults_are_clean(source: str, synthetic_export) -> None:
    facts = SOURCES[source]
    export = synthetic_export(source, patients=150, seed=9, fault_rate=0.04)
    listed = {(f["file"], f["row"], f["fault"]) for f in load_manifest(export)["faults"]}
    patients = list(iter_rows(export, facts.patients))
    keys = Counter()
    for number, row in enumerate(patients, start=1):
        if (facts.patients, number, "malformed_date") not in listed:
            assert facts.parse_date(row[facts.dob]) is not None
        if (facts.patients, number, "missing_email") not in listed:
            validate_email(str(row[facts.email]), check_deliverability=False)
        if (facts.patients, number, "duplicate_patient") not in listed:
            keys[_normalised(facts, row)] += 1
    assert max(keys.values()) == 1  # the only name+DOB twins are the injected duplicates
    ids = {r[facts.patient_id] for r in patients}
    for number, row in enumerate(iter_rows(export, facts.appointments), start=1):
        if (facts.appointments, number, "orphan_appointment") not in listed:
            assert row[facts.appointment_patient] in ids
    for number, row in enumerate(iter_rows(export, facts.identifier_file), start=1):
        value = row[facts.identifier]
        if value and (facts.identifier_file, number, "invalid_identifier") not in listed:
            assert facts.identifier_valid(str(value))
    for row in iter_rows(export, facts.documents):
        if int(row[facts.document_size]) > OVERSIZE:
            assert (facts.documents, "oversized_document") in {(f, k) for f, _, k in listed}


def test_faults_appear_at_roughly_the_configured_rate(tmp_path: Path) -> None:
    rate, patients = 0.04, 2500
    kinds = frozenset({"patient", "appointment", "clinical_note", "document"})
    faults = FaultConfig(dict.fromkeys(FAULT_KINDS, rate), OVERSIZE)
    generate_export(GenerateOptions("aerona", patients, 4, tmp_path, faults, kinds))
    manifest = load_manifest(tmp_path)
    counts = Counter(f["fault"] for f in manifest["faults"])
    documents = manifest["files"]["Documents.csv"]["rows"]
    for kind in FAULT_KINDS:
        population = documents if kind == "oversized_document" else patients
        expected = rate * population
        assert 0.65 * expected <= counts[kind] <= 1.35 * expected, (kind, counts[kind], expected)


def test_a_zero_rate_injects_nothing(synthetic_export) -> None:
    assert load_manifest(synthetic_export("core_practice", fault_rate=0.0))["faults"] == []


def test_turkish_duplicates_stay_writable_in_cp1254(tmp_path: Path) -> None:
    faults = FaultConfig({"duplicate_patient": 0.5})
    generate_export(GenerateOptions("drdentes", 400, 3, tmp_path, faults, frozenset({"patient"})))
    facts = SOURCES["drdentes"]
    rows = {r["Hasta No"]: r for r in iter_rows(tmp_path, "hastalar.csv")}
    duplicates = [f for f in load_manifest(tmp_path)["faults"] if f["fault"] == "duplicate_patient"]
    assert len(duplicates) > 150
    for fault in duplicates:
        copy, original = rows[fault["source_id"]], rows[fault["duplicate_of"]]
        assert _normalised(facts, copy) == _normalised(facts, original)
