"""The matcher's vocabulary: canonical fields per object kind, their synonyms and value kinds.

The vocabulary is data (YAML beside this module). Loading validates it into pydantic and checks
every field path against the canonical model, so a typo fails with the file and path named.
"""

from __future__ import annotations

import re
import types
import typing
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.mapping.proposer.models import Language, ValueKind
from shared.mapping.proposer.normalise import fold, normalise_header, split_words
from shared.model import OBJECT_KINDS
from shared.model.common import ContactSystem, ContactUse

VOCABULARY_DIR = Path(__file__).with_name("vocabulary")
_PATH = re.compile(r"^(?P<root>[a-z_]+)(?:\[(?P<selector>[a-z0-9:_-]+)\])?(?:\.(?P<rest>.+))?$")


class VocabularyError(ValueError):
    """A vocabulary file is malformed; the message names the file and the path inside it."""


class FieldVocabulary(BaseModel):
    """How one canonical field is named in exports and what its values look like."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    en: list[str] = Field(default_factory=list)
    tr: list[str] = Field(default_factory=list)
    values: list[ValueKind] = Field(default_factory=list)
    unique: bool = False  # a key: its values must not repeat within an export

    def synonyms(self) -> list[tuple[Language, str]]:
        """Every synonym with its language, English first."""
        return [("en", s) for s in self.en] + [("tr", s) for s in self.tr]


class ObjectVocabulary(BaseModel):
    """The canonical fields of one object kind, as the matcher sees them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    object: str
    context_words: list[str] = Field(default_factory=list)
    fields: dict[str, FieldVocabulary]


class MatchableSynonym(BaseModel):
    """A synonym after normalisation, ready for comparing with a normalised header."""

    model_config = ConfigDict(frozen=True)

    field: str
    language: Language
    text: str
    normalised: str


class _WordsLoader(yaml.SafeLoader):
    """YAML 1.1 reads yes/no/on/off as booleans; in a word list they are words."""


_WordsLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_words_yaml(path: Path) -> Any:
    """Loads a vocabulary file with yes/no/on/off kept as strings.

    Raises:
        VocabularyError: the file is not valid YAML (message names the file).
    """
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_WordsLoader)  # noqa: S506
    except yaml.YAMLError as error:
        raise VocabularyError(f"{path.name}: not valid YAML ({error})") from None


def _validation_message(path: Path, error: ValidationError) -> str:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
    )
    return f"{path.name}: {problems}"


class WordLists(BaseModel):
    """abbreviations.yaml: word expansions and the word lists that qualify a header."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    abbreviations: dict[str, str]
    other_party_words: list[str] = Field(default_factory=list)
    generic_words: list[str] = Field(default_factory=list)


@cache
def word_lists() -> WordLists:
    """The validated abbreviations.yaml."""
    path = VOCABULARY_DIR / "abbreviations.yaml"
    try:
        return WordLists.model_validate(load_words_yaml(path))
    except ValidationError as error:
        raise VocabularyError(_validation_message(path, error)) from None


@cache
def abbreviations() -> dict[str, str]:
    """Folded word -> expansion ('tel' -> 'telephone')."""
    return {fold(k): fold(v) for k, v in word_lists().abbreviations.items()}


@cache
def other_party_phrases() -> tuple[str, ...]:
    """Folded phrases that put a column on someone other than the record's subject."""
    return tuple(" ".join(split_words(w)) for w in word_lists().other_party_words)


@cache
def generic_words() -> frozenset[str]:
    """Folded words that qualify a name without changing it ('code', 'value')."""
    return frozenset(fold(w) for w in word_lists().generic_words)


@cache
def lexicon() -> frozenset[str]:
    """Every word the vocabulary knows, for splitting run-together headers ('PATNO')."""
    words = set(abbreviations())
    for kind in supported_objects():
        for spec in object_vocabulary(kind).fields.values():
            for _, text in spec.synonyms():
                words.update(split_words(text))
    return frozenset(w for w in words if len(w) >= 2)


def supported_objects() -> list[str]:
    """Object kinds that have a vocabulary file."""
    return sorted(p.stem for p in VOCABULARY_DIR.glob("*.yaml") if p.stem in OBJECT_KINDS)


@cache
def object_vocabulary(object_kind: str) -> ObjectVocabulary:
    """The validated vocabulary of an object kind.

    Raises:
        VocabularyError: the kind has no vocabulary, or its file is malformed.
    """
    path = VOCABULARY_DIR / f"{object_kind}.yaml"
    if object_kind not in OBJECT_KINDS or not path.is_file():
        known = ", ".join(supported_objects())
        raise VocabularyError(f"no vocabulary for object '{object_kind}' (known: {known})")
    try:
        vocabulary = ObjectVocabulary.model_validate(load_words_yaml(path))
    except ValidationError as error:
        raise VocabularyError(_validation_message(path, error)) from None
    if vocabulary.object != object_kind:
        raise VocabularyError(f"{path.name}: object: expected '{object_kind}'")
    model = OBJECT_KINDS[object_kind]
    for field_path in vocabulary.fields:
        problem = field_path_problem(model, field_path)
        if problem:
            raise VocabularyError(f"{path.name}: fields.{field_path}: {problem}")
    return vocabulary


@cache
def matchable_synonyms(object_kind: str) -> tuple[MatchableSynonym, ...]:
    """Every synonym of every field of an object kind, normalised like headers are."""
    vocabulary = object_vocabulary(object_kind)
    context = frozenset(fold(w) for w in vocabulary.context_words)
    found: list[MatchableSynonym] = []
    for field_path, spec in vocabulary.fields.items():
        for language, text in [*spec.synonyms(), ("en", spec.label)]:
            normalised = normalise_header(text, abbreviations(), context)
            found.append(MatchableSynonym(field=field_path, language=language, text=text,
                                          normalised=normalised))  # fmt: skip
    return tuple(found)


def field_path_problem(model: type[BaseModel], field_path: str) -> str | None:
    """Why a field path does not name a field of the model, or None when it does.

    Paths: `given_name`, `identifiers[gb-nhs].value`, `contact_points[mobile]`,
    `contact_points[phone:work]`, `addresses[0].lines[1]`, `appointment_type.display`,
    `start.date` / `start.time` (the parts of a date-time).
    """
    match = _PATH.match(field_path)
    if not match:
        return "not a field path"
    root, selector, rest = match["root"], match["selector"], match["rest"]
    info = model.model_fields.get(root)
    if info is None:
        return f"'{root}' is not a field of {model.__name__}"
    annotation = _without_none(info.annotation)
    if get_origin(annotation) is list:
        if selector is None:
            return None if rest is None else f"'{root}' is a list: select an item first"
        item = get_args(annotation)[0]
        if root == "contact_points" or root == "phones":
            system, _, use = selector.partition(":")
            if system not in get_args(ContactSystem) or (use and use not in get_args(ContactUse)):
                return f"'{selector}' is not a contact system[:use]"
        return _nested_problem(item, rest)
    if selector is not None:
        return f"'{root}' is not a list"
    if annotation is datetime:
        return None if rest in (None, "date", "time") else "a date-time splits into date or time"
    return _nested_problem(annotation, rest)


def _nested_problem(annotation: Any, rest: str | None) -> str | None:
    if rest is None:
        return None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return field_path_problem(annotation, rest)
    if get_origin(annotation) is list:
        return None if re.fullmatch(r"\[\d+\]", rest) else f"'{rest}' does not index a list"
    return f"'{rest}' does not name a nested field"


def _without_none(annotation: Any) -> Any:
    # `X | None` -> X, so optional fields are checked like required ones.
    if get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation
