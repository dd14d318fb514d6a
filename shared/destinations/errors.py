"""The three ways a destination call can fail: terminal, transient (retry later) or one bad record.

Every error carries where it happened (run, table, batch, HTTP status, the service's error code)
and a fixed reason code, never the service's message: those can echo the values we sent.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

ErrorKind = Literal["terminal", "transient", "rejected"]


class DestinationError(Exception):
    """Base of destination errors; `to_dict()` is what goes into logs, the ledger and reports."""

    kind: ClassVar[ErrorKind] = "terminal"

    def __init__(
        self,
        reason_code: str,
        *,
        destination: str = "",
        run_id: str | None = None,
        table: str | None = None,
        batch_id: str | None = None,
        status_code: int | None = None,
        service_code: str | None = None,
    ) -> None:
        self.reason_code = reason_code
        self.destination = destination
        self.run_id = run_id
        self.table = table
        self.batch_id = batch_id
        self.status_code = status_code
        self.service_code = service_code
        super().__init__(self._summary())

    def _summary(self) -> str:
        where = ", ".join(
            f"{name}={value}"
            for name, value in (
                ("table", self.table),
                ("batch", self.batch_id),
                ("status", self.status_code),
                ("code", self.service_code),
            )
            if value not in (None, "")
        )
        return f"{self.kind} {self.reason_code}" + (f" ({where})" if where else "")

    def with_context(self, **context: Any) -> DestinationError:
        """Fill in context fields that are still empty (run, table, batch) and return self."""
        for name, value in context.items():
            if getattr(self, name, None) in (None, "") and value is not None:
                setattr(self, name, value)
        self.args = (self._summary(),)
        return self

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe, PHI-free description of the failure."""
        return {
            "kind": self.kind,
            "reason_code": self.reason_code,
            "destination": self.destination,
            "run_id": self.run_id,
            "table": self.table,
            "batch_id": self.batch_id,
            "status_code": self.status_code,
            "service_code": self.service_code,
        }


class TerminalError(DestinationError):
    """Retrying will not help: wrong credentials, missing privilege, missing table or schema."""

    kind: ClassVar[ErrorKind] = "terminal"


class TransientError(DestinationError):
    """Retry later; `retry_after` (seconds) is the service's hint, or our own backoff."""

    kind: ClassVar[ErrorKind] = "transient"

    def __init__(self, reason_code: str, *, retry_after: float | None = None, **context: Any):
        self.retry_after = retry_after
        super().__init__(reason_code, **context)

    def to_dict(self) -> dict[str, Any]:
        """As the base, plus the suggested wait in seconds."""
        return {**super().to_dict(), "retry_after": self.retry_after}


class RecordRejected(DestinationError):
    """The service refused this one record; the rest of its batch is unaffected."""

    kind: ClassVar[ErrorKind] = "rejected"
