"""Table Storage keys built from source ids, escaped so any source id is a legal key."""

from __future__ import annotations

import re

# Table keys may not contain / \ # ? or control characters; '%' is escaped so decoding is exact.
_FORBIDDEN = re.compile(r"[/\\#?%\x00-\x1f\x7f-\x9f]")
SEPARATOR = "~"


def escape_key(text: str) -> str:
    """Percent-encodes the characters Table Storage forbids in PartitionKey / RowKey."""
    return _FORBIDDEN.sub(lambda m: f"%{ord(m.group()):02X}", text)


def unescape_key(text: str) -> str:
    """Reverses `escape_key`."""
    return re.sub(r"%([0-9A-F]{2})", lambda m: chr(int(m.group(1), 16)), text)


def join_key(*parts: str) -> str:
    """Joins escaped parts with `~`, which sorts after every escaped character we emit."""
    return SEPARATOR.join(escape_key(part).replace(SEPARATOR, "%7E") for part in parts)


def prefix_range(prefix: str) -> tuple[str, str]:
    """The [low, high) key range that holds every key starting with `prefix~`."""
    return prefix + SEPARATOR, prefix + chr(ord(SEPARATOR) + 1)
