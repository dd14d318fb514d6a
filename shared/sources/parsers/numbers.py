"""Decimal parsing in the file's locale: decimal comma, grouping, currency symbols, negatives."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from shared.sources.parsers import ParseError

# Signs and wrappers people put around amounts: -12, −12 (U+2212), (12.00), 12.00-, 12.00 CR.
_NEGATIVE = re.compile(r"^\((?P<a>.*)\)$|^[-−](?P<b>.*)$|^(?P<c>.*?)(?:-|\s*CR)$")


class DecimalParser:
    """Parses amounts such as '£1,234.50', '₺1.234,50', '1 234,5 TL' or '(12.00)'.

    Grouping must be well formed (groups of three digits), so a dot-decimal value in a
    decimal-comma file ('12.50' in a Turkish export) is reported instead of read as 1250.
    """

    def __init__(
        self,
        decimal_separator: str = ".",
        group_separator: str = ",",
        currency_symbols: Sequence[str] = (),
    ) -> None:
        dec = re.escape(decimal_separator)
        grouping = r"\d+"
        if group_separator:
            seps = {group_separator}
            if group_separator == " ":  # Excel and CLDR also use no-break spaces for grouping
                seps |= {"\u00a0", "\u202f"}
            sep = "[" + "".join(re.escape(s) for s in sorted(seps)) + "]"
            grouping = rf"(?:\d{{1,3}}(?:{sep}\d{{3}})+|\d+)"
        self._shape = re.compile(rf"(?P<int>{grouping})?(?:{dec}(?P<frac>\d+))?")
        # Most cells are plain '1234.50' / '-250,00': one regex and Decimal() cover them.
        self._plain = re.compile(rf"-?\d+(?:{dec}\d+)?")
        self._dot = decimal_separator == "."
        # Longest symbols first so 'TRY' is removed before a lone 'T' could match anything.
        self._symbols = sorted({*currency_symbols}, key=len, reverse=True)

    def parse(self, raw: str) -> Decimal:
        """The amount in a cell as a Decimal, negative for refunds and credits."""
        if self._plain.fullmatch(raw):
            return Decimal(raw if self._dot else raw.replace(",", "."))
        text = raw.strip()
        for symbol in self._symbols:
            if symbol in text:
                text = text.replace(symbol, "").strip()
        negative = False
        sign = _NEGATIVE.match(text)
        if sign:
            negative = True
            text = (sign.group("a") or sign.group("b") or sign.group("c") or "").strip()
            if text.startswith(("-", "−")):  # "(-12)" or "--12": not a number anyone meant
                raise ParseError("malformed_number")
        elif text.startswith("+"):
            text = text[1:].strip()
        shape = self._shape.fullmatch(text)
        if not shape or not (shape.group("int") or shape.group("frac")):
            raise ParseError("malformed_number")
        digits = re.sub(r"\D", "", shape.group("int") or "0")
        try:
            value = Decimal(f"{digits}.{shape.group('frac')}" if shape.group("frac") else digits)
        except InvalidOperation:
            raise ParseError("malformed_number") from None
        return -value if negative else value

    def parse_int(self, raw: str) -> int:
        """A whole number ('30', '1.000' in a Turkish file); fractions are malformed."""
        if raw.isdigit():
            return int(raw)
        value = self.parse(raw)
        if value != value.to_integral_value():
            raise ParseError("malformed_number")
        return int(value)
