"""Identifier check digits per `Identifier.system`; sets `is_valid` on every identifier it knows."""

from __future__ import annotations

from shared.model import CanonicalRecord, Identifier
from shared.quality.identifiers import IDENTIFIER_CHECKS
from shared.quality.rules.base import RowCheck, RowRule, RowSink

IDENTIFIER_KINDS = frozenset({"patient", "staff"})


class IdentifierCheckDigits(RowRule):
    """Flags `invalid_identifier` (column `identifiers.<system>`) when a check digit fails."""

    name = "identifier_check_digits"

    def for_kind(self, object_kind: str) -> RowCheck | None:
        if object_kind not in IDENTIFIER_KINDS:
            return None
        severity = self.severity

        def check(record: CanonicalRecord, sink: RowSink) -> None:
            identifiers: list[Identifier] = getattr(record, "identifiers", [])
            for identifier in identifiers:
                is_valid = IDENTIFIER_CHECKS.get(identifier.system)
                if is_valid is None:
                    continue
                identifier.is_valid = is_valid(identifier.value, identifier.irn)
                if not identifier.is_valid:
                    sink.flag("invalid_identifier", f"identifiers.{identifier.system}", severity)

        return check
