"""Date, time and datetime parsing from CLDR-style patterns (dd/MM/yyyy, d.MM.y, d/M/yy HH:mm).

Patterns are compiled once into regular expressions, which is several times faster than
`datetime.strptime` and lets two-digit years use the profile's century pivot. ISO 8601 values are
always accepted as well, because typed spreadsheet cells are rendered to ISO text by the readers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from shared.sources.parsers import ParseError

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january", "oca", "ocak"),
            ("feb", "february", "şub", "sub", "şubat", "subat"),
            ("mar", "march", "mart"),
            ("apr", "april", "nis", "nisan"),
            ("may", "mayıs", "mayis"),
            ("jun", "june", "haz", "haziran"),
            ("jul", "july", "tem", "temmuz"),
            ("aug", "august", "ağu", "agu", "ağustos", "agustos"),
            ("sep", "sept", "september", "eyl", "eylül", "eylul"),
            ("oct", "october", "eki", "ekim"),
            ("nov", "november", "kas", "kasım", "kasim"),
            ("dec", "december", "ara", "aralık", "aralik"),
        ),
        start=1,
    )
    for name in names
}

_TOKENS = re.compile(r"yyyy|yy|y|MMMM|MMM|MM|M|dd|d|HH|H|hh|h|mm|m|ss|s|a|'[^']*'")
_GROUPS = {
    "yyyy": r"(?P<year>\d{4})",
    "y": r"(?P<year>\d{4})",
    "yy": r"(?P<year2>\d{2})",
    "MMMM": r"(?P<month_name>[^\W\d_]{3,9})",
    "MMM": r"(?P<month_name>[^\W\d_]{3,9})\.?",
    "MM": r"(?P<month>\d{2})",
    "M": r"(?P<month>\d{1,2})",
    "dd": r"(?P<day>\d{2})",
    "d": r"(?P<day>\d{1,2})",
    "HH": r"(?P<hour>\d{2})",
    "H": r"(?P<hour>\d{1,2})",
    "hh": r"(?P<hour12>\d{2})",
    "h": r"(?P<hour12>\d{1,2})",
    "mm": r"(?P<minute>\d{2})",
    "m": r"(?P<minute>\d{1,2})",
    "ss": r"(?P<second>\d{2})",
    "s": r"(?P<second>\d{1,2})",
    "a": r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)",
}
_ISO = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?)?"
)


_CACHE_SIZE = 8192


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Turn a CLDR-style pattern such as 'd.MM.y HH:mm' into an anchored regular expression.

    Raises:
        ValueError: the pattern uses a field twice or has no day/month/year or time fields.
    """
    parts: list[str] = []
    position = 0
    for token in _TOKENS.finditer(pattern):
        parts.append(re.escape(pattern[position : token.start()]))
        text = token.group()
        parts.append(re.escape(text[1:-1]) if text.startswith("'") else _GROUPS[text])
        position = token.end()
    parts.append(re.escape(pattern[position:]))
    try:
        return re.compile("".join(parts).replace(r"\ ", r"\s+"))
    except re.error as exc:  # a field used twice: "dd/dd/yyyy"
        raise ValueError(f"date pattern {pattern!r} repeats a field") from exc


class DateTimeParser:
    """Parses cells with a list of patterns tried in order, plus ISO 8601.

    Two-digit years below `century_pivot` land in the 2000s, the others in the 1900s
    (pivot 30: '29' -> 2029, '30' -> 1930).
    """

    def __init__(
        self,
        patterns: Sequence[str],
        century_pivot: int = 30,
        timezone: str | None = None,
        halves: tuple[DateTimeParser, DateTimeParser] | None = None,
    ) -> None:
        self._compiled = [compile_pattern(p) for p in patterns]
        self._pivot = century_pivot
        self._tz = ZoneInfo(timezone) if timezone else None
        self._halves = halves  # date and time parsers for 'date time' values, tried first
        self._dates: dict[str, date] = {}
        self._times: dict[str, time] = {}
        self._datetimes: dict[str, datetime] = {}

    def _fields(self, raw: str) -> dict[str, str | None]:
        text = raw.strip()
        for compiled in self._compiled:
            found = compiled.fullmatch(text)
            if found:
                return found.groupdict()
        found = _ISO.fullmatch(text)
        if found:
            return found.groupdict()
        raise ParseError("malformed_date")

    def _date(self, groups: dict[str, str | None]) -> date:
        year_text = groups.get("year")
        if year_text is not None:
            year = int(year_text)
        else:
            short = groups.get("year2")
            if short is None:
                raise ParseError("malformed_date")
            year = int(short) + (2000 if int(short) < self._pivot else 1900)
        month_name = groups.get("month_name")
        if month_name is not None:
            month = _MONTHS.get(month_name.casefold().replace("i̇", "i"), 0)
        else:
            month = int(groups.get("month") or 0)
        try:
            # A pattern without a day ('MM/yyyy' card expiries) means the first of the month.
            return date(year, month, int(groups.get("day") or 1))
        except ValueError:  # day/month out of range: often day-first vs month-first confusion
            raise ParseError("malformed_date") from None

    @staticmethod
    def _time(groups: dict[str, str | None]) -> time:
        hour_text = groups.get("hour")
        hour = int(hour_text) if hour_text is not None else 0
        twelve = groups.get("hour12")
        if twelve is not None:
            hour = int(twelve) % 12
            if (groups.get("ampm") or "a")[0] in "pP":
                hour += 12
        try:
            return time(hour, int(groups.get("minute") or 0), int(groups.get("second") or 0))
        except ValueError:
            raise ParseError("malformed_date") from None

    def parse_date(self, raw: str) -> date:
        """The date in a cell; a datetime cell gives its date part."""
        hit = self._dates.get(raw)
        if hit is None:
            hit = self._date(self._fields(raw))
            if len(self._dates) >= _CACHE_SIZE:  # appointment books repeat the same days
                self._dates.clear()
            self._dates[raw] = hit
        return hit

    def parse_datetime(self, raw: str) -> datetime:
        """The instant in a cell, in the profile's time zone when one is set."""
        hit = self._datetimes.get(raw)
        if hit is None:
            hit = self._split_datetime(raw)
        if hit is None:
            groups = self._fields(raw)
            hit = datetime.combine(self._date(groups), self._time(groups), tzinfo=self._tz)
            if len(self._datetimes) >= _CACHE_SIZE:
                self._datetimes.clear()
            self._datetimes[raw] = hit
        return hit

    def _split_datetime(self, raw: str) -> datetime | None:
        """'07/03/2024 09:30' as a cached date and a cached time (timestamps rarely repeat, but
        their days and minutes do); None when the halves are not a date and a time."""
        if self._halves is None or " " not in raw:
            return None
        day_text, _, time_text = raw.strip().partition(" ")
        days, times = self._halves
        try:
            return datetime.combine(
                days.parse_date(day_text), times.parse_time(time_text.strip()), tzinfo=self._tz
            )
        except ParseError:
            return None

    def parse_time(self, raw: str) -> time:
        """The time of day in a cell such as '14:30' or '2:30 PM'."""
        hit = self._times.get(raw)
        if hit is None:
            hit = self._time(self._fields(raw))
            if len(self._times) >= _CACHE_SIZE:
                self._times.clear()
            self._times[raw] = hit
        return hit

    def combine(self, day: date, at: time) -> datetime:
        """A datetime from separate date and time columns, in the profile's time zone."""
        return datetime.combine(day, at, tzinfo=self._tz)
