"""What a row rule is: a named check, specialised per object kind, that flags findings on a sink.

Rules are built once per run; `for_kind` returns a check bound to that kind's fields (or None when
the rule has nothing to check there), so the per-row work is a few attribute reads and compares.
Checks never build a finding themselves: they call `RowSink.flag(reason, column)` with a reason
code and a column (a canonical field path such as `date_of_birth` or `contact_points.mobile`,
the syntax of source profiles' `to:`, so a profile can translate it back to its header).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import ClassVar

from shared.model import CanonicalRecord
from shared.quality.config import QualityConfig, RuleName
from shared.quality.findings import Finding, RowOutcome, Severity


class RowSink:
    """Collects the findings of the row being profiled; one instance is reused for every row."""

    __slots__ = ("_columns", "_file", "_findings", "_kind", "_row", "_source_columns")

    def __init__(self, source_columns: Mapping[str, Mapping[str, str]] | None = None) -> None:
        """A sink that names columns by their source header where `source_columns` knows it.

        Args:
            source_columns: per object kind, canonical path -> source header (see
                `shared.quality.columns.source_column_names`).
        """
        self._source_columns = source_columns or {}
        self._columns: Mapping[str, str] = {}
        self._kind = ""
        self._file = ""
        self._row: int | None = None
        self._findings: list[Finding] = []

    def begin(self, object_kind: str, outcome: RowOutcome) -> None:
        """Point the sink at a new row; findings go straight onto the outcome."""
        if object_kind != self._kind:
            self._columns = self._source_columns.get(object_kind, {})
        self._kind = object_kind
        self._file = outcome.source_ref.file
        self._row = outcome.source_ref.row
        self._findings = outcome.findings

    def flag(self, reason: str, column: str | None, severity: Severity) -> None:
        """Add a finding (no value, ever) to the current row."""
        self._findings.append(
            Finding.model_construct(
                reason=reason,
                severity=severity,
                object_kind=self._kind,
                file=self._file,
                row=self._row,
                column=self._columns.get(column, column) if column is not None else None,
            )
        )


RowCheck = Callable[[CanonicalRecord, RowSink], None]


class RowRule(ABC):
    """A named, configurable validation rule over one record at a time."""

    name: ClassVar[RuleName]

    def __init__(self, config: QualityConfig, severity: Severity) -> None:
        self.config = config
        self.severity = severity

    @abstractmethod
    def for_kind(self, object_kind: str) -> RowCheck | None:
        """The check for records of one object kind, or None when the rule does not apply."""


def is_blank(value: object) -> bool:
    """True for None, empty or whitespace-only text, and empty lists."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value or value.isspace()
    if isinstance(value, list):
        return not value
    return False
