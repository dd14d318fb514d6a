"""Date and date-time format detection over a column sample (day-first vs month-first aware)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from shared.mapping.proposer.normalise import fold

_TIME = (
    r"(?:[ T](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::\d{2}(?:\.\d+)?)?"
    r"\s*(?P<ampm>[ap]\.?m\.?)?(?:z|[+-]\d{2}:?\d{2})?)?"
)
_NUMERIC = re.compile(
    rf"^(?P<a>\d{{1,4}})(?P<sep>[./-])(?P<b>\d{{1,2}})(?P=sep)(?P<c>\d{{2,4}}){_TIME}$"
)
_NAMED = re.compile(
    rf"^(?P<a>\d{{1,2}})(?P<sep>[ -])(?P<b>[a-z]+)\.?(?P=sep)(?P<c>\d{{2,4}}){_TIME}$"
)
_MONTH_YEAR = re.compile(r"^(?P<b>\d{1,2})(?P<sep>[/.-])(?P<c>\d{4}|\d{2})$")
TIME_ONLY = re.compile(
    r"^(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?::\d{2})?\s*(?P<ampm>[ap]\.?m\.?)?$"
)

MONTHS = {
    **{m: i for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)},
    **{m: i for i, m in enumerate(
        ["oca", "sub", "mar", "nis", "may", "haz", "tem", "agu", "eyl", "eki", "kas", "ara"], 1)},
}  # fmt: skip


@dataclass(frozen=True)
class DateReading:
    """How one value reads under one layout: the layout key and the parts' widths."""

    layout: str  # e.g. "DMY.", "MDY/", "YMD-", "DMon ", "MY/"
    day_width: int
    month_width: int
    year_width: int
    has_time: bool
    midnight: bool
    year: int


@dataclass(frozen=True)
class DateColumnFormat:
    """The best date layout of a column: its display format and the shares that fit it."""

    format: str
    share: float
    with_time_share: float
    all_midnight: bool
    years: tuple[int, ...]


def _valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return 1850 <= year <= 2100


def _year(text: str) -> int:
    value = int(text)
    return value + (2000 if value < 50 else 1900) if len(text) == 2 else value


def _time_ok(match: re.Match[str]) -> tuple[bool, bool, bool]:
    """(valid, has time, is midnight)."""
    if match["hour"] is None:
        return True, False, True
    hour, minute = int(match["hour"]), int(match["minute"])
    valid = hour <= 23 and minute <= 59
    return valid, True, hour == 0 and minute == 0


def readings(value: str) -> list[DateReading]:
    """Every layout under which a value is a valid date (one value can fit DMY and MDY)."""
    text = fold(value.strip())
    found: list[DateReading] = []
    if match := _NUMERIC.match(text):
        ok, has_time, midnight = _time_ok(match)
        a, b, c, sep = match["a"], match["b"], match["c"], match["sep"]
        if not ok:
            return found
        if len(a) == 4:
            layouts = [("YMD", a, b, c)]  # year, month, day
        else:
            layouts = [("DMY", c, b, a), ("MDY", c, a, b)] if len(c) in (2, 4) else []
        for order, y, m, d in layouts:
            if _valid(_year(y), int(m), int(d)):
                found.append(DateReading(order + sep, len(d), len(m), len(y), has_time,
                                         midnight, _year(y)))  # fmt: skip
    elif match := _NAMED.match(text):
        ok, has_time, midnight = _time_ok(match)
        month = MONTHS.get(match["b"][:3])
        if ok and month and _valid(_year(match["c"]), month, int(match["a"])):
            year = match["c"]
            found.append(DateReading("DMon" + match["sep"], len(match["a"]), 3, len(year),
                                     has_time, midnight, _year(year)))  # fmt: skip
    elif (match := _MONTH_YEAR.match(text)) and 1 <= int(match["b"]) <= 12:
        found.append(DateReading("MY" + match["sep"], 0, len(match["b"]), len(match["c"]),
                                 False, True, _year(match["c"])))  # fmt: skip
    return found


def _display(layout: str, readings_: list[DateReading], with_time: bool) -> str:
    order, sep = layout[:-1], layout[-1]
    day = "dd" if all(r.day_width == 2 for r in readings_) else "d"
    month = "MM" if all(r.month_width == 2 for r in readings_) else "M"
    year = "yy" if all(r.year_width == 2 for r in readings_) else "yyyy"
    parts = {
        "YMD": [year, month, day], "DMY": [day, month, year], "MDY": [month, day, year],
        "DMon": [day, "MMM", year], "MY": [month, year],
    }[order]  # fmt: skip
    return sep.join(parts) + (" HH:mm" if with_time else "")


def detect_date_format(values: list[str], day_first: bool = True) -> DateColumnFormat | None:
    """The layout most values of a column parse under, or None when no value is a date.

    Day-first and month-first tie when no day is above 12; the region's preference decides.

    Args:
        values: Non-empty cell values.
        day_first: Prefer DMY over MDY on a tie (UK, IE, AU, TR); False for the US.
    """
    if not values:
        return None
    per_value = [readings(v) for v in values]
    counts: Counter[str] = Counter(r.layout for rs in per_value for r in rs)
    if not counts:
        return None
    preferred = "DMY" if day_first else "MDY"
    layout = max(counts, key=lambda k: (counts[k], k.startswith(preferred)))
    chosen = [r for rs in per_value for r in rs if r.layout == layout]
    with_time = sum(r.has_time for r in chosen)
    all_midnight = all(r.midnight for r in chosen)
    return DateColumnFormat(
        format=_display(layout, chosen, with_time > 0 and not all_midnight),
        share=len(chosen) / len(values),
        with_time_share=with_time / len(values),
        all_midnight=all_midnight,
        years=tuple(sorted(r.year for r in chosen)),
    )
