"""From text rows to RowOutcomes: apply the compiled columns, validate the model, keep findings.

`ObjectRows` is compiled once per object kind; `bind` resolves its columns against one file's
header. A cell that cannot be parsed becomes a finding naming its column; pydantic errors on the
assembled record become findings too, never exceptions, and never carry the offending value.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, time, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from shared.model import OBJECT_KINDS, SourceRef
from shared.quality.findings import Finding, RowOutcome
from shared.sources.parsers import ParseError
from shared.sources.profile import ColumnSpec, ObjectSpec, SourceProfile, kind_of
from shared.sources.structured import PART_SEPARATOR, TextWriter
from shared.sources.tables import FileInfo, RawRow
from shared.sources.tables.header import normalise_header
from shared.sources.targets import Fields, Writer, compile_writer

# Hook a source reader can add for fix-ups no profile line can express (run before validation).
RowHook = Callable[[str, Fields], None]
_NAME_FIELDS = ("given_name", "family_name", "title", "name_raw")
UNPIVOT_KEY, UNPIVOT_VALUE = "@key", "@value"
_ERROR_REASONS = {
    "missing": "missing_required",
    "literal_error": "unknown_enum_value",
    "enum": "unknown_enum_value",
}


def reason_for(error_type: str) -> str:
    """The REASONS code for a pydantic error type."""
    if error_type in _ERROR_REASONS:
        return _ERROR_REASONS[error_type]
    if error_type.startswith(("date", "time")):
        return "malformed_date"
    if error_type.startswith(("decimal", "int", "float")):
        return "malformed_number"
    return "malformed_value"


@dataclass(frozen=True)
class CompiledColumn:
    """A profile column ready to run: the header names it answers to and its writer."""

    name: str
    names: tuple[str, ...]
    spec: ColumnSpec
    writer: Writer
    field: str


class ObjectRows:
    """One object kind's compiled profile: columns, defaults, id template and row rules."""

    def __init__(
        self, key: str, spec: ObjectSpec, profile: SourceProfile, hook: RowHook | None = None
    ) -> None:
        kind = kind_of(key)
        self.kind = kind
        self.spec = spec
        self.model = OBJECT_KINDS[kind]
        self.profile = profile
        self.locale = profile.locale_for(key)
        self.hook = hook
        self.columns = [
            CompiledColumn(
                name,
                tuple(normalise_header(n) for n in (name, *col.aliases)),
                col,
                compile_writer(kind, name, col, self.locale, profile),
                col.to.partition(".")[0],
            )
            for name, col in spec.columns.items()
        ]
        # Top-level defaults are written first (columns override them); a nested default such as
        # code.system only completes a part some column created, so an empty cell stays empty.
        self.top_defaults: list[tuple[str, Writer]] = []
        self.nested_defaults: list[tuple[str, str, str, Writer]] = []
        for path, constant in spec.defaults.items():
            writer = compile_writer(kind, "defaults", ColumnSpec(to=path), self.locale, profile)
            value = _default_text(constant, self.locale.true_values, self.locale.false_values)
            try:  # a default that cannot be parsed is a profile error, found at load time
                writer(value, {})
            except ParseError as exc:
                raise ValueError(f"defaults.{path}: {exc.reason}") from None
            parent, _, attr = path.partition(".")
            if attr:
                self.nested_defaults.append((parent, attr, value, writer))
            else:
                self.top_defaults.append((value, writer))
        # Exact spellings (with case variants) keep the per-cell check to one set lookup.
        self.nulls = _spellings(self.locale.null_values)
        self.footers = _spellings(spec.footer_labels)
        self.part_fields = sorted({c.field for c in self.columns if c.spec.part})
        self.currency = profile.defaults.currency if "currency" in self.model.model_fields else None
        has_address = any(f in self.model.model_fields for f in ("address", "addresses"))
        self.country = profile.defaults.country if has_address else None
        timezone = profile.defaults.timezone
        self.tz: tzinfo | None = ZoneInfo(timezone) if timezone else None

    @property
    def expected_headers(self) -> set[str]:
        """Normalised header names of every column (and alias) in the profile."""
        return {n for c in self.columns for n in c.names}

    def bind(self, header: list[str], info: FileInfo, strict_width: bool) -> BoundRows:
        """Resolve the columns against a file's header; absent columns are recorded in `info`."""
        if self.spec.unpivot:
            header = [*header, UNPIVOT_KEY, UNPIVOT_VALUE]
        positions = {normalise_header(cell): i for i, cell in reversed(list(enumerate(header)))}
        bound: list[tuple[int, CompiledColumn]] = []
        for column in self.columns:
            index = next((positions[n] for n in column.names if n in positions), None)
            if index is None:
                info.columns_missing.append(column.name)
            else:
                bound.append((index, column))
        return BoundRows(self, header, bound, info, strict_width)


class BoundRows:
    """An object kind bound to one file: turns its data rows into RowOutcomes."""

    def __init__(
        self,
        rows: ObjectRows,
        header: list[str],
        bound: list[tuple[int, CompiledColumn]],
        info: FileInfo,
        strict_width: bool,
    ) -> None:
        self.rows = rows
        self.header = header
        self.bound = bound
        self.info = info
        self.strict_width = strict_width
        self.width = len(header)
        self.by_field: dict[str, str] = {}
        for _, column in bound:
            for name in _NAME_FIELDS if column.field == "name" else (column.field,):
                self.by_field.setdefault(name, column.name)
        # (cell index, writer or None for plain text, text field, column, required)
        self.plan: list[tuple[int, Writer | None, str, str, bool]] = [
            (
                i,
                None if isinstance(c.writer, TextWriter) else c.writer,
                c.writer.name if isinstance(c.writer, TextWriter) else "",
                c.name,
                c.spec.required,
            )
            for i, c in bound
        ]
        self.when_present = [i for i, c in bound if c.name in rows.spec.when_present]
        self.id_template = _compile_template(rows.spec.source_id, header)
        self.seen_ids: set[str] = set()

    def _finding(self, reason: str, row: int, column: str | None, quarantine: bool) -> Finding:
        return Finding(
            reason=reason,
            severity="quarantine" if quarantine else "warning",
            object_kind=self.rows.kind,
            file=self.info.file,
            row=row,
            column=column,
        )

    def outcome(self, raw: RawRow, row: int) -> RowOutcome | None:
        """The outcome of one data row, or None for a row that is not a record of this kind."""
        cells = raw.cells
        rows = self.rows
        if not raw.error and not "".join(cells).strip():
            return None
        first = cells[0].strip() if cells else ""
        if (first or next((c.strip() for c in cells if c.strip()), "")) in rows.footers:
            return None
        if self.when_present and not any(
            i < len(cells) and cells[i].strip() for i in self.when_present
        ):
            return None
        ref = SourceRef(file=self.info.file, row=row, sheet=self.info.sheet)
        findings: list[Finding] = []
        if raw.error:
            findings.append(self._finding(raw.error, row, None, True))
            return RowOutcome(object_kind=rows.kind, source_ref=ref, record=None, findings=findings)
        if raw.warning:
            findings.append(self._finding(raw.warning, row, None, False))
        if self.strict_width and len(cells) != self.width:
            extra = cells[self.width :]
            if len(cells) < self.width or any(c.strip() for c in extra):
                where = self.header[len(cells)] if len(cells) < self.width else None
                column = where or f"column {self.width + 1}"
                findings.append(self._finding("ragged_row", row, column, True))
                return RowOutcome(
                    object_kind=rows.kind, source_ref=ref, record=None, findings=findings
                )
        fields: Fields = {}
        for value, writer in rows.top_defaults:
            writer(value, fields)
        if len(cells) < self.width:  # short rows (XLSX trims trailing blanks): pad once
            cells = cells + [""] * (self.width - len(cells))
        nulls = rows.nulls
        # The hot loop: one strip, one set lookup and one writer call per mapped cell.
        for index, write, text_field, name, required in self.plan:
            value = cells[index].strip()
            if not value or value in nulls:
                if required:
                    findings.append(self._finding("missing_required", row, name, True))
                continue
            if write is None:
                fields[text_field] = value
                continue
            try:
                warning = write(value, fields)
            except ParseError as exc:
                findings.append(self._finding(exc.reason, row, name, True))
                continue
            if warning:
                findings.append(self._finding(warning, row, name, False))
        return self._finish(fields, cells, ref, row, findings)

    def _finish(
        self, fields: Fields, cells: list[str], ref: SourceRef, row: int, findings: list[Finding]
    ) -> RowOutcome | None:
        rows = self.rows
        for parent, attr, value, writer in rows.nested_defaults:
            if isinstance(fields.get(parent), dict) and attr not in fields[parent]:
                writer(value, fields)
        for name in rows.part_fields:
            _join_parts(fields, name, rows.tz)
        if self.id_template is not None:
            fields["source_id"] = self.id_template(cells)
        elif "source_id" not in fields:
            fields["source_id"] = f"{self.info.file}:{row}"
        if rows.spec.distinct:
            if fields["source_id"] in self.seen_ids:
                return None
            self.seen_ids.add(fields["source_id"])
        if rows.currency and "currency" not in fields:
            fields["currency"] = rows.currency
        if rows.country:
            _default_country(fields, rows.country)
        fields["source_system"] = rows.profile.source_system
        fields["source_ref"] = ref
        if rows.hook is not None:
            rows.hook(rows.kind, fields)
        try:
            record = rows.model.model_validate(fields)
        except ValidationError as exc:
            for error in exc.errors(include_url=False, include_input=False):
                field = str(error["loc"][0]) if error["loc"] else None
                column = self.by_field.get(field or "", f"({field})" if field else None)
                findings.append(self._finding(reason_for(error["type"]), row, column, True))
            record = None
        return RowOutcome(object_kind=rows.kind, source_ref=ref, record=record, findings=findings)

    def read(self, data: Iterator[RawRow], header_number: int) -> Iterator[RowOutcome]:
        """Outcomes for the data rows after the header; row numbers count from the header."""
        rows = self._unpivoted(data) if self.rows.spec.unpivot else data
        for raw in rows:
            outcome = self.outcome(raw, raw.number - header_number)
            if outcome is None:
                self.info.rows_skipped += 1
                continue
            self.info.rows_read += 1
            yield outcome

    def _unpivoted(self, data: Iterator[RawRow]) -> Iterator[RawRow]:
        """One row per non-empty cell under the unpivot headers, keyed by the header."""
        pattern = self.rows.spec.unpivot or ""
        prefix = pattern.split("*", 1)[0]
        columns = [
            (i, name.removeprefix(prefix))
            for i, name in enumerate(self.header[: self.width - 2])
            if fnmatch.fnmatchcase(name, pattern)
        ]
        for raw in data:
            cells = raw.cells + [""] * (self.width - 2 - len(raw.cells))
            for index, key in columns:
                if cells[index].strip():
                    yield RawRow(raw.number, [*cells, key, cells[index]], raw.warning, raw.error)


def _join_parts(fields: Fields, name: str, tz: tzinfo | None) -> None:
    """start@date + start@time -> start; a time with no date of its own borrows the row's date."""
    day = fields.pop(f"{name}{PART_SEPARATOR}date", None)
    at = fields.pop(f"{name}{PART_SEPARATOR}time", None)
    if day is None and at is not None:
        day = next((v for k, v in fields.items() if k.endswith(f"{PART_SEPARATOR}date")), None)
        if day is None and isinstance(fields.get("start"), datetime):
            day = fields["start"].date()
    if day is not None:
        fields[name] = datetime.combine(day, at or time(), tzinfo=tz)


def _default_text(value: Any, true_values: list[str], false_values: list[str]) -> str:
    """A YAML default as the text its writer parses: booleans in the locale's own words."""
    if isinstance(value, bool):
        return (true_values if value else false_values)[0]
    return str(value)


def _spellings(values: list[str]) -> frozenset[str]:
    """A word as typed in any common case: 'N/A', 'n/a', 'Null', 'NULL'."""
    return frozenset(v for w in values for v in (w, w.lower(), w.upper(), w.title()))


def _default_country(fields: Fields, country: str) -> None:
    """Addresses without a country get the profile's (exports rarely repeat it per row)."""
    for key in ("addresses", "address"):
        value = fields.get(key)
        for address in value if isinstance(value, list) else [value] if value else []:
            address.setdefault("country", country)


def _compile_template(template: str | None, header: list[str]) -> Callable[[list[str]], str] | None:
    """'{Hasta No}-relative' -> a function of the row's cells ('H0001-relative')."""
    if template is None:
        return None
    positions = {normalise_header(cell): i for i, cell in enumerate(header)}
    parts: list[str | int] = []
    for index, piece in enumerate(re.split(r"\{([^}]*)\}", template)):
        if index % 2 == 0:
            parts.append(piece)
        else:
            parts.append(positions.get(normalise_header(piece), "{" + piece + "}"))

    def render(cells: list[str]) -> str:
        return "".join(
            p if isinstance(p, str) else (cells[p].strip() if p < len(cells) else "") for p in parts
        )

    return render
