"""Read a whole export directory: every file of every object kind, in dependency order.

`SourceReader.read(export_dir)` returns an `ExportRead`: iterate it for `(object_kind,
RowOutcome)` pairs; afterwards `file_findings` holds the file-level findings (missing or
unexpected files, unreadable or empty files, missing headers, guessed encodings) and `files` what
was learned about each file (encoding, delimiter, header row, rows read).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from shared.model import SourceRef
from shared.quality.findings import Finding, RowOutcome
from shared.sources.documents import complete_document
from shared.sources.profile import ObjectSpec, SourceProfile, kind_of
from shared.sources.rows import UNPIVOT_KEY, UNPIVOT_VALUE, ObjectRows
from shared.sources.tables import FileInfo, RawRow, TableError, format_of
from shared.sources.tables.delimited import read_csv
from shared.sources.tables.header import SCAN_ROWS, pick_header
from shared.sources.tables.json_records import read_json
from shared.sources.tables.workbook import read_xlsx
from shared.sources.targets import Fields

# Parents before children, so orphan checks can stream: places and people first, then patients,
# then the people around them, then everything that hangs off a patient.
DEPENDENCY_ORDER = (
    "organization", "location", "staff", "payer", "procedure_code", "fee_schedule_item",
    "patient", "related_person", "coverage", "appointment", "encounter", "treatment_plan",
    "procedure", "invoice", "payment", "claim", "recall", "clinical_note", "prescription",
    "referral", "document", "communication", "custom_field",
)  # fmt: skip
IGNORED_PREFIXES = ("_", ".")  # _manifest.json from the generator, hidden files


def export_files(export_dir: Path) -> list[str]:
    """Top-level files of an export as names (subfolders hold documents, read via their index)."""
    return sorted(
        p.name
        for p in export_dir.iterdir()
        if p.is_file() and not p.name.startswith(IGNORED_PREFIXES)
    )


def match_files(spec: ObjectSpec, names: list[str]) -> list[str]:
    """The export's files that an object's patterns name (case-insensitive globs)."""
    return [
        n for n in names if any(fnmatch.fnmatch(n.casefold(), p.casefold()) for p in spec.files)
    ]


class ExportRead:
    """The rows of an export, lazily; file-level findings fill in as files are read."""

    def __init__(self, reader: SourceReader, export_dir: Path) -> None:
        self.reader = reader
        self.export_dir = export_dir
        self.file_findings: list[Finding] = []
        self.files: list[FileInfo] = []

    @property
    def profile(self) -> SourceProfile:
        """The profile used (its defaults carry the phone region quality rules need)."""
        return self.reader.profile

    def __iter__(self) -> Iterator[tuple[str, RowOutcome]]:
        if not self.export_dir.is_dir():
            raise NotADirectoryError(f"export folder not found: {self.export_dir}")
        names = export_files(self.export_dir)
        claimed: set[str] = set()
        objects = self.reader.profile.objects
        for key in sorted(objects, key=_order):
            spec, kind = objects[key], kind_of(key)
            matched = match_files(spec, names)
            claimed.update(matched)
            if not matched and not spec.optional:  # optional: the layout allows its absence
                self._file_finding("missing_file", kind, spec.files[0])
            for name in matched:
                for outcome in self._read_file(key, spec, name):
                    yield kind, outcome
        ignored = [p.casefold() for p in self.reader.profile.ignore_files]
        for name in names:
            if name not in claimed and not any(
                fnmatch.fnmatch(name.casefold(), p) for p in ignored
            ):
                self._file_finding("unexpected_file", "unknown", name)

    def _file_finding(
        self, reason: str, kind: str, file: str, column: str | None = None, quarantine: bool = False
    ) -> None:
        self.file_findings.append(
            Finding(
                reason=reason,
                severity="quarantine" if quarantine else "warning",
                object_kind=kind,
                file=file,
                column=column,
            )
        )

    def _raw_rows(
        self, key: str, spec: ObjectSpec, info: FileInfo, expected: set[str]
    ) -> Iterator[RawRow]:
        path = self.export_dir / info.file
        locale = self.reader.profile.locale_for(key)
        if info.format == "xlsx":
            return read_xlsx(path, info, spec.sheet, locale.decimal_separator)
        if info.format == "json":
            named = [c for c in spec.columns if c not in (UNPIVOT_KEY, UNPIVOT_VALUE)]
            return read_json(path, info, named)
        return read_csv(
            path, info, locale.encoding, locale.encoding_candidates, locale.delimiter, expected
        )

    def _read_file(self, key: str, spec: ObjectSpec, name: str) -> Iterator[RowOutcome]:
        compiled = self.reader.compiled(key)
        kind = compiled.kind
        info = FileInfo(file=name, format=format_of(Path(name)), object_kind=kind)
        self.files.append(info)
        expected = compiled.expected_headers
        try:
            rows = self._raw_rows(key, spec, info, expected)
            head = [row for _, row in zip(range(SCAN_ROWS), rows, strict=False)]
            if info.encoding_guessed:
                self._file_finding("encoding_fallback", kind, name)
            if not head:
                raise TableError("empty_file")
            # JSON's first row is the header the reader built from the objects' keys.
            found = 0 if info.format == "json" else self._header_index(spec, head, expected)
            if found is None:
                yield from self._without_header(kind, head, rows, info)
                return
            header = head[found]
            info.header_row = header.number
            bound = compiled.bind(header.cells, info, strict_width=info.format == "csv")
            for column in info.columns_missing:
                required = spec.columns[column].required
                self._file_finding("missing_column", kind, name, column, quarantine=required)
            yield from bound.read(_chain(head[found + 1 :], rows), header.number)
            if info.rows_read == 0:
                self._file_finding("empty_file", kind, name)
        except TableError as exc:
            self._file_finding(exc.reason, kind, name, quarantine=exc.reason != "empty_file")

    @staticmethod
    def _header_index(spec: ObjectSpec, head: list[RawRow], expected: set[str]) -> int | None:
        if spec.header_row != "auto":
            wanted = spec.header_row
            return next((i for i, row in enumerate(head) if row.number == wanted), None)
        return pick_header([row.cells for row in head], expected)

    def _without_header(
        self, kind: str, head: list[RawRow], rest: Iterator[RawRow], info: FileInfo
    ) -> Iterator[RowOutcome]:
        """No header: every non-blank row is kept, quarantined, so nothing disappears silently."""
        self._file_finding("missing_header", kind, info.file, quarantine=True)
        for raw in _chain(head, rest):
            if not any(cell.strip() for cell in raw.cells):
                continue
            info.rows_read += 1
            ref = SourceRef(file=info.file, row=raw.number, sheet=info.sheet)
            finding = Finding(
                reason="missing_header", severity="quarantine", object_kind=kind,
                file=info.file, row=raw.number,
            )  # fmt: skip
            yield RowOutcome(object_kind=kind, source_ref=ref, record=None, findings=[finding])


def _chain(first: list[RawRow], rest: Iterator[RawRow]) -> Iterator[RawRow]:
    yield from first
    yield from rest


def _order(key: str) -> int:
    kind = kind_of(key)
    return DEPENDENCY_ORDER.index(kind) if kind in DEPENDENCY_ORDER else len(DEPENDENCY_ORDER)


class SourceReader:
    """Reads one source system's export with its profile; subclasses add source-specific hooks."""

    source_system: ClassVar[str] = "other"
    profile_name: ClassVar[str] = "generic"

    def __init__(self, profile: SourceProfile) -> None:
        self.profile = profile
        self.export_dir: Path | None = None
        self._compiled: dict[str, ObjectRows] = {}

    def prepare_record(self, kind: str, fields: Fields) -> None:
        """Fix-ups after the columns are applied and before validation.

        Subclasses extend this (and call it): documents get their hash from the export, and
        surface strings ('MOD') become surface lists when the profile maps only the raw text.
        """
        if kind == "document" and self.export_dir is not None:
            complete_document(fields, self.export_dir)
        elif kind == "procedure" and "surfaces" not in fields:
            raw = fields.get("surfaces_raw")
            if isinstance(raw, str):
                fields["surfaces"] = [s for s in raw.upper() if s.isalpha()]

    def compiled(self, key: str) -> ObjectRows:
        """An object's compiled profile (key as in the profile: 'staff/users'), built once."""
        if key not in self._compiled:
            spec = self.profile.objects[key]
            self._compiled[key] = ObjectRows(key, spec, self.profile, self.prepare_record)
        return self._compiled[key]

    def read(self, export_dir: Path) -> ExportRead:
        """All rows of an export, in dependency order; see `ExportRead`."""
        self.export_dir = export_dir
        return ExportRead(self, export_dir)
