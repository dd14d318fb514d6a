"""The PHI filter: what a log line keeps, what it loses, and that every logger goes through it."""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Iterator
from enum import Enum

import pytest
from pydantic import BaseModel, ValidationError

from shared.telemetry import (
    LogSafe,
    PhiFilter,
    install_phi_filter,
    redact_text,
    uninstall_phi_filter,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail jane.o'neil+clinic@example.co.uk now", "mail [email] now"),
        ("call +44 20 7946 0958 or 07700 900461", "call [number] or [number]"),
        ("call (02) 9876 5432", "call [number]"),
        ("NHS 943 476 5870, TCKN 17291716060", "NHS [number], TCKN [number]"),
        ("Medicare 2951 87312 5 1 / NPI 1234567893", "Medicare [number] / NPI [number]"),
        ("dob 1984-03-12T00:00:00", "dob [date]T00:00:00"),
        ("dob 12/03/1984 or 12.03.84", "dob [date] or [date]"),
        ("born 12 March 1984; seen Mar 3, 2024", "born [date]; seen [date]"),
        ("Input should be a valid date [type=date_from_datetime_parsing, "
         "input_value='Jane Smith 12 Oak Lane', input_type=str]",
         "Input should be a valid date [type=date_from_datetime_parsing, "
         "input_value=[redacted], input_type=str]"),
    ],
)  # fmt: skip
def test_phi_shaped_text_is_redacted(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    "text",
    ["run run-1a2b3c4d5e6f7a8b: 200 contacts in 12 batches", "batch contact.00042 attempt 3",
     "reason missing_required_field on table new_treatmentplan", "HTTP 429, retry after 30 s",
     "sha256 3f2a9c0b41d7e8f6a5b4c3d2e1f00112233445566778899aabbccddeeff0011"],
)  # fmt: skip
def test_ids_counts_and_reason_codes_are_kept(text: str) -> None:
    assert redact_text(text) == text


class Stage(Enum):
    LOADING = "loading"
    WAVE = 2


def record(msg: object, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc else None
    made = logging.LogRecord("clinicferry", logging.INFO, __file__, 1, msg, args, exc_info)
    PhiFilter().filter(made)
    return made


def test_arguments_pass_only_when_provably_safe() -> None:
    run = uuid.UUID("3f2a9c0b-41d7-4e8f-a5b4-c3d2e1f00112")
    made = record("run %s %s: %d rows, ok=%s, stage=%s, wave=%s, by %s, note %s",
                  LogSafe("run-42"), run, 200, True, Stage.LOADING, Stage.WAVE,
                  "Jane Smith", {"family": "Smith"})  # fmt: skip
    assert made.getMessage() == (
        f"run run-42 {run}: 200 rows, ok=True, stage=Stage.LOADING, wave=Stage.WAVE, "
        "by [redacted:str], note [redacted:dict]"
    )


def test_safe_arguments_still_meet_the_patterns() -> None:
    made = record("nhs %s, phone %s", 9434765870, LogSafe("07700 900461"))
    assert made.getMessage() == "nhs [number], phone [number]"


def test_mapping_arguments_and_non_text_messages() -> None:
    assert record("%(count)d rows for %(who)s", {"count": 3, "who": "Ana"}).getMessage() == (
        "3 rows for [redacted:str]"
    )
    assert record({"patient": "Jane"}).getMessage() == "[redacted:dict]"
    assert record("%s and %s", 1).getMessage().endswith("[arguments redacted: they do not fit "
                                                        "the message]")  # fmt: skip


def test_exceptions_are_rendered_scrubbed_and_the_object_dropped() -> None:
    class Patient(BaseModel):
        birth_date: int

    try:
        Patient.model_validate({"birth_date": "jane@example.org 1984-03-12"})
    except ValidationError as error:
        made = record("validation failed", exc=error)
    assert made.exc_info is None
    assert "ValidationError" in (made.exc_text or "")
    assert "jane@example.org" not in (made.exc_text or "") and "1984" not in (made.exc_text or "")
    line = logging.Formatter().format(made)
    assert "input_value=[redacted]" in line and "jane" not in line


@pytest.fixture
def installed() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logging.getLogger().addHandler(handler)
    install_phi_filter()
    yield stream
    uninstall_phi_filter()
    logging.getLogger().removeHandler(handler)


def test_installed_filter_covers_child_loggers_and_third_party_ones(installed: io.StringIO) -> None:
    logging.getLogger("httpx").warning("HTTP Request: %s %s", "GET", "https://x/contacts?$filter="
                                       "emailaddress1 eq 'jane@example.org'")  # fmt: skip
    logging.getLogger("clinicferry.activities.load").warning("owner jane@example.org unmatched")
    try:
        raise KeyError("NHS 943 476 5870")
    except KeyError:
        logging.getLogger("azure.core").exception("lookup failed")
    text = installed.getvalue()
    assert "jane@example.org" not in text and "943 476 5870" not in text
    assert "HTTP Request: [redacted:str] [redacted:str]" in text
    assert "owner [email] unmatched" in text and "KeyError: 'NHS [number]'" in text


def test_install_is_idempotent_and_uninstall_restores_logging(installed: io.StringIO) -> None:
    assert install_phi_filter() is install_phi_filter()
    uninstall_phi_filter()
    logging.getLogger("clinicferry").warning("jane@example.org")
    assert "jane@example.org" in installed.getvalue()
