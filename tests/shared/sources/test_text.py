"""Names, enumerations with Turkish case rules, booleans and tooth notation."""

from __future__ import annotations

import pytest

from shared.sources.parsers import ParseError
from shared.sources.parsers.names import split_first_last, split_last_first
from shared.sources.parsers.teeth import palmer_to_fdi, to_fdi, universal_to_fdi
from shared.sources.parsers.text import (
    bool_parser,
    compile_value_map,
    enum_parser,
    match_key,
    turkish_lower,
)


def test_last_first_names_split_with_titles() -> None:
    name = split_last_first("Nguyen, Thi Mai")
    assert (name.family, name.given, name.title) == ("Nguyen", "Thi Mai", None)
    name = split_last_first("Smith,  Dr  John")
    assert (name.family, name.given, name.title) == ("Smith", "John", "Dr")
    assert split_last_first("John Smith").family == "Smith"  # no comma: read as First Last


def test_first_last_names_keep_compound_given_names() -> None:
    name = split_first_last("Dr Ayşe Nur Yılmaz")
    assert (name.given, name.family, name.title) == ("Ayşe Nur", "Yılmaz", "Dr")
    with pytest.raises(ParseError):
        split_first_last("Madonna")
    with pytest.raises(ParseError):
        split_last_first("Smith, ")


def test_turkish_case_folding() -> None:
    assert turkish_lower("İSTANBUL") == "istanbul"
    assert turkish_lower("ILIK") == "ılık"
    assert "İSTANBUL".lower() != "istanbul"  # why the Turkish rule exists
    assert match_key("GELMEDİ", "turkish") == match_key("Gelmedi", "turkish")
    assert match_key("GELMEDI", "turkish") == match_key("gelmedi", "turkish")
    assert match_key("no-show") == match_key("No Show") == match_key("no_show")


def test_value_maps_normalise_statuses() -> None:
    uk = enum_parser(compile_value_map({"no_show": ["DNA", "FTA"], "completed": ["Attended"]}))
    assert uk("DNA") == "no_show"
    assert uk("fta") == "no_show"
    assert uk(" Attended ") == "completed"
    assert uk("no_show") == "no_show"  # canonical words match themselves
    tr = enum_parser(
        compile_value_map({"cancelled_patient": ["İptal"], "no_show": ["Gelmedi"]}, "turkish"),
        "turkish",
    )
    assert tr("İPTAL") == "cancelled_patient"
    assert tr("iptal") == "cancelled_patient"
    assert tr("GELMEDİ") == "no_show"
    with pytest.raises(ParseError) as caught:
        uk("Maybe")
    assert caught.value.reason == "unknown_enum_value"


def test_booleans_in_english_and_turkish() -> None:
    parse = bool_parser(["Yes", "Evet"], ["No", "Hayır"], "turkish")
    assert parse("YES") is True
    assert parse("EVET") is True
    assert parse("HAYIR") is False
    with pytest.raises(ParseError):
        parse("perhaps")


@pytest.mark.parametrize(
    ("raw", "fdi"),
    [("UR6", "16"), ("UL1", "21"), ("LL3", "33"), ("LR8", "48"), ("ULD", "64"), ("lrc", "83"),
     ("6UR", "16"), ("UR 6", "16")],
)  # fmt: skip
def test_palmer_to_fdi(raw: str, fdi: str) -> None:
    assert palmer_to_fdi(raw) == fdi


@pytest.mark.parametrize(
    ("raw", "fdi"),
    [("1", "18"), ("3", "16"), ("8", "11"), ("9", "21"), ("16", "28"), ("17", "38"),
     ("24", "31"), ("25", "41"), ("30", "46"), ("32", "48"), ("A", "55"), ("J", "65"),
     ("K", "75"), ("T", "85")],
)  # fmt: skip
def test_universal_to_fdi(raw: str, fdi: str) -> None:
    assert universal_to_fdi(raw) == fdi


def test_notation_detection_and_invalid_teeth() -> None:
    assert to_fdi("16", "auto") == ("16", "fdi")
    assert to_fdi("UR6", "auto") == ("16", "palmer")
    assert to_fdi("55", "fdi") == ("55", "fdi")
    for raw, notation in (("19", "fdi"), ("56", "fdi"), ("UR9", "palmer"), ("33", "universal")):
        with pytest.raises(ParseError):
            to_fdi(raw, notation)  # type: ignore[arg-type]
