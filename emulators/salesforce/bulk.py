"""Bulk API 2.0 ingest jobs: create, upload CSV, close, asynchronous processing, result CSVs."""

from __future__ import annotations

import asyncio
import csv
import io
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from emulators.salesforce import files
from emulators.salesforce.catalog import ObjectDef
from emulators.salesforce.dml import Dml, Outcome, RefInput, RowInput
from emulators.salesforce.errors import RowError, SalesforceError, bad_request, not_found
from emulators.salesforce.org import Caller, Org
from emulators.salesforce.values import now_text

JobState = Literal["Open", "UploadComplete", "InProgress", "JobComplete", "Failed", "Aborted"]
OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
DELIMITERS = {
    "COMMA": ",",
    "TAB": "\t",
    "PIPE": "|",
    "SEMICOLON": ";",
    "CARET": "^",
    "BACKQUOTE": "`",
}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
TERMINAL: tuple[JobState, ...] = ("JobComplete", "Failed", "Aborted")


def job_error(code: str, message: str, status: int = 400) -> SalesforceError:
    """A Bulk API error (`errorCode` values such as InvalidJobState, ClientInputError)."""
    return SalesforceError(status, code, message)


@dataclass
class Job:
    """One ingest job and everything it produced."""

    id: str
    object: str
    operation: str
    caller: Caller
    api_version: str
    external_id_field: str | None = None
    column_delimiter: str = "COMMA"
    line_ending: str = "LF"
    state: JobState = "Open"
    created: str = field(default_factory=now_text)
    modstamp: str = field(default_factory=now_text)
    uploads: list[bytes] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    successful: list[list[str]] = field(default_factory=list)
    failed: list[list[str]] = field(default_factory=list)
    unprocessed: list[list[str]] = field(default_factory=list)
    processed: int = 0
    failures: int = 0
    retries: int = 0
    error_message: str | None = None
    started: float = 0.0
    processing_ms: int = 0
    touched: set[str] = field(default_factory=set)

    def info(self) -> dict[str, Any]:
        """The job as `GET jobs/ingest/<id>` returns it."""
        body: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "createdById": self.caller.user_id,
            "createdDate": self.created,
            "systemModstamp": self.modstamp,
            "state": self.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.api_version),
            "jobType": "V2Ingest",
            "lineEnding": self.line_ending,
            "columnDelimiter": self.column_delimiter,
            "numberRecordsProcessed": self.processed,
            "numberRecordsFailed": self.failures,
            "retries": self.retries,
            "totalProcessingTime": self.processing_ms,
            "apiActiveProcessingTime": self.processing_ms,
            "apexProcessingTime": 0,
        }
        if self.external_id_field:
            body["externalIdFieldName"] = self.external_id_field
        if self.state == "Open":
            body["contentUrl"] = f"services/data/v{self.api_version}/jobs/ingest/{self.id}/batches"
        if self.error_message:
            body["errorMessage"] = self.error_message
        return body


class BulkIngest:
    """The org's ingest jobs (kept in memory: Salesforce deletes them after 7 days anyway)."""

    def __init__(self, org: Org, dml: Dml) -> None:
        self.org, self.dml = org, dml
        self.jobs: dict[str, Job] = {}
        self.records_today = 0
        self._tasks: set[asyncio.Task[None]] = set()

    def reset(self) -> None:
        """Forget every job."""
        self.jobs.clear()
        self.records_today = 0

    # --- lifecycle -------------------------------------------------------------------------
    def create(self, body: dict[str, Any], caller: Caller, api_version: str) -> Job:
        """Validates a create-job request and opens the job."""
        operation = body.get("operation")
        if operation not in OPERATIONS:
            raise job_error("InvalidJob", f"Invalid operation: {operation}")
        if body.get("contentType", "CSV") != "CSV":
            raise job_error("InvalidJob", "Only CSV content is supported")
        delimiter = body.get("columnDelimiter", "COMMA")
        ending = body.get("lineEnding", "LF")
        if delimiter not in DELIMITERS or ending not in LINE_ENDINGS:
            raise job_error("InvalidJob", "Invalid columnDelimiter or lineEnding")
        obj = self.org.object(str(body.get("object") or ""), caller)
        if obj is None:
            raise job_error("InvalidJob", f"Unknown object: {body.get('object')}")
        ext = body.get("externalIdFieldName")
        if operation == "upsert":
            f = obj.field(str(ext or ""))
            if f is None or not f.indexed:
                raise job_error("InvalidJob", "externalIdFieldName must be an External ID field")
            ext = f.name
        if operation == "hardDelete" and not caller.may("BulkApiHardDelete"):
            raise job_error("FeatureNotEnabled", "hardDelete requires Bulk API Hard Delete")
        job = Job(
            id=self.org.ids.new("750"),
            object=obj.name,
            operation=operation,
            caller=caller,
            api_version=api_version,
            external_id_field=ext if operation == "upsert" else None,
            column_delimiter=delimiter,
            line_ending=ending,
        )
        self.jobs[job.id] = job
        return job

    def get(self, job_id: str) -> Job:
        """A job by id; 404 NOT_FOUND when unknown."""
        job = self.jobs.get(job_id)
        if job is None:
            raise not_found()
        return job

    def upload(self, job_id: str, data: bytes) -> None:
        """Adds CSV data to an Open job."""
        job = self.get(job_id)
        if job.state != "Open":
            raise job_error("InvalidJobState", "Job is not in the Open state")
        if sum(map(len, job.uploads)) + len(data) > self.org.config.limits.max_upload_bytes:
            raise job_error("ClientInputError", "Exceeded max size limit of upload data")
        job.uploads.append(data)

    def change_state(self, job_id: str, state: str) -> Job:
        """PATCH: UploadComplete (starts processing) or Aborted."""
        job = self.get(job_id)
        if state == "UploadComplete" and job.state == "Open":
            job.state = "UploadComplete"
            self._schedule(job)
        elif state == "Aborted" and job.state in ("Open", "UploadComplete", "InProgress"):
            job.state = "Aborted"
            job.unprocessed = self._rows_of(job)[1] if not job.header else job.unprocessed
        else:
            raise job_error("InvalidJobState", f"Cannot change job state to {state}")
        job.modstamp = now_text()
        return job

    def delete(self, job_id: str) -> None:
        """DELETE: only jobs that will not change any more."""
        job = self.get(job_id)
        if job.state not in ("UploadComplete", *TERMINAL):
            raise job_error("InvalidJobState", "Job cannot be deleted in its current state")
        del self.jobs[job_id]

    async def drain(self) -> None:
        """Waits for every job being processed (admin / shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _schedule(self, job: Job) -> None:
        task = asyncio.get_running_loop().create_task(self._process(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- processing ------------------------------------------------------------------------
    def _rows_of(self, job: Job) -> tuple[list[str], list[list[str]]]:
        text = b"".join(job.uploads).decode("utf-8-sig")
        newline = LINE_ENDINGS[job.line_ending]
        if newline == "\n" and "\r\n" in text.split("\n", 1)[0] + "\n":
            raise ValueError("LineEnding is invalid on user data. Current LineEnding setting is LF")
        reader = csv.reader(
            io.StringIO(text, newline=""), delimiter=DELIMITERS[job.column_delimiter]
        )
        rows = [row for row in reader if row]
        if not rows:
            return [], []
        return rows[0], rows[1:]

    async def _process(self, job: Job) -> None:
        delay = self.org.config.bulk_start_delay_s * self.org.config.time_scale
        await asyncio.sleep(delay)
        if job.state != "UploadComplete":
            return
        job.state, job.started = "InProgress", time.monotonic()
        try:
            header, rows = self._rows_of(job)
        except ValueError as exc:
            return self._fail(job, f"ClientInputError : {exc}", [])
        job.header = header
        obj = self.org.object(job.object, job.caller)
        assert obj is not None
        problem = self._check_header(obj, job)
        if problem:
            return self._fail(job, problem, rows)
        size = self.org.config.limits.bulk_chunk_size
        last_touch: dict[str, int] = {}
        for number, start in enumerate(range(0, len(rows), size)):
            await asyncio.sleep(0)  # let polls and other requests in between chunks
            if job.state != "InProgress":  # aborted while processing
                job.unprocessed = rows[start:]
                break
            chunk = rows[start : start + size]
            if self.records_today + len(chunk) > self.org.config.limits.bulk_daily_records:
                return self._fail(job, "ExceededQuota : daily record limit reached", rows[start:])
            if self.org.config.chaos.chunk_failure and (
                self.org.rng.random() < self.org.config.chaos.chunk_failure
            ):
                job.retries += 10
                return self._fail(job, "Timeout : a batch could not be processed", rows[start:])
            self._process_chunk(obj, job, chunk, number, last_touch)
            self.records_today += len(chunk)
        if job.state == "InProgress":
            job.state = "JobComplete"
        self._finish(job)

    def _fail(self, job: Job, message: str, unprocessed: list[list[str]]) -> None:
        job.state, job.error_message = "Failed", message
        job.unprocessed = unprocessed
        self._finish(job)

    def _finish(self, job: Job) -> None:
        job.processing_ms = int((time.monotonic() - (job.started or time.monotonic())) * 1000)
        job.modstamp = now_text()
        job.touched.clear()

    def _check_header(self, obj: ObjectDef, job: Job) -> str | None:
        if job.operation in ("delete", "hardDelete"):
            return (
                None
                if [h.lower() for h in job.header] == ["id"]
                else ("InvalidBatch : Delete requires a single Id column")
            )
        for column in job.header:
            name = column.split(".", 1)[0].split(":")[-1]
            if "." in column:
                rel = obj.relationship(name)
                known = rel is not None and bool(self.org.visible_field(obj, rel.name, job.caller))
            else:
                known = self.org.visible_field(obj, column, job.caller) is not None
            if not known:
                return f"InvalidBatch : Field name not found : {column}"
        if job.operation == "update" and "id" not in [h.lower() for h in job.header]:
            return "InvalidBatch : Update requires an Id column"
        if job.operation == "upsert" and job.external_id_field not in job.header:
            return f"InvalidBatch : Upsert requires the {job.external_id_field} column"
        return None

    def _process_chunk(
        self, obj: ObjectDef, job: Job, chunk: list[list[str]], number: int, last: dict[str, int]
    ) -> None:
        if job.operation in ("delete", "hardDelete"):
            outcomes = self.dml.delete(
                [r[0] for r in chunk], job.caller, hard=job.operation == "hardDelete"
            )
            if obj.name == "ContentDocument":  # a document takes its versions and links along
                deleted = [o.id for o in outcomes if o.id and o.error is None]
                files.cascade_document_delete(self.org, self.dml, deleted, job.caller)
        else:
            inputs = [self._row_input(job.header, row) for row in chunk]
            outcomes = self.dml.save(
                obj,
                job.operation,  # type: ignore[arg-type]
                inputs,
                job.caller,
                from_csv=True,
                ext_field=job.external_id_field,
                contention=self._contention(job, number, last),
            )
        for row, outcome in zip(chunk, outcomes, strict=True):
            self._record(job, row, outcome)

    def _contention(self, job: Job, number: int, last: dict[str, int]) -> Any:
        rate = self.org.config.chaos.lock_contention
        if not rate:
            return None
        others = {
            p
            for j in self.jobs.values()
            if j is not job and j.state == "InProgress"
            for p in j.touched
        }

        def loses_lock(parent_id: str) -> bool:
            # Chunks run in parallel: a parent an earlier chunk holds is locked for this one.
            shared = last.setdefault(parent_id, number) != number or parent_id in others
            job.touched.add(parent_id)
            return shared and self.org.rng.random() < rate

        return loses_lock

    @staticmethod
    def _row_input(header: list[str], row: list[str]) -> RowInput:
        values: dict[str, Any] = {}
        refs: list[RefInput] = []
        for column, cell in zip(header, row, strict=False):
            if "." in column:
                path, ext = column.split(".", 1)
                type_name, _, rel = path.rpartition(":")
                refs.append(RefInput(rel, ext, cell, type_name or None))
            else:
                values[column] = cell
        return RowInput(values, refs)

    def _record(self, job: Job, row: list[str], outcome: Outcome) -> None:
        job.processed += 1
        if outcome.error is None:
            created = "true" if outcome.created else "false"
            job.successful.append([outcome.id or "", created, *row])
        else:
            job.failures += 1
            error: RowError = outcome.error
            job.failed.append([outcome.id or "", error.bulk(), *row])

    # --- results ---------------------------------------------------------------------------
    def results(self, job_id: str, kind: str) -> str:
        """successfulResults / failedResults / unprocessedrecords as CSV text."""
        job = self.get(job_id)
        kind = kind.lower()
        if kind == "unprocessedrecords":
            if job.state not in TERMINAL and job.state != "InProgress":
                raise job_error("InvalidJobState", "Results are not available yet")
            header, rows = job.header, job.unprocessed
            if job.state == "Aborted" and not job.header:
                header, rows = self._rows_of(job)
            return self._csv(job, header, rows, quote_first=0)
        if job.state not in ("JobComplete", "Failed"):
            raise job_error("InvalidJobState", "Results are not available until the job completes")
        if kind == "successfulresults":
            return self._csv(job, ["sf__Id", "sf__Created", *job.header], job.successful, 2)
        if kind == "failedresults":
            return self._csv(job, ["sf__Id", "sf__Error", *job.header], job.failed, 2)
        raise bad_request("NOT_FOUND", "Unknown results resource")

    @staticmethod
    def _csv(job: Job, header: list[str], rows: list[list[str]], quote_first: int) -> str:
        # Salesforce quotes the sf__ names and values; original columns are echoed as sent.
        delimiter = DELIMITERS[job.column_delimiter]
        ending = LINE_ENDINGS[job.line_ending]
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, lineterminator=ending)

        def line(cells: list[str]) -> str:
            head = [f'"{c.replace(chr(34), chr(34) * 2)}"' for c in cells[:quote_first]]
            out.seek(0)
            out.truncate()
            writer.writerow(cells[quote_first:])
            tail = out.getvalue()[: -len(ending)]
            return delimiter.join(head + ([tail] if cells[quote_first:] else []))

        return "".join(line(cells) + ending for cells in [header, *rows])
