"""SOQL text for the few queries the destination issues, with literals quoted safely."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# Keys per `IN (...)`: keeps the GET query URL well under Salesforce's 16,384-character limit.
IN_CHUNK = 300


def name(identifier: str) -> str:
    """An object or field API name, refused when it is not one (never interpolate data)."""
    if not _NAME.match(identifier):
        raise ValueError("not an API name")
    return identifier


def literal(value: str) -> str:
    """A SOQL string literal."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
    return f"'{escaped}'"


def in_list(values: Sequence[str]) -> str:
    """`('a','b')`."""
    return "(" + ",".join(literal(v) for v in values) + ")"


def chunks(values: Sequence[str], size: int = IN_CHUNK) -> Iterator[Sequence[str]]:
    """Slices of at most `size` values."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def select(object_name: str, fields: Sequence[str], where: str) -> str:
    """`SELECT f1, f2 FROM Object WHERE ...`."""
    columns = ", ".join(name(f) for f in dict.fromkeys(fields))
    return f"SELECT {columns} FROM {name(object_name)} WHERE {where}"  # noqa: S608 - SOQL
