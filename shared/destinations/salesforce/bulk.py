"""Bulk API 2.0 ingest from the client side: one job from CSV to parsed per-row results."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from shared.destinations.errors import TerminalError, TransientError
from shared.destinations.salesforce.client import SalesforceClient
from shared.destinations.salesforce.payloads import parse_csv

Operation = Literal["insert", "update", "upsert", "delete", "hardDelete"]
TERMINAL_STATES = ("JobComplete", "Failed", "Aborted")


@dataclass
class JobOutcome:
    """A finished job: its info and result rows (successful, failed, not processed)."""

    job_id: str
    state: str
    error_message: str | None
    successful: list[dict[str, str]] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    unprocessed: list[dict[str, str]] = field(default_factory=list)

    @property
    def schema_problem(self) -> bool:
        """True when the job failed because a column is unknown or hidden by field security."""
        return bool(self.error_message and "Field name not found" in self.error_message)


class BulkIngest:
    """Runs ingest jobs through one client; counts the jobs it used."""

    def __init__(self, client: SalesforceClient) -> None:
        self.client = client
        self.jobs = 0

    async def run(
        self,
        object_name: str,
        operation: Operation,
        csv_text: str,
        *,
        external_id: str | None = None,
        table_context: str | None = None,
    ) -> JobOutcome:
        """Create, upload, close, poll until the job ends, then fetch its results.

        Raises:
            TerminalError: the job could not be created (unknown object, no permission).
            TransientError: the job did not finish within `job_timeout_seconds`.
        """
        spec: dict[str, Any] = {
            "object": object_name,
            "operation": operation,
            "contentType": "CSV",
            "lineEnding": "LF",
        }
        if external_id:
            spec["externalIdFieldName"] = external_id
        # Safe to retry: a duplicate empty Open job changes no data.
        created = await self.client.request("POST", "jobs/ingest", json=spec, idempotent=True)
        job_id = str(created.json()["id"])
        self.jobs += 1
        try:
            await self.client.request(
                "PUT",
                f"jobs/ingest/{job_id}/batches",
                content=csv_text.encode("utf-8"),
                headers={"Content-Type": "text/csv"},
                expect=(201,),
            )
            await self.client.request(
                "PATCH",
                f"jobs/ingest/{job_id}",
                json={"state": "UploadComplete"},
                idempotent=True,
            )
        except Exception:
            await self._abort(job_id)
            raise
        info = await self._wait(job_id, table_context)
        outcome = JobOutcome(job_id, info["state"], info.get("errorMessage"))
        if info["state"] in ("JobComplete", "Failed"):
            outcome.successful = await self._results(job_id, "successfulResults")
            outcome.failed = await self._results(job_id, "failedResults")
        if info["state"] in ("Failed", "Aborted"):
            outcome.unprocessed = await self._results(job_id, "unprocessedrecords")
        return outcome

    async def _wait(self, job_id: str, table: str | None) -> dict[str, Any]:
        settings = self.client.settings
        interval = settings.poll_initial_seconds
        deadline = time.monotonic() + settings.job_timeout_seconds
        while True:
            response = await self.client.request("GET", f"jobs/ingest/{job_id}")
            info: dict[str, Any] = response.json()
            if info["state"] in TERMINAL_STATES:
                return info
            if time.monotonic() > deadline:
                raise TransientError(
                    "bulk_job_timeout", destination="salesforce", table=table, batch_id=job_id
                )
            await asyncio.sleep(interval)
            interval = min(settings.poll_max_seconds, interval * 1.5)

    async def _results(self, job_id: str, kind: str) -> list[dict[str, str]]:
        response = await self.client.request(
            "GET", f"jobs/ingest/{job_id}/{kind}", headers={"Accept": "text/csv"}
        )
        return parse_csv(response.text)

    async def _abort(self, job_id: str) -> None:
        # Best effort: an Open job with no data is harmless and expires.
        with contextlib.suppress(TerminalError, TransientError):
            await self.client.request(
                "PATCH", f"jobs/ingest/{job_id}", json={"state": "Aborted"}, idempotent=True
            )
