"""How a layout names its records: stable ids derived from the patient number and a sequence.

Ids of a patient's records are built from the patient's number and the record's position among
that patient's records, never from a global counter, so a second drop generated with changes keeps
every unchanged record's id (delta pickup relies on that).
"""

from __future__ import annotations

from typing import Protocol

# Patient numbers at or above these never collide with generated patients (max 4,999,999).
DUPLICATE_BASE = 5_000_000
ORPHAN_BASE = 8_000_000


class IdScheme(Protocol):
    """Builds the source id of a record: `ids("appointment", patient_number, seq)`."""

    def __call__(self, kind: str, number: int, seq: int | None = None) -> str: ...


def numeric_ids(kind: str, number: int, seq: int | None = None) -> str:
    """Vendor-style numeric ids: patient 10045, its 3rd appointment 1004503."""
    if seq is None:
        return str(number)
    return f"{number}{seq:02d}"
