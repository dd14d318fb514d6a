"""Value-map proposals: each distinct source value of an enumerated column -> a canonical value.

'DNA', 'FTA', 'Failed to attend' and 'Gelmedi' all become `no_show`; a value the vocabulary does
not know stays unmapped (canonical None) so the reviewer decides it.
"""

from __future__ import annotations

from collections import Counter

from rapidfuzz import fuzz

from shared.mapping.proposer.models import ValueMapEntry, ValueMapProposal
from shared.mapping.proposer.value_vocabulary import (
    canonical_values,
    folded_value,
    value_synonyms,
)

FUZZY_MIN = 0.86
KNOWN_CONFIDENCE = 0.95


def enum_key(object_kind: str, field_path: str) -> str | None:
    """'appointment.status' for a plain enumerated (or yes/no) field, else None."""
    if "[" in field_path or "." in field_path:
        return None
    key = f"{object_kind}.{field_path}"
    return key if canonical_values(key) else None


def _candidates(key: str) -> list[tuple[str, str]]:
    """(folded source word, canonical value) pairs, the canonical names themselves included."""
    pairs = [(folded_value(v.replace("_", " ")), v) for v in canonical_values(key) or ()]
    for value, words in value_synonyms(key).items():
        pairs.extend((word, value) for word in words)
    return pairs


def map_value(raw: str, key: str) -> tuple[str | None, float, str]:
    """The canonical value for one raw value, with confidence and reason."""
    folded = folded_value(raw)
    candidates = _candidates(key)
    for word, value in candidates:
        if folded == word:
            return value, KNOWN_CONFIDENCE, f"'{raw}' is a known term for {value}"
    best_value, best_word, best_score = None, "", 0.0
    for word, value in candidates:
        score = max(fuzz.ratio(folded, word), fuzz.token_sort_ratio(folded, word)) / 100
        if len(word) >= 3 and score > best_score:
            best_value, best_word, best_score = value, word, score
    if best_value is not None and best_score >= FUZZY_MIN:
        reason = f"'{raw}' is close to '{best_word}' ({round(best_score * 100)}%)"
        return best_value, round(best_score * 0.85, 3), reason
    return None, 0.0, f"'{raw}' is not a known term: choose a canonical value"


def propose_value_map(
    column: str, field_path: str, object_kind: str, counts: Counter[str]
) -> ValueMapProposal | None:
    """Raw -> canonical for every distinct value of a column, most frequent first.

    Args:
        column: The source column.
        field_path: The canonical field the column is mapped to.
        object_kind: The canonical object kind.
        counts: Distinct raw values with how often each occurs in the export.
    """
    key = enum_key(object_kind, field_path)
    if key is None:
        return None
    entries = []
    for raw, count in counts.most_common():
        canonical, confidence, reason = map_value(raw, key)
        entries.append(ValueMapEntry(raw=raw, count=count, canonical=canonical,
                                     confidence=confidence, reason=reason))  # fmt: skip
    return ValueMapProposal(column=column, field=field_path, entries=entries)
