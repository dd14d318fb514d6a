"""Value maps: UK and Turkish status words map to canonical values, unknown ones wait for review."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from shared.mapping.proposer.proposal import propose_csv
from shared.mapping.proposer.value_maps import propose_value_map

CASES = Path(__file__).parent / "cases"


def test_no_show_and_attendance_words_in_english_and_turkish() -> None:
    counts = Counter({"DNA": 3, "FTA": 2, "Failed to attend": 1, "Gelmedi": 2, "Attended": 6,
                      "Geldi": 3, "İptal": 1, "Late Cancel": 2, "Pending review": 1})  # fmt: skip
    value_map = propose_value_map("Status", "status", "appointment", counts)
    assert value_map is not None
    mapped = {e.raw: e.canonical for e in value_map.entries}
    assert {mapped[w] for w in ("DNA", "FTA", "Failed to attend", "Gelmedi")} == {"no_show"}
    assert mapped["Attended"] == mapped["Geldi"] == "completed"
    assert mapped["İptal"] == "cancelled_patient"
    assert mapped["Late Cancel"] == "cancelled_late"
    assert value_map.unmapped == ["Pending review"]
    assert [e.count for e in value_map.entries] == sorted(counts.values(), reverse=True)


def test_near_spellings_map_with_lower_confidence() -> None:
    value_map = propose_value_map(
        "Status", "status", "appointment", Counter({"Cancelled by pt": 1})
    )
    assert value_map is not None
    (entry,) = value_map.entries
    assert entry.canonical == "cancelled_patient"
    assert 0.5 < entry.confidence < 0.95


def test_fields_without_an_enumeration_get_no_value_map() -> None:
    assert propose_value_map("Notes", "notes", "appointment", Counter({"x": 1})) is None


def test_proposal_of_a_turkish_appointment_export_maps_every_status() -> None:
    proposal = propose_csv(CASES / "tr_randevular.csv", "appointment")
    (status,) = [m for m in proposal.value_maps if m.field == "status"]
    assert status.column == "Durum"
    assert sum(e.count for e in status.entries) == 20
    assert not status.unmapped
    mapped = {e.raw: e.canonical for e in status.entries}
    assert mapped["Gelmedi"] == "no_show" and mapped["Geldi"] == "completed"


def test_columns_to_review_are_the_custom_unsure_and_unmapped_ones() -> None:
    proposal = propose_csv(CASES / "tr_drdentes_hastalar.csv", "patient")
    assert set(proposal.to_review()) == {"Kan Grubu", "Yakınının Tel."}
