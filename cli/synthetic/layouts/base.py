"""What every vendor layout provides, and the value formatters they share."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from cli.synthetic.activity import ActivitySpec
from cli.synthetic.faults import FaultTargets
from cli.synthetic.locales import Country
from cli.synthetic.model import Bundle, Code, DateValue, MalformedDate, Practice
from cli.synthetic.naming import IdScheme
from cli.synthetic.people import PeopleSpec
from cli.synthetic.sinks import Cell, FileSpec
from cli.synthetic.vocab import Language

# (file name, cells in column order, the neutral record the row came from, for its faults)
Row = tuple[str, Sequence[Any], Any]


class Layout(ABC):
    """A source system's export: its files, vocabularies and how each record becomes a row."""

    source: str
    country: Country
    language: Language
    files: tuple[FileSpec, ...]

    @property
    @abstractmethod
    def ids(self) -> IdScheme:
        """How this source names records."""

    @abstractmethod
    def codes(self) -> list[Code]:
        """The practice's treatment-code catalogue with fees."""

    @abstractmethod
    def people_spec(self, as_of: date) -> PeopleSpec:
        """What this source's patients look like."""

    @abstractmethod
    def activity_spec(self, as_of: date, kinds: frozenset[str]) -> ActivitySpec:
        """Which histories this source records and how it bills."""

    @abstractmethod
    def fault_targets(self) -> FaultTargets:
        """Where faults land in this layout."""

    @abstractmethod
    def practice_rows(self, practice: Practice) -> Iterator[Row]:
        """Rows of the practice-level files (locations, staff, codes)."""

    @abstractmethod
    def bundle_rows(self, bundle: Bundle, practice: Practice) -> Iterator[Row]:
        """Rows of one patient and everything that hangs off them."""

    @abstractmethod
    def document_path(self, patient_id: str, document_id: str, extension: str) -> str:
        """Where a document file sits, relative to the export root ('/'-separated)."""

    def subtitle(self, practice: Practice, generated: datetime) -> str:
        """Second title row of report files (layouts with title rows override)."""
        return ""

    def spec(self, name: str) -> FileSpec:
        """The FileSpec of a file by name."""
        return next(f for f in self.files if f.name == name)


def day_first(value: DateValue | None, separator: str = "/", pad_day: bool = True) -> str:
    """`07/03/2024` (or `7.03.2024` with '.' and pad_day=False); malformed dates print as-is."""
    if value is None:
        return ""
    day = f"{value.day:02d}" if pad_day else str(value.day)
    return f"{day}{separator}{value.month:02d}{separator}{value.year:04d}"


def iso_date(value: DateValue | None) -> str:
    """`2024-03-07`; malformed dates print their impossible parts the same way."""
    if value is None:
        return ""
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def hhmm(value: datetime) -> str:
    """24-hour `HH:mm`."""
    return f"{value.hour:02d}:{value.minute:02d}"


def excel_date(value: DateValue | None) -> Cell:
    """A real date cell, or a text cell `d/MM/yyyy` when the date is malformed."""
    if isinstance(value, MalformedDate):
        return f"{value.day}/{value.month:02d}/{value.year:04d}"
    return value


def plain_money(value: Decimal | None) -> str:
    """`1234.50`: point decimal, no grouping."""
    return "" if value is None else f"{value:.2f}"


def turkish_money(value: Decimal | None) -> str:
    """`1.234,50`: comma decimal, point grouping, minus sign for refunds."""
    if value is None:
        return ""
    text = f"{value:,.2f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def yes_no(value: bool, yes: str = "Yes", no: str = "No") -> str:
    """A source's boolean words."""
    return yes if value else no


def palmer(fdi: str | None) -> str:
    """FDI `16` -> Palmer `UR6`; deciduous `55` -> `URE`."""
    if not fdi:
        return ""
    quadrant, tooth = int(fdi[0]), int(fdi[1])
    side = {1: "UR", 2: "UL", 3: "LL", 4: "LR"}[(quadrant - 1) % 4 + 1]
    return side + (str(tooth) if quadrant <= 4 else "ABCDE"[tooth - 1])


def universal(fdi: str | None) -> str:
    """FDI `18` -> Universal `1`, `48` -> `32`; deciduous `55` -> `A` ... `85` -> `T`."""
    if not fdi:
        return ""
    quadrant, tooth = int(fdi[0]), int(fdi[1])
    if quadrant <= 4:
        start, step = {1: (9, -1), 2: (8, 1), 3: (25, -1), 4: (24, 1)}[quadrant]
        return str(start + step * tooth)
    start, step = {5: (6, -1), 6: (5, 1), 7: (16, -1), 8: (15, 1)}[quadrant]
    return "ABCDEFGHIJKLMNOPQRST"[start + step * tooth - 1]
