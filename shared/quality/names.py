"""Name folding for duplicate detection: NFC, Turkish-aware case folding, accents, punctuation.

"İSMAİL Öztürk", "Ismail OZTURK" and "ismail  öztürk" fold to the same key: the Turkish dotted
and dotless i (İ, I, ı, i) all become "i", diacritics are dropped after canonical decomposition,
hyphens and apostrophes stop mattering, whitespace collapses, and the name's words are sorted so
that a given/family swap still matches. Letters without a decomposition that people commonly type
without their stroke (ł, ø, đ, ß, æ, œ) are spelled out first.
"""

from __future__ import annotations

import re
import unicodedata

_UNICODE_FOLD = str.maketrans(
    {
        "İ": "i", "I": "i", "ı": "i",
        "ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d",
        "ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe",
        "-": " ", "‐": " ", "–": " ", ".": " ", ",": " ", "_": " ",
        "'": None, "’": None, "`": None, "ʼ": None,
    }
)  # fmt: skip
_ASCII_FOLD = str.maketrans({"-": " ", ".": " ", ",": " ", "_": " ", "'": None, "`": None})
# Combining marks left after NFD (accents, the Turkish dot above, cedilla, breve, ...).
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold_name(text: str) -> str:
    """The comparison form of a name: lower-case ASCII-like words, single spaces.

    Args:
        text: a name part as exported (any script; non-Latin letters are kept, folded).

    Returns:
        The folded name, e.g. "İSMAİL" -> "ismail", "Öztürk-Şahin" -> "ozturk sahin".
    """
    if text.isascii():
        return " ".join(text.translate(_ASCII_FOLD).lower().split())
    decomposed = unicodedata.normalize("NFD", text.translate(_UNICODE_FOLD))
    return " ".join(_COMBINING.sub("", decomposed).casefold().split())


def person_key(given_name: str, family_name: str) -> tuple[str, ...]:
    """The order-independent folded words of a person's name (empty when there are none).

    Args:
        given_name: given name(s) as exported.
        family_name: family name(s) as exported.

    Returns:
        The folded words, sorted.
    """
    return tuple(sorted(fold_name(f"{given_name} {family_name}").split()))
