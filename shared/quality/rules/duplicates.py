"""Duplicate patients by folded name and date of birth, kept as hashes: no names in memory.

The first accepted patient with a given (name words, date of birth) is the survivor; later ones
are merged into it. Patients without a date of birth are never matched (a name alone is too weak).
"""

from __future__ import annotations

from datetime import date

from shared.model import CanonicalRecord
from shared.quality.names import person_key


class DuplicatePatients:
    """Remembers one hash per accepted patient and the survivor's source id."""

    __slots__ = ("_survivors",)

    def __init__(self) -> None:
        self._survivors: dict[int, str] = {}

    @staticmethod
    def _key(record: CanonicalRecord) -> int | None:
        born: date | None = getattr(record, "date_of_birth", None)
        if born is None:
            return None
        name = person_key(getattr(record, "given_name", ""), getattr(record, "family_name", ""))
        return hash((name, born)) if name else None

    def survivor_of(self, record: CanonicalRecord) -> str | None:
        """The source id of an earlier accepted patient this one duplicates, else None.

        A patient that is not a duplicate becomes the survivor for its key, so call this once
        per accepted patient, in stream order.
        """
        key = self._key(record)
        if key is None:
            return None
        survivor = self._survivors.get(key)
        if survivor is None:
            self._survivors[key] = record.source_id
        return survivor
