"""REST handlers for sObject Collections (200 records, allOrNone) and Composite requests."""

from __future__ import annotations

import json
import re
from typing import Any

from emulators.salesforce import files
from emulators.salesforce.api import ApiCall, Reply, row_input, save_result, visible_object
from emulators.salesforce.dml import Dml, Outcome
from emulators.salesforce.errors import RowError, SalesforceError, bad_request, not_found
from emulators.salesforce.org import Org

COLLECTION_LIMIT = 200


class CompositeRoutes:
    """Collections and Composite; mixed into RestApi (which provides `dispatch`)."""

    org: Org
    dml: Dml

    async def dispatch(self, call: ApiCall) -> Reply:
        """Runs one (sub)request; implemented by RestApi."""
        raise NotImplementedError

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
        obj = visible_object(self.org, call, match["obj"])
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
