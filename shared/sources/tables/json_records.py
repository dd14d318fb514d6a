"""JSON exports (generic source): a JSON array or JSON Lines of objects, streamed.

Objects are flattened to dotted keys ('fields.RecallDate'); arrays of scalars are joined with
'|' (the generic profile's list separator); numbers keep their source text, so '011' stays
'011' and 1.10 stays '1.10'. The first row is a synthetic header: the profile's columns plus
every key any object has, so the same header and row logic serves CSV, XLSX and JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from shared.sources.tables import FileInfo, RawRow, TableError

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
        if not buffer.strip():
            raise TableError("empty_file")
        position = 0
        in_array = buffer.lstrip().startswith("[")
        if in_array:
            position = buffer.index("[") + 1
        while True:
            while position < len(buffer) and buffer[position] in " \t\r\n,":
                position += 1
            if position >= len(buffer):
                buffer, position = stream.read(_CHUNK), 0
                if not buffer:
                    return
                continue
            if in_array and buffer[position] == "]":
                return
            try:
                value, position = _DECODER.raw_decode(buffer, position)
            except json.JSONDecodeError:  # the value runs past the chunk: read more
                more = stream.read(_CHUNK)
                if not more:
                    raise TableError("unreadable_file") from None
                buffer, position = buffer[position:] + more, 0
                continue
            yield value
            if position > _CHUNK:  # drop what was decoded, without copying per value
                buffer, position = buffer[position:], 0


def read_json(path: Path, info: FileInfo, expected_columns: list[str]) -> Iterator[RawRow]:
    """A synthetic header row (number 0) and then one row per object (numbers from 1).

    The file is read twice: once for the keys (objects may differ in which keys they have,
    wide custom-field exports especially), then for the rows; memory holds only the key list.

    Raises:
        TableError: empty_file, unreadable_file (not JSON, or not objects).
    """
    info.encoding = "utf-8"
    keys: dict[str, None] = dict.fromkeys(expected_columns)
    try:
        for value in _objects(path):
            if not isinstance(value, dict):
                raise TableError("unreadable_file")
            keys.update(dict.fromkeys(flatten(value)))
    except UnicodeDecodeError:
        raise TableError("unreadable_file") from None
    columns = list(keys)
    yield RawRow(0, columns)
    for number, value in enumerate(_objects(path), start=1):
        flat = flatten(value)
        yield RawRow(number, [flat.get(c, "") for c in columns])
