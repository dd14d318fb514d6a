"""Date parsing in each export's format: day-first, Turkish, two-digit years, wrong order."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from shared.sources.parsers import ParseError
from shared.sources.parsers.dates import DateTimeParser, compile_pattern


@pytest.mark.parametrize(
    ("patterns", "raw", "expected"),
    [
        (["dd/MM/yyyy"], "07/03/2024", date(2024, 3, 7)),  # Aerona (UK)
        (["d.MM.yyyy"], "7.03.2024", date(2024, 3, 7)),  # Dr.DENTES (TR)
        (["d.MM.y"], "17.11.1985", date(1985, 11, 17)),  # CLDR 'y' is the full year
        (["d/M/yy"], "7/3/24", date(2024, 3, 7)),  # Core Practice short dates
        (["d/M/yy"], "7/3/58", date(1958, 3, 7)),
        (["dd-MMM-yyyy"], "07-Mar-2024", date(2024, 3, 7)),
        (["d MMMM yyyy"], "7 Mart 2024", date(2024, 3, 7)),  # Turkish month name
        (["dd/MM/yyyy"], "2024-03-07", date(2024, 3, 7)),  # ISO from a typed XLSX cell
        (["dd/MM/yyyy"], " 07/03/2024 ", date(2024, 3, 7)),
        (["MM/yyyy"], "09/2027", date(2027, 9, 1)),  # card expiry: first of the month
    ],
)
def test_dates_parse_in_the_files_format(patterns: list[str], raw: str, expected: date) -> None:
    assert DateTimeParser(patterns).parse_date(raw) == expected


def test_two_digit_years_follow_the_century_pivot() -> None:
    assert DateTimeParser(["d/M/yy"], century_pivot=30).parse_date("1/1/29").year == 2029
    assert DateTimeParser(["d/M/yy"], century_pivot=30).parse_date("1/1/30").year == 1930
    assert DateTimeParser(["d/M/yy"], century_pivot=80).parse_date("1/1/79").year == 2079


@pytest.mark.parametrize(
    "raw",
    [
        "12/25/2024",  # month-first in a day-first file: month 25 does not exist
        "31/02/2024",  # no 31 February
        "2024/03/07",
        "07/03/24",  # two-digit year where four are expected
        "yesterday",
        "07/03/2024x",
    ],
)
def test_malformed_and_wrong_order_dates_are_rejected(raw: str) -> None:
    with pytest.raises(ParseError) as caught:
        DateTimeParser(["dd/MM/yyyy"]).parse_date(raw)
    assert caught.value.reason == "malformed_date"
    assert raw not in str(caught.value)  # the value never reaches the message


def test_the_first_matching_pattern_wins() -> None:
    parser = DateTimeParser(["dd/MM/yyyy", "d/M/yyyy"])
    assert parser.parse_date("7/3/2024") == date(2024, 3, 7)


def test_datetimes_carry_the_profile_time_zone() -> None:
    parser = DateTimeParser(["d.MM.yyyy HH:mm"], timezone="Europe/Istanbul")
    assert parser.parse_datetime("7.03.2024 14:05") == datetime(
        2024, 3, 7, 14, 5, tzinfo=ZoneInfo("Europe/Istanbul")
    )


def test_twelve_hour_clock_and_times() -> None:
    assert DateTimeParser(["d/M/yyyy h:mm a"]).parse_datetime("7/3/2024 2:30 PM").hour == 14
    assert DateTimeParser(["HH:mm"]).parse_time("09:30") == time(9, 30)
    with pytest.raises(ParseError):
        DateTimeParser(["HH:mm"]).parse_time("25:00")


def test_a_pattern_repeating_a_field_is_a_profile_error() -> None:
    with pytest.raises(ValueError, match="repeats"):
        compile_pattern("dd/dd/yyyy")
