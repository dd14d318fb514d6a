"""The data half of the Web API: entity sets, records, single columns and queries."""

from __future__ import annotations

from typing import Any

from emulators.dataverse import errors
from emulators.dataverse.aggregate import run_apply
from emulators.dataverse.bulk import BulkActions, document_bytes
from emulators.dataverse.cost import CostModel
from emulators.dataverse.expand import apply_expansions, parse_expansions
from emulators.dataverse.files import Files
from emulators.dataverse.http import ApiRequest, ApiResponse
from emulators.dataverse.metadata.catalog import Catalog
from emulators.dataverse.metadata.model import Table
from emulators.dataverse.odata.filter import parse_filter
from emulators.dataverse.odata.keys import format_key, parse_key, split_segment
from emulators.dataverse.paging import (
    DEFAULT_PAGE_SIZE,
    next_link,
    read_skiptoken,
    records_source,
)
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

_METHOD_NOT_ALLOWED = "The requested resource does not support http method '{}'."
_BULK = ("CreateMultiple", "UpdateMultiple", "UpsertMultiple", "DeleteMultiple")


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
        self.bulk_actions = BulkActions(store, refs, writer, costs)

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
            if rest == ["$count"] and req.method == "GET":
                total = self.store.scalar(
                    "SELECT COUNT(*) FROM records WHERE entity = ?", [table.logical_name]
                )
                text = str(min(int(total), COUNT_LIMIT)).encode()
                return ApiResponse(
                    200, text, {"Content-Type": "text/plain"}, self.costs.charge("read"), "read"
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
        cost = self.costs.charge(operation, 1, document_bytes(written.body))
        if req.prefer().get("return") == "representation":
            select = parse_select(table, req.query.get("$select"))
            body = self.renderer.render(
                table, written.version, written.body, select, req.annotation_filter()
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
        annotations = req.annotation_filter()
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
        if rest[1:] == ["$ref"]:
            return self._reference(req, table, key, name, caller)
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

    def _reference(
        self, req: ApiRequest, table: Table, key: str | dict[str, Any], nav: str, caller: Caller
    ) -> ApiResponse:
        """PUT/DELETE <set>(<key>)/<nav>/$ref: associate or disassociate a single-valued lookup."""
        navigation = self.catalog.navigation(table, nav)
        if navigation is None:
            raise errors.resource_not_found(nav)
        record_id = self._find(table, key)
        if record_id is None:
            raise errors.record_not_found(table.logical_name, str(key))
        if req.method == "PUT":
            target = req.json().get("@odata.id")
            change = {f"{nav}@odata.bind": target}
        elif req.method == "DELETE":
            found = self.store.get(table.logical_name, record_id)
            assert found is not None
            current = found[1].get(navigation.column.logical_name)
            # Only the reference this navigation property points at is removed.
            points_here = isinstance(current, dict) and (
                navigation.column.type == "Owner" or current.get("type") == navigation.target
            )
            change = {f"{nav}@odata.bind": None} if points_here else {}
        else:
            raise errors.DataverseError(405, "0x80060888", _METHOD_NOT_ALLOWED.format(req.method))
        with self.store.transaction():
            self.writer.update(table, record_id, change, caller)
        return ApiResponse(204, None, {}, self.costs.charge("update", 1), "update", 1)

    # --- queries -----------------------------------------------------------------------
    def _aggregate(self, req: ApiRequest, table: Table) -> ApiResponse:
        rows = run_apply(self.store, table, req.query["$apply"])
        body = {
            "@odata.context": f"{req.service_root}/$metadata#{table.entity_set_name}",
            "value": rows,
        }
        return ApiResponse(200, body, {}, self.costs.charge("read", len(rows)), "read")

    def query(self, req: ApiRequest, table: Table) -> ApiResponse:
        """GET <set> with $select/$filter/$orderby/$top/$count and server-driven paging."""
        if req.query.get("$apply"):
            return self._aggregate(req, table)
        select = parse_select(table, req.query.get("$select"))
        expansions = parse_expansions(self.catalog, table, req.query.get("$expand"))
        params: list[Any] = [table.logical_name]
        where = "entity = ?"
        if req.query.get("$filter"):
            where += " AND " + compile_filter(table, parse_filter(req.query["$filter"]), params)
        order = compile_orderby(table, req.query.get("$orderby", ""))
        top = int(req.query["$top"]) if req.query.get("$top") else None
        page_size = int(req.prefer().get("odata.maxpagesize") or DEFAULT_PAGE_SIZE)
        served, last = read_skiptoken(req.query.get("$skiptoken"))
        limit = page_size if top is None else min(page_size, max(top - served, 0))
        source = records_source(self.store, table, req.query.get("$filter"))
        keyset = not req.query.get("$orderby")  # primary-key order: continue after the last key
        page_where, page_params, skip = where, list(params), served
        if keyset and last is not None:
            page_where, skip = f"{where} AND id > ?", 0
            page_params.append(last)
        rows = self.store.query(
            # where/order come from the query compiler: validated names, values as parameters
            f"SELECT id, version, body FROM {source} WHERE {page_where} "  # noqa: S608
            f"ORDER BY {order} LIMIT ? OFFSET ?",
            [*page_params, limit + 1, skip],
        )
        more = len(rows) > limit and (top is None or served + limit < top)
        rows = rows[:limit]
        annotations = req.annotation_filter()
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
            last_id = rows[-1][0] if keyset and rows else None
            body["@odata.nextLink"] = next_link(req, table, served + limit, last_id)
        headers = (
            {"Preference-Applied": f"odata.maxpagesize={page_size}"}
            if req.prefer().get("odata.maxpagesize")
            else {}
        )
        return ApiResponse(
            200, body, headers, self.costs.charge("read", len(value)), "read", len(value)
        )

    # --- bulk actions ------------------------------------------------------------------
    def bulk(self, req: ApiRequest, table: Table, action: str, caller: Caller) -> ApiResponse:
        """Create/Update/UpsertMultiple, all-or-nothing; see BulkActions."""
        return self.bulk_actions.run(req, table, action, caller)
