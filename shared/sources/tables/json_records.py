"""JSON exports (generic source): a JSON array or JSON Lines of objects, streamed.

Objects are flattened to dotted keys ('fields.RecallDate'); arrays of scalars are joined with
'|' (the generic profile's list separator); numbers keep their source text, so '011' stays
'011' and 1.10 stays '1.10'. The first row is a synthetic header: the keys seen in the first
objects plus the profile's columns, so the same header and row logic serves CSV, XLSX and JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from shared.sources.tables import FileInfo, RawRow, TableError
from shared.sources.tables.header import SCAN_ROWS

_DECODER = json.JSONDecoder(parse_float=str, parse_int=str)
_CHUNK = 1 << 16


def flatten(value: Any, prefix: str = "") -> dict[str, str]:
    """{'a': {'b': 1}, 'c': [1, 2]} -> {'a.b': '1', 'c': '1|2'}; null -> ''."""
    if isinstance(value, dict):
        flat: dict[str, str] = {}
        for key, inner in value.items():
            flat.update(flatten(inner, f"{prefix}{key}."))
        return flat
    key = prefix[:-1]
    if isinstance(value, list):
        return {key: "|".join("" if v is None else str(v) for v in value)}
    if value is None:
        return {key: ""}
    if isinstance(value, bool):
        return {key: "true" if value else "false"}
    return {key: str(value)}


def _objects(path: Path) -> Iterator[Any]:
    """Top-level values of a JSON array or of JSON Lines, decoded chunk by chunk."""
    with path.open(encoding="utf-8-sig") as stream:
        buffer = stream.read(_CHUNK)
        position = 0
        stripped = buffer.lstrip()
        if not stripped:
            raise TableError("empty_file")
        in_array = stripped.startswith("[")
        if in_array:
            position = buffer.index("[") + 1
        while True:
            while position < len(buffer) and buffer[position] in " \t\r\n,":
                position += 1
            if in_array and buffer[position : position + 1] == "]":
                return
            try:
                value, end = _DECODER.raw_decode(buffer, position)
            except json.JSONDecodeError:
                more = stream.read(_CHUNK)
                if not more:
                    if buffer[position:].strip():
                        raise TableError("unreadable_file") from None
                    return
                buffer, position = buffer[position:] + more, 0
                continue
            yield value
            buffer, position = buffer[end:], 0
            if len(buffer) < _CHUNK // 2:
                buffer += stream.read(_CHUNK)


def read_json(path: Path, info: FileInfo, expected_columns: list[str]) -> Iterator[RawRow]:
    """A synthetic header row (number 0) and then one row per object (numbers from 1).

    Raises:
        TableError: empty_file, unreadable_file (not JSON, or not objects).
    """
    info.encoding = "utf-8"
    objects = _objects(path)
    head: list[dict[str, str]] = []
    try:
        for value in objects:
            if not isinstance(value, dict):
                raise TableError("unreadable_file")
            head.append(flatten(value))
            if len(head) >= SCAN_ROWS * 4:
                break
    except UnicodeDecodeError:
        raise TableError("unreadable_file") from None
    columns = list(dict.fromkeys([*expected_columns, *(k for row in head for k in row)]))
    yield RawRow(0, columns)

    def rows() -> Iterator[dict[str, str]]:
        yield from head
        for value in objects:
            yield flatten(value) if isinstance(value, dict) else {}

    for number, flat in enumerate(rows(), start=1):
        yield RawRow(number, [flat.get(c, "") for c in columns])
