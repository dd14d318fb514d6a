"""Reads the head of a CSV export for proposing: encoding, delimiter, header row, sample rows."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from charset_normalizer import from_bytes

HEAD_BYTES = 2_000_000
MAX_TITLE_ROWS = 10
MAX_DISTINCT = 500


@dataclass(frozen=True)
class CsvSample:
    """The header and the first rows of an export, as text."""

    headers: list[str]
    rows: list[list[str]]
    encoding: str
    delimiter: str
    header_row: int  # 1-based line of the header (a title row may come before it)

    def column_values(self, index: int) -> list[str]:
        """The sampled values of one column ('' where a row is short)."""
        return [row[index] if index < len(row) else "" for row in self.rows]


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding: a UTF-8 BOM or valid UTF-8 first, else the detector's best guess."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        if error.start >= len(data) - 4:  # the head was cut inside a character
            return data[: error.start].decode("utf-8"), "utf-8"
    best = from_bytes(data).best()
    encoding = best.encoding if best else "cp1252"
    return data.decode(encoding, errors="replace"), encoding


def read_csv_sample(path: Path, max_rows: int = 200) -> CsvSample:
    """Samples an export: detects encoding and delimiter, skips title rows above the header.

    Args:
        path: The CSV file.
        max_rows: Data rows to keep after the header.
    """
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    text, encoding = decode(head)
    try:
        delimiter = csv.Sniffer().sniff(text[:20_000], delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    limit = max_rows + MAX_TITLE_ROWS + 1
    lines = list(islice(reader, limit))
    if len(head) == HEAD_BYTES and len(lines) < limit:
        lines = lines[:-1]  # the head was cut inside this row
    header_index = _header_index(lines)
    headers = [h.strip() for h in lines[header_index]] if lines else []
    rows = [r for r in lines[header_index + 1 :] if any(c.strip() for c in r)][:max_rows]
    return CsvSample(headers, rows, encoding, delimiter, header_index + 1)


def _header_index(lines: list[list[str]]) -> int:
    """The first row as wide as the data below it: report titles are one or two cells wide."""
    if not lines:
        return 0
    width = Counter(sum(1 for c in r if c.strip()) for r in lines).most_common(1)[0][0]
    for index, row in enumerate(lines[:MAX_TITLE_ROWS]):
        if sum(1 for c in row if c.strip()) >= max(2, width * 0.6):
            return index
    return 0


def count_values(
    path: Path, sample: CsvSample, columns: list[int], max_distinct: int = MAX_DISTINCT
) -> list[Counter[str]]:
    """Distinct values with counts over the whole file, for the chosen columns.

    Streams the file with the sample's encoding and delimiter. A column that passes
    `max_distinct` different values stops growing (it is no enumeration), counts stay exact
    for the values already seen.
    """
    counters: list[Counter[str]] = [Counter() for _ in columns]
    with path.open(encoding=sample.encoding, errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=sample.delimiter)
        for _ in range(sample.header_row):
            next(reader, None)
        for row in reader:
            for counter, index in zip(counters, columns, strict=True):
                value = row[index].strip() if index < len(row) else ""
                if value and (value in counter or len(counter) < max_distinct):
                    counter[value] += 1
    return counters
