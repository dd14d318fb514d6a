"""REST API under /services/data/vXX.X: describe, sObject CRUD and upsert, query, collections,
composite, Bulk API 2.0 ingest and metadata deploys, dispatched by a small route table."""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from emulators.salesforce import files, soql
from emulators.salesforce.bulk import BulkIngest
from emulators.salesforce.catalog import AUDIT_FIELDS, ObjectDef
from emulators.salesforce.dml import Dml, Outcome, RefInput, RowInput
from emulators.salesforce.errors import RowError, SalesforceError, bad_request, from_row, not_found
from emulators.salesforce.ids import looks_like_id, to18
from emulators.salesforce.metadata import Deployer
from emulators.salesforce.multipart import parse_multipart
from emulators.salesforce.org import Caller, Org

PAGE_SIZE = 2000
COLLECTION_LIMIT = 200


@dataclass
class ApiCall:
    """One request to the REST API, already authenticated."""

    method: str
    path: str
    version: str
    query: dict[str, str]
    body: bytes
    content_type: str
    caller: Caller
    origin: str

    def json(self) -> Any:
        """The body as JSON; 400 JSON_PARSER_ERROR when it is not."""
        try:
            return json.loads(self.body or b"null")
        except ValueError as exc:
            raise bad_request("JSON_PARSER_ERROR", "Unexpected character in the body") from exc


@dataclass
class Reply:
    """A handler's answer: JSON value, or text/bytes with a content type."""

    status: int
    body: Any = None
    content_type: str = "application/json;charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[ApiCall, re.Match[str]], Awaitable[Reply]]


def row_input(values: dict[str, Any]) -> RowInput:
    """A JSON sObject (nested relationship objects allowed) as a RowInput."""
    plain: dict[str, Any] = {}
    refs: list[RefInput] = []
    for name, value in values.items():
        if name == "attributes":
            continue
        if isinstance(value, dict):
            parent_type = (value.get("attributes") or {}).get("type")
            for ext, key in value.items():
                if ext != "attributes":
                    refs.append(RefInput(name, ext, key, parent_type))
        else:
            plain[name] = value
    return RowInput(plain, refs)


def save_result(outcome: Outcome, *, with_created: bool = False) -> dict[str, Any]:
    """A SaveResult / UpsertResult item of sObject Collections."""
    item: dict[str, Any] = {"id": outcome.id, "success": outcome.error is None}
    item["errors"] = [] if outcome.error is None else [outcome.error.rest()]
    if with_created:
        item["created"] = outcome.created
    return item


class RestApi:
    """The REST surface of one org."""

    def __init__(self, org: Org, dml: Dml, bulk: BulkIngest, deployer: Deployer) -> None:
        self.org, self.dml, self.bulk, self.deployer = org, dml, bulk, deployer
        self.cursors: dict[str, tuple[int, list[dict[str, Any]]]] = {}
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = [
            ("GET", re.compile(r"^$"), self.resources),
            ("GET", re.compile(r"^limits/?$"), self.limits),
            ("GET", re.compile(r"^sobjects/?$"), self.describe_global),
            ("GET", re.compile(r"^sobjects/(?P<obj>\w+)/describe/?$"), self.describe),
            ("GET", re.compile(r"^sobjects/(?P<obj>\w+)/?$"), self.object_info),
            ("POST", re.compile(r"^sobjects/(?P<obj>\w+)/?$"), self.create),
            ("GET", re.compile(r"^sobjects/ContentVersion/(?P<id>\w+)/VersionData$"), self.blob),
            ("GET", re.compile(r"^sobjects/(?P<obj>\w+)/(?P<id>\w{15,18})/?$"), self.retrieve),
            ("PATCH", re.compile(r"^sobjects/(?P<obj>\w+)/(?P<id>\w{15,18})/?$"), self.update),
            ("DELETE", re.compile(r"^sobjects/(?P<obj>\w+)/(?P<id>\w{15,18})/?$"), self.delete),
            (
                "PATCH",
                re.compile(r"^sobjects/(?P<obj>\w+)/(?P<field>\w+)/(?P<value>[^/]+)$"),
                self.upsert,
            ),
            (
                "GET",
                re.compile(r"^sobjects/(?P<obj>\w+)/(?P<field>\w+)/(?P<value>[^/]+)$"),
                self.retrieve_by_external_id,
            ),
            ("GET", re.compile(r"^query/?$"), self.query),
            ("GET", re.compile(r"^queryAll/?$"), self.query_all),
            ("GET", re.compile(r"^query/(?P<cursor>[\w-]+)$"), self.query_more),
            ("POST", re.compile(r"^composite/sobjects/?$"), self.collection_create),
            ("PATCH", re.compile(r"^composite/sobjects/?$"), self.collection_update),
            (
                "PATCH",
                re.compile(r"^composite/sobjects/(?P<obj>\w+)/(?P<field>\w+)/?$"),
                self.collection_upsert,
            ),
            ("DELETE", re.compile(r"^composite/sobjects/?$"), self.collection_delete),
            ("POST", re.compile(r"^composite/?$"), self.composite),
            ("POST", re.compile(r"^jobs/ingest/?$"), self.job_create),
            ("GET", re.compile(r"^jobs/ingest/?$"), self.job_list),
            ("GET", re.compile(r"^jobs/ingest/(?P<id>\w+)/?$"), self.job_info),
            ("PATCH", re.compile(r"^jobs/ingest/(?P<id>\w+)/?$"), self.job_patch),
            ("DELETE", re.compile(r"^jobs/ingest/(?P<id>\w+)/?$"), self.job_delete),
            ("PUT", re.compile(r"^jobs/ingest/(?P<id>\w+)/batches/?$"), self.job_upload),
            (
                "GET",
                re.compile(
                    r"^jobs/ingest/(?P<id>\w+)/(?P<kind>successfulResults|failedResults|"
                    r"unprocessedrecords|unprocessedRecords)/?$"
                ),
                self.job_results,
            ),
            ("POST", re.compile(r"^metadata/deployRequest/?$"), self.deploy),
            ("GET", re.compile(r"^metadata/deployRequest/(?P<id>\w+)/?$"), self.deploy_status),
        ]

    async def dispatch(self, call: ApiCall) -> Reply:
        """Runs the handler for the call's method and path; 404/405 otherwise."""
        allowed = False
        for method, pattern, handler in self.routes:
            match = pattern.match(call.path)
            if match is None:
                continue
            if method == call.method:
                return await handler(call, match)
            allowed = True
        if allowed:
            raise SalesforceError(
                405, "METHOD_NOT_ALLOWED", f"HTTP Method '{call.method}' not allowed"
            )
        raise not_found()

    def _object(self, call: ApiCall, name: str) -> ObjectDef:
        obj = self.org.object(name, call.caller)
        if obj is None:
            raise not_found(f"The requested resource does not exist: {name}")
        return obj

    # --- resources and describe ------------------------------------------------------------
    async def resources(self, call: ApiCall, match: re.Match[str]) -> Reply:
        base = f"/services/data/v{call.version}"
        names = ("sobjects", "query", "queryAll", "composite", "jobs", "limits", "metadata")
        return Reply(200, {name: f"{base}/{name}" for name in names})

    async def limits(self, call: ApiCall, match: re.Match[str]) -> Reply:
        limits = self.org.config.limits
        return Reply(
            200,
            {
                "DailyApiRequests": {
                    "Max": limits.daily_api_requests,
                    "Remaining": max(0, limits.daily_api_requests - self.usage),
                },
                "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
            },
        )

    usage = 0  # set by the app on every counted call

    async def describe_global(self, call: ApiCall, match: re.Match[str]) -> Reply:
        base = f"/services/data/v{call.version}"
        visible = [o for o in self.org.objects.values() if self.org.object(o.name, call.caller)]
        return Reply(
            200,
            {
                "encoding": "UTF-8",
                "maxBatchSize": 200,
                "sobjects": [o.summary(base) for o in visible],
            },
        )

    async def describe(self, call: ApiCall, match: re.Match[str]) -> Reply:
        obj = self._object(call, match["obj"])
        body = obj.describe(
            self.org.visible_fields(obj, call.caller), f"/services/data/v{call.version}"
        )
        if self.org.config.audit_fields_org_setting and call.caller.may("SetAuditFields"):
            for f in body["fields"]:  # Set Audit Fields makes them createable (insert only)
                if f["name"] in AUDIT_FIELDS:
                    f["createable"] = True
        return Reply(200, body)

    async def object_info(self, call: ApiCall, match: re.Match[str]) -> Reply:
        obj = self._object(call, match["obj"])
        return Reply(
            200,
            {"objectDescribe": obj.summary(f"/services/data/v{call.version}"), "recentItems": []},
        )

    # --- single records --------------------------------------------------------------------
    async def create(self, call: ApiCall, match: re.Match[str]) -> Reply:
        obj = self._object(call, match["obj"])
        if obj.name == "ContentVersion":
            values, data = self._content_version_body(call)
            outcome = files.insert_content_version(self.org, self.dml, values, data, call.caller)
        else:
            body = call.json()
            if not isinstance(body, dict):
                raise bad_request("JSON_PARSER_ERROR", "Expected an object")
            (outcome,) = self.dml.save(
                obj, "insert", [row_input(body)], call.caller, from_csv=False
            )
        if outcome.error is not None:
            raise from_row(outcome.error)
        return Reply(201, {"id": outcome.id, "success": True, "errors": []})

    def _content_version_body(self, call: ApiCall) -> tuple[dict[str, Any], bytes | None]:
        if call.content_type.startswith("multipart/"):
            parts = parse_multipart(call.body, call.content_type)
            entity = next(
                (p for p in parts if p.name in ("entity_content", "entity_document")), None
            )
            data = next((p for p in parts if p.name == "VersionData"), None)
            if entity is None:
                raise bad_request("INVALID_MULTIPART_REQUEST", "entity_content part is missing")
            values = json.loads(entity.data)
            return values, data.data if data else None
        values = call.json()
        raw = values.pop("VersionData", None)
        try:
            return values, base64.b64decode(raw, validate=True) if raw else None
        except ValueError as exc:
            raise bad_request("INVALID_TYPE_ON_FIELD_IN_RECORD", "VersionData: not base64") from exc

    async def blob(self, call: ApiCall, match: re.Match[str]) -> Reply:
        data = self.org.store.get_blob(to18(match["id"]))
        if data is None:
            raise not_found()
        return Reply(200, data, "application/octetstream")

    def _live(self, obj: ObjectDef, record_id: str) -> dict[str, Any]:
        found = self.org.store.get(to18(record_id)) if looks_like_id(record_id) else None
        if found is None or found[0] != obj.name or found[1]:
            raise not_found()
        return found[2]

    def _render(self, obj: ObjectDef, call: ApiCall, record: dict[str, Any]) -> dict[str, Any]:
        wanted = call.query.get("fields")
        visible = self.org.visible_fields(obj, call.caller)
        names = [f.name for f in visible if f.type != "base64"]
        if wanted:
            names = [
                n for n in names if n.lower() in {w.strip().lower() for w in wanted.split(",")}
            ]
        url = f"/services/data/v{call.version}/sobjects/{obj.name}/{record['Id']}"
        return {"attributes": {"type": obj.name, "url": url}, **{n: record.get(n) for n in names}}

    async def retrieve(self, call: ApiCall, match: re.Match[str]) -> Reply:
        obj = self._object(call, match["obj"])
        return Reply(200, self._render(obj, call, self._live(obj, match["id"])))

    async def update(self, call: ApiCall, match: re.Match[str]) -> Reply:
        obj = self._object(call, match["obj"])
        values = {**row_input(call.json()).values, "Id": match["id"]}
        row = row_input(call.json())
        (outcome,) = self.dml.save(
            obj, "update", [RowInput(values, row.refs)], call.caller, from_csv=False
        )
        if outcome.error is not None:
            if outcome.error.code == "ENTITY_IS_DELETED":
                raise not_found()
            raise from_row(outcome.error)
        return Reply(204)

    async def delete(self, call: ApiCall, match: re.Match[str]) -> Reply:
        obj = self._object(call, match["obj"])
        self._live(obj, match["id"])
        (outcome,) = self.dml.delete([match["id"]], call.caller)
        if outcome.error is not None:
            raise from_row(outcome.error)
        if obj.name == "ContentDocument":
            files.cascade_document_delete(self.org, self.dml, [to18(match["id"])], call.caller)
        return Reply(204)

    async def upsert(self, call: ApiCall, match: re.Match[str]) -> Reply:
        obj = self._object(call, match["obj"])
        f = obj.field(match["field"])
        if f is None or not f.indexed or f.name == "Id":
            raise not_found(
                f"Provided external ID field does not exist or is not accessible: {match['field']}"
            )
        existing = self.org.store.find_by(obj.name, f.name, [match["value"]]).get(
            match["value"].lower(), []
        )
        if len(existing) > 1:
            return Reply(
                300,
                [
                    f"/services/data/v{call.version}/sobjects/{obj.name}/{rid}"
                    for rid, _ in existing
                ],
            )
        row = row_input(call.json())
        row.values[f.name] = match["value"]
        (outcome,) = self.dml.save(
            obj, "upsert", [row], call.caller, from_csv=False, ext_field=f.name
        )
        if outcome.error is not None:
            raise from_row(outcome.error)
        body: dict[str, Any] = {
            "id": outcome.id,
            "success": True,
            "errors": [],
            "created": outcome.created,
        }
        return Reply(201 if outcome.created else 200, body)

    async def retrieve_by_external_id(self, call: ApiCall, match: re.Match[str]) -> Reply:
        obj = self._object(call, match["obj"])
        f = obj.field(match["field"])
        if f is None or not f.indexed:
            raise not_found()
        existing = self.org.store.find_by(obj.name, f.name, [match["value"]]).get(
            match["value"].lower(), []
        )
        if not existing:
            raise not_found()
        return Reply(200, self._render(obj, call, existing[0][1]))

    # --- query -----------------------------------------------------------------------------
    async def query(
        self, call: ApiCall, match: re.Match[str], include_deleted: bool = False
    ) -> Reply:
        text = call.query.get("q")
        if not text:
            raise bad_request("MALFORMED_QUERY", "q is required")
        parsed = soql.parse(text, self.org, call.caller)
        if parsed.object_name == "ContentDocumentLink" and not re.search(
            r"ContentDocumentId|LinkedEntityId|\bId\b", parsed.where
        ):
            raise bad_request(
                "MALFORMED_QUERY",
                "Implementation restriction: ContentDocumentLink "
                "requires a filter by a single Id on ContentDocumentId or "
                "LinkedEntityId using the equals operator or multiple Id's using "
                "the IN operator.",
            )
        total, records = soql.execute(parsed, self.org, include_deleted=include_deleted)
        return self._page(call, total, records, 0)

    async def query_all(self, call: ApiCall, match: re.Match[str]) -> Reply:
        return await self.query(call, match, include_deleted=True)

    def _page(self, call: ApiCall, total: int, records: list[dict[str, Any]], start: int) -> Reply:
        page = records[start : start + PAGE_SIZE]
        body: dict[str, Any] = {
            "totalSize": total,
            "done": start + PAGE_SIZE >= len(records),
            "records": page,
        }
        if not body["done"]:
            cursor = "01gHn" + secrets.token_hex(6)
            self.cursors[cursor] = (total, records)
            body["nextRecordsUrl"] = (
                f"/services/data/v{call.version}/query/{cursor}-{start + PAGE_SIZE}"
            )
        return Reply(200, body)

    async def query_more(self, call: ApiCall, match: re.Match[str]) -> Reply:
        cursor, _, offset = match["cursor"].rpartition("-")
        if cursor not in self.cursors or not offset.isdigit():
            raise bad_request("INVALID_QUERY_LOCATOR", "invalid query locator")
        total, records = self.cursors[cursor]
        return self._page(call, total, records, int(offset))

    # --- sObject Collections ---------------------------------------------------------------
    def _records(self, call: ApiCall) -> tuple[list[dict[str, Any]], bool]:
        body = call.json()
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            raise bad_request("JSON_PARSER_ERROR", "Expected {allOrNone, records}")
        records = body["records"]
        if len(records) > COLLECTION_LIMIT:
            raise bad_request(
                "EXCEEDED_ID_LIMIT",
                "record limit reached. cannot submit more than 200 records into this call",
            )
        return records, bool(body.get("allOrNone", False))

    def _run_collection(
        self,
        call: ApiCall,
        records: list[dict[str, Any]],
        all_or_none: bool,
        operation: str,
        ext_field: str | None = None,
        object_name: str | None = None,
    ) -> list[Outcome]:
        outcomes: list[Outcome | None] = [None] * len(records)
        groups: list[tuple[str, list[int]]] = []
        for index, record in enumerate(records):
            type_name = object_name or (record.get("attributes") or {}).get("type")
            if not type_name:
                outcomes[index] = Outcome(
                    error=RowError("INVALID_FIELD", "No type provided in attributes", [])
                )
                continue
            if operation == "insert" and record.get("Id"):
                outcomes[index] = Outcome(
                    error=RowError(
                        "INVALID_FIELD", "The Id field should not be specified in the sobject data."
                    )
                )
                continue
            if groups and groups[-1][0] == type_name:
                groups[-1][1].append(index)
            else:
                groups.append((type_name, [index]))
        try:
            with self.org.store.transaction():
                for type_name, indexes in groups:
                    obj = self.org.object(type_name, call.caller)
                    if obj is None:
                        for i in indexes:
                            outcomes[i] = Outcome(
                                error=RowError(
                                    "INVALID_TYPE", f"sObject type '{type_name}' is not supported."
                                )
                            )
                        continue
                    rows = []
                    for i in indexes:
                        row = row_input(records[i])
                        if operation == "update":
                            row.values["Id"] = records[i].get("Id") or records[i].get("id")
                        rows.append(row)
                    results = self.dml.save(
                        obj,
                        operation,  # type: ignore[arg-type]
                        rows,
                        call.caller,
                        from_csv=False,
                        ext_field=ext_field,
                    )
                    for i, outcome in zip(indexes, results, strict=True):
                        outcomes[i] = outcome
                if all_or_none and any(o is not None and o.error for o in outcomes):
                    raise _RollBack
        except _RollBack:
            rolled = RowError(
                "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                "Record rolled back because not all records were valid and the "
                "request was using AllOrNone header",
            )
            return [o if o is not None and o.error else Outcome(error=rolled) for o in outcomes]
        return [
            o or Outcome(error=RowError("UNKNOWN_EXCEPTION", "not processed")) for o in outcomes
        ]

    async def collection_create(self, call: ApiCall, match: re.Match[str]) -> Reply:
        records, all_or_none = self._records(call)
        outcomes = self._run_collection(call, records, all_or_none, "insert")
        return Reply(200, [save_result(o) for o in outcomes])

    async def collection_update(self, call: ApiCall, match: re.Match[str]) -> Reply:
        records, all_or_none = self._records(call)
        outcomes = self._run_collection(call, records, all_or_none, "update")
        return Reply(200, [save_result(o) for o in outcomes])

    async def collection_upsert(self, call: ApiCall, match: re.Match[str]) -> Reply:
        obj = self._object(call, match["obj"])
        f = obj.field(match["field"])
        if f is None or not f.indexed:
            raise not_found("Provided external ID field does not exist or is not accessible")
        records, all_or_none = self._records(call)
        outcomes = self._run_collection(call, records, all_or_none, "upsert", f.name, obj.name)
        return Reply(200, [save_result(o, with_created=True) for o in outcomes])

    async def collection_delete(self, call: ApiCall, match: re.Match[str]) -> Reply:
        ids = [i for i in call.query.get("ids", "").split(",") if i]
        if len(ids) > COLLECTION_LIMIT:
            raise bad_request("EXCEEDED_ID_LIMIT", "cannot delete more than 200 records")
        all_or_none = call.query.get("allOrNone", "false").lower() == "true"
        try:
            with self.org.store.transaction():
                outcomes = self.dml.delete(ids, call.caller)
                if all_or_none and any(o.error for o in outcomes):
                    raise _RollBack
        except _RollBack:
            rolled = RowError("ALL_OR_NONE_OPERATION_ROLLED_BACK", "Record rolled back")
            outcomes = [o if o.error else Outcome(id=o.id, error=rolled) for o in outcomes]
        documents = [o.id for o in outcomes if o.id and o.error is None and o.id.startswith("069")]
        if documents:
            files.cascade_document_delete(self.org, self.dml, documents, call.caller)
        return Reply(
            200,
            [
                {
                    "id": o.id,
                    "success": o.error is None,
                    "errors": [] if o.error is None else [o.error.rest()],
                }
                for o in outcomes
            ],
        )

    async def composite(self, call: ApiCall, match: re.Match[str]) -> Reply:
        body = call.json()
        requests = body.get("compositeRequest") if isinstance(body, dict) else None
        if not isinstance(requests, list) or len(requests) > 25:
            raise bad_request("INVALID_INPUT", "compositeRequest: 1-25 subrequests")
        refs: dict[str, Any] = {}
        responses = []
        failed = False
        for sub in requests:
            reference = sub.get("referenceId")
            if failed and body.get("allOrNone"):
                responses.append(
                    {
                        "body": [
                            {
                                "errorCode": "PROCESSING_HALTED",
                                "message": "The transaction was rolled back",
                            }
                        ],
                        "httpHeaders": {},
                        "httpStatusCode": 400,
                        "referenceId": reference,
                    }
                )
                continue
            url = _substitute(str(sub.get("url", "")), refs)
            path = re.sub(r"^/services/data/v[\d.]+/", "", url)
            path, _, query = path.partition("?")
            sub_body = _substitute(json.dumps(sub.get("body")), refs) if "body" in sub else ""
            sub_call = ApiCall(
                str(sub.get("method", "GET")).upper(),
                path,
                call.version,
                dict(p.split("=", 1) for p in query.split("&") if "=" in p),
                sub_body.encode(),
                "application/json",
                call.caller,
                call.origin,
            )
            try:
                reply = await self.dispatch(sub_call)
                status, result = reply.status, reply.body
            except SalesforceError as exc:
                status, result, failed = exc.status, exc.body(), True
            if isinstance(result, dict) and reference:
                refs[reference] = result
            responses.append(
                {
                    "body": result,
                    "httpHeaders": {},
                    "httpStatusCode": status,
                    "referenceId": reference,
                }
            )
        return Reply(200, {"compositeResponse": responses})

    # --- Bulk API 2.0 ----------------------------------------------------------------------
    async def job_create(self, call: ApiCall, match: re.Match[str]) -> Reply:
        if call.content_type.startswith("multipart/"):
            parts = {p.name: p for p in parse_multipart(call.body, call.content_type)}
            if "job" not in parts or "content" not in parts:
                raise bad_request("ClientInputError", "multipart needs job and content parts")
            job = self.bulk.create(json.loads(parts["job"].data), call.caller, call.version)
            self.bulk.upload(job.id, parts["content"].data)
            self.bulk.change_state(job.id, "UploadComplete")
        else:
            job = self.bulk.create(call.json() or {}, call.caller, call.version)
        return Reply(200, job.info())

    async def job_list(self, call: ApiCall, match: re.Match[str]) -> Reply:
        jobs = [
            j.info() for j in self.bulk.jobs.values() if j.caller.user_id == call.caller.user_id
        ]
        return Reply(200, {"done": True, "records": jobs, "nextRecordsUrl": None})

    async def job_info(self, call: ApiCall, match: re.Match[str]) -> Reply:
        return Reply(200, self.bulk.get(match["id"]).info())

    async def job_patch(self, call: ApiCall, match: re.Match[str]) -> Reply:
        state = (call.json() or {}).get("state")
        return Reply(200, self.bulk.change_state(match["id"], str(state)).info())

    async def job_delete(self, call: ApiCall, match: re.Match[str]) -> Reply:
        self.bulk.delete(match["id"])
        return Reply(204)

    async def job_upload(self, call: ApiCall, match: re.Match[str]) -> Reply:
        if not call.content_type.startswith("text/csv"):
            raise bad_request("ClientInputError", "Content-Type must be text/csv")
        self.bulk.upload(match["id"], call.body)
        return Reply(201)

    async def job_results(self, call: ApiCall, match: re.Match[str]) -> Reply:
        text = self.bulk.results(match["id"], match["kind"])
        return Reply(200, text, "text/csv")

    # --- metadata --------------------------------------------------------------------------
    async def deploy(self, call: ApiCall, match: re.Match[str]) -> Reply:
        if not call.content_type.startswith("multipart/"):
            raise bad_request("INVALID_MULTIPART_REQUEST", "a deploy is multipart: json + file")
        parts = {p.name: p for p in parse_multipart(call.body, call.content_type)}
        if "file" not in parts:
            raise bad_request("INVALID_MULTIPART_REQUEST", "the zip goes in the 'file' part")
        options = json.loads(parts["json"].data).get("deployOptions", {}) if "json" in parts else {}
        result = self.deployer.deploy(
            parts["file"].data, call.caller, check_only=bool(options.get("checkOnly"))
        )
        body = result.body(include_details=False)
        body["deployOptions"] = options
        body["url"] = f"/services/data/v{call.version}/metadata/deployRequest/{result.id}"
        return Reply(201, body)

    async def deploy_status(self, call: ApiCall, match: re.Match[str]) -> Reply:
        result = self.deployer.results.get(match["id"])
        if result is None:
            raise not_found()
        details = call.query.get("includeDetails", "false").lower() == "true"
        return Reply(200, result.body(include_details=details))


class _RollBack(Exception):
    """Raised inside a transaction to undo an allOrNone request."""


def _substitute(text: str, refs: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        reference, _, path = match.group(1).partition(".")
        current: Any = refs.get(reference, {})
        for part in path.split("."):
            current = current.get(part) if isinstance(current, dict) else None
        return str(current or "")

    return re.sub(r"@\{([\w.]+)\}", value, text)
