"""Value detectors: for a column sample, the share of values that look like each value kind."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from shared.mapping.proposer.dates import TIME_ONLY, DateColumnFormat, detect_date_format
from shared.mapping.proposer.identifiers import (
    is_medicare_number,
    is_nhs_number,
    is_npi,
    is_tckn,
)
from shared.mapping.proposer.models import Detected, ValueKind
from shared.mapping.proposer.normalise import fold
from shared.mapping.proposer.value_vocabulary import value_synonyms

PHONE_REGIONS = ("GB", "IE", "TR", "AU", "US", "NZ")
_PHONE_CHARS = re.compile(r"^\+?[\d\s().-]{7,20}$")
_MONEY = re.compile(
    r"^(?P<neg>[-(])?\s*(?P<cur>[£$€₺]|tl|try|gbp|aud|eur|usd)?\s*(?P<neg2>-)?"
    r"(?P<num>\d{1,3}(?:[.,' ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)"
    r"\s*(?P<cur2>[£$€₺]|tl|try|gbp|aud|eur|usd)?\)?$"
)
_DECIMAL_COMMA = re.compile(r",\d{1,2}\)?\s*\D*$")
_PERSON = re.compile(r"^[^\W\d_][^\W\d_'.-]*(?:[' .-][^\W\d_]+)*\.?$")
_LAST_FIRST = re.compile(r"^[^\W\d_][^\W\d_' -]*,\s*[^\W\d_][^\W\d_' .-]*$")
_STREET_WORDS = re.compile(
    r"\b(street|st|road|rd|avenue|ave|lane|ln|drive|dr|close|way|court|ct|place|pl|crescent|"
    r"terrace|sokak|sok|sk|cadde|cad|cd|mahalle|mah|bulvar|blv|apt|daire|no)\b\.?"
)
_POSTCODES = (
    re.compile(r"^[a-z]{1,2}\d[a-z\d]? ?\d[a-z]{2}$"),  # UK
    re.compile(r"^[a-z]\d{2} ?[a-z\d]{4}$"),  # IE Eircode
)
_NUMERIC_POSTCODE = re.compile(r"^\d{4,5}(-\d{4})?$")  # AU 4, TR/US 5 (+4): any number fits
_ID = re.compile(r"^[a-z0-9][a-z0-9_/#.-]{0,23}$")
_TOOTH = re.compile(r"^([1-4][1-8]|[5-8][1-5]|[ul][rl][1-8a-e])$")
_BOOLEAN = frozenset(
    {"y", "n", "yes", "no", "true", "false", "t", "f", "1", "0", "evet", "hayir",
     "var", "yok", "x", "on", "off", "checked", "unchecked", "e", "h"}
)  # fmt: skip
_TITLES = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "master", "sir", "dame", "rev", "lady",
     "lord", "bay", "bayan", "sayin", "doc", "uzm", "op"}
)  # fmt: skip
_COUNTRIES = frozenset(
    {"uk", "gb", "united kingdom", "england", "scotland", "wales", "northern ireland", "ireland",
     "ie", "australia", "au", "turkey", "turkiye", "tr", "usa", "us", "united states",
     "new zealand", "nz", "germany", "de", "almanya", "france", "fr", "fransa", "netherlands",
     "nl", "spain", "es", "italy", "it", "canada", "ca", "ingiltere", "amerika", "avustralya"}
)  # fmt: skip
_CURRENCIES = frozenset({"gbp", "eur", "aud", "usd", "try", "tl", "nzd", "£", "€", "₺", "$"})
_MULTI_DELIMITERS = (";", "|", ",")
_MOBILE_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE
)  # fmt: skip
_LANDLINE_TYPES = (
    phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE
)  # fmt: skip
# Kinds whose test looks at one value; the others need the whole column (dates, phones, enums).
_VALUE_TESTS: dict[ValueKind, Callable[[str, str], bool]] = {}


def _value_test(
    kind: ValueKind,
) -> Callable[[Callable[[str, str], bool]], Callable[[str, str], bool]]:
    def register(test: Callable[[str, str], bool]) -> Callable[[str, str], bool]:
        _VALUE_TESTS[kind] = test
        return test

    return register


@_value_test("email")
def _is_email(raw: str, _folded: str) -> bool:
    if "@" not in raw:
        return False
    try:
        validate_email(raw, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


_value_test("nhs_number")(lambda raw, _f: is_nhs_number(raw))
_value_test("tckn")(lambda raw, _f: is_tckn(raw))
_value_test("medicare")(lambda raw, _f: is_medicare_number(raw))
_value_test("npi")(lambda raw, _f: is_npi(raw))
_value_test("cdt_code")(lambda _r, f: bool(re.fullmatch(r"d\d{4}", f)))
_value_test("au_item_code")(lambda raw, _f: bool(re.fullmatch(r"\d{3}", raw)))
_value_test("icd10")(lambda _r, f: bool(re.fullmatch(r"[a-z]\d[\da-z](\.[\da-z]{1,4})?", f)))
_value_test("integer")(lambda raw, _f: bool(re.fullmatch(r"-?\d{1,9}", raw)))
_value_test("small_integer")(lambda raw, _f: bool(re.fullmatch(r"\d{1,2}", raw)) and int(raw) <= 20)
_value_test("percent")(
    lambda raw, _f: bool(re.fullmatch(r"%?\s*\d+([.,]\d+)?\s*%?", raw)) and "%" in raw
)
_value_test("title")(lambda _r, f: f.rstrip(".") in _TITLES)
_value_test("country")(lambda _r, f: f in _COUNTRIES)
_value_test("currency_code")(lambda _r, f: f in _CURRENCIES)
_value_test("tooth")(lambda _r, f: bool(_TOOTH.match(f)))
_value_test("id")(lambda _r, f: bool(_ID.match(f)) and any(c.isdigit() for c in f))
_value_test("person_name")(
    lambda raw, _f: bool(_PERSON.match(raw)) and raw.count(" ") <= 1 and len(raw) <= 30
)
_value_test("full_name")(
    lambda raw, _f: bool(_PERSON.match(raw)) and 1 <= raw.count(" ") <= 3 and len(raw) <= 50
)
_value_test("last_first_name")(lambda raw, _f: bool(_LAST_FIRST.match(raw)) and len(raw) <= 50)
_value_test("place")(
    lambda raw, _f: bool(_PERSON.match(raw)) and raw.count(" ") <= 2 and raw[:1].isupper()
)
_value_test("free_text")(
    lambda raw, _f: (
        sum(c.isalpha() for c in raw) > len(raw) / 2 and (len(raw) >= 25 or raw.count(" ") >= 3)
    )
)
_value_test("text")(lambda _r, _f: True)


@_value_test("postcode")
def _is_postcode(_raw: str, folded: str) -> bool:
    return any(p.match(folded) for p in _POSTCODES)


@_value_test("street")
def _is_street(raw: str, folded: str) -> bool:
    has_digit = any(c.isdigit() for c in raw)
    has_word = any(len(w) >= 3 and w.isalpha() for w in folded.replace(",", " ").split())
    return has_word and (bool(_STREET_WORDS.search(folded)) or (has_digit and " " in raw))


@_value_test("duration")
def _is_duration(_raw: str, folded: str) -> bool:
    match = re.fullmatch(r"(\d{1,3})\s*(m|min|mins|minutes|dk|dakika)?", folded)
    if match is None:
        return False
    minutes = int(match[1])
    return 5 <= minutes <= 480 and minutes % 5 == 0


@dataclass
class ColumnProfile:
    """A column sample's evidence: counts of values, shares per value kind, formats found.

    `counts` holds distinct raw values; it stays in memory for value maps and is never logged.
    """

    header: str
    non_empty: int
    counts: Counter[str]
    shares: dict[ValueKind, float] = field(default_factory=dict)
    date_format: DateColumnFormat | None = None
    phone_region: str | None = None
    decimal_comma: bool | None = None
    delimiter: str | None = None

    @property
    def distinct(self) -> int:
        """How many different values the sample holds."""
        return len(self.counts)

    @property
    def uniqueness(self) -> float:
        """Distinct values per non-empty value (1.0 for a key column)."""
        return self.distinct / self.non_empty if self.non_empty else 0.0

    def share(self, kind: ValueKind) -> float:
        """Share of non-empty values that look like `kind` (0 when none do)."""
        return self.shares.get(kind, 0.0)

    def detected(self) -> Detected:
        """The value-free summary that goes into the proposal."""
        return Detected(
            non_empty=self.non_empty,
            distinct=self.distinct,
            kinds={
                k: round(v, 2) for k, v in sorted(self.shares.items()) if v >= 0.5 and k != "text"
            },
            date_format=self.date_format.format if self.date_format else None,
            phone_region=self.phone_region,
            decimal_comma=self.decimal_comma,
            delimiter=self.delimiter,
        )

    def dominant(self, threshold: float = 0.8) -> list[ValueKind]:
        """Kinds most values share, most specific first."""
        return [k for k in SPECIFICITY if self.share(k) >= threshold]


# How much a kind alone says about a column (an NHS number is one field; text is any field).
SPECIFICITY: dict[ValueKind, float] = {
    "nhs_number": 0.95, "tckn": 0.95, "medicare": 0.9, "npi": 0.9, "email": 0.9,
    "cdt_code": 0.85, "last_first_name": 0.6, "mobile": 0.75, "landline": 0.75, "phone": 0.6,
    "sex": 0.8,
    "postcode": 0.65, "datetime": 0.5, "time": 0.6, "date": 0.45, "money": 0.45,
    "currency_code": 0.7, "country": 0.6, "title": 0.75, "tooth": 0.5, "au_item_code": 0.4,
    "icd10": 0.5, "percent": 0.5, "street": 0.55, "duration": 0.4, "boolean": 0.35,
    "id": 0.3, "full_name": 0.3, "person_name": 0.2, "place": 0.15, "free_text": 0.35,
    "enum": 0.2, "decimal": 0.25, "integer": 0.15, "small_integer": 0.2, "text": 0.0,
}  # fmt: skip


@cache
def _sex_words() -> frozenset[str]:
    return frozenset(w for words in value_synonyms("patient.sex").values() for w in words)


def profile_column(header: str, values: list[str], region: str | None = None) -> ColumnProfile:
    """Runs every detector over a column's sample values.

    Args:
        header: The column header (kept for reasons; never matched here).
        values: The sampled cell values, empty ones included.
        region: ISO country of the export, when known (phones, day-first dates).
    """
    present = [v.strip() for v in values if v and v.strip()]
    profile = ColumnProfile(header=header, non_empty=len(present), counts=Counter(present))
    if not present:
        return profile
    n = len(present)
    folded = [fold(v) for v in present]
    for kind, test in _VALUE_TESTS.items():
        hits = sum(1 for raw, low in zip(present, folded, strict=True) if test(raw, low))
        if hits:
            profile.shares[kind] = hits / n
    numeric_postcodes = sum(1 for f in folded if _NUMERIC_POSTCODE.match(f))
    if numeric_postcodes:  # half weight: a 4-5 digit number is only possibly a postcode
        profile.shares["postcode"] = profile.share("postcode") + 0.5 * numeric_postcodes / n
    _detect_money(profile, present, folded)
    _detect_dates(profile, present, region)
    _detect_phones(profile, present, region)
    _detect_categories(profile, folded)
    _resolve_overlaps(profile)
    return profile


# A strong, specific reading explains away the generic ones it overlaps with: a column of dates
# is not also a column of ids, and NHS numbers are not phone numbers that happen to dial.
_EXPLAINS_AWAY: dict[ValueKind, tuple[ValueKind, ...]] = {
    "date": ("id", "integer", "phone", "mobile", "landline", "decimal", "money", "postcode"),
    "datetime": ("id", "integer", "phone", "mobile", "landline", "decimal", "money", "free_text"),
    "time": ("id", "decimal", "money"),
    "money": ("id", "integer", "postcode"),
    "decimal": ("id",),
    "nhs_number": ("phone", "mobile", "landline"),
    "tckn": ("phone", "mobile", "landline"),
    "medicare": ("phone", "mobile", "landline"),
    "npi": ("phone", "mobile", "landline"),
    "email": ("free_text", "id"),
    "phone": ("free_text", "id", "integer"),
    "last_first_name": ("free_text",),
}


def _resolve_overlaps(profile: ColumnProfile) -> None:
    for strong, weaker in _EXPLAINS_AWAY.items():
        if profile.share(strong) >= 0.8:
            for kind in weaker:
                if profile.share(kind) <= profile.share(strong):
                    profile.shares.pop(kind, None)


def _detect_money(profile: ColumnProfile, present: list[str], folded: list[str]) -> None:
    matches = [m for m in (_MONEY.match(f) for f in folded) if m]
    if not matches:
        return
    n = len(present)
    with_cents = sum(1 for m in matches if re.search(r"[.,]\d{1,2}$", m["num"]))
    with_currency = sum(1 for m in matches if m["cur"] or m["cur2"])
    numeric = len(matches) / n
    decimals = sum(1 for m in matches if re.search(r"[.,]\d{1,2}$", m["num"]))
    # Whole numbers alone are weak money evidence; cents or a currency sign make it strong.
    looks_monetary = (with_cents + with_currency) >= 0.3 * len(matches)
    profile.shares["money"] = numeric if looks_monetary else 0.4 * numeric
    if decimals:
        profile.shares["decimal"] = decimals / n
    profile.decimal_comma = (
        sum(1 for m in matches if _DECIMAL_COMMA.search(m["num"])) > len(matches) / 2
    )


def _detect_dates(profile: ColumnProfile, present: list[str], region: str | None) -> None:
    found = detect_date_format(present, day_first=region != "US")
    if found is None:
        times = sum(
            1 for v in present if TIME_ONLY.match(v.lower()) and int(v[:2].rstrip(":.")) < 24
        )
        if times:
            profile.shares["time"] = times / len(present)
        return
    profile.date_format = found
    if found.with_time_share > 0 and not found.all_midnight:
        profile.shares["datetime"] = found.share
        profile.shares["date"] = found.share * 0.6
    else:
        profile.shares["date"] = found.share


def _detect_phones(profile: ColumnProfile, present: list[str], region: str | None) -> None:
    candidates = [v for v in present if _PHONE_CHARS.match(v) and sum(c.isdigit() for c in v) >= 7]
    candidates = candidates[:60]
    if len(candidates) < 0.5 * len(present):
        return
    best: tuple[int, int, int, str | None] = (0, 0, 0, None)
    for region_code in dict.fromkeys([*(r for r in [region] if r), *PHONE_REGIONS]):
        valid = mobile = landline = 0
        trunk = _trunk_prefix(region_code)
        for value in candidates:
            digits = re.sub(r"[^\d+]", "", value)
            if trunk and not digits.startswith(("+", "00", trunk)):
                continue  # written without the region's trunk '0', so dialled from elsewhere
            try:
                number = phonenumbers.parse(value, region_code)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                valid += 1
                kind = phonenumbers.number_type(number)
                mobile += kind in _MOBILE_TYPES
                landline += kind in _LANDLINE_TYPES
        if valid > best[0]:
            best = (valid, mobile, landline, region_code)
        if valid >= 0.9 * len(candidates):
            break
    valid, mobile, landline, best_region = best
    if valid:
        scale = len(present) / len(candidates)  # the sample of candidates stands for the column
        profile.shares["phone"] = min(1.0, valid * scale / len(present))
        profile.shares["mobile"] = min(1.0, mobile * scale / len(present))
        profile.shares["landline"] = min(1.0, landline * scale / len(present))
        profile.phone_region = best_region


@cache
def _trunk_prefix(region: str) -> str | None:
    """The trunk prefix national numbers start with ('0' in GB, TR, AU), None where optional."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    prefix = metadata.national_prefix if metadata else None
    return prefix if prefix == "0" else None


def _detect_categories(profile: ColumnProfile, folded: list[str]) -> None:
    n = len(folded)
    distinct = set(folded)
    if distinct <= _BOOLEAN and len(distinct) <= 3:
        profile.shares["boolean"] = 1.0
    sex_hits = sum(1 for f in folded if f in _sex_words())
    if sex_hits and len(distinct) <= 5:
        profile.shares["sex"] = sex_hits / n
    long_values = sum(1 for f in folded if len(f) > 40)
    if n >= 4 and len(distinct) <= max(2, min(15, n // 2)) and not long_values:
        profile.shares["enum"] = 1.0
    profile.delimiter = _list_delimiter(profile, folded)


def _list_delimiter(profile: ColumnProfile, folded: list[str]) -> str | None:
    """The delimiter of a multi-valued column ('Diabetes; Asthma'), if the column is one."""
    if profile.share("last_first_name") or profile.share("money") or profile.share("street"):
        return None
    n = len(folded)
    for delimiter in _MULTI_DELIMITERS:
        needed = 0.5 if delimiter == "," else 0.3  # commas also appear inside plain text
        if sum(1 for f in folded if delimiter in f) < needed * n:
            continue
        parts = [p.strip() for f in folded for p in f.split(delimiter) if p.strip()]
        if len(set(parts)) <= max(3, n // 2) and max(map(len, parts)) <= 30:
            return delimiter
    return None
