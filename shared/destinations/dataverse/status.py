"""The Dataverse status-to-exception table: one place decides what every answer means.

Rows are matched in order on (HTTP status, service error code); `None` matches anything. The
reason code is ours and fixed; the service's message is never kept (it can echo sent values).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import httpx

from shared.destinations.errors import (
    DestinationError,
    ErrorKind,
    RecordRejected,
    TerminalError,
    TransientError,
)


class Rule(NamedTuple):
    """One row of the table."""

    status: int | None
    service_code: str | None
    kind: ErrorKind
    reason_code: str


STATUS_TABLE: tuple[Rule, ...] = (
    Rule(429, None, "transient", "throttled"),
    Rule(408, None, "transient", "timeout"),
    # SQL deadlock (-2147204784) and timeout (-2147204783) surface during bulk writes.
    Rule(None, "0x80044150", "transient", "sql_deadlock"),
    Rule(None, "0x80044151", "transient", "sql_timeout"),
    Rule(500, None, "transient", "server_error"),
    Rule(502, None, "transient", "bad_gateway"),
    Rule(503, None, "transient", "service_unavailable"),
    Rule(504, None, "transient", "gateway_timeout"),
    Rule(401, None, "terminal", "unauthorized"),
    Rule(403, None, "terminal", "access_denied"),
    Rule(404, "0x8006088a", "terminal", "unknown_table"),
    Rule(404, None, "rejected", "not_found"),
    Rule(405, None, "terminal", "method_not_allowed"),
    Rule(501, None, "terminal", "not_implemented"),
    Rule(400, "0x80040237", "rejected", "duplicate_key"),
    Rule(412, "0x80040237", "rejected", "duplicate_key"),
    Rule(412, "0x80040333", "rejected", "duplicate_detected"),
    Rule(412, None, "rejected", "precondition_failed"),
    Rule(400, "0x80048d19", "rejected", "invalid_payload"),
    Rule(400, "0x0", "rejected", "invalid_property"),
    Rule(400, "0x80044a02", "rejected", "file_too_large"),
    Rule(400, "0x80040216", "rejected", "unexpected_error"),
    Rule(400, "0x80040265", "rejected", "business_logic_error"),
    Rule(400, "0x80040220", "terminal", "missing_privilege"),
    Rule(400, "0x80048306", "terminal", "missing_privilege"),
    Rule(400, None, "rejected", "bad_request"),
    Rule(413, None, "rejected", "request_too_large"),
    Rule(None, None, "terminal", "unexpected_status"),
)

_ERRORS: dict[ErrorKind, type[DestinationError]] = {
    "terminal": TerminalError,
    "transient": TransientError,
    "rejected": RecordRejected,
}


def classify(status: int, service_code: str | None) -> Rule:
    """The first rule matching this status and service error code."""
    code = (service_code or "").lower() or None
    for rule in STATUS_TABLE:
        if rule.status not in (None, status):
            continue
        if rule.service_code is not None and rule.service_code != code:
            continue
        return rule
    raise AssertionError("STATUS_TABLE ends with a catch-all row")


def service_code_of(response: httpx.Response) -> str | None:
    """The `error.code` of a Dataverse error body, if the body is one."""
    try:
        body: Any = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return str(code) if code not in (None, "") else None


def retry_after_of(response: httpx.Response) -> float | None:
    """Seconds from `Retry-After` (delta-seconds form, the one Dataverse sends)."""
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def error_for(response: httpx.Response, **context: Any) -> DestinationError:
    """The exception an error response stands for, with its context filled in."""
    code = service_code_of(response)
    rule = classify(response.status_code, code)
    common: dict[str, Any] = {
        "destination": "dataverse",
        "status_code": response.status_code,
        "service_code": code,
        **context,
    }
    if rule.kind == "transient":
        return TransientError(rule.reason_code, retry_after=retry_after_of(response), **common)
    return _ERRORS[rule.kind](rule.reason_code, **common)
