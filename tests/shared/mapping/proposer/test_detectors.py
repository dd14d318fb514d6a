"""Value detectors: dates with their format, phones by region, check digits, money, categories."""

from __future__ import annotations

import pytest

from shared.mapping.proposer.dates import detect_date_format
from shared.mapping.proposer.detectors import profile_column
from shared.mapping.proposer.identifiers import (
    is_medicare_number,
    is_nhs_number,
    is_npi,
    is_tckn,
)
from shared.mapping.proposer.masking import mask_value


@pytest.mark.parametrize(
    ("values", "day_first", "expected"),
    [
        (["7.03.2024", "12.11.1980", "1.01.2000"], True, "d.MM.yyyy"),
        (["03/07/2024", "12/11/1980"], True, "dd/MM/yyyy"),
        (["03/07/2024", "12/11/1980"], False, "MM/dd/yyyy"),
        (["03/27/2024", "12/11/1980"], True, "MM/dd/yyyy"),  # a day above 12 decides
        (["7/3/24", "11/12/81"], True, "d/M/yy"),
        (["2024-03-07 09:30", "2024-03-08 14:00"], True, "yyyy-MM-dd HH:mm"),
        (["1980-02-03 00:00:00"], True, "yyyy-MM-dd"),  # midnight-only is a date
        (["07-Mar-2024", "12-Kas-2023"], True, "dd-MMM-yyyy"),
        (["03/2027", "11/2026"], True, "MM/yyyy"),
    ],
)
def test_date_format_is_detected_per_column(
    values: list[str], day_first: bool, expected: str
) -> None:
    found = detect_date_format(values, day_first=day_first)
    assert found is not None
    assert found.format == expected
    assert found.share == 1.0


def test_non_dates_have_no_format() -> None:
    assert detect_date_format(["1001", "P002", "31/02/2024"]) is None


def test_identifier_check_digits_accept_valid_and_reject_altered_numbers() -> None:
    assert is_nhs_number("943 476 5870") and not is_nhs_number("943 476 5871")
    assert is_tckn("17291716060") and not is_tckn("17291716050") and not is_tckn("07291716092")
    assert is_medicare_number("2951 87312 5") and is_medicare_number("29518731251")
    assert not is_medicare_number("2951 87313 5")
    assert is_npi("1234567893") and not is_npi("1234567890")


def test_phone_column_finds_its_region_and_mobile_share() -> None:
    profile = profile_column("Cep", ["0532 123 45 67", "0533 222 33 44", "0216 778 73 01"])
    assert profile.phone_region == "TR"
    assert profile.share("phone") == 1.0
    assert profile.share("mobile") == pytest.approx(2 / 3)
    assert profile.share("landline") == pytest.approx(1 / 3)


def test_nhs_numbers_are_not_also_read_as_phone_numbers() -> None:
    profile = profile_column("x", ["9434765870", "9078297816", "9432443221"])
    assert profile.share("nhs_number") == 1.0
    assert profile.share("phone") == 0.0


def test_money_with_decimal_comma_is_recognised() -> None:
    profile = profile_column("Bakiye", ["1.234,50", "250,00", "-95,75", "₺4.800,00"])
    assert profile.share("money") == 1.0
    assert profile.decimal_comma is True


def test_dates_are_not_mistaken_for_ids_or_phones() -> None:
    profile = profile_column("DOB", ["07.03.1980", "12.11.1975", "01.01.2000"])
    assert profile.share("date") == 1.0
    assert profile.share("id") == 0.0 and profile.share("phone") == 0.0


def test_categories_booleans_sex_and_delimited_lists() -> None:
    sex = profile_column("Cinsiyet", ["Erkek", "Kadın", "Kadın", "Erkek", "Kadın"])
    assert sex.share("sex") == 1.0 and sex.share("enum") == 1.0
    flags = profile_column("Emergency", ["Y", "N", "N", "N", "Y", "N"])
    assert flags.share("boolean") == 1.0
    lists = profile_column(
        "Conditions", ["Asthma; Diabetes", "Asthma", "Diabetes; Angina", "", "Angina"]
    )
    assert lists.delimiter == ";"


def test_masked_shapes_keep_structure_but_no_letter_or_digit() -> None:
    assert mask_value("John") == "Aaaa"
    assert mask_value("Jonathan") == "Aaaa"  # letter runs are cut: length does not leak
    assert mask_value("12/03/1980") == "99/99/9999"
    assert mask_value("jane.doe@example.com") == "aaaa.aaa@aaaa.aaa"
    assert mask_value("943 476 5870") == "999_999_9999"
