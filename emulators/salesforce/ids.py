"""Salesforce record ids: 3-char key prefix, 15 case-sensitive chars, 3-char case-safe suffix."""

from __future__ import annotations

import itertools
import string

_ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase
_SUFFIX = string.ascii_uppercase + "012345"


def checksum(id15: str) -> str:
    """The 3-character suffix that makes a 15-char id case-insensitively unique."""
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, ch in enumerate(id15[start : start + 5]) if ch.isupper())
        suffix += _SUFFIX[bits]
    return suffix


def to18(record_id: str) -> str:
    """An 18-char id for a 15- or 18-char one."""
    return record_id if len(record_id) == 18 else record_id + checksum(record_id)


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, rest = divmod(number, 62)
        digits.append(_ALPHABET[rest])
    return "".join(reversed(digits))


class IdFactory:
    """Issues ids per key prefix: `<prefix><pod 2 chars>0<9-char counter><checksum>`."""

    def __init__(self, start: int = 1) -> None:
        self._counter = itertools.count(start)

    def new(self, key_prefix: str) -> str:
        """A fresh 18-char id for an object with this key prefix."""
        id15 = f"{key_prefix}Hn0{_base62(next(self._counter), 9)}"
        return id15 + checksum(id15)

    def skip_to(self, value: int) -> None:
        """Continue numbering after `value` (ids already stored)."""
        self._counter = itertools.count(value + 1)


def counter_of(record_id: str) -> int:
    """The counter part of an id this factory issued (0 for foreign ids)."""
    part = record_id[6:15]
    try:
        value = 0
        for ch in part:
            value = value * 62 + _ALPHABET.index(ch)
    except ValueError:
        return 0
    return value


def looks_like_id(value: str) -> bool:
    """True for a 15- or 18-character alphanumeric string."""
    return len(value) in (15, 18) and value.isalnum()
