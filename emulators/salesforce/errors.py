"""Salesforce error shapes: top-level REST errors (arrays) and per-record errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RowError:
    """One record's failure: a StatusCode, a message that never echoes a value, the fields."""

    code: str
    message: str
    fields: list[str] = field(default_factory=list)

    def rest(self) -> dict[str, Any]:
        """As sObject Collections report it (`statusCode`, not `errorCode`)."""
        return {"statusCode": self.code, "message": self.message, "fields": self.fields}

    def bulk(self) -> str:
        """As Bulk API 2.0's `sf__Error` column: `CODE:message:fields --`."""
        return f"{self.code}:{self.message}:{','.join(self.fields)} --"


class SalesforceError(Exception):
    """A request-level failure, rendered as `[{"message", "errorCode"[, "fields"]}]`."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.headers = headers or {}

    def body(self) -> list[dict[str, Any]]:
        """The JSON body."""
        item: dict[str, Any] = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            item["fields"] = self.fields
        return [item]


def not_found(what: str = "The requested resource does not exist") -> SalesforceError:
    """404 NOT_FOUND."""
    return SalesforceError(404, "NOT_FOUND", what)


def bad_request(code: str, message: str, fields: list[str] | None = None) -> SalesforceError:
    """400 with a service error code."""
    return SalesforceError(400, code, message, fields)


def from_row(error: RowError) -> SalesforceError:
    """A single-record REST call fails with the record's error as a 400."""
    return SalesforceError(400, error.code, error.message, error.fields)
