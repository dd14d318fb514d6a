"""Amounts in each locale: decimal comma, grouping, currency symbols, refunds."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared.sources.parsers import ParseError
from shared.sources.parsers.numbers import DecimalParser

UK = DecimalParser(".", ",", ["£", "GBP"])
TR = DecimalParser(",", ".", ["₺", "TL"])


@pytest.mark.parametrize(
    ("parser", "raw", "expected"),
    [
        (UK, "1234.50", "1234.50"),
        (UK, "£1,234.50", "1234.50"),
        (UK, "1,234,567", "1234567"),
        (UK, "(12.00)", "-12.00"),
        (UK, "-250", "-250"),
        (UK, "12.00-", "-12.00"),
        (UK, ".5", "0.5"),
        (TR, "1.234,50", "1234.50"),
        (TR, "₺1.234,50", "1234.50"),
        (TR, "-250,00 TL", "-250.00"),  # Dr.DENTES refund
        (TR, "35,00", "35.00"),
        (DecimalParser(",", " "), "1\u00a0234,5", "1234.5"),  # no-break space grouping
    ],
)
def test_amounts_parse_in_the_files_locale(parser: DecimalParser, raw: str, expected: str) -> None:
    assert parser.parse(raw) == Decimal(expected)


@pytest.mark.parametrize(
    ("parser", "raw"),
    [
        (TR, "12.50"),  # a dot-decimal value in a decimal-comma file is not 1250
        (UK, "1,23.4"),  # broken grouping
        (UK, "12a"),
        (UK, "--5"),
        (UK, ""),
        (UK, "£"),
    ],
)
def test_malformed_amounts_are_rejected(parser: DecimalParser, raw: str) -> None:
    with pytest.raises(ParseError) as caught:
        parser.parse(raw)
    assert caught.value.reason == "malformed_number"


def test_integers_reject_fractions() -> None:
    assert TR.parse_int("1.000") == 1000
    with pytest.raises(ParseError):
        UK.parse_int("30.5")
