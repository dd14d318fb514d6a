"""Source values that mean a canonical enum value (DNA -> no_show), loaded from values.yaml."""

from __future__ import annotations

import re
from functools import cache
from typing import Any, get_args

from shared.mapping.proposer.normalise import fold
from shared.mapping.proposer.vocabulary import (
    VOCABULARY_DIR,
    VocabularyError,
    _without_none,
    load_words_yaml,
)
from shared.model import OBJECT_KINDS

VALUES_FILE = VOCABULARY_DIR / "values.yaml"
_WORDS = re.compile(r"[^a-z0-9]+")


@cache
def _all_value_synonyms() -> dict[str, dict[str, tuple[str, ...]]]:
    data = load_words_yaml(VALUES_FILE)
    if not isinstance(data, dict):
        raise VocabularyError(f"{VALUES_FILE.name}: expected a mapping of object.field")
    loaded: dict[str, dict[str, tuple[str, ...]]] = {}
    for key, by_value in data.items():
        allowed = canonical_values(str(key))
        if allowed is None:
            raise VocabularyError(f"{VALUES_FILE.name}: {key}: not an enumerated canonical field")
        if not isinstance(by_value, dict):
            raise VocabularyError(f"{VALUES_FILE.name}: {key}: expected value -> synonyms")
        for value, words in by_value.items():
            if value not in allowed:
                raise VocabularyError(f"{VALUES_FILE.name}: {key}.{value}: not one of {allowed}")
            if not isinstance(words, list):
                raise VocabularyError(f"{VALUES_FILE.name}: {key}.{value}: expected a list")
        loaded[str(key)] = {
            str(v): tuple(folded_value(str(w)) for w in words) for v, words in by_value.items()
        }
    return loaded


def value_synonyms(key: str) -> dict[str, tuple[str, ...]]:
    """Canonical value -> folded source words, for `object.field` ('appointment.status').

    A yes/no field without its own entry uses the shared `boolean` words.
    """
    found = _all_value_synonyms().get(key)
    if found is None and canonical_values(key) == ("true", "false"):
        found = _all_value_synonyms().get(BOOLEAN_KEY)
    return found or {}


BOOLEAN_KEY = "boolean"


def canonical_values(key: str) -> tuple[str, ...] | None:
    """The allowed values of an enumerated canonical field (a Literal, or a bool), or None."""
    if key == BOOLEAN_KEY:
        return ("true", "false")
    object_kind, _, field_name = key.partition(".")
    model = OBJECT_KINDS.get(object_kind)
    info = model.model_fields.get(field_name) if model else None
    if info is None:
        return None
    annotation: Any = _without_none(info.annotation)
    if annotation is bool:
        return ("true", "false")
    args = get_args(annotation)
    if args and all(isinstance(a, str) for a in args):
        return tuple(args)
    return None


def folded_value(raw: str) -> str:
    """A source value as the value vocabulary compares it: 'Did Not Attend' -> 'did not attend'.

    Lower-case letters and digits only; camelCase is not split, since values are prose.
    """
    return " ".join(_WORDS.split(fold(raw))).strip()
