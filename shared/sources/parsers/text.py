"""Locale-aware folding for matching enumerations and booleans (Turkish dotted/dotless i)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Literal

from shared.sources.parsers import ParseError

CaseFolding = Literal["default", "turkish"]

# Turkish lower-casing: "I" is dotless ı and "İ" is i; str.lower() gets both wrong.
_TURKISH_LOWER = str.maketrans({"I": "ı", "İ": "i"})


def turkish_lower(text: str) -> str:
    """Lower-case with Turkish rules: 'İSTANBUL' -> 'istanbul', 'ILIK' -> 'ılık'."""
    return text.translate(_TURKISH_LOWER).lower()


def match_key(text: str, folding: CaseFolding = "default") -> str:
    """A lenient key for matching enumeration values typed by people.

    Case, accents, spacing, '-'/'_' and the dotted/dotless i distinction are ignored, so
    'no-show' matches 'No Show', and 'GELMEDİ', 'Gelmedi' and 'GELMEDI' (typed on a
    non-Turkish keyboard) all match.
    """
    lowered = turkish_lower(text) if folding == "turkish" else text.casefold()
    decomposed = unicodedata.normalize("NFKD", lowered.replace("ı", "i"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.replace("_", " ").replace("-", " ").split())


def compile_value_map(
    canonical_to_sources: Mapping[str, Iterable[str]], folding: CaseFolding = "default"
) -> dict[str, str]:
    """Invert a profile value map (canonical -> source spellings) into match key -> canonical.

    Every canonical value also matches itself, so exports that already use canonical words work.
    """
    keyed: dict[str, str] = {}
    for canonical, spellings in canonical_to_sources.items():
        keyed.setdefault(match_key(canonical, folding), canonical)
        for spelling in spellings:
            keyed[match_key(str(spelling), folding)] = canonical
    return keyed


def enum_parser(keyed: Mapping[str, str], folding: CaseFolding = "default") -> Callable[[str], str]:
    """A parser that maps a cell to its canonical value, or raises `unknown_enum_value`."""
    cache: dict[str, str] = {}

    def parse(raw: str) -> str:
        hit = cache.get(raw)
        if hit is not None:
            return hit
        found = keyed.get(match_key(raw, folding))
        if found is None:
            raise ParseError("unknown_enum_value")
        if len(cache) < 4096:  # enumerations repeat; cache the exact spellings seen
            cache[raw] = found
        return found

    return parse


DEFAULT_TRUE = ("yes", "y", "true", "t", "1", "x", "evet", "e", "✓")
DEFAULT_FALSE = ("no", "n", "false", "f", "0", "hayir", "h")


def bool_parser(
    true_values: Iterable[str] = DEFAULT_TRUE,
    false_values: Iterable[str] = DEFAULT_FALSE,
    folding: CaseFolding = "default",
) -> Callable[[str], bool]:
    """A parser for yes/no cells in the profile's vocabulary (Turkish 'Evet'/'Hayır' included)."""
    keyed = {match_key(v, folding): True for v in true_values}
    keyed.update({match_key(v, folding): False for v in false_values})

    exact: dict[str, bool] = {}

    def parse(raw: str) -> bool:
        hit = exact.get(raw)
        if hit is not None:
            return hit
        found = keyed.get(match_key(raw, folding))
        if found is None:
            raise ParseError("unknown_enum_value")
        if len(exact) < 256:
            exact[raw] = found
        return found

    return parse
