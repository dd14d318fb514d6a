"""A small profile and an export folder builder shared by the reader tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from shared.sources.export import SourceReader
from shared.sources.profile import SourceProfile, parse_profile

MINI_PROFILE: dict[str, Any] = {
    "source_system": "other",
    "locale": {
        "date_formats": ["dd/MM/yyyy"],
        "encoding_candidates": ["cp1252", "cp1254"],
    },
    "defaults": {"currency": "GBP", "country": "GB"},
    "value_maps": {"appointment.status": {"no_show": ["DNA", "FTA"], "completed": ["Attended"]}},
    "objects": {
        "patient": {
            "files": ["patients*.csv", "patients.xlsx", "patients.json*"],
            "columns": {
                "Patient ID": {"to": "source_id", "required": True},
                "First Name": "given_name",
                "Last Name": "family_name",
                "DOB": "date_of_birth",
                "Town": "addresses.city",
            },
        },
        "recall": {
            "files": ["recalls.csv"],
            "optional": True,
            "columns": {"Recall ID": "source_id", "Patient ID": "patient_id", "Due": "due_date"},
        },
        "appointment": {
            "files": ["appointments.csv"],
            "columns": {
                "Appointment ID": {"to": "source_id", "required": True},
                "Patient ID": {"to": "patient_id", "required": True},
                "When": {"to": "start", "required": True},
                "Status": "status",
            },
        },
    },
}


@pytest.fixture
def mini_profile() -> SourceProfile:
    """The small test profile: patients (CSV/XLSX/JSON) and appointments."""
    return parse_profile(MINI_PROFILE, "mini.yaml")


@pytest.fixture
def read_dir(
    mini_profile: SourceProfile,
) -> Callable[[Path], tuple[list[Any], list[Any], Any]]:
    """Read a folder with the mini profile: (outcomes, file findings, ExportRead)."""

    def read(folder: Path) -> tuple[list[Any], list[Any], Any]:
        result = SourceReader(mini_profile).read(folder)
        outcomes = [outcome for _, outcome in result]
        return outcomes, result.file_findings, result

    return read
