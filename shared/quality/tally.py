"""Counters behind the report: plain ints and small dicts, updated per row in O(findings)."""

from __future__ import annotations

from shared.quality.findings import REASONS, Finding, RowStatus, Severity
from shared.quality.report import ExampleLocation, FileProfile, ObjectProfile, ReasonCount


class ReasonTally:
    """Count, per-column counts and the first few locations of one (reason, severity)."""

    __slots__ = ("columns", "count", "examples")

    def __init__(self) -> None:
        self.count = 0
        self.columns: dict[str, int] = {}
        self.examples: list[tuple[str, int | None, str | None]] = []

    def add(self, finding: Finding, max_examples: int) -> None:
        """Count one finding."""
        self.count += 1
        column = finding.column
        if column is not None:
            self.columns[column] = self.columns.get(column, 0) + 1
        if len(self.examples) < max_examples:
            self.examples.append((finding.file, finding.row, column))

    def to_model(self, reason: str, severity: Severity) -> ReasonCount:
        """The report form."""
        return ReasonCount(
            reason=reason,
            severity=severity,
            description=REASONS.get(reason, "see reason code"),
            count=self.count,
            columns=dict(sorted(self.columns.items(), key=lambda item: -item[1])),
            examples=[ExampleLocation(file=f, row=r, column=c) for f, r, c in self.examples],
        )


class ReasonTallies:
    """Tallies keyed by (reason, severity)."""

    __slots__ = ("_by_reason", "_max_examples")

    def __init__(self, max_examples: int) -> None:
        self._by_reason: dict[tuple[str, Severity], ReasonTally] = {}
        self._max_examples = max_examples

    def add(self, finding: Finding) -> None:
        """Count one finding."""
        key = (finding.reason, finding.severity)
        tally = self._by_reason.get(key)
        if tally is None:
            tally = self._by_reason[key] = ReasonTally()
        tally.add(finding, self._max_examples)

    def to_models(self) -> list[ReasonCount]:
        """Quarantine reasons first, then by count, most frequent first."""
        models = [tally.to_model(reason, sev) for (reason, sev), tally in self._by_reason.items()]
        models.sort(key=lambda m: (m.severity != "quarantine", -m.count, m.reason))
        return models


class KindTally:
    """Row statuses and reasons of one object kind."""

    __slots__ = ("accepted", "merged", "quarantined", "reasons", "rows_read")

    def __init__(self, max_examples: int) -> None:
        self.rows_read = 0
        self.accepted = 0
        self.quarantined = 0
        self.merged = 0
        self.reasons = ReasonTallies(max_examples)

    def count_status(self, status: RowStatus) -> None:
        """Count a row's final status."""
        if status == "accepted":
            self.accepted += 1
        elif status == "quarantined":
            self.quarantined += 1
        else:
            self.merged += 1

    def to_model(self, object_kind: str) -> ObjectProfile:
        """The report form."""
        return ObjectProfile(
            object_kind=object_kind,
            rows_read=self.rows_read,
            accepted=self.accepted,
            quarantined=self.quarantined,
            merged=self.merged,
            reasons=self.reasons.to_models(),
        )


class FileTally:
    """Rows and file-level findings of one source file."""

    __slots__ = ("encoding", "object_kind", "reasons", "rows")

    def __init__(self, max_examples: int) -> None:
        self.object_kind: str | None = None
        self.encoding: str | None = None
        self.rows = 0
        self.reasons = ReasonTallies(max_examples)

    def to_model(self, file: str) -> FileProfile:
        """The report form."""
        return FileProfile(
            file=file,
            object_kind=self.object_kind,
            encoding=self.encoding,
            rows=self.rows,
            reasons=self.reasons.to_models(),
        )
