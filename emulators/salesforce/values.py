"""Field values: CSV text or JSON in, typed stored values out, with Salesforce's error codes."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime
from typing import Any

from emulators.salesforce.catalog import FieldDef
from emulators.salesforce.errors import RowError
from emulators.salesforce.ids import looks_like_id, to18

NULL_MARKER = "#N/A"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})$")
_TEXT = {"string", "textarea", "email", "phone", "url", "picklist", "combobox", "multipicklist"}
_NUMBER = {"int", "double", "currency", "percent"}


class Skip:
    """Marker: the cell means 'leave unchanged' (empty CSV cell)."""


SKIP = Skip()


def format_datetime(moment: datetime) -> str:
    """Salesforce's dateTime rendering, `2022-01-02T21:33:43.000+0000`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}+0000"
    )


def now_text() -> str:
    """The current time as Salesforce renders it."""
    return format_datetime(datetime.now(UTC))


def _type_error(field: FieldDef, what: str) -> RowError:
    return RowError(
        "INVALID_TYPE_ON_FIELD_IN_RECORD",
        f"{field.name}: value not of required type: {what}",
        [field.name],
    )


def parse_datetime(text: str) -> datetime | None:
    """A dateTime with `Z` or an offset (milliseconds optional); None when malformed."""
    match = _DATETIME.match(text)
    if match is None:
        return None
    day, clock, millis, zone = match.groups()
    zone = "+00:00" if zone == "Z" else zone
    if len(zone) == 5:
        zone = zone[:3] + ":" + zone[3:]
    try:
        return datetime.fromisoformat(f"{day}T{clock}{millis or ''}{zone}")
    except ValueError:
        return None


def coerce(field: FieldDef, raw: Any, *, from_csv: bool) -> Any:
    """The stored value of `raw` for `field`; SKIP for an empty CSV cell; RowError when invalid."""
    if from_csv and isinstance(raw, str):
        if raw == "":
            return SKIP
        if raw == NULL_MARKER:
            return None
    if raw is None:
        return None
    kind = field.type
    if kind in _TEXT:
        if not isinstance(raw, str):
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                return _type_error(field, "text")
            raw = str(raw)
        if field.length and len(raw) > field.length:
            return RowError(
                "STRING_TOO_LONG",
                f"{field.name}: data value too large (max length={field.length})",
                [field.name],
            )
        if kind == "picklist" and field.restricted and raw not in field.values:
            return RowError(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{field.name}: bad value for restricted picklist field",
                [field.name],
            )
        return raw
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        return _type_error(field, "boolean")
    if kind in _NUMBER:
        return _number(field, raw)
    if kind == "date":
        if isinstance(raw, str) and _DATE.match(raw):
            try:
                datetime.strptime(raw, "%Y-%m-%d")
            except ValueError:
                return _type_error(field, "date")
            return raw
        return _type_error(field, "date")
    if kind == "datetime":
        moment = parse_datetime(raw) if isinstance(raw, str) else None
        return _type_error(field, "datetime") if moment is None else format_datetime(moment)
    if kind in ("reference", "id"):
        if not isinstance(raw, str) or not looks_like_id(raw):
            return RowError(
                "MALFORMED_ID", f"{field.name}: id value of incorrect type", [field.name]
            )
        return to18(raw)
    if kind == "base64":
        try:
            return base64.b64decode(raw, validate=True) if isinstance(raw, str) else raw
        except (binascii.Error, ValueError):
            return _type_error(field, "base64")
    return raw


def _number(field: FieldDef, raw: Any) -> Any:
    if isinstance(raw, bool):
        return _type_error(field, "number")
    try:
        value = float(raw) if not isinstance(raw, int | float) else raw
    except (TypeError, ValueError):
        return _type_error(field, "number")
    if field.type == "int":
        if float(value) != int(value):
            return _type_error(field, "int")
        return int(value)
    if field.scale:
        value = round(float(value), field.scale)
    return value


def render_csv(value: Any) -> str:
    """A stored value as a Bulk result or query CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
