"""One table from Salesforce status codes and error codes to the destination error kinds."""

from __future__ import annotations

from typing import Any

from shared.destinations.errors import (
    DestinationError,
    RecordRejected,
    TerminalError,
    TransientError,
)

# Record-level codes worth retrying: the record was not written and may succeed later.
RETRYABLE_RECORD_CODES = frozenset(
    {"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION"}
)
# Request-level codes that mean "the schema or the permissions are not ready".
SCHEMA_CODES = frozenset(
    {"INVALID_FIELD", "INVALID_TYPE", "NOT_FOUND", "INVALID_FIELD_FOR_INSERT_UPDATE"}
)
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
DAILY_LIMIT_WAIT_SECONDS = 3600.0


def service_code(body: Any) -> str | None:
    """The `errorCode` of a REST error array (or an OAuth `error`), if any."""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return str(body[0].get("errorCode") or "") or None
    if isinstance(body, dict):
        return str(body.get("errorCode") or body.get("error") or "") or None
    return None


def error_for(status: int, body: Any, retry_after: float | None = None) -> DestinationError:
    """The error for a failed response; the service's message is never kept (it can echo data)."""
    code = service_code(body)
    context: dict[str, Any] = {
        "destination": "salesforce",
        "status_code": status,
        "service_code": code,
    }
    if code == "REQUEST_LIMIT_EXCEEDED":
        wait = retry_after or DAILY_LIMIT_WAIT_SECONDS
        return TransientError("api_limit_exceeded", retry_after=wait, **context)
    if status in RETRY_STATUSES:
        return TransientError("service_unavailable", retry_after=retry_after, **context)
    if status == 401:
        return TerminalError("session_invalid", **context)
    if status == 403:
        return TerminalError("insufficient_access", **context)
    if status == 404 or code in SCHEMA_CODES:
        return TerminalError("schema_not_ready", **context)
    if status == 300:
        return RecordRejected("duplicate_external_id", **context)
    if status == 400:
        return RecordRejected(reason_for(code or "BAD_REQUEST"), **context)
    return TerminalError("unexpected_status", **context)


def reason_for(code: str) -> str:
    """Our reason code for a record-level Salesforce StatusCode, e.g. required_field_missing."""
    return code.lower()


def parse_bulk_error(cell: str) -> tuple[str, list[str]]:
    """`CODE:message:fields --` -> (CODE, fields); the message is dropped (it can echo data)."""
    code, _, rest = cell.partition(":")
    fields_part = rest.rsplit(":", 1)[-1].removesuffix("--").strip() if ":" in rest else ""
    return code.strip(), [f for f in fields_part.split(",") if f]
