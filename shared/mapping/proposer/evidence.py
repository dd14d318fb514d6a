"""Scores a (column, canonical field) pair from header similarity and value evidence, with a reason.

Evidence combines like independent witnesses (noisy-or): a header that exactly names the field is
worth 0.9, a column of valid e-mail addresses is worth about 0.7 to an e-mail field, and together
they are worth more than either. Values that contradict the field (e-mails under 'Phone') cut the
score, so a misleading header cannot win on its name alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from shared.mapping.proposer.detectors import SPECIFICITY, ColumnProfile
from shared.mapping.proposer.models import ValueKind
from shared.mapping.proposer.vocabulary import (
    FieldVocabulary,
    MatchableSynonym,
    generic_words,
    other_party_phrases,
)

EXACT_NAME_EVIDENCE = 0.9
FUZZY_FLOOR = 0.72  # below this similarity a header says nothing about a field
VALUE_WEIGHT = 0.8
CONTRADICTION_FACTOR = 0.35
MISSING_VALUES_FACTOR = 0.55
NOT_UNIQUE_FACTOR = 0.5
OTHER_PARTY_FACTOR = 0.3
_LANGUAGE = {"en": "English", "tr": "Turkish"}


@dataclass(frozen=True)
class NameEvidence:
    """How well a header names a field: similarity 0..1 and the synonym that matched best."""

    similarity: float
    synonym: MatchableSynonym | None

    @property
    def weight(self) -> float:
        """The similarity as evidence: exact names count most, weak likeness counts nothing."""
        if self.similarity >= 0.999:
            return EXACT_NAME_EVIDENCE
        if self.similarity < FUZZY_FLOOR:
            return 0.0
        return 0.8 * (self.similarity - FUZZY_FLOOR) / (1 - FUZZY_FLOOR)


@dataclass(frozen=True)
class PairScore:
    """The confidence that a column holds a field, and the reason a reviewer reads."""

    confidence: float
    reason: str


def similarity(header: str, synonym: str) -> float:
    """Similarity 0..1 of two normalised names.

    Same words in any order score near 1; a header that only adds qualifiers ('status code',
    'flag 1') scores 0.93; one name containing the other scores 0.72-0.9 by how much is extra;
    words merely sharing letters with the other name's words count nothing.
    """
    if not header or not synonym:
        return 0.0
    if header == synonym:
        return 1.0
    if header.replace(" ", "") == synonym.replace(" ", ""):
        return 0.97
    header_words, synonym_words = header.split(), synonym.split()
    if len(header_words) == 1 and len(synonym_words) == 1:
        return fuzz.ratio(header, synonym) / 100  # typos: 'adress' ~ 'address'
    if _core(header_words, synonym_words) == _core(synonym_words, header_words):
        return 0.93
    covered_header = _coverage(header_words, synonym_words)
    covered_synonym = _coverage(synonym_words, header_words)
    if min(covered_header, covered_synonym) >= 0.9:
        return 0.9 + 0.08 * min(covered_header, covered_synonym)  # same words, reordered
    if max(covered_header, covered_synonym) >= 0.9:
        shorter, longer = sorted((len(header_words), len(synonym_words)))
        return 0.72 + 0.18 * shorter / longer
    return 0.85 * (covered_header + covered_synonym) / 2


def _core(words: list[str], other: list[str]) -> list[str]:
    """Words without qualifiers (and without numbers the other name lacks), sorted."""
    keep_digits = any(w.isdigit() for w in other)
    named = [w for w in words if keep_digits or not w.isdigit()] or words
    return sorted([w for w in named if w not in generic_words()] or named)


def _coverage(words: list[str], other: list[str]) -> float:
    """Mean best likeness of each word to a word of the other name (under 0.8 counts 0)."""
    total = 0.0
    for word in words:
        best = max(_word_likeness(word, o) for o in other)
        total += best if best >= 0.8 else 0.0
    return total / len(words)


def _word_likeness(word: str, other: str) -> float:
    # A lone letter is an initial: 'MiddleI' -> 'middle i' ~ 'middle initial'.
    if len(word) == 1 or len(other) == 1:
        return 0.85 if word[0] == other[0] else 0.0
    return fuzz.ratio(word, other) / 100


def other_party(header: str) -> str | None:
    """The phrase that puts a normalised header on someone else ('yakininin', 'next of kin')."""
    padded = f" {header} "
    return next((p for p in other_party_phrases() if f" {p} " in padded), None)


def name_evidence(header: str, synonyms: list[MatchableSynonym]) -> NameEvidence:
    """The best-matching synonym of one field for a normalised header."""
    best = NameEvidence(0.0, None)
    for synonym in synonyms:
        score = similarity(header, synonym.normalised)
        if score > best.similarity:
            best = NameEvidence(score, synonym)
    return best


def value_evidence(
    profile: ColumnProfile, expected: list[ValueKind]
) -> tuple[float, ValueKind | None]:
    """Evidence 0..1 that the values fit a field expecting `expected`, and the kind that fits."""
    best, best_kind = 0.0, None
    for kind in expected:
        share = profile.share(kind)
        weight = share * SPECIFICITY[kind] * VALUE_WEIGHT
        if weight > best or (best_kind is None and share > 0):
            best, best_kind = max(best, weight), kind
    return best, best_kind


def score_pair(
    header: str,
    profile: ColumnProfile,
    spec: FieldVocabulary,
    name: NameEvidence,
    unique: bool,
    someone_else: str | None = None,
) -> PairScore:
    """Combines name and value evidence for one column and one field into a confidence + reason.

    Args:
        header: The raw header, quoted in the reason.
        profile: The column's detector results.
        spec: The field's vocabulary (label, expected value kinds).
        name: The header's best synonym match for this field.
        unique: The field is a key, so its values must not repeat.
        someone_else: A phrase in the header naming another person ('next of kin').
    """
    value, kind = value_evidence(profile, spec.values)
    notes: list[str] = []
    if someone_else and (name.synonym is None or someone_else not in name.synonym.normalised):
        name = NameEvidence(0.0, None)
        value *= OTHER_PARTY_FACTOR
        notes.append(f"but the header is about someone else ('{someone_else}')")
    confidence = 1 - (1 - name.weight) * (1 - value)
    contradiction = _contradiction(profile, spec.values)
    if contradiction:
        confidence *= CONTRADICTION_FACTOR
        notes.append(f"but {_KIND_PHRASES[contradiction]}")
    elif profile.non_empty and _expects_specific_values(spec) and _best_share(profile, spec) < 0.3:
        confidence *= MISSING_VALUES_FACTOR
        notes.append(f"but few values look like {_kind_noun(spec.values[0])}")
    if unique and profile.non_empty >= 5 and profile.uniqueness < 0.9:
        confidence *= NOT_UNIQUE_FACTOR
        notes.append("but values repeat, so it is not the record's key")
    if not profile.non_empty:
        notes.append("the column is empty in the sample")
    parts = [p for p in (_name_phrase(header, name, spec), _value_phrase(profile, kind)) if p]
    reason = "; ".join(parts + notes) or "no evidence"
    return PairScore(round(min(confidence, 0.99), 3), reason)


def _best_share(profile: ColumnProfile, spec: FieldVocabulary) -> float:
    return max(profile.share(k) for k in spec.values)


def _expects_specific_values(spec: FieldVocabulary) -> bool:
    return bool(spec.values) and max(SPECIFICITY[k] for k in spec.values) >= 0.4


def _contradiction(profile: ColumnProfile, expected: list[ValueKind]) -> ValueKind | None:
    """A specific kind most values show that the field does not expect, if nothing expected fits."""
    if any(profile.share(k) >= 0.5 for k in expected):
        return None
    for kind in profile.dominant():
        if SPECIFICITY[kind] >= 0.45 and kind not in expected:
            return kind
    return None


def _name_phrase(header: str, name: NameEvidence, spec: FieldVocabulary) -> str:
    synonym = name.synonym
    if synonym is None or name.weight == 0:
        return ""
    if name.similarity >= 0.999:
        if synonym.language == "tr":
            return f"header '{header}' is the Turkish for {spec.label}"
        return f"header '{header}' names {spec.label}"
    percent = round(name.similarity * 100)
    language = f" ({_LANGUAGE[synonym.language]})" if synonym.language != "en" else ""
    return f"header '{header}' is close to '{synonym.text}'{language} ({percent}%)"


def _value_phrase(profile: ColumnProfile, kind: ValueKind | None) -> str:
    if kind is None or not profile.non_empty:
        return ""
    share = profile.share(kind)
    percent = f"{round(share * 100)}%"
    if kind in ("date", "datetime") and profile.date_format:
        return f"{percent} of values parse as {profile.date_format.format} dates"
    if kind in ("mobile", "landline") and profile.phone_region:
        return f"{percent} of values are {profile.phone_region} {kind} numbers"
    if kind == "phone" and profile.phone_region:
        mobile = round(profile.share("mobile") * 100)
        return (
            f"{percent} of values are valid {profile.phone_region} phone numbers ({mobile}% mobile)"
        )
    if kind == "money" and profile.decimal_comma:
        return f"{percent} of values are amounts with a decimal comma"
    if kind == "enum":
        plural = "s repeat" if profile.distinct != 1 else " repeats"
        return f"{profile.distinct} distinct value{plural} across {profile.non_empty} rows"
    return f"{percent} of values {_KIND_PHRASES[kind].removeprefix('values ')}"


def _kind_noun(kind: ValueKind) -> str:
    return _KIND_PHRASES[kind].removeprefix("values are ").removeprefix("values ")


_KIND_PHRASES: dict[ValueKind, str] = {
    "email": "values are valid e-mail addresses",
    "phone": "values are phone numbers",
    "mobile": "values are mobile numbers",
    "landline": "values are landline numbers",
    "date": "values are dates",
    "datetime": "values are dates with times",
    "time": "values are times of day",
    "nhs_number": "values pass the NHS number check digit",
    "tckn": "values pass the T.C. Kimlik No check digits",
    "medicare": "values pass the Medicare check digit",
    "npi": "values pass the NPI check digit",
    "cdt_code": "values are CDT codes",
    "au_item_code": "values are 3-digit item numbers",
    "icd10": "values are ICD-10 codes",
    "money": "values are amounts",
    "decimal": "values are decimals",
    "integer": "values are whole numbers",
    "small_integer": "values are small whole numbers",
    "duration": "values are durations in minutes",
    "percent": "values are percentages",
    "boolean": "values are yes/no flags",
    "sex": "values are sex codes",
    "title": "values are name titles",
    "id": "values are id-like codes",
    "postcode": "values are postcodes",
    "person_name": "values look like single names",
    "full_name": "values look like full names",
    "last_first_name": "values are names written 'Last, First'",
    "street": "values look like street addresses",
    "place": "values look like place names",
    "country": "values are countries",
    "currency_code": "values are currency codes",
    "tooth": "values are tooth numbers",
    "enum": "values come from a short list",
    "free_text": "values are free text",
    "text": "values are text",
}
