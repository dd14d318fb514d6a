"""Streaming CSV: encoding detection, delimiter sniffing against the profile's columns, rows."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from pathlib import Path

from shared.sources.encoding import PREFIX_BYTES, LineDecoder, UnreadableFile, detect_encoding
from shared.sources.tables import FileInfo, RawRow, TableError
from shared.sources.tables.header import SCAN_ROWS, header_score

DELIMITERS = (",", ";", "\t", "|")
csv.field_size_limit(64 * 1024 * 1024)  # long clinical notes; the default 128 KiB is too small


def sniff_delimiter(sample: str, expected: set[str]) -> str:
    """The delimiter under which a row of the sample reads as the profile's header.

    Ties (or a file with no recognisable header) go to the delimiter that splits the first
    lines into the most, and most consistent, cells.
    """
    lines = sample.splitlines()[:SCAN_ROWS]

    def rank(delimiter: str) -> tuple[int, int, int]:
        rows = list(csv.reader(lines, delimiter=delimiter))
        score = max((header_score(cells, expected) for cells in rows), default=0)
        widths = [len(cells) for cells in rows if cells]
        common = max(set(widths), key=widths.count) if widths else 0
        return score, min(common, 2), widths.count(common)

    return max(DELIMITERS, key=rank)


def read_csv(
    path: Path, info: FileInfo, encoding: str, candidates: list[str], delimiter: str,
    expected: set[str],
) -> Iterator[RawRow]:  # fmt: skip
    """Rows of a CSV file as text; fills `info` with the encoding and delimiter used.

    Raises:
        TableError: empty_file for a file with no bytes, unreadable_file for binary content.
    """
    with path.open("rb") as stream:
        prefix = stream.read(PREFIX_BYTES)
        if not prefix.strip():
            raise TableError("empty_file")
        try:
            choice = detect_encoding(prefix, encoding, candidates)
        except (UnreadableFile, LookupError):
            raise TableError("unreadable_file") from None
        info.encoding, info.encoding_guessed = choice.encoding, choice.guessed
        if delimiter == "auto":
            delimiter = sniff_delimiter(prefix.decode(choice.encoding, errors="replace"), expected)
        info.delimiter = delimiter
        del prefix  # the generator lives as long as the file is read: keep nothing of it
        stream.seek(0)
        lines = LineDecoder(stream, choice)
        # strict: a quote left open at the end of the file is an error, not a swallowed tail
        reader = csv.reader(lines, delimiter=delimiter, quotechar='"', strict=True)
        seen_fallbacks = 0
        for number in itertools.count(1):
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error:  # e.g. an unterminated quote: keep the row, quarantined
                yield RawRow(number, [], error="unreadable_file")
                continue
            warning = None
            if lines.fallback_lines != seen_fallbacks:
                seen_fallbacks = lines.fallback_lines
                warning = "encoding_fallback"
            yield RawRow(number, cells, warning)
