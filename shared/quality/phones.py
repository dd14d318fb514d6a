"""Phone numbers to E.164 with `phonenumbers`, with a precompiled fast path for the common shapes.

`phonenumbers.parse` + `is_valid_number` cost ~50 µs a number, too slow for a profile of millions
of rows. Most exported numbers are plain national ("020 7946 0958") or international
("+44 20 7946 0958") numbers of the source's own country. For those, `RegionPhoneNormaliser`
strips the national prefix itself and matches the national number against the region's own
metadata (the same patterns, in the same order, as `phonenumbers`' validity check). Anything it is
not certain about (other countries, extensions, carrier codes, "(0)", letters) goes to
`phonenumbers` itself; tests compare both paths on thousands of numbers per region.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumberFormat

# Separators people type inside numbers; removing them must leave only ASCII digits.
_SEPARATORS = str.maketrans("", "", " -.()/\u00a0\u2010\u2011\u2012\u2013")


class PhoneCheck(NamedTuple):
    """Outcome of normalising one number: E.164 when possible, and whether its range is valid."""

    e164: str | None
    is_valid: bool

    @property
    def is_possible(self) -> bool:
        """True when the number parsed and has a possible length (so it has an E.164 form)."""
        return self.e164 is not None


_IMPOSSIBLE = PhoneCheck(None, False)


class _NumberPattern(NamedTuple):
    lengths: frozenset[int]
    pattern: re.Pattern[str]


def _pattern(desc: object) -> _NumberPattern | None:
    """A number description's possible lengths and pattern, or None when the region has none."""
    source = getattr(desc, "national_number_pattern", None)
    if not source:
        return None
    return _NumberPattern(frozenset(getattr(desc, "possible_length", ()) or ()), re.compile(source))


def _library_check(raw: str, region: str | None) -> PhoneCheck:
    """The reference path: phonenumbers' own parse, possibility and validity checks."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return _IMPOSSIBLE
    if not phonenumbers.is_possible_number(number):
        return _IMPOSSIBLE
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return PhoneCheck(e164, phonenumbers.is_valid_number(number))


class RegionPhoneNormaliser:
    """Normalises numbers written in (or for) one default region, e.g. "GB" for an Aerona export."""

    def __init__(self, region: str | None) -> None:
        """Precompile the region's national prefix, international prefix and number patterns.

        Args:
            region: ISO 3166 region of the source (numbers without "+" are read as local to it);
                None accepts only numbers in international format.
        """
        self.region = region
        self._fast = False
        metadata = PhoneMetadata.metadata_for_region(region) if region else None
        if metadata is None or metadata.country_code is None:
            return
        country_code: int = metadata.country_code
        regions_of_code = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ())
        general = _pattern(metadata.general_desc)
        # Only the main region of a calling code without leading-digit rules resolves numbers the
        # way this fast path assumes; national-prefix transform rules (AR, MX, ...) are left to
        # phonenumbers too.
        if (
            general is None
            or not regions_of_code
            or regions_of_code[0] != region
            or metadata.leading_digits is not None
            or metadata.national_prefix_transform_rule
        ):
            return
        self._country_code = str(country_code)
        self._national_prefix = metadata.national_prefix or ""
        parsing = metadata.national_prefix_for_parsing or self._national_prefix
        self._prefix_re = re.compile(parsing) if parsing else None
        intl = metadata.international_prefix
        self._intl_re = re.compile(intl) if intl else None
        self._general = general
        # The descriptions phonenumbers' type check tries: valid means any one matches, so the
        # common ones go first.
        descs = (
            metadata.fixed_line, metadata.mobile, metadata.toll_free, metadata.premium_rate,
            metadata.shared_cost, metadata.voip, metadata.personal_number, metadata.pager,
            metadata.uan, metadata.voicemail,
        )  # fmt: skip
        self._types = tuple(p for p in map(_pattern, descs) if p is not None)
        self._fast = True

    def check(self, raw: str) -> PhoneCheck:
        """Normalise one number: E.164 and validity, or impossible.

        Args:
            raw: the number as exported.

        Returns:
            `PhoneCheck(e164, is_valid)`; `e164` is None when the number is not even possible.
        """
        if self._fast:
            national = self._fast_national_number(raw)
            if national is not None and self._is_valid_national(national):
                return PhoneCheck(f"+{self._country_code}{national}", True)
        return _library_check(raw, self.region)

    def _fast_national_number(self, raw: str) -> str | None:
        """The national significant number when the raw text is unambiguous, else None."""
        text = raw.strip()
        international = text.startswith("+")
        digits = (text[1:] if international else text).translate(_SEPARATORS)
        if not (digits.isascii() and digits.isdigit()):
            return None
        prefix_re = self._prefix_re
        if international:
            if not digits.startswith(self._country_code):
                return None
            national = digits[len(self._country_code) :]
            # phonenumbers would try to strip a national prefix / carrier code here: leave it.
            if prefix_re is not None and prefix_re.match(national):
                return None
        else:
            if self._intl_re is not None and self._intl_re.match(digits):
                return None
            found = prefix_re.match(digits) if prefix_re is not None else None
            if found is not None:
                if found.group(0) != self._national_prefix or not found.group(0):
                    return None
                national = digits[found.end() :]
            elif digits.startswith(self._country_code):
                return None  # could be a country code typed without "+"
            else:
                national = digits
        if not national or national[0] == "0":
            return None
        return national

    def _is_valid_national(self, national: str) -> bool:
        """phonenumbers' validity test: the general pattern and at least one number type."""
        length = len(national)
        general = self._general
        if general.lengths and length not in general.lengths:
            return False
        if general.pattern.fullmatch(national) is None:
            return False
        for kind in self._types:
            if (not kind.lengths or length in kind.lengths) and kind.pattern.fullmatch(national):
                return True
        return False


@lru_cache(maxsize=64)
def phone_normaliser(region: str | None) -> RegionPhoneNormaliser:
    """The (cached) normaliser for a default region; building one compiles its patterns."""
    return RegionPhoneNormaliser(region)
