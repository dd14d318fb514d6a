"""The status-to-exception table: what each Dataverse answer means for the run."""

from __future__ import annotations

import httpx
import pytest

from shared.destinations.dataverse.status import classify, error_for
from shared.destinations.errors import RecordRejected, TerminalError, TransientError


@pytest.mark.parametrize(
    ("status", "code", "kind", "reason"),
    [
        (429, "0x80072322", "transient", "throttled"),
        (429, "0x80072321", "transient", "throttled"),
        (429, "0x80072326", "transient", "throttled"),
        (408, None, "transient", "timeout"),
        (500, None, "transient", "server_error"),
        (400, "0x80044150", "transient", "sql_deadlock"),
        (500, "0x80044151", "transient", "sql_timeout"),
        (502, None, "transient", "bad_gateway"),
        (503, None, "transient", "service_unavailable"),
        (504, None, "transient", "gateway_timeout"),
        (401, "", "terminal", "unauthorized"),
        (403, None, "terminal", "access_denied"),
        (404, "0x8006088a", "terminal", "unknown_table"),
        (404, "0x80040217", "rejected", "not_found"),
        (405, None, "terminal", "method_not_allowed"),
        (501, None, "terminal", "not_implemented"),
        (400, "0x80040237", "rejected", "duplicate_key"),
        (412, "", "rejected", "precondition_failed"),
        (412, "0x80040333", "rejected", "duplicate_detected"),
        (400, "0x80048d19", "rejected", "invalid_payload"),
        (400, "0x0", "rejected", "invalid_property"),
        (400, "0X0", "rejected", "invalid_property"),
        (400, "0x80044a02", "rejected", "file_too_large"),
        (400, "0x80040216", "rejected", "unexpected_error"),
        (400, "0x80040265", "rejected", "business_logic_error"),
        (400, "0x80040220", "terminal", "missing_privilege"),
        (400, "0x80048306", "terminal", "missing_privilege"),
        (400, "0x12345678", "rejected", "bad_request"),
        (413, None, "rejected", "request_too_large"),
        (418, None, "terminal", "unexpected_status"),
    ],
)
def test_status_table(status: int, code: str | None, kind: str, reason: str) -> None:
    rule = classify(status, code)
    assert (rule.kind, rule.reason_code) == (kind, reason)


def test_a_throttle_carries_retry_after_and_context_but_never_the_message() -> None:
    response = httpx.Response(
        429,
        headers={"Retry-After": "12"},
        json={"error": {"code": "0x80072322", "message": "Ada Lovelace 1815-12-10"}},
    )
    error = error_for(response, run_id="r1", table="contact", batch_id="contact.3")

    assert isinstance(error, TransientError)
    assert error.retry_after == 12.0
    assert error.to_dict() == {
        "kind": "transient",
        "reason_code": "throttled",
        "destination": "dataverse",
        "run_id": "r1",
        "table": "contact",
        "batch_id": "contact.3",
        "status_code": 429,
        "service_code": "0x80072322",
        "retry_after": 12.0,
    }
    assert "Ada" not in str(error)


def test_error_bodies_that_are_not_json_still_classify() -> None:
    assert isinstance(error_for(httpx.Response(400, text="<html>")), RecordRejected)
    assert isinstance(error_for(httpx.Response(403)), TerminalError)
