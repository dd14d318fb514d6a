"""Checks and normalises one column value the way Dataverse validates it on write."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from emulators.dataverse import errors
from emulators.dataverse.errors import DataverseError
from emulators.dataverse.metadata.model import Column
from emulators.dataverse.odata.keys import GUID

_EDM_TYPES = {
    "String": "Edm.String",
    "Memo": "Edm.String",
    "EntityName": "Edm.String",
    "Integer": "Edm.Int32",
    "BigInt": "Edm.Int64",
    "Decimal": "Edm.Decimal",
    "Double": "Edm.Double",
    "Money": "Edm.Decimal",
    "Boolean": "Edm.Boolean",
    "DateTime": "Edm.DateTimeOffset",
    "Picklist": "Edm.Int32",
    "State": "Edm.Int32",
    "Status": "Edm.Int32",
    "Uniqueidentifier": "Edm.Guid",
}
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def edm_type(column: Column) -> str:
    """The OData primitive type of a column."""
    return _EDM_TYPES.get(column.type, "Edm.String")


def _cannot_convert(column: Column) -> DataverseError:
    # The real message quotes the literal; the emulator names only the type (no PHI).
    return errors.bad_request(
        f"Cannot convert the literal to the expected type '{edm_type(column)}'.", errors.VALIDATION
    )


def _out_of_range(column: Column, table: str, accepted: str) -> DataverseError:
    return errors.bad_request(
        f"A validation error occurred. The value of '{column.logical_name}' on record of type "
        f"'{table}' is outside the valid range. Accepted Values: {accepted}",
        "0x80044331",
    )


def parse_datetime(text: str) -> datetime:
    """ISO-8601 text to an aware UTC datetime.

    Raises:
        ValueError: Not a date/time.
    """
    if _DATE_ONLY.match(text):
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_datetime(moment: datetime) -> str:
    """The Web API's wire format: `2024-05-01T09:30:00Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def normalise(column: Column, table: str, value: Any) -> Any:
    """The stored form of `value` for `column`.

    Raises:
        DataverseError: 400 for a wrong type, too long a string or a value out of range.
    """
    if value is None:
        return None
    kind = column.type
    if kind in ("String", "Memo", "EntityName"):
        if not isinstance(value, str):
            raise _cannot_convert(column)
        if column.max_length is not None and len(value) > column.max_length:
            raise errors.bad_request(
                f"A validation error occurred.  The length of the '{column.logical_name}' "
                f"attribute of the '{table}' entity exceeded the maximum allowed length of "
                f"'{column.max_length}'.",
                "0x80044331",
            )
        return value
    if kind == "Boolean":
        if not isinstance(value, bool):
            raise _cannot_convert(column)
        return value
    if kind == "MultiSelectPicklist":  # the Web API takes the chosen values as "1,2,3"
        if not isinstance(value, str):
            raise _cannot_convert(column)
        try:
            chosen = [int(part) for part in value.split(",") if part.strip()]
        except ValueError:
            raise _cannot_convert(column) from None
        for option in chosen:
            if column.options and column.option_label(option) is None:
                accepted = ",".join(str(o.value) for o in column.options)
                raise _out_of_range(column, table, accepted)
        return ",".join(str(option) for option in chosen)
    if kind in ("Integer", "BigInt", "Picklist", "State", "Status"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _cannot_convert(column)
        choice = kind in ("Picklist", "State", "Status") and column.options
        if choice and column.option_label(value) is None:
            accepted = ",".join(str(o.value) for o in column.options)
            raise _out_of_range(column, table, accepted)
        _check_range(column, table, value)
        return value
    if kind in ("Decimal", "Double", "Money"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _cannot_convert(column)
        _check_range(column, table, value)
        return value
    if kind == "DateTime":
        if not isinstance(value, str):
            raise _cannot_convert(column)
        try:
            moment = parse_datetime(value)
        except ValueError:
            raise _cannot_convert(column) from None
        if column.format == "DateOnly":
            return moment.date().isoformat()
        return format_datetime(moment)
    if kind == "Uniqueidentifier":
        if not isinstance(value, str) or not GUID.match(value):
            raise _cannot_convert(column)
        return value.lower()
    raise _cannot_convert(column)


def _check_range(column: Column, table: str, value: float) -> None:
    low, high = column.min_value, column.max_value
    if (low is not None and value < low) or (high is not None and value > high):
        raise _out_of_range(column, table, f"{low:g} to {high:g}" if low is not None else "")
