"""Vocabulary files load, every field path names a canonical field, errors name the file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.mapping.proposer import vocabulary
from shared.mapping.proposer.value_vocabulary import canonical_values, value_synonyms
from shared.mapping.proposer.vocabulary import (
    VocabularyError,
    field_path_problem,
    object_vocabulary,
    supported_objects,
)
from shared.model import Appointment, Patient


def test_every_supported_object_loads_with_english_and_turkish_names() -> None:
    assert {"patient", "appointment", "invoice", "payment"} <= set(supported_objects())
    for kind in supported_objects():
        fields = object_vocabulary(kind).fields
        assert any(spec.tr for spec in fields.values()), kind
        assert all(spec.en for spec in fields.values()), kind


@pytest.mark.parametrize(
    ("model", "path"),
    [
        (Patient, "identifiers[gb-nhs].value"),
        (Patient, "contact_points[phone:work]"),
        (Patient, "addresses[0].lines[1]"),
        (Patient, "allergies[0].substance"),
        (Appointment, "appointment_type.display"),
        (Appointment, "start.time"),
    ],
)
def test_valid_paths_resolve(model: type[Patient] | type[Appointment], path: str) -> None:
    assert field_path_problem(model, path) is None


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("favourite_colour", "not a field of Patient"),
        ("contact_points[pager]", "not a contact system"),
        ("identifiers[gb-nhs].number", "not a field of Identifier"),
        ("given_name[0]", "not a list"),
        ("date_of_birth.time", "does not name a nested field"),
    ],
)
def test_invalid_paths_say_why(path: str, problem: str) -> None:
    found = field_path_problem(Patient, path)
    assert found is not None and problem in found


@pytest.fixture
def vocabulary_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr(vocabulary, "VOCABULARY_DIR", tmp_path)
    object_vocabulary.cache_clear()
    yield tmp_path
    object_vocabulary.cache_clear()


def test_a_typo_in_a_field_path_names_the_file_and_path(vocabulary_dir: Path) -> None:
    (vocabulary_dir / "patient.yaml").write_text(
        "object: patient\nfields:\n  given_nmae:\n    label: given name\n    en: [first name]\n"
    )
    with pytest.raises(VocabularyError, match=r"patient\.yaml: fields\.given_nmae: 'given_nmae'"):
        object_vocabulary("patient")


def test_an_unknown_value_kind_names_the_file_and_path(vocabulary_dir: Path) -> None:
    (vocabulary_dir / "patient.yaml").write_text(
        "object: patient\nfields:\n  sex:\n    label: sex\n    values: [gender_code]\n"
    )
    with pytest.raises(VocabularyError, match=r"patient\.yaml: fields\.sex\.values\.0"):
        object_vocabulary("patient")


def test_value_words_keep_yes_and_no_as_words_not_booleans() -> None:
    words = value_synonyms("appointment.is_emergency")
    assert "yes" in words["true"] and "no" in words["false"]
    assert canonical_values("appointment.status") is not None
    assert "no_show" in value_synonyms("appointment.status")
    assert canonical_values("patient.given_name") is None
