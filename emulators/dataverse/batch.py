"""`$batch`: multipart/mixed with atomic change sets, Content-ID references, continue-on-error."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qsl, urlsplit

from emulators.dataverse import errors
from emulators.dataverse.errors import DataverseError
from emulators.dataverse.http import ApiRequest, ApiResponse, error_response
from emulators.dataverse.store import Store

MAX_OPERATIONS = 1000
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
_API_PREFIX = re.compile(r"^/?api/data/v9\.\d+/")
_REFERENCE = re.compile(r"^\$(\w+)")


@dataclass
class Operation:
    """One application/http part."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    content_id: str | None = None


@dataclass
class ChangeSet:
    """Operations that succeed or fail together."""

    operations: list[Operation] = field(default_factory=list)


def _unreadable() -> DataverseError:
    return DataverseError(
        400,
        errors.PAYLOAD_ERROR,
        "Error identified in Payload provided by the user for Entity :'' ----> InnerException : "
        "System.ArgumentException: Stream was not readable.",
    )


def _boundary(content_type: str | None) -> str:
    match = _BOUNDARY.search(content_type or "")
    if not content_type or not content_type.lower().startswith("multipart/mixed") or not match:
        raise errors.bad_request(
            "The content type of the batch request must be multipart/mixed with a boundary.",
            errors.PAYLOAD_ERROR,
        )
    return match.group(1)


def _split(body: str, boundary: str) -> list[str]:
    delimiter = f"--{boundary}"
    if f"{delimiter}--" not in body:
        raise _unreadable()
    inner = body.split(f"{delimiter}--", 1)[0]
    return [part[2:] if part.startswith("\r\n") else part for part in inner.split(delimiter)[1:]]


def _headers_and_rest(text: str) -> tuple[dict[str, str], str]:
    head, _, rest = text.partition("\r\n\r\n")
    headers = {}
    for line in head.split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers, rest


def _operation(text: str) -> Operation:
    part_headers, http_text = _headers_and_rest(text)
    request_line, _, rest = http_text.partition("\r\n")
    pieces = request_line.split(" ")
    if len(pieces) < 2:
        raise _unreadable()
    if rest.startswith("\r\n"):
        headers: dict[str, str] = {}
        body = rest[2:]
    else:
        headers, body = _headers_and_rest(rest)
    return Operation(
        method=pieces[0].upper(),
        url=pieces[1],
        headers=headers,
        body=body.removesuffix("\r\n").encode("utf-8"),
        content_id=part_headers.get("content-id"),
    )


def parse_batch(body: bytes, content_type: str | None) -> list[Operation | ChangeSet]:
    """The parts of a batch body, change sets nested.

    Raises:
        DataverseError: 400 for a body that is not CRLF multipart, or too many operations.
    """
    text = body.decode("utf-8")
    if re.search(r"(?<!\r)\n", text):
        raise _unreadable()
    items: list[Operation | ChangeSet] = []
    for part in _split(text, _boundary(content_type)):
        headers, rest = _headers_and_rest(part)
        kind = headers.get("content-type", "")
        if kind.lower().startswith("multipart/mixed"):
            changeset = ChangeSet()
            for inner in _split(rest, _boundary(kind)):
                changeset.operations.append(_operation(inner))
            items.append(changeset)
        else:
            items.append(_operation(part))
    count = sum(len(i.operations) if isinstance(i, ChangeSet) else 1 for i in items)
    if count > MAX_OPERATIONS:
        raise errors.bad_request(
            f"The number of requests in the batch exceeds the limit of {MAX_OPERATIONS}.",
            errors.PAYLOAD_ERROR,
        )
    return items


Dispatch = Callable[[ApiRequest], ApiResponse]


class BatchRunner:
    """Runs the parts of one batch in order through the normal request handlers."""

    def __init__(self, req: ApiRequest, dispatch: Dispatch, store: Store) -> None:
        self.req = req
        self.dispatch = dispatch
        self.store = store
        self.references: dict[str, str] = {}

    def _resolve(self, text: str) -> str:
        match = _REFERENCE.match(text)
        if match is None:
            return text
        url = self.references.get(match.group(1))
        if url is None:
            raise errors.bad_request(
                f"Content-ID Reference: '${match.group(1)}' does not exist in the batch context."
            )
        return url + text[match.end() :]

    def _request(self, op: Operation) -> ApiRequest:
        url = self._resolve(op.url)
        parts = urlsplit(url)
        path = _API_PREFIX.sub("", parts.path.lstrip("/"))
        body = op.body
        if body and b'"$' in body:
            payload = json.loads(body)
            if isinstance(payload, dict):
                payload = {
                    k: self._resolve(v) if k.endswith("@odata.bind") and isinstance(v, str) else v
                    for k, v in payload.items()
                }
                body = json.dumps(payload).encode()
        headers = {**{k: v for k, v in self.req.headers.items() if k == "prefer"}, **op.headers}
        return ApiRequest(
            method=op.method,
            path=path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers=headers,
            body=body,
            service_root=self.req.service_root,
        )

    def _run(self, op: Operation) -> ApiResponse:
        try:
            response = self.dispatch(self._request(op))
        except DataverseError as error:
            response = error_response(error)
        if op.content_id and response.status < 400:
            url = response.headers.get("OData-EntityId")
            if url:
                self.references[op.content_id] = url
                response.headers.setdefault("Location", url)
        return response

    def run_changeset(
        self, changeset: ChangeSet
    ) -> tuple[list[tuple[Operation, ApiResponse]], bool]:
        """Runs a change set atomically; on failure only the failing response is returned."""
        done: list[tuple[Operation, ApiResponse]] = []
        failed: tuple[Operation, ApiResponse] | None = None

        class _Rollback(Exception):
            pass

        try:
            with self.store.transaction():
                for op in changeset.operations:
                    if op.method == "GET":
                        failed = (
                            op,
                            error_response(
                                errors.bad_request("GET requests are not allowed in a change set.")
                            ),
                        )
                        raise _Rollback
                    response = self._run(op)
                    if response.status >= 400:
                        failed = (op, response)
                        raise _Rollback
                    done.append((op, response))
        except _Rollback:
            assert failed is not None
            return [failed], False
        return done, True


def _http_part(op: Operation | None, response: ApiResponse) -> str:
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if op is not None and op.content_id:
        lines.append(f"Content-ID: {op.content_id}")
    reason = HTTPStatus(response.status).phrase
    lines += ["", f"HTTP/1.1 {response.status} {reason}"]
    content_type = response.content_type()
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    lines.append("OData-Version: 4.0")
    for name, value in response.headers.items():
        if name not in ("Content-Type", "OData-Version"):
            lines.append(f"{name}: {value}")
    lines += ["", response.encoded_body().decode("utf-8")]
    return "\r\n".join(lines)


def run_batch(
    req: ApiRequest, dispatch: Dispatch, store: Store, base_cost_ms: float
) -> ApiResponse:
    """POST $batch: responses in request order; stops at the first error unless continue-on-error.

    Raises:
        DataverseError: 400 for a body that cannot be read as a batch.
    """
    items = parse_batch(req.body, req.header("content-type"))
    continue_on_error = "odata.continue-on-error" in req.prefer()
    runner = BatchRunner(req, dispatch, store)
    boundary = f"batchresponse_{uuid.uuid4()}"
    chunks: list[str] = []
    cost = base_cost_ms
    records = 0
    stopped = False
    for item in items:
        if isinstance(item, ChangeSet):
            results, ok = runner.run_changeset(item)
            cost += sum(r.cost_ms for _, r in results)
            records += sum(r.records for _, r in results)
            if ok:
                inner = f"changesetresponse_{uuid.uuid4()}"
                parts = [f"--{inner}\r\n{_http_part(op, r)}" for op, r in results]
                chunks.append(
                    f"Content-Type: multipart/mixed; boundary={inner}\r\n\r\n"
                    + "\r\n".join(parts)
                    + f"\r\n--{inner}--"
                )
            else:
                chunks.append(_http_part(*results[0]))
                stopped = not continue_on_error
        else:
            response = runner._run(item)
            cost += response.cost_ms
            records += response.records
            chunks.append(_http_part(item, response))
            stopped = response.status >= 400 and not continue_on_error
        if stopped:
            break
    body = "".join(f"--{boundary}\r\n{chunk}\r\n" for chunk in chunks) + f"--{boundary}--\r\n"
    headers = {"Content-Type": f"multipart/mixed; boundary={boundary}"}
    if continue_on_error:
        headers["Preference-Applied"] = "odata.continue-on-error"
    status = 400 if stopped else 200
    return ApiResponse(status, body.encode("utf-8"), headers, cost, "batch", records)
