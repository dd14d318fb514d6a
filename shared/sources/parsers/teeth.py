"""Tooth notation to FDI (ISO 3950): Palmer as typed in UK software (UR6, LLc), Universal 1-32/A-T.

Palmer's quadrant brackets cannot be typed, so exports spell the quadrant as UR/UL/LL/LR
(upper right = FDI quadrant 1, upper left 2, lower left 3, lower right 4; deciduous 5-8 with
letters A-E for teeth 1-5).
"""

from __future__ import annotations

import re
from typing import Literal

from shared.sources.parsers import ParseError

ToothNotationHint = Literal["fdi", "palmer", "universal", "auto"]

_PALMER_QUADRANT = {"UR": 1, "UL": 2, "LL": 3, "LR": 4}
_PALMER = re.compile(
    r"(?P<q>UR|UL|LL|LR)\s*(?P<t>[1-8A-Ea-e])|(?P<t2>[1-8A-Ea-e])\s*(?P<q2>UR|UL|LL|LR)"
)
_FDI = re.compile(r"(?P<q>[1-8])(?P<t>[1-8])")


def _fdi_valid(quadrant: int, tooth: int) -> bool:
    return 1 <= tooth <= (8 if quadrant <= 4 else 5)


def palmer_to_fdi(raw: str) -> str:
    """'UR6' -> '16', 'LLc' -> '73', '6UR' -> '16'."""
    found = _PALMER.fullmatch(raw.strip().upper()) or _PALMER.fullmatch(raw.strip())
    if not found:
        raise ParseError("malformed_value")
    quadrant = _PALMER_QUADRANT[(found.group("q") or found.group("q2")).upper()]
    tooth = found.group("t") or found.group("t2")
    if tooth.isalpha():  # deciduous: A-E are teeth 1-5 in quadrants 5-8
        return f"{quadrant + 4}{ord(tooth.upper()) - ord('A') + 1}"
    return f"{quadrant}{tooth}"


def universal_to_fdi(raw: str) -> str:
    """US Universal numbering: '3' -> '16', '30' -> '46', 'A' -> '55', 'T' -> '85'."""
    text = raw.strip().upper()
    if text.isdigit() and 1 <= int(text) <= 32:
        n = int(text)
        if n <= 8:
            return f"1{9 - n}"
        if n <= 16:
            return f"2{n - 8}"
        if n <= 24:
            return f"3{25 - n}"
        return f"4{n - 24}"
    if len(text) == 1 and "A" <= text <= "T":
        n = ord(text) - ord("A")  # 0..19, five teeth per quadrant, clockwise from upper right
        quadrant, index = divmod(n, 5)
        return f"{quadrant + 5}{5 - index if quadrant in (0, 2) else index + 1}"
    raise ParseError("malformed_value")


def to_fdi(raw: str, notation: ToothNotationHint) -> tuple[str, str]:
    """The FDI code of a tooth and the notation it was read in ('fdi', 'palmer', 'universal').

    With 'auto', Palmer quadrant letters and valid two-digit FDI codes are recognised; bare
    Universal numbers are too ambiguous to guess and must be declared in the profile.
    """
    text = raw.strip()
    if notation in ("fdi", "auto"):
        found = _FDI.fullmatch(text)
        if found and _fdi_valid(int(found.group("q")), int(found.group("t"))):
            return text, "fdi"
        if notation == "fdi":
            raise ParseError("malformed_value")
    if notation in ("palmer", "auto"):
        return palmer_to_fdi(text), "palmer"
    return universal_to_fdi(text), "universal"
