"""Person-name splitting: 'Last, First' (Core Practice), 'First Last', with titles peeled off."""

from __future__ import annotations

from typing import NamedTuple

from shared.sources.parsers import ParseError

# Titles seen in UK/IE/AU/TR clinic exports; matched case-insensitively, with or without a dot.
TITLES = frozenset(
    {
        "mr", "mrs", "ms", "miss", "mx", "master", "dr", "prof", "rev", "sir", "dame", "lady",
        "lord", "fr", "sr", "bay", "bayan", "sn", "sayın", "dt", "dt.", "uzm", "doç", "op",
    }
)  # fmt: skip


class PersonName(NamedTuple):
    """A split name; `title` is None when the cell had none."""

    given: str
    family: str
    title: str | None


def _peel_title(words: list[str]) -> tuple[str | None, list[str]]:
    titles: list[str] = []
    while len(words) > 1 and words[0].rstrip(".").casefold() in TITLES:
        titles.append(words.pop(0))
    return (" ".join(titles) or None), words


def split_last_first(raw: str) -> PersonName:
    """Split 'Smith, John' or 'Smith, Dr John'; a cell without a comma is read as 'First Last'."""
    if "," not in raw:
        return split_first_last(raw)
    family, _, given = raw.partition(",")
    title, words = _peel_title(given.split())
    family = " ".join(family.split())
    if not family or not words:
        raise ParseError("malformed_value")
    return PersonName(" ".join(words), family, title)


def split_first_last(raw: str) -> PersonName:
    """Split 'Dr Ayşe Nur Yılmaz' into title 'Dr', given 'Ayşe Nur', family 'Yılmaz'."""
    title, words = _peel_title(raw.split())
    if len(words) < 2:
        raise ParseError("malformed_value")
    return PersonName(" ".join(words[:-1]), words[-1], title)
