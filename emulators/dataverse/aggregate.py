"""`$apply`: filter(...), groupby((...)) and aggregate(... with sum, min, max, average, ...)."""

from __future__ import annotations

import re
from typing import Any

from emulators.dataverse import errors
from emulators.dataverse.metadata.model import LOOKUP_TYPES, Table
from emulators.dataverse.odata.filter import parse_filter
from emulators.dataverse.odata.options import split_top_level
from emulators.dataverse.reads import compile_filter, resolve_property
from emulators.dataverse.store import Store

# Dataverse refuses aggregates over more rows than this (organization setting, default 50,000).
AGGREGATE_RECORD_LIMIT = 50_000
_AGGREGATE = re.compile(r"^\s*(\$count|[\w]+)(?:\s+with\s+(\w+))?\s+as\s+(\w+)\s*$")
_SQL_FUNCTIONS = {
    "sum": "SUM({})",
    "min": "MIN({})",
    "max": "MAX({})",
    "average": "AVG({})",
    "countdistinct": "COUNT(DISTINCT {})",
}


def _step(text: str) -> tuple[str, str]:
    name, _, rest = text.strip().partition("(")
    if not rest.endswith(")"):
        raise errors.bad_request("The $apply expression is not valid.")
    return name.strip(), rest[:-1]


def run_apply(store: Store, table: Table, text: str) -> list[dict[str, Any]]:
    """Rows of an aggregation over `table`.

    Raises:
        DataverseError: 400 for unsupported syntax, or when more than 50,000 rows are aggregated.
    """
    params: list[Any] = [table.logical_name]
    where = "entity = ?"
    groups: list[str] = []
    measures: list[tuple[str, str]] = []
    for step in text.split("/"):
        name, inner = _step(step)
        if name == "filter":
            where += " AND " + compile_filter(table, parse_filter(inner), params)
        elif name == "groupby":
            columns, _, aggregate = inner.partition(")")
            groups = [c.strip() for c in columns.lstrip("(").split(",") if c.strip()]
            aggregate = aggregate.lstrip(", ")
            if aggregate:
                measures += _measures(table, _step(aggregate)[1])
        elif name == "aggregate":
            measures += _measures(table, inner)
        else:
            raise errors.bad_request(f"The $apply transformation '{name}' is not supported.")
    count_sql = f"SELECT COUNT(*) FROM records WHERE {where}"  # noqa: S608 - compiled
    if int(store.scalar(count_sql, params)) > AGGREGATE_RECORD_LIMIT:
        raise errors.bad_request(
            "AggregateQueryRecordLimit exceeded. Cannot perform this operation.", "0x8004e023"
        )
    group_sql = [resolve_property(table, g).sql for g in groups]
    select = [*group_sql, *(sql for _, sql in measures)] or ["COUNT(*)"]
    sql = f"SELECT {', '.join(select)} FROM records WHERE {where}"  # noqa: S608 - compiled
    if group_sql:
        sql += f" GROUP BY {', '.join(group_sql)} ORDER BY {', '.join(group_sql)}"
    names = [*groups, *(alias for alias, _ in measures)]
    return [dict(zip(names, row, strict=True)) for row in store.db.execute(sql, params)]


def _measures(table: Table, text: str) -> list[tuple[str, str]]:
    out = []
    for item in split_top_level(text, ","):
        match = _AGGREGATE.match(item)
        if match is None:
            raise errors.bad_request("The aggregate expression is not valid.")
        source, function, alias = match.groups()
        if source == "$count":
            out.append((alias, "COUNT(*)"))
            continue
        prop = resolve_property(table, source)
        template = _SQL_FUNCTIONS.get((function or "").lower())
        numeric = prop.column.type in ("Integer", "BigInt", "Decimal", "Double", "Money")
        if template is None or (
            function != "countdistinct"
            and not numeric
            and (prop.column.type not in LOOKUP_TYPES or function not in ("min", "max"))
        ):
            raise errors.bad_request(
                f"The aggregate '{function}' is not valid for '{source}' on '{table.logical_name}'."
            )
        out.append((alias, template.format(prop.sql)))
    return out
