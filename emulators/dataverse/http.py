"""Transport-neutral request and response values, so `$batch` parts reuse the same handlers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from emulators.dataverse.errors import DataverseError

_PREFER_ITEM = re.compile(r'\s*([\w.-]+)\s*(?:=\s*("[^"]*"|[^,]*))?\s*(?:,|$)')


@dataclass
class ApiRequest:
    """A Web API request relative to the service root (`path` has no `/api/data/v9.x/`)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    service_root: str

    def header(self, name: str) -> str | None:
        """A header by case-insensitive name."""
        return self.headers.get(name.lower())

    def json(self) -> dict[str, Any]:
        """The body parsed as a JSON object (every Web API body is one).

        Raises:
            DataverseError: 400 when the body is not a JSON object.
        """
        if not self.body:
            return {}
        try:
            parsed = json.loads(self.body)
            if not isinstance(parsed, dict):
                raise ValueError("not an object")
            return parsed
        except ValueError:
            raise DataverseError(
                400,
                "0x80048d19",
                "Error identified in Payload provided by the user for Entity :'' ----> "
                "InnerException : Microsoft.OData.ODataException: Invalid JSON.",
            ) from None

    def prefer(self) -> dict[str, str]:
        """The `Prefer` preferences by lower-case name, e.g. {'return': 'representation'}."""
        raw = self.header("prefer") or ""
        out: dict[str, str] = {}
        for match in _PREFER_ITEM.finditer(raw):
            if match.group(1):
                out[match.group(1).lower()] = (match.group(2) or "").strip().strip('"')
        return out

    def wants_annotations(self) -> bool:
        """True when any instance annotations were asked for."""
        return bool(self.prefer().get("odata.include-annotations"))

    def annotation_filter(self) -> AnnotationFilter:
        """The annotation terms `Prefer: odata.include-annotations` asked for."""
        raw = self.prefer().get("odata.include-annotations", "")
        return AnnotationFilter(tuple(p.strip() for p in raw.split(",") if p.strip()))


@dataclass(frozen=True)
class AnnotationFilter:
    """Terms (`*`, `Namespace.*` or full names) of the annotations a response may carry."""

    patterns: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def allows(self, term: str) -> bool:
        """True when `term` (e.g. OData.Community.Display.V1.FormattedValue) was asked for."""
        return any(
            p in ("*", term) or (p.endswith(".*") and term.startswith(p[:-1]))
            for p in self.patterns
        )


@dataclass
class ApiResponse:
    """What a handler answers, plus what service protection charges for it."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    cost_ms: float = 0.0
    operation: str = "other"
    records: int = 0

    def encoded_body(self) -> bytes:
        """The body as bytes (JSON unless already bytes)."""
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body, separators=(",", ":")).encode("utf-8")

    def content_type(self) -> str | None:
        """The Content-Type header the body needs."""
        if "Content-Type" in self.headers:
            return self.headers["Content-Type"]
        if self.body is None:
            return None
        if isinstance(self.body, bytes | str):
            return "text/plain"
        return "application/json; odata.metadata=minimal"


def error_response(error: DataverseError, annotations: bool = False) -> ApiResponse:
    """The Web API error shape for an exception."""
    return ApiResponse(
        error.status, error.body(annotations), dict(error.headers), operation="error"
    )
