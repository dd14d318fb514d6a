"""Small OData helpers: key URLs, quoted literals, filters that fit in a URL, value equality."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

# Characters that break GET/PATCH/upsert by alternate key in a URL (Dataverse docs).
RESERVED_KEY_CHARACTERS = frozenset("/<>*%&:\\?+")
# Stay well under the 32,768-character URL limit of older servers, and keep each filter to a
# modest number of terms (the emulator's SQL translation overflows near 90; see bench/README.md).
MAX_FILTER_CHARS = 24_000
MAX_FILTER_TERMS = 50
BIND_SUFFIX = "@odata.bind"


def literal(value: Any) -> str:
    """An OData literal: strings quoted with '' escaping, numbers and booleans bare."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def key_url(collection: str, column: str, value: Any) -> str:
    """`contacts(new_sourceid='P1')`: a record addressed by its alternate key."""
    return f"{collection}({column}={literal(value)})"


def key_problem(value: Any) -> str | None:
    """Why a key value cannot be used in a key URL, or None when it can."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "missing_key"
    if isinstance(value, str) and RESERVED_KEY_CHARACTERS.intersection(value):
        return "key_has_reserved_character"
    return None


def or_filters(column: str, values: Sequence[Any]) -> Iterator[str]:
    """`col eq 'a' or col eq 'b' ...` filters, as few as fit under the URL budget."""
    parts: list[str] = []
    size = 0
    for value in values:
        part = f"{column} eq {literal(value)}"
        if parts and (size + len(part) + 4 > MAX_FILTER_CHARS or len(parts) >= MAX_FILTER_TERMS):
            yield " or ".join(parts)
            parts, size = [], 0
        parts.append(part)
        size += len(part) + 4
    if parts:
        yield " or ".join(parts)


def is_bind(name: str) -> bool:
    """True for `<navprop>@odata.bind` members."""
    return name.endswith(BIND_SUFFIX)


def structural_columns(record: dict[str, Any]) -> list[str]:
    """The plain column names of a payload (no binds, annotations or nested collections)."""
    return [
        name
        for name, value in record.items()
        if "@" not in name and not name.startswith("_") and not isinstance(value, list | dict)
    ]


def lookup_value_column(column: str) -> str:
    """`parentcustomerid` -> `_parentcustomerid_value`, the read-side name of a lookup."""
    return f"_{column}_value"


def same_value(sent: Any, stored: Any) -> bool:
    """Whether a value we would send equals what the service stores (number/date aware)."""
    if sent is None or stored is None:
        return sent is None and stored is None
    if isinstance(sent, bool) or isinstance(stored, bool):
        return sent is stored if isinstance(sent, bool) and isinstance(stored, bool) else False
    number_a, number_b = _number(sent), _number(stored)
    if number_a is not None and number_b is not None:
        return number_a == number_b
    if isinstance(sent, str) and isinstance(stored, str):
        if sent == stored:
            return True
        moment_a, moment_b = _moment(sent), _moment(stored)
        return moment_a is not None and moment_a == moment_b
    return bool(sent == stored)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, int | float | Decimal):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return None
    return None


def _moment(value: str) -> datetime | date | None:
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
