"""Unbound actions and probes: BulkDelete (run at once) and the `sdkmessagefilters` bulk probe."""

from __future__ import annotations

import re
import uuid
from typing import Any, Literal

from emulators.dataverse import errors
from emulators.dataverse.cost import CostModel
from emulators.dataverse.http import ApiRequest, ApiResponse
from emulators.dataverse.metadata.catalog import Catalog
from emulators.dataverse.odata.evaluate import matches
from emulators.dataverse.odata.filter import Compare, Literal_, Logical, Node, Not, parse_filter
from emulators.dataverse.reads import compile_filter
from emulators.dataverse.store import Store
from emulators.dataverse.writes import Writer

_MESSAGES = ("Create", "Retrieve", "Update", "Delete", "Upsert")
_BULK_MESSAGES = ("CreateMultiple", "UpdateMultiple", "UpsertMultiple")
_ALIAS = re.compile(r"@(\w+)")
_NAMESPACE = uuid.UUID("b0c8a2e4-6f1d-4c3b-9a7e-5d2f1e0c9b84")


def message_filters(req: ApiRequest, catalog: Catalog) -> ApiResponse:
    """GET sdkmessagefilters: which message each table supports (bulk only where enabled)."""
    items = []
    for table in catalog.tables.values():
        messages = _MESSAGES + (_BULK_MESSAGES if table.bulk_supported else ())
        for message in messages:
            items.append(
                {
                    "sdkmessagefilterid": str(
                        uuid.uuid5(_NAMESPACE, f"{table.logical_name}.{message}")
                    ),
                    "primaryobjecttypecode": table.logical_name,
                    "sdkmessageid": {"name": message},
                }
            )
    text = req.query.get("$filter", "")
    # Parameter aliases (@message='CreateMultiple') are substituted before parsing.
    text = _ALIAS.sub(lambda m: req.query.get(f"@{m.group(1)}", m.group(0)), text)
    node = parse_filter(text) if text else None
    value = [
        {"sdkmessagefilterid": item["sdkmessagefilterid"]}
        for item in items
        if node is None or matches(node, item)
    ]
    body = {
        "@odata.context": f"{req.service_root}/$metadata#sdkmessagefilters(sdkmessagefilterid)",
        "value": value,
    }
    return ApiResponse(200, body, {}, 5.0, "read", len(value))


def _condition(condition: dict[str, Any]) -> Node:
    name = str(condition.get("AttributeName", ""))
    operator = str(condition.get("Operator", "Equal"))
    values = [v.get("Value") if isinstance(v, dict) else v for v in condition.get("Values") or []]

    def literal(value: Any) -> Literal_:
        return Literal_(value, "string" if isinstance(value, str) else "number")

    if operator == "Null":
        return Compare(name, "eq", Literal_(None, "null"))
    if operator == "NotNull":
        return Compare(name, "ne", Literal_(None, "null"))
    if operator in ("Equal", "NotEqual") and values:
        return Compare(name, "eq" if operator == "Equal" else "ne", literal(values[0]))
    if operator in ("In", "NotIn") and values:
        node: Node = Compare(name, "eq", literal(values[0]))
        for value in values[1:]:
            node = Logical("or", node, Compare(name, "eq", literal(value)))
        return node if operator == "In" else Not(node)
    raise errors.bad_request(f"The condition operator '{operator}' is not supported here.")


def bulk_delete(
    req: ApiRequest, store: Store, catalog: Catalog, writer: Writer, costs: CostModel
) -> ApiResponse:
    """POST BulkDelete: deletes what each QueryExpression matches; returns the JobId."""
    payload = req.json()
    deleted = 0
    with store.transaction():
        for query in payload.get("QuerySet") or []:
            table = catalog.table(str(query.get("EntityName", "")))
            if table is None:
                raise errors.bad_request("The QueryExpression names an unknown entity.")
            criteria = query.get("Criteria") or {}
            nodes = [_condition(c) for c in criteria.get("Conditions") or []]
            joiner: Literal["and", "or"] = (
                "or" if str(criteria.get("FilterOperator", "And")).lower() == "or" else "and"
            )
            params: list[Any] = [table.logical_name]
            where = "entity = ?"
            if nodes:
                node = nodes[0]
                for extra in nodes[1:]:
                    node = Logical(joiner, node, extra)
                where += " AND " + compile_filter(table, node, params)
            sql = f"SELECT id, version, body FROM records WHERE {where}"  # noqa: S608 - compiled
            ids = [rid for rid, _, _ in store.query(sql, params)]
            for record_id in ids:
                writer.delete(table, record_id)
            deleted += len(ids)
    body = {
        "@odata.context": f"{req.service_root}/$metadata#Microsoft.Dynamics.CRM.BulkDeleteResponse",
        "JobId": str(uuid.uuid4()),
    }
    return ApiResponse(200, body, {}, costs.charge("delete_multiple", deleted), "delete", deleted)
