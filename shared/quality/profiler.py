"""The quality profiler: every row through the rules, one at a time, into counters and a report.

Readers yield `(object_kind, RowOutcome)` in dependency order; `QualityProfiler.profile_row`
applies the run's rules, decides the row's final status (accepted, quarantined, or merged into a
duplicate's survivor) and returns the same outcome with its findings added. Memory stays bounded:
counters, a few examples per reason, and per object kind the source ids seen (plus one hash per
patient for duplicates), never a record. `finish()` returns the `QualityReport`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import TextIO

from shared.model import OBJECT_KINDS, CanonicalRecord
from shared.quality.config import QualityConfig, RuleName
from shared.quality.findings import Finding, RowOutcome, Severity
from shared.quality.quarantine import QuarantineWriter
from shared.quality.report import QualityReport
from shared.quality.rules.base import RowCheck, RowRule, RowSink
from shared.quality.rules.contacts import EmailSyntax, PhoneE164
from shared.quality.rules.dates import DateOfBirthPlausible, EventDateWindow
from shared.quality.rules.documents import DocumentFilePresent, DocumentSize
from shared.quality.rules.duplicates import DuplicatePatients
from shared.quality.rules.identifiers import IdentifierCheckDigits
from shared.quality.rules.references import REFERENCES, KeyIndex, ReferenceChecker
from shared.quality.rules.required import RequiredFields
from shared.quality.rules.text import FormulaText
from shared.quality.tally import FileTally, KindTally

ROW_RULES: tuple[type[RowRule], ...] = (
    RequiredFields,
    DateOfBirthPlausible,
    EventDateWindow,
    IdentifierCheckDigits,
    EmailSyntax,
    PhoneE164,
    FormulaText,
    DocumentSize,
)


class _KindState:
    """Everything the profiler keeps for one object kind."""

    __slots__ = ("checks", "has_references", "index", "tally")

    def __init__(self, checks: tuple[RowCheck, ...], has_references: bool, tally: KindTally):
        self.checks = checks
        self.has_references = has_references
        self.index = KeyIndex()
        self.tally = tally


class QualityProfiler:
    """Validates a stream of rows and profiles it; one instance per run."""

    def __init__(
        self,
        config: QualityConfig | None = None,
        *,
        quarantine: TextIO | None = None,
        document_exists: Callable[[str], bool] | None = None,
        source_columns: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        """Build the run's rules.

        Args:
            config: rule settings; defaults when None.
            quarantine: stream receiving one JSON line per quarantined row, if wanted.
            document_exists: tells whether a document's `source_path` is in the export (see
                `rules.documents.files_under`); without it the file check is not run.
            source_columns: per object kind, canonical path -> source header, so findings name
                the export's own column (`columns.source_column_names` builds it from a profile).
        """
        self.config = config or QualityConfig()
        self._quarantine = QuarantineWriter(quarantine) if quarantine is not None else None
        self._rules: list[RowRule] = [
            rule(self.config, severity)
            for rule in ROW_RULES
            if (severity := self._severity(rule.name)) is not None
        ]
        file_rule = self._severity("document_file_present")
        if file_rule is not None and document_exists is not None:
            self._rules.append(DocumentFilePresent(self.config, file_rule, document_exists))
        self._document_files_checked = document_exists is not None
        self._duplicate_id = self._severity("duplicate_source_id")
        self._duplicate_patient = self._severity("duplicate_patient")
        self._overrides = self.config.reader_reasons
        self._kinds: dict[str, _KindState] = {}
        self._indexes: dict[str, KeyIndex] = {}
        self._references = ReferenceChecker(
            self._indexes,
            orphan=self._severity("orphan_reference"),
            unresolved=self._severity("unresolved_reference"),
        )
        self._duplicates = DuplicatePatients()
        self._files: dict[str, FileTally] = {}
        self._last_file: str | None = None
        self._last_file_tally = FileTally(0)
        self._sink = RowSink(source_columns)

    def _severity(self, rule: RuleName) -> Severity | None:
        setting = self.config.setting(rule)
        return None if setting == "off" else setting

    def _state(self, object_kind: str) -> _KindState:
        state = self._kinds.get(object_kind)
        if state is None:
            known = object_kind in OBJECT_KINDS
            checks = (
                tuple(c for rule in self._rules if (c := rule.for_kind(object_kind)) is not None)
                if known
                else ()
            )
            tally = KindTally(self.config.max_examples)
            state = self._kinds[object_kind] = _KindState(checks, object_kind in REFERENCES, tally)
            self._indexes[object_kind] = state.index
        return state

    def _file(self, file: str) -> FileTally:
        tally = self._files.get(file)
        if tally is None:
            tally = self._files[file] = FileTally(self.config.max_examples)
        return tally

    def note_file(
        self,
        file: str,
        *,
        object_kind: str | None = None,
        encoding: str | None = None,
        findings: Iterable[Finding] = (),
    ) -> None:
        """Record a file the readers opened: its encoding and file-level findings (no row).

        Args:
            file: the file name as it appears in the rows' `source_ref.file`.
            object_kind: what the file holds.
            encoding: the encoding the reader used.
            findings: file-level findings (empty_file, encoding_fallback, unreadable_file, ...).
        """
        tally = self._file(file)
        tally.object_kind = object_kind or tally.object_kind
        tally.encoding = encoding or tally.encoding
        for finding in findings:
            tally.reasons.add(self._override(finding))

    def _override(self, finding: Finding) -> Finding:
        severity = self._overrides.get(finding.reason)
        if severity is None or severity == finding.severity:
            return finding
        return finding.model_copy(update={"severity": severity})

    def profile_row(self, object_kind: str, outcome: RowOutcome) -> RowOutcome:
        """Apply the rules to one row and count it.

        Args:
            object_kind: the row's object kind (as the reader yields it).
            outcome: the reader's outcome; its findings list, its record's contact points and
                identifiers, and references to merged parents are updated in place.

        Returns:
            The same outcome, with findings added and `merged_into` set for a merged duplicate;
            its `status` is final.
        """
        state = self._kinds.get(object_kind) or self._state(object_kind)
        tally = state.tally
        tally.rows_read += 1
        file = outcome.source_ref.file
        if file != self._last_file:  # rows come file by file: skip the lookup within one
            self._last_file, self._last_file_tally = file, self._file(file)
        self._last_file_tally.rows += 1
        if self._overrides and outcome.findings:
            outcome.findings = [self._override(f) for f in outcome.findings]
        record = outcome.record
        if record is not None:
            self._validate(object_kind, state, record, outcome)
        status = outcome.status
        tally.count_status(status)
        for finding in outcome.findings:
            tally.reasons.add(finding)
        if status == "quarantined" and self._quarantine is not None:
            self._quarantine.write(object_kind, outcome)
        return outcome

    def _validate(
        self, object_kind: str, state: _KindState, record: CanonicalRecord, outcome: RowOutcome
    ) -> None:
        """Row rules, then the stateful checks: duplicate ids, references, duplicate patients."""
        sink = self._sink
        sink.begin(object_kind, outcome)
        for check in state.checks:
            check(record, sink)
        index = state.index
        source_id = record.source_id
        first_seen = source_id not in index.seen
        if not first_seen and self._duplicate_id is not None:
            sink.flag("duplicate_source_id", "source_id", self._duplicate_id)
        if state.has_references:
            self._references.check(object_kind, record, sink)
        if (
            object_kind == "patient"
            and self._duplicate_patient is not None
            and not outcome.quarantined
        ):
            survivor = self._duplicates.survivor_of(record)
            if survivor is not None:
                sink.flag("duplicate_patient", None, self._duplicate_patient)
                if self._duplicate_patient == "warning":
                    outcome.merged_into = survivor
        if first_seen:
            index.seen.add(source_id)
            if outcome.merged_into is not None:
                index.merged[source_id] = outcome.merged_into
            elif outcome.quarantined:
                index.rejected.add(source_id)

    def profile_stream(self, rows: Iterable[tuple[str, RowOutcome]]) -> Iterator[RowOutcome]:
        """Profile a reader's stream lazily, yielding each outcome once decided.

        Args:
            rows: `(object_kind, outcome)` pairs in dependency order.

        Yields:
            The profiled outcomes, in order.
        """
        for object_kind, outcome in rows:
            yield self.profile_row(object_kind, outcome)

    def finish(self) -> QualityReport:
        """The report of everything profiled so far.

        Returns:
            Counts per object kind, reason, severity and column, files read, rule settings.
        """
        rules: dict[str, str] = {name: setting for name, setting in self.config.rules.items()}
        if not self._document_files_checked and rules["document_file_present"] != "off":
            rules["document_file_present"] = "not_checked"
        return QualityReport(
            generated_at=datetime.now(UTC),
            as_of=self.config.as_of,
            rules=rules,
            objects=[state.tally.to_model(kind) for kind, state in self._kinds.items()],
            files=[tally.to_model(file) for file, tally in self._files.items()],
            quarantine_rows=sum(state.tally.quarantined for state in self._kinds.values()),
            unchecked_references=sorted(f"{k}.{f}" for k, f in self._references.unchecked),
        )
