"""Key segments: `(<guid>)`, `(name='x')`, `(a='x',b=2)`, `(accountid=<guid>)`."""

from __future__ import annotations

import re

from emulators.dataverse.errors import DataverseError, bad_request

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_PAIR = re.compile(r"\s*([A-Za-z_][\w]*)\s*=\s*('(?:[^']|'')*'|[^,]+)\s*(?:,|$)")

KeyValue = str | int | float | bool | None


def _value(raw: str) -> KeyValue:
    raw = raw.strip()
    if raw.startswith("'") and raw.endswith("'") and len(raw) >= 2:
        return raw[1:-1].replace("''", "'")
    if GUID.match(raw):
        return raw.lower()
    if raw in ("true", "false"):
        return raw == "true"
    if raw == "null":
        return None
    try:
        return float(raw) if any(c in raw for c in ".eE") else int(raw)
    except ValueError:
        raise bad_request(
            "Bad Request - Error in query syntax: a key value is not a literal."
        ) from None


def parse_key(text: str) -> str | dict[str, KeyValue]:
    """A record id (lower-case guid) or a dict of alternate-key column -> value.

    Raises:
        DataverseError: 400 when the segment is not a key.
    """
    text = text.strip()
    if GUID.match(text):
        return text.lower()
    pairs: dict[str, KeyValue] = {}
    pos = 0
    while pos < len(text):
        match = _PAIR.match(text, pos)
        if match is None:
            raise bad_request("Bad Request - Error in query syntax.")
        pairs[match.group(1)] = _value(match.group(2))
        pos = match.end()
    if not pairs:
        raise bad_request("Bad Request - Error in query syntax.")
    return pairs


def format_key(key: dict[str, KeyValue]) -> str:
    """The key segment text for a dict key, as the service echoes it in OData-EntityId."""
    parts = []
    for name, value in key.items():
        if isinstance(value, str) and not GUID.match(value):
            parts.append(f"{name}='{value.replace(chr(39), chr(39) * 2)}'")
        elif isinstance(value, bool):
            parts.append(f"{name}={'true' if value else 'false'}")
        else:
            parts.append(f"{name}={value}")
    return ",".join(parts)


def split_path(path: str) -> list[str]:
    """Splits a resource path on `/` outside parentheses and quotes."""
    segments: list[str] = []
    depth = 0
    quoted = False
    current: list[str] = []
    for char in path:
        if char == "'" and depth:
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        if char == "/" and depth == 0 and not quoted:
            segments.append("".join(current))
            current = []
        else:
            current.append(char)
    segments.append("".join(current))
    return [s for s in segments if s != ""]


_SEGMENT = re.compile(r"^(?P<name>[^()]+)(?:\((?P<key>.*)\))?$", re.DOTALL)


def split_segment(segment: str) -> tuple[str, str | None]:
    """`accounts(...)` -> ("accounts", "..."); `accounts` -> ("accounts", None).

    Raises:
        DataverseError: 404 for a segment that is not a name with an optional key.
    """
    match = _SEGMENT.match(segment)
    if match is None:
        raise DataverseError(404, "0x8006088a", f"Resource not found for the segment '{segment}'.")
    return match.group("name"), match.group("key")
