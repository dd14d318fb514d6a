"""Referential integrity while streaming: which parents were accepted, checked by key only.

Readers yield parents first (organisations, locations, staff, patients, payers, then the rest),
so when a child arrives every parent it may point to has been decided. `KeyIndex` remembers, per
object kind, the source ids seen, the few that were quarantined and the few merged into a
survivor; nothing else about a record is kept. A reference to a kind that has not been read at
all is not checked (the export simply does not include it).
"""

from __future__ import annotations

from typing import NamedTuple

from shared.model import CanonicalRecord
from shared.quality.findings import Severity
from shared.quality.rules.base import RowSink


class Reference(NamedTuple):
    """A field holding a parent's source id; `required` parents make an orphan when missing.

    `parent_kind` is fixed, or None when the record names it in `kind_field` (polymorphic links
    such as a custom field value's `entity_kind` / `entity_id`).
    """

    field: str
    parent_kind: str | None
    required: bool = False
    many: bool = False
    kind_field: str | None = None


# Per child kind, the references checked. Self references (location.parent_location_id,
# organization.parent_id) and references to kinds that may come later (appointment_id,
# procedure_line_id, ...) are deliberately absent; tests keep this table and the model in step.
REFERENCES: dict[str, tuple[Reference, ...]] = {
    "location": (Reference("organization_id", "organization"),),
    "staff": (Reference("location_ids", "location", many=True),),
    "patient": (
        Reference("home_location_id", "location"),
        Reference("primary_practitioner_id", "staff"),
    ),
    "related_person": (
        Reference("patient_id", "patient", required=True),
        Reference("related_patient_id", "patient"),
    ),
    "appointment": (
        Reference("patient_id", "patient", required=True),
        Reference("location_id", "location"),
        Reference("practitioner_id", "staff"),
    ),
    "recall": (Reference("patient_id", "patient", required=True),),
    "encounter": (
        Reference("patient_id", "patient", required=True),
        Reference("location_id", "location"),
        Reference("practitioner_id", "staff"),
    ),
    "clinical_note": (
        Reference("patient_id", "patient", required=True),
        Reference("author_id", "staff"),
    ),
    "procedure": (
        Reference("patient_id", "patient", required=True),
        Reference("practitioner_id", "staff"),
    ),
    "treatment_plan": (Reference("patient_id", "patient", required=True),),
    "prescription": (
        Reference("patient_id", "patient", required=True),
        Reference("prescriber_id", "staff"),
    ),
    "referral": (Reference("patient_id", "patient", required=True),),
    "coverage": (
        Reference("patient_id", "patient", required=True),
        Reference("payer_id", "payer"),
    ),
    "invoice": (
        Reference("patient_id", "patient", required=True),
        Reference("location_id", "location"),
        Reference("practitioner_id", "staff"),
    ),
    "payment": (Reference("patient_id", "patient", required=True),),
    "claim": (
        Reference("patient_id", "patient", required=True),
        Reference("payer_id", "payer"),
    ),
    "document": (
        Reference("patient_id", "patient", required=True),
        Reference("related_id", None, kind_field="related_kind"),
    ),
    "custom_field": (Reference("entity_id", None, required=True, kind_field="entity_kind"),),
    "communication": (
        Reference("patient_id", "patient", required=True),
        Reference("staff_id", "staff"),
    ),
}


class KeyIndex:
    """Source ids of one object kind: seen, quarantined (few) and merged into a survivor (few)."""

    __slots__ = ("merged", "rejected", "seen")

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.rejected: set[str] = set()
        self.merged: dict[str, str] = {}

    def is_accepted(self, source_id: str) -> bool:
        """True when a row with this id was read and ended accepted."""
        return (
            source_id in self.seen
            and source_id not in self.rejected
            and source_id not in self.merged
        )


class ReferenceChecker:
    """Flags references to parents not accepted; re-points references to merged duplicates.

    A parent absent from the export makes an `orphan_reference` (required) or an
    `unresolved_reference` (optional); a parent that was read but quarantined makes a
    `parent_quarantined` with the same severity, so fixing that one row releases its children.
    """

    def __init__(
        self,
        indexes: dict[str, KeyIndex],
        *,
        orphan: Severity | None,
        unresolved: Severity | None,
    ) -> None:
        """Check against `indexes` (shared with the profiler, which fills them).

        Args:
            indexes: the key index per object kind.
            orphan: severity for a missing required parent, or None when the rule is off.
            unresolved: severity for a missing optional parent, or None when the rule is off.
        """
        self._indexes = indexes
        self._orphan = orphan
        self._unresolved = unresolved
        # (child kind, field) pairs skipped because no row of the parent kind had been read.
        self.unchecked: set[tuple[str, str]] = set()

    def check(self, object_kind: str, record: CanonicalRecord, sink: RowSink) -> None:
        """Check every reference of a record; a merged parent is replaced by its survivor."""
        for reference in REFERENCES.get(object_kind, ()):
            parent_kind = reference.parent_kind
            if parent_kind is None:
                parent_kind = getattr(record, reference.kind_field or "", None)
            value = getattr(record, reference.field)
            if not value:
                continue
            index = self._indexes.get(parent_kind) if parent_kind else None
            if index is None or not index.seen:
                self.unchecked.add((object_kind, reference.field))  # parent kind not read (yet)
                continue
            if reference.many:
                survivors = [self._resolve(reference, index, item, sink) for item in value]
                if survivors != value:
                    setattr(record, reference.field, survivors)
            elif value in index.seen and value not in index.rejected and value not in index.merged:
                continue  # the common case, inlined: an accepted parent
            else:
                survivor = self._resolve(reference, index, value, sink)
                if survivor != value:
                    setattr(record, reference.field, survivor)

    def _resolve(self, reference: Reference, index: KeyIndex, value: str, sink: RowSink) -> str:
        """The id to keep: the value itself, or the survivor of a merged parent."""
        if index.is_accepted(value):
            return value
        survivor = index.merged.get(value)
        if survivor is not None:
            sink.flag("parent_merged", reference.field, "warning")
            return survivor
        severity = self._orphan if reference.required else self._unresolved
        if severity is not None:
            if value in index.seen:
                reason = "parent_quarantined"
            elif reference.required:
                reason = "orphan_reference"
            else:
                reason = "unresolved_reference"
            sink.flag(reason, reference.field, severity)
        return value
