"""Profiles: the shipped ones load, and mistakes are reported with file and path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from shared.sources import READERS, ProfileError, load_profile, reader_for
from shared.sources.profile import default_profile_path, parse_profile

from .conftest import MINI_PROFILE


@pytest.mark.parametrize("source", ["aerona", "drdentes", "core_practice", "generic"])
def test_shipped_profiles_load_and_compile(source: str) -> None:
    reader = reader_for(source)
    assert reader.profile.source_system == READERS[source].source_system
    for key in reader.profile.objects:
        assert reader.compiled(key).columns


def broken(path: list[str], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(MINI_PROFILE)
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        (["objects", "surgery"], {"files": ["x"], "columns": {"A": "b"}}, "objects"),
        (["objects", "patient", "columns", "DOB"], "date_of_death", "columns.DOB.to"),
        (["objects", "patient", "columns", "DOB"], {"to": "x", "parse": "guess"}, "parse"),
        (["objects", "patient", "columns", "Town"], "addresses.planet", "columns.Town.to"),
        (["objects", "appointment", "columns", "Status"], {"to": "status", "map": "nope"}, "map"),
        (["value_maps", "appointment.status"], {"vanished": ["X"]}, "Status"),
        (["objects", "patient", "locale"], {"decimal_separator": ";"}, "locale.decimal"),
    ],
)
def test_errors_name_the_file_and_the_path(path: list[str], value: Any, where: str) -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile(broken(path, value), "clinic.yaml")
    message = str(caught.value)
    assert message.startswith("clinic.yaml: ")
    assert where in message


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("source_system: aerona\nobjects: [\n", encoding="utf-8")
    with pytest.raises(ProfileError, match=r"bad.yaml: line \d+"):
        load_profile(path)


def test_default_profiles_live_in_mappings_sources() -> None:
    assert default_profile_path("aerona").parts[-3:] == ("mappings", "sources", "aerona.yaml")
