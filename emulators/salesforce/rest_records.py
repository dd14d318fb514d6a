"""REST handlers for describe, single records (CRUD, upsert by external id, files) and SOQL."""

from __future__ import annotations

import base64
import json
import re
import secrets
from typing import Any

from emulators.salesforce import files, soql
from emulators.salesforce.api import ApiCall, Reply, row_input, visible_object
from emulators.salesforce.catalog import AUDIT_FIELDS, ObjectDef
from emulators.salesforce.dml import Dml, RowInput
from emulators.salesforce.errors import bad_request, from_row, not_found
from emulators.salesforce.ids import looks_like_id, to18
from emulators.salesforce.multipart import parse_multipart
from emulators.salesforce.org import Org

PAGE_SIZE = 2000


class RecordRoutes:
    """Describe, sObject rows and query; mixed into RestApi."""

    org: Org
    dml: Dml
    cursors: dict[str, tuple[int, list[dict[str, Any]]]]
    usage: int

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
        obj = visible_object(self.org, call, match["obj"])
        body = obj.describe(
            self.org.visible_fields(obj, call.caller), f"/services/data/v{call.version}"
        )
        if self.org.config.audit_fields_org_setting and call.caller.may("SetAuditFields"):
            for f in body["fields"]:  # Set Audit Fields makes them createable (insert only)
                if f["name"] in AUDIT_FIELDS:
                    f["createable"] = True
        return Reply(200, body)

    async def object_info(self, call: ApiCall, match: re.Match[str]) -> Reply:
        obj = visible_object(self.org, call, match["obj"])
        return Reply(
            200,
            {"objectDescribe": obj.summary(f"/services/data/v{call.version}"), "recentItems": []},
        )

    # --- single records --------------------------------------------------------------------
    async def create(self, call: ApiCall, match: re.Match[str]) -> Reply:
        obj = visible_object(self.org, call, match["obj"])
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
        obj = visible_object(self.org, call, match["obj"])
        return Reply(200, self._render(obj, call, self._live(obj, match["id"])))

    async def update(self, call: ApiCall, match: re.Match[str]) -> Reply:
        obj = visible_object(self.org, call, match["obj"])
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
        obj = visible_object(self.org, call, match["obj"])
        self._live(obj, match["id"])
        (outcome,) = self.dml.delete([match["id"]], call.caller)
        if outcome.error is not None:
            raise from_row(outcome.error)
        if obj.name == "ContentDocument":
            files.cascade_document_delete(self.org, self.dml, [to18(match["id"])], call.caller)
        return Reply(204)

    async def upsert(self, call: ApiCall, match: re.Match[str]) -> Reply:
        obj = visible_object(self.org, call, match["obj"])
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
        obj = visible_object(self.org, call, match["obj"])
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
