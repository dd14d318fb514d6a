"""JSON responses and the error shapes the portal gets: field-level 400s, 401, 403, 404, 413."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func
from pydantic import ValidationError

MAX_BODY_BYTES = 256 * 1024
# A report (diff.html above all) shows text from the export: the browser must not run anything in
# it, sniff it into another type, or let another site frame it.
REPORT_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "frame-ancestors 'none'"
    ),
}


class BodyTooLarge(ValueError):
    """The request body is over `MAX_BODY_BYTES` (HTTP 413)."""


def json_response(body: Any, status_code: int = 200, **headers: str) -> func.HttpResponse:
    """A JSON response with no-store caching (bodies may carry run details)."""
    return func.HttpResponse(
        json.dumps(body, default=str),
        status_code=status_code,
        mimetype="application/json",
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", **headers},
    )


def report_response(data: bytes, content_type: str) -> func.HttpResponse:
    """A stored report served inert: sandboxed, no scripts, no sniffing, no caching."""
    return func.HttpResponse(data, mimetype=content_type.split(";")[0], headers=REPORT_HEADERS)


def error(status_code: int, message: str, **extra: Any) -> func.HttpResponse:
    """An error body `{"error": ..., ...}`; messages never echo request values."""
    return json_response({"error": message, **extra}, status_code)


def validation_error(exc: ValidationError) -> func.HttpResponse:
    """400 with one entry per invalid field: its path and what is wrong, without the value."""
    fields = [
        {"field": ".".join(str(p) for p in item["loc"]) or "(body)", "message": item["msg"]}
        for item in exc.errors(include_input=False, include_url=False)
    ]
    return error(400, "the request body is not valid", fields=fields)


def read_json_body(req: func.HttpRequest, *, required: bool = True) -> Any:
    """The request's JSON body; raises ValueError for oversized, non-JSON or missing bodies."""
    raw = req.get_body() or b""
    if len(raw) > MAX_BODY_BYTES:
        raise BodyTooLarge(f"the body is larger than {MAX_BODY_BYTES} bytes")
    if not raw:
        if required:
            raise ValueError("a JSON body is required")
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise ValueError("the body is not valid JSON") from None


def bad_request(exc: ValueError) -> func.HttpResponse:
    """The response for a body that could not be read or validated: 413, field-level 400, or 400."""
    if isinstance(exc, ValidationError):
        return validation_error(exc)
    return error(413 if isinstance(exc, BodyTooLarge) else 400, str(exc))
