"""A logging filter that keeps patient values out of every log line, whoever logs it.

Two layers. Record arguments (the `%s` values) pass only when they are provably not patient data:
numbers, booleans, None, UUIDs, enum members, and strings the code marked `LogSafe` (run ids,
blob names, reason codes); any other argument is replaced by `[redacted:<type>]`. Then the
rendered text (message, exception and stack) is scrubbed of what looks like PHI: e-mail
addresses, phone numbers and identifier-like runs of 7+ digits (NHS, T.C. Kimlik, Medicare, NPI),
dates (a date of birth looks like any other date), and the `input_value=...` that pydantic puts in
validation errors. The filter never drops a record: operators still see that something happened.

What it cannot catch: a name or a note pasted into an f-string. The rule stays "log ids, counts
and reason codes", with values passed as arguments so this filter can judge them.
"""

from __future__ import annotations

import logging
import re
import traceback
import uuid
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any


class LogSafe(str):
    """A string the code vouches for: an id, a blob name, a table or reason code, never a value."""

    __slots__ = ()


_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_PYDANTIC_INPUT = r"input_value=.*?(?=, input_type=|\]$|$)"
_EMAIL = r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+"
_ISO_DATE = r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)"
_NUMERIC_DATE = r"(?<!\d)\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}(?!\d)"
_DAY_MONTH_YEAR = rf"\b\d{{1,2}}\s+{_MONTHS}\s+\d{{2,4}}\b"
_MONTH_DAY_YEAR = rf"\b{_MONTHS}\s+\d{{1,2}},?\s+\d{{4}}\b"
# Phones and identifiers: 7+ digits, optionally grouped by spaces, dots, dashes or brackets.
_DIGIT_RUN = r"(?<![\w-])\+?\(?\d(?:[\s().-]{0,2}\d){6,}(?![\w-])"

# Order matters: pydantic inputs first (they may hold anything), then the specific shapes.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(_PYDANTIC_INPUT, re.MULTILINE), "input_value=[redacted]"),
    (re.compile(_EMAIL), "[email]"),
    (re.compile(_ISO_DATE), "[date]"),
    (re.compile(_NUMERIC_DATE), "[date]"),
    (re.compile(_DAY_MONTH_YEAR, re.IGNORECASE), "[date]"),
    (re.compile(_MONTH_DAY_YEAR, re.IGNORECASE), "[date]"),
    (re.compile(_DIGIT_RUN), "[number]"),
)
_SAFE_SCALARS = (int, float, bool, type(None), uuid.UUID, LogSafe)


def redact_text(text: str) -> str:
    """The text with e-mails, phone/identifier digit runs, dates and pydantic inputs replaced."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def is_provably_safe(value: object) -> bool:
    """True for values that cannot carry patient data.

    Numbers, booleans, None, UUIDs, enum members (a vocabulary fixed in code) and `LogSafe` text.
    """
    return isinstance(value, (*_SAFE_SCALARS, Enum))


def _vetted(value: object) -> object:
    return value if is_provably_safe(value) else f"[redacted:{type(value).__name__}]"


def _rendered(record: logging.LogRecord) -> str:
    """The message with unsafe arguments replaced, formatted as `getMessage` would."""
    args = record.args
    if isinstance(args, dict):
        record.args = {key: _vetted(value) for key, value in args.items()}
    elif args:
        record.args = tuple(_vetted(value) for value in args)
    if not isinstance(record.msg, str) and not is_provably_safe(record.msg):
        record.msg = f"[redacted:{type(record.msg).__name__}]"
    try:
        return record.getMessage()
    except (TypeError, ValueError, KeyError):
        return f"{record.msg} [arguments redacted: they do not fit the message]"


class PhiFilter(logging.Filter):
    """Redacts a record in place (message, arguments, exception, stack); never drops it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Scrubs the record once; a record already scrubbed is passed through unchanged."""
        if getattr(record, "phi_scrubbed", False):
            return True
        # Rendered once and scrubbed as a whole, so safe arguments (a 10-digit int, a LogSafe
        # string someone misused) still meet the patterns; handlers then format it unchanged.
        record.msg, record.args = redact_text(_rendered(record)), None
        if record.exc_info and record.exc_info[1] is not None:
            # Rendered now and scrubbed; the exception object (whose message may hold values) is
            # dropped so no handler or exporter can serialise it on its own.
            record.exc_text = "".join(traceback.format_exception(*record.exc_info))
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        record.phi_scrubbed = True
        return True


_installed: PhiFilter | None = None
_previous_factory: Callable[..., logging.LogRecord] | None = None


def install_phi_filter(handlers: Iterable[logging.Handler] | None = None) -> PhiFilter:
    """Installs the filter for the whole process (idempotent); returns it.

    Logger filters do not see records propagated from child loggers, so the filter goes where
    every record passes: into the log-record factory (each record is scrubbed when it is made,
    whichever logger makes it) and onto the root logger's handlers (records built by hand).

    Args:
        handlers: extra handlers to guard besides the root logger's current ones.

    Returns:
        The process-wide filter.
    """
    global _installed, _previous_factory
    if _installed is None:
        phi_filter = PhiFilter()
        previous = _previous_factory = logging.getLogRecordFactory()

        def scrubbed_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            phi_filter.filter(record)
            return record

        logging.setLogRecordFactory(scrubbed_record)
        _installed = phi_filter
    for handler in [*logging.getLogger().handlers, *(handlers or ())]:
        if _installed not in handler.filters:
            handler.addFilter(_installed)
    return _installed


def uninstall_phi_filter() -> None:
    """Restores the record factory and takes the filter off the root handlers (tests)."""
    global _installed, _previous_factory
    if _installed is None or _previous_factory is None:
        return
    logging.setLogRecordFactory(_previous_factory)
    for handler in logging.getLogger().handlers:
        handler.removeFilter(_installed)
    _installed = _previous_factory = None
