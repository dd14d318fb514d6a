"""The gate: proposals are reviewable, confirmation stores a hash and a name, writes require it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.mapping.compiler import compile_map
from shared.mapping.gate import (
    UnconfirmedMapError,
    compile_confirmed,
    confirm_map,
    load_confirmed,
    map_sha256,
    require_confirmed,
    write_proposal,
)
from shared.mapping.loader import MapError, default_map_path, load_map
from tests.fixtures.mapping import practice_records, run_context


@pytest.fixture
def proposal(tmp_path: Path) -> Path:
    json_path, _ = write_proposal(
        load_map(default_map_path("dataverse", "aerona")), tmp_path / "aerona"
    )
    return json_path


def test_proposal_is_json_plus_a_readable_table(proposal: Path) -> None:
    document = json.loads(proposal.read_text())
    assert document["map"]["name"] == "aerona-dataverse"
    table = proposal.with_name("aerona.proposal.md").read_text()
    assert "| `birthdate` | dateonly | from date_of_birth -> dateonly |" in table
    assert document["sha256"] in table


def test_confirming_stores_the_map_its_hash_and_who_confirmed(proposal: Path) -> None:
    confirmed = confirm_map(proposal, "ops@clinic.test")
    stored = json.loads(proposal.with_name("aerona.confirmed.json").read_text())
    assert stored["confirmed_by"] == "ops@clinic.test"
    assert stored["sha256"] == confirmed.sha256 == map_sha256(confirmed.spec)
    assert load_confirmed(proposal.with_name("aerona.confirmed.json")).sha256 == confirmed.sha256


def test_every_transform_result_names_the_confirmed_hash(proposal: Path) -> None:
    confirmed = confirm_map(proposal, "ops@clinic.test")
    compiled = compile_confirmed(confirmed, run_context())
    assert require_confirmed(compiled).sha256 == confirmed.sha256
    result = compiled.tables["patient_contact"].transform([practice_records()["patient"]])
    assert result.map_sha256 == confirmed.sha256


def test_a_preview_compiled_from_an_unconfirmed_map_is_refused() -> None:
    preview = compile_map(load_map(default_map_path("dataverse", "aerona")), run_context())
    with pytest.raises(UnconfirmedMapError):
        require_confirmed(preview)
    with pytest.raises(UnconfirmedMapError):
        require_confirmed(None)


def test_a_map_edited_after_confirmation_is_refused(proposal: Path) -> None:
    confirm_map(proposal, "ops@clinic.test")
    path = proposal.with_name("aerona.confirmed.json")
    stored = json.loads(path.read_text())
    stored["map"]["tables"]["patient_contact"]["fields"]["lastname"]["max_length"] = 10
    path.write_text(json.dumps(stored))
    with pytest.raises(UnconfirmedMapError, match="hash mismatch"):
        load_confirmed(path)


def test_confirmation_needs_a_name_and_a_valid_map(proposal: Path, tmp_path: Path) -> None:
    with pytest.raises(UnconfirmedMapError):
        confirm_map(proposal, "  ")
    broken = json.loads(proposal.read_text())
    broken["map"]["tables"]["appointment"]["lookups"]["regardingobjectid_contact_appointment"][
        "candidates"
    ][0]["to"] = "no_such_entry"
    bad = tmp_path / "bad.proposal.json"
    bad.write_text(json.dumps(broken))
    with pytest.raises(MapError, match=r"bad.proposal.json: tables.appointment.lookups"):
        confirm_map(bad, "ops@clinic.test")
    assert not (tmp_path / "bad.confirmed.json").exists()
