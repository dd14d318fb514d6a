"""The data half of the Web API: entity sets, records, bulk actions and WhoAmI."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote, unquote

from emulators.dataverse import errors
from emulators.dataverse.cost import CostModel
from emulators.dataverse.expand import apply_expansions, parse_expansions
from emulators.dataverse.files import Files
from emulators.dataverse.http import ApiRequest, ApiResponse
from emulators.dataverse.metadata.catalog import Catalog
from emulators.dataverse.metadata.model import Table
from emulators.dataverse.odata.filter import Compare, Logical, Node, parse_filter
from emulators.dataverse.odata.keys import format_key, parse_key, split_segment
from emulators.dataverse.reads import (
    COUNT_LIMIT,
    Renderer,
    compile_filter,
    compile_orderby,
    parse_select,
)
from emulators.dataverse.references import References
from emulators.dataverse.store import Store
from emulators.dataverse.writes import Caller, Writer, Written

DEFAULT_PAGE_SIZE = 5000
_METHOD_NOT_ALLOWED = "The requested resource does not support http method '{}'."
_BULK = ("CreateMultiple", "UpdateMultiple", "UpsertMultiple", "DeleteMultiple")


def _document_bytes(body: Any) -> int:
    if isinstance(body, dict) and isinstance(body.get("documentbody"), str):
        return len(body["documentbody"])
    return 0


class DataApi:
    """Handles requests on entity sets; every write runs in one transaction."""

    def __init__(
        self,
        store: Store,
        catalog: Catalog,
        refs: References,
        writer: Writer,
        costs: CostModel,
        files: Files,
    ) -> None:
        self.files = files
        self.store = store
        self.catalog = catalog
        self.refs = refs
        self.writer = writer
        self.renderer = Renderer(store, catalog)
        self.costs = costs

    # --- routing -----------------------------------------------------------------------
    def handle(self, req: ApiRequest, segments: list[str], caller: Caller) -> ApiResponse:
        """Dispatches `<set>`, `<set>(<key>)`, `<set>(<key>)/<column>` and bound actions."""
        set_name, key_text = split_segment(segments[0])
        table = self.catalog.by_entity_set(set_name)
        rest = segments[1:]
        if key_text is None:
            if not rest:
                if req.method == "GET":
                    return self.query(req, table)
                if req.method == "POST":
                    return self.create(req, table, caller)
                raise errors.DataverseError(
                    405, "0x80060888", _METHOD_NOT_ALLOWED.format(req.method)
                )
            action = rest[0].removeprefix("Microsoft.Dynamics.CRM.")
            if len(rest) == 1 and action in _BULK and req.method == "POST":
                return self.bulk(req, table, action, caller)
            raise errors.resource_not_found(rest[0])
        key = parse_key(key_text)
        if not rest:
            if req.method == "GET":
                return self.retrieve(req, table, key)
            if req.method == "PATCH":
                return self.patch(req, table, key, caller)
            if req.method == "DELETE":
                return self.delete(req, table, key)
            raise errors.DataverseError(405, "0x80060888", _METHOD_NOT_ALLOWED.format(req.method))
        return self.property(req, table, key, rest, caller)

    # --- helpers -----------------------------------------------------------------------
    def _context(self, req: ApiRequest, table: Table, select: list[str] | None) -> str:
        columns = f"({','.join(select)})" if select else ""
        return f"{req.service_root}/$metadata#{table.entity_set_name}{columns}"

    def _entity_url(self, req: ApiRequest, table: Table, record_id: str) -> str:
        return f"{req.service_root}/{table.entity_set_name}({record_id})"

    def _find(self, table: Table, key: str | dict[str, Any]) -> str | None:
        if isinstance(key, str):
            return key if self.store.exists(table.logical_name, key) else None
        return self.refs.by_key(table, key)

    def _write_response(
        self, req: ApiRequest, table: Table, written: Written, url: str, operation: str
    ) -> ApiResponse:
        cost = self.costs.charge(operation, 1, _document_bytes(written.body))
        if req.prefer().get("return") == "representation":
            select = parse_select(table, req.query.get("$select"))
            body = self.renderer.render(
                table, written.version, written.body, select, req.wants_annotations()
            )
            body = {"@odata.context": self._context(req, table, select) + "/$entity", **body}
            status = 201 if written.created else 200
            headers = {"Preference-Applied": "return=representation", "ETag": body["@odata.etag"]}
            return ApiResponse(status, body, headers, cost, operation, 1)
        return ApiResponse(204, None, {"OData-EntityId": url}, cost, operation, 1)

    # --- single-record operations ------------------------------------------------------
    def create(self, req: ApiRequest, table: Table, caller: Caller) -> ApiResponse:
        """POST <set>: 204 + OData-EntityId, or 201 + body with return=representation."""
        body = req.json()
        with self.store.transaction():
            written = self.writer.create(table, body, caller)
        url = self._entity_url(req, table, written.record_id)
        return self._write_response(req, table, written, url, "create")

    def retrieve(self, req: ApiRequest, table: Table, key: str | dict[str, Any]) -> ApiResponse:
        """GET <set>(<key>) with $select; 304 for a matching If-None-Match."""
        select = parse_select(table, req.query.get("$select"))
        expansions = parse_expansions(self.catalog, table, req.query.get("$expand"))
        record_id = self._find(table, key)
        found = self.store.get(table.logical_name, record_id) if record_id else None
        if found is None:
            if isinstance(key, dict):
                raise errors.DataverseError(
                    404,
                    errors.OBJECT_DOES_NOT_EXIST,
                    f"A record with the specified key values does not exist in "
                    f"{table.logical_name} entity",
                )
            raise errors.record_not_found(table.logical_name, str(key))
        version, record = found
        etag = f'W/"{version}"'
        cost = self.costs.charge("read", 1)
        annotations = req.wants_annotations()
        if req.header("if-none-match") == etag and not annotations and not expansions:
            return ApiResponse(304, None, {"ETag": etag}, cost, "read", 1)
        body = self.renderer.render(table, version, record, select, annotations)
        apply_expansions(self.store, self.catalog, self.renderer, table, record, body, expansions)
        body = {"@odata.context": self._context(req, table, select) + "/$entity", **body}
        return ApiResponse(200, body, {"ETag": etag}, cost, "read", 1)

    def patch(
        self, req: ApiRequest, table: Table, key: str | dict[str, Any], caller: Caller
    ) -> ApiResponse:
        """PATCH by id or alternate key: update, or upsert unless If-Match says otherwise."""
        body = req.json()
        if_match, if_none_match = req.header("if-match"), req.header("if-none-match")
        with self.store.transaction():
            record_id = self._find(table, key)
            if record_id is not None:
                if if_none_match == "*":
                    raise errors.record_exists()
                if if_match and if_match != "*":
                    version = self.store.get(table.logical_name, record_id)
                    if version is None or if_match != f'W/"{version[0]}"':
                        raise errors.version_mismatch()
                drop = (
                    frozenset(self.refs.key_columns(table, key))
                    if isinstance(key, dict)
                    else frozenset()
                )
                written = self.writer.update(table, record_id, body, caller, drop_columns=drop)
            else:
                if if_match:
                    if isinstance(key, str):
                        raise errors.record_not_found(table.logical_name, key)
                    raise errors.DataverseError(
                        404,
                        errors.OBJECT_DOES_NOT_EXIST,
                        f"A record with the specified key values does not exist in "
                        f"{table.logical_name} entity",
                    )
                if isinstance(key, str):
                    written = self.writer.create(table, body, caller, record_id=key)
                else:
                    from_url = self.refs.key_columns(table, key)
                    written = self.writer.create(
                        table,
                        body,
                        caller,
                        key_columns={
                            name: value for name, value in from_url.items() if name not in body
                        },
                    )
        if isinstance(key, dict):
            url = f"{req.service_root}/{table.entity_set_name}({format_key(key)})"
        else:
            url = self._entity_url(req, table, written.record_id)
        if if_match or if_none_match:
            operation = "create" if written.created else "update"
        else:
            operation = "upsert"  # the service retrieves first: dearer than create or update
        return self._write_response(req, table, written, url, operation)

    def delete(self, req: ApiRequest, table: Table, key: str | dict[str, Any]) -> ApiResponse:
        """DELETE <set>(<key>): 204, 404 when missing, 412 on an etag mismatch."""
        with self.store.transaction():
            record_id = self._find(table, key)
            if record_id is None:
                raise errors.record_not_found(table.logical_name, str(key))
            if_match = req.header("if-match")
            if if_match and if_match != "*":
                found = self.store.get(table.logical_name, record_id)
                if found is None or if_match != f'W/"{found[0]}"':
                    raise errors.version_mismatch()
            self.writer.delete(table, record_id)
        return ApiResponse(204, None, {}, self.costs.charge("delete", 1), "delete", 1)

    def property(
        self,
        req: ApiRequest,
        table: Table,
        key: str | dict[str, Any],
        rest: list[str],
        caller: Caller,
    ) -> ApiResponse:
        """GET/PUT/DELETE of one column; `documentbody/$value` downloads a note's file."""
        name = rest[0]
        column = table.columns.get(name)
        if column is None or len(rest) > 2 or (len(rest) == 2 and rest[1] != "$value"):
            raise errors.resource_not_found(name)
        record_id = self._find(table, key)
        if record_id is None:
            raise errors.record_not_found(table.logical_name, str(key))
        if column.type == "File":
            return self.files.handle(req, table, record_id, column, len(rest) == 2, caller)
        if req.method == "GET":
            found = self.store.get(table.logical_name, record_id)
            assert found is not None
            value = found[1].get(name)
            if len(rest) == 2:
                return ApiResponse(
                    200,
                    (value or "").encode(),
                    {"Content-Type": "text/plain"},
                    self.costs.charge("read", 1),
                    "read",
                    1,
                )
            body = {
                "@odata.context": f"{req.service_root}/$metadata#{table.entity_set_name}"
                f"({record_id})/{name}",
                "value": value,
            }
            return ApiResponse(200, body, {}, self.costs.charge("read", 1), "read", 1)
        if req.method in ("PUT", "DELETE"):
            value = req.json().get("value") if req.method == "PUT" else None
            with self.store.transaction():
                self.writer.update(table, record_id, {name: value}, caller)
            return ApiResponse(204, None, {}, self.costs.charge("update", 1), "update", 1)
        raise errors.DataverseError(405, "0x80060888", _METHOD_NOT_ALLOWED.format(req.method))

    # --- queries -----------------------------------------------------------------------
    def query(self, req: ApiRequest, table: Table) -> ApiResponse:
        """GET <set> with $select/$filter/$orderby/$top/$count and server-driven paging."""
        select = parse_select(table, req.query.get("$select"))
        expansions = parse_expansions(self.catalog, table, req.query.get("$expand"))
        params: list[Any] = [table.logical_name]
        where = "entity = ?"
        if req.query.get("$filter"):
            where += " AND " + compile_filter(table, parse_filter(req.query["$filter"]), params)
        order = compile_orderby(table, req.query.get("$orderby", ""))
        top = int(req.query["$top"]) if req.query.get("$top") else None
        page_size = int(req.prefer().get("odata.maxpagesize") or DEFAULT_PAGE_SIZE)
        offset = _offset_from_skiptoken(req.query.get("$skiptoken"))
        limit = page_size if top is None else min(page_size, max(top - offset, 0))
        source = self._source(table, req.query.get("$filter"))
        rows = self.store.query(
            # where/order come from the query compiler: validated names, values as parameters
            f"SELECT id, version, body FROM {source} WHERE {where} ORDER BY {order} "  # noqa: S608
            "LIMIT ? OFFSET ?",
            [*params, limit + 1, offset],
        )
        more = len(rows) > limit and (top is None or offset + limit < top)
        rows = rows[:limit]
        annotations = req.wants_annotations()
        value = []
        for _, version, record in rows:
            item = self.renderer.render(table, version, record, select, annotations)
            apply_expansions(
                self.store, self.catalog, self.renderer, table, record, item, expansions
            )
            value.append(item)
        body: dict[str, Any] = {"@odata.context": self._context(req, table, select)}
        if req.query.get("$count") == "true":
            count_sql = f"SELECT COUNT(*) FROM records WHERE {where}"  # noqa: S608
            total = self.store.scalar(count_sql, params)
            body["@odata.count"] = min(int(total), COUNT_LIMIT)
            if total > COUNT_LIMIT:
                body["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"] = True
        body["value"] = value
        if more:
            body["@odata.nextLink"] = _next_link(req, table, offset + limit)
        headers = (
            {"Preference-Applied": f"odata.maxpagesize={page_size}"}
            if req.prefer().get("odata.maxpagesize")
            else {}
        )
        return ApiResponse(
            200, body, headers, self.costs.charge("read", len(value)), "read", len(value)
        )

    def _source(self, table: Table, text: str | None) -> str:
        """`records`, or `records INDEXED BY` a key column's index when the filter pins it.

        Without statistics SQLite prefers the primary key for `ORDER BY id LIMIT n`, which
        scans the whole table; a read-back by source id must be a seek.
        """
        node = parse_filter(text) if text else None
        while isinstance(node, Logical) and node.op == "and":
            node = node.left if _pins_key(table, node.left) else node.right
        if isinstance(node, Compare) and _pins_key(table, node):
            column = node.path[1:-6] if node.path.endswith("_value") else node.path
            name = f"ix_{table.logical_name}_{column}"
            if name in self.store.indexes:
                return f'records INDEXED BY "{name}"'
        return "records"

    # --- bulk actions ------------------------------------------------------------------
    def bulk(self, req: ApiRequest, table: Table, action: str, caller: Caller) -> ApiResponse:
        """Create/Update/UpsertMultiple: all-or-nothing on standard tables."""
        if action == "DeleteMultiple":
            raise errors.bad_request("DeleteMultiple has not yet been implemented.", "0x80040800")
        if not table.bulk_supported:
            raise errors.DataverseError(
                400,
                "0x80040800",
                f"The '{action}' method does not support entities of type '{table.logical_name}'.",
            )
        payload = req.json()
        targets = payload.get("Targets") if isinstance(payload, dict) else None
        if not isinstance(targets, list):
            raise errors.bad_request("Targets is required.", errors.PAYLOAD_ERROR)
        expected_type = f"Microsoft.Dynamics.CRM.{table.logical_name}"
        for target in targets:
            if not isinstance(target, dict) or target.get("@odata.type") != expected_type:
                raise errors.bad_request(
                    "Error identified in Payload provided by the user for Entity :'' ----> "
                    "InnerException : Microsoft.OData.ODataException: A type named '' could not "
                    "be resolved by the model. When a model is available, each type name must "
                    "resolve to a valid type.",
                    errors.PAYLOAD_ERROR,
                )
        documents = sum(_document_bytes(t) for t in targets)
        operation = {
            "CreateMultiple": "create_multiple",
            "UpdateMultiple": "update_multiple",
            "UpsertMultiple": "upsert_multiple",
        }[action]
        cost = self.costs.charge(operation, len(targets), documents)
        with self.store.transaction():
            if action == "CreateMultiple":
                ids = [self.writer.create(table, t, caller).record_id for t in targets]
                body = {
                    "@odata.context": f"{req.service_root}/$metadata#Microsoft.Dynamics.CRM."
                    "CreateMultipleResponse",
                    "Ids": ids,
                }
                return ApiResponse(200, body, {}, cost, operation, len(targets))
            if action == "UpdateMultiple":
                self._update_multiple(table, targets, caller)
            else:
                self._upsert_multiple(req, table, targets, caller)
        return ApiResponse(204, None, {}, cost, operation, len(targets))

    def _update_multiple(self, table: Table, targets: list[dict[str, Any]], caller: Caller) -> None:
        seen: set[str] = set()
        missing = [
            str(t.get(table.primary_id))
            for t in targets
            if not self.store.exists(table.logical_name, str(t.get(table.primary_id)))
        ]
        if missing:
            raise errors.records_not_found(table.logical_name, missing)
        for target in targets:
            record_id = str(target[table.primary_id]).lower()
            if record_id in seen:
                continue  # duplicates: the first one wins, later ones are ignored
            seen.add(record_id)
            self.writer.update(table, record_id, target, caller)

    def _upsert_multiple(
        self, req: ApiRequest, table: Table, targets: list[dict[str, Any]], caller: Caller
    ) -> None:
        seen: set[str] = set()
        for target in targets:
            odata_id = target.get("@odata.id")
            key: str | dict[str, Any] | None = None
            if isinstance(odata_id, str):
                set_name, key_text = split_segment(unquote(odata_id.rsplit("/", 1)[-1]))
                if set_name != table.entity_set_name or key_text is None:
                    raise errors.bad_request("An unexpected error occurred.", errors.UNEXPECTED)
                key = parse_key(key_text)
            elif target.get(table.primary_id):
                key = str(target[table.primary_id]).lower()
            identity = json.dumps(key, sort_keys=True, default=str)
            if key is not None and identity in seen:
                raise errors.bad_request(
                    "An item with the same key has already been added.", errors.UNEXPECTED
                )
            seen.add(identity)
            record_id = self._find(table, key) if key is not None else None
            if record_id is not None:
                drop = (
                    frozenset(self.refs.key_columns(table, key))
                    if isinstance(key, dict)
                    else frozenset()
                )
                self.writer.update(table, record_id, target, caller, drop_columns=drop)
            elif isinstance(key, dict):
                from_url = self.refs.key_columns(table, key)
                if any(name in target for name in from_url):
                    raise errors.bad_request("An unexpected error occurred.", errors.UNEXPECTED)
                self.writer.create(table, target, caller, key_columns=from_url)
            else:
                self.writer.create(table, target, caller, record_id=key)


def _pins_key(table: Table, node: Node) -> bool:
    if not isinstance(node, Compare) or node.op != "eq" or node.value.kind == "null":
        return False
    column = (
        node.path[1:-6]
        if node.path.startswith("_") and node.path.endswith("_value")
        else (node.path)
    )
    target = table.columns.get(column)
    matches_type = target is not None and (
        (target.type in ("String", "Lookup")) == isinstance(node.value.value, str)
    )
    return matches_type and any(column in key.key_attributes for key in table.active_keys())


def _offset_from_skiptoken(token: str | None) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(unquote(token).split('pagingcookie="')[-1].split('"')[0])
        return max(int(json.loads(text)["offset"]), 0)
    except (ValueError, KeyError, TypeError):
        raise errors.bad_request("The paging cookie is not valid.") from None


def _next_link(req: ApiRequest, table: Table, offset: int) -> str:
    cookie = base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()
    page = offset // max(int(req.prefer().get("odata.maxpagesize") or DEFAULT_PAGE_SIZE), 1) + 1
    skiptoken = f'<cookie pagenumber="{page}" pagingcookie="{cookie}" istracking="False" />'
    params = [
        f"{name}={quote(value, safe='$,()/')}"
        for name, value in req.query.items()
        if name != "$skiptoken"
    ]
    params.append(f"$skiptoken={quote(skiptoken, safe='')}")
    return f"{req.service_root}/{table.entity_set_name}?{'&'.join(params)}"
