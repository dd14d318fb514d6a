"""Value shapes: what a column's values look like with every letter and digit masked.

A shape keeps punctuation and digit counts (they tell a date or an NHS number apart) but no
letter or digit of the value: 'John' -> 'Aaaa', '12/03/1980' -> '99/99/9999', and letter runs are
cut to four symbols so names and e-mail parts cannot be read back from their length.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

MAX_LETTER_RUN = 4
MAX_SHAPE = 24


def mask_value(value: str) -> str:
    """The masked shape of one value: letters -> A/a, digits -> 9, runs cut, length capped."""
    out: list[str] = []
    run = 0
    for ch in value.strip():
        if ch.isalpha():
            run += 1
            if run <= MAX_LETTER_RUN:
                out.append("A" if ch.isupper() else "a")
            continue
        run = 0
        out.append("9" if ch.isdigit() else ("_" if ch.isspace() else _punctuation(ch)))
    shape = "".join(out)
    return shape if len(shape) <= MAX_SHAPE else shape[: MAX_SHAPE - 1] + "~"


def _punctuation(ch: str) -> str:
    # Keep ASCII punctuation (it is structure: @ . / - : , +); any other symbol becomes '#'.
    return ch if ch.isascii() and ch.isprintable() else "#"


def top_shapes(values: Iterable[str], limit: int = 5) -> list[tuple[str, int]]:
    """The most common shapes of a column with their counts."""
    return Counter(mask_value(v) for v in values if v.strip()).most_common(limit)
