"""Header normalisation: Turkish-aware folding, camelCase/snake_case splitting, abbreviations."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

# Turkish letters fold to their ASCII base before casefolding, so 'İ' never becomes 'i̇'.
_TURKISH_FOLD = str.maketrans(
    {"İ": "i", "I": "i", "ı": "i", "Ş": "s", "ş": "s", "Ğ": "g", "ğ": "g",
     "Ü": "u", "ü": "u", "Ö": "o", "ö": "o", "Ç": "c", "ç": "c"}
)  # fmt: skip
_CAMEL_LOWER_UPPER = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_CAMEL_ACRONYM = re.compile(r"(?<=[A-Z])(?=[A-Z][a-z])")
_LETTER_DIGIT = re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")

# Symbols that stand for words in headers: 'Invoice #', 'Commission %'.
_SYMBOL_WORDS = str.maketrans({"#": " no ", "%": " percent ", "&": " and ", "@": " at "})
MIN_SEGMENT = 2

# English and Turkish filler words. Not 'is': Turkish 'iş' (work) folds to it.
STOP_WORDS = frozenset({"the", "of", "a", "an", "for", "in", "on", "at", "to", "ve", "ile"})


def fold(text: str) -> str:
    """Lower-cases with Turkish rules and strips accents: 'DOĞUM Tarihi' -> 'dogum tarihi'."""
    text = text.translate(_TURKISH_FOLD)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def split_words(text: str) -> list[str]:
    """Splits a header into folded words: 'PatFirstName' -> ['pat', 'first', 'name'].

    Runs of single letters are joined again, so 'D.O.B.' and 'T.C. Kimlik' read as 'dob', 'tc'.
    """
    text = _CAMEL_ACRONYM.sub(" ", _CAMEL_LOWER_UPPER.sub(" ", text.translate(_SYMBOL_WORDS)))
    text = _LETTER_DIGIT.sub(" ", text)
    words = [w for w in _NON_WORD.split(fold(text)) if w]
    joined: list[str] = []
    letters_only = False  # the last word was built from single letters (d-o-b so far)
    for word in words:
        single = len(word) == 1 and word.isalpha()
        if single and letters_only and joined:
            joined[-1] += word
        else:
            joined.append(word)
            letters_only = single
    return joined


def segment(word: str, lexicon: frozenset[str]) -> list[str]:
    """Splits a run-together word into known words ('patno' -> ['pat', 'no']), else keeps it.

    Prefers the fewest pieces; every piece must be a known word of two letters or more.
    """
    if word in lexicon or len(word) < 2 * MIN_SEGMENT:
        return [word]
    best: list[list[str] | None] = [[]] + [None] * len(word)
    for end in range(MIN_SEGMENT, len(word) + 1):
        for start in range(0, end - MIN_SEGMENT + 1):
            head = best[start]
            if head is not None and word[start:end] in lexicon:
                candidate = [*head, word[start:end]]
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    return best[-1] or [word]


def _join_initials(
    words: list[str], abbreviations: Mapping[str, str], lexicon: frozenset[str]
) -> list[str]:
    """Joins a lone letter to the next word when that makes a known word: 'f name' -> 'fname'."""
    joined: list[str] = []
    for word in words:
        if joined and len(joined[-1]) == 1 and joined[-1].isalpha():
            candidate = joined[-1] + word
            if candidate in abbreviations or candidate in lexicon:
                joined[-1] = candidate
                continue
        joined.append(word)
    return joined


def normalise_header(
    text: str,
    abbreviations: Mapping[str, str],
    context_words: frozenset[str] = frozenset(),
    lexicon: frozenset[str] = frozenset(),
) -> str:
    """A header as matchable text: folded, split, abbreviations expanded, stop words dropped.

    Context words (the object's own noun, e.g. 'patient' on a patient export) are dropped only
    when other words remain, so 'Patient First Name' matches 'first name' and 'Patient' stays.

    Args:
        text: The raw header or synonym.
        abbreviations: Folded word -> expansion ('tel' -> 'telephone').
        context_words: Folded words that only repeat the object kind.
        lexicon: Known words, to split run-together headers ('PATNO'); empty skips splitting.
    """
    words = split_words(text)
    if lexicon:
        words = _join_initials(words, abbreviations, lexicon)
        words = [piece for w in words for piece in (
            [w] if w in abbreviations else segment(w, lexicon))]  # fmt: skip
    expanded: list[str] = []
    for word in words:
        expanded.extend(abbreviations.get(word, word).split())
    kept = [w for w in expanded if w not in STOP_WORDS]
    trimmed = [w for w in kept if w not in context_words]
    return " ".join(trimmed or kept or expanded)
