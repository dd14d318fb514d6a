"""Queries ($select, $filter, $orderby, $top, $count, paging) and the JSON shape of a record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulators.dataverse import errors
from emulators.dataverse.http import AnnotationFilter
from emulators.dataverse.metadata.catalog import Catalog
from emulators.dataverse.metadata.model import LOOKUP_TYPES, Column, Table
from emulators.dataverse.odata.filter import (
    Compare,
    Function,
    Literal_,
    Logical,
    Node,
    Not,
    QueryFunction,
)
from emulators.dataverse.store import Record, Store
from emulators.dataverse.values import format_datetime, parse_datetime

COUNT_LIMIT = 5000
_SQL_OPS = {"eq": "=", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
FORMATTED = "OData.Community.Display.V1.FormattedValue"
LOOKUP_LOGICAL = "Microsoft.Dynamics.CRM.lookuplogicalname"
ASSOCIATED_NAV = "Microsoft.Dynamics.CRM.associatednavigationproperty"


@dataclass(frozen=True)
class Property:
    """A property a query names: the column and the SQL expression that reads it."""

    column: Column
    sql: str
    is_lookup_value: bool


def resolve_property(table: Table, name: str) -> Property:
    """Maps `name`, `_lookup_value` or the primary key to its column.

    Raises:
        DataverseError: 400 "Could not find a property named ..." for anything else.
    """
    if name.startswith("_") and name.endswith("_value"):
        column = table.columns.get(name[1:-6])
        if column is not None and column.type in LOOKUP_TYPES:
            return Property(column, f"json_extract(body, '$.{column.logical_name}.id')", True)
        raise errors.property_not_found(name, table.logical_name)
    column = table.columns.get(name)
    if column is None or column.type in LOOKUP_TYPES or column.type == "PartyList":
        raise errors.property_not_found(name, table.logical_name)
    if name == table.primary_id:
        return Property(column, "id", False)
    return Property(column, f"json_extract(body, '$.{name}')", False)


def _literal(prop: Property, literal: Literal_) -> Any:
    value = literal.value
    if isinstance(value, bool):
        return 1 if value else 0
    if literal.kind == "datetime" and isinstance(value, str):
        moment = parse_datetime(value)
        return (
            moment.date().isoformat()
            if prop.column.format == "DateOnly"
            else format_datetime(moment)
        )
    if literal.kind == "guid" and isinstance(value, str):
        return value.lower()
    return value


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def compile_filter(table: Table, node: Node, params: list[Any]) -> str:
    """SQL for a `$filter` AST; strings compare case-insensitively like SQL Server."""
    if isinstance(node, Logical):
        left = compile_filter(table, node.left, params)
        right = compile_filter(table, node.right, params)
        return f"({left} {node.op.upper()} {right})"
    if isinstance(node, Not):
        return f"(NOT {compile_filter(table, node.operand, params)})"
    prop = resolve_property(table, node.path)
    if isinstance(node, QueryFunction):
        return _query_function(table, prop, node, params)
    if isinstance(node, Function):
        text = _escape_like(str(node.value.value))
        pattern = {"contains": f"%{text}%", "startswith": f"{text}%", "endswith": f"%{text}"}
        params.append(pattern[node.name])
        return f"({prop.sql} LIKE ? ESCAPE '\\')"
    assert isinstance(node, Compare)
    if node.value.kind == "null":
        return f"({prop.sql} IS {'NOT ' if node.op == 'ne' else ''}NULL)"
    params.append(_literal(prop, node.value))
    collate = " COLLATE NOCASE" if isinstance(node.value.value, str) else ""
    return f"({prop.sql}{collate} {_SQL_OPS[node.op]} ?)"


def _typed(prop: Property, literal: Literal_) -> Any:
    """Query-function values arrive as strings (`PropertyValues=["0","1"]`): type them."""
    value = _literal(prop, literal)
    kind = prop.column.type
    if isinstance(value, str) and kind in ("Integer", "BigInt", "Picklist", "State", "Status"):
        try:
            return int(value)
        except ValueError:
            raise errors.bad_request(f"'{prop.column.logical_name}' expects a number.") from None
    if isinstance(value, str) and kind in ("Decimal", "Double", "Money"):
        try:
            return float(value)
        except ValueError:
            raise errors.bad_request(f"'{prop.column.logical_name}' expects a number.") from None
    if isinstance(value, str) and kind == "DateTime":
        return _literal(prop, Literal_(value, "datetime"))
    return value


def _query_function(table: Table, prop: Property, node: QueryFunction, params: list[Any]) -> str:
    values = [_typed(prop, v) for v in node.values]
    collate = " COLLATE NOCASE" if any(isinstance(v, str) for v in values) else ""
    if node.name in ("In", "NotIn") and values:
        params.extend(values)
        marks = ", ".join("?" for _ in values)
        negate = "NOT " if node.name == "NotIn" else ""
        return f"({prop.sql}{collate} {negate}IN ({marks}))"
    if node.name in ("Between", "NotBetween") and len(values) == 2:
        params.extend(values)
        negate = "NOT " if node.name == "NotBetween" else ""
        return f"({prop.sql}{collate} {negate}BETWEEN ? AND ?)"
    if node.name in ("Null", "NotNull") and not values:
        return f"({prop.sql} IS {'NOT ' if node.name == 'NotNull' else ''}NULL)"
    raise errors.bad_request(
        f"The query function 'Microsoft.Dynamics.CRM.{node.name}' is not supported by the "
        f"emulator for '{table.logical_name}'.",
    )


def compile_orderby(table: Table, orderby: str) -> str:
    """SQL ORDER BY terms for `$orderby`, with the primary key as the tie-breaker."""
    terms = []
    for part in orderby.split(","):
        words = part.split()
        if not words:
            continue
        prop = resolve_property(table, words[0])
        direction = "DESC" if len(words) > 1 and words[1].lower() == "desc" else "ASC"
        collate = " COLLATE NOCASE" if prop.column.type in ("String", "Memo") else ""
        terms.append(f"{prop.sql}{collate} {direction}")
    terms.append("id ASC")
    return ", ".join(terms)


def parse_select(table: Table, select: str | None) -> list[str] | None:
    """The `$select` names, validated; None means every column."""
    if not select:
        return None
    names = [name.strip() for name in select.split(",") if name.strip()]
    for name in names:
        resolve_property(table, name)
    return names


class Renderer:
    """Turns stored records into Web API JSON."""

    def __init__(self, store: Store, catalog: Catalog) -> None:
        self.store = store
        self.catalog = catalog

    def render(
        self,
        table: Table,
        version: int,
        record: Record,
        select: list[str] | None,
        annotations: AnnotationFilter,
    ) -> dict[str, Any]:
        """One record with `@odata.etag`, selected columns and, if asked, formatted values."""
        out: dict[str, Any] = {"@odata.etag": f'W/"{version}"'}
        names = select if select is not None else list(table.columns)
        for name in names:
            column_name = name[1:-6] if name.startswith("_") and name.endswith("_value") else name
            column = table.columns[column_name]
            if column.type == "PartyList":
                continue
            value = record.get(column_name)
            if column.type in LOOKUP_TYPES:
                self._lookup(out, column, value, annotations)
                continue
            out[column_name] = value
            if value is not None and annotations.allows(FORMATTED):
                formatted = _formatted(column, value)
                if formatted is not None:
                    out[f"{column_name}@{FORMATTED}"] = formatted
        out[table.primary_id] = record.get(table.primary_id)
        return out

    def _lookup(
        self, out: dict[str, Any], column: Column, value: Any, annotations: AnnotationFilter
    ) -> None:
        key = f"_{column.logical_name}_value"
        if not isinstance(value, dict):
            out[key] = None
            return
        out[key] = value["id"]
        if not annotations:
            return
        target = self.catalog.table(value["type"])
        if annotations.allows(FORMATTED) and target is not None:
            found = self.store.get(value["type"], value["id"])
            if found is not None:
                out[f"{key}@{FORMATTED}"] = found[1].get(target.primary_name)
        if annotations.allows(ASSOCIATED_NAV):
            navigation = column.navigation.get(value["type"], column.logical_name)
            out[f"{key}@{ASSOCIATED_NAV}"] = navigation
        if annotations.allows(LOOKUP_LOGICAL):
            out[f"{key}@{LOOKUP_LOGICAL}"] = value["type"]


def _formatted(column: Column, value: Any) -> str | None:
    if column.options:
        return column.option_label(value)
    if column.type == "Boolean":
        return "Yes" if value else "No"
    if column.type == "Money":
        return f"${value:,.2f}"
    if column.type in ("Integer", "BigInt", "Decimal", "Double"):
        return f"{value:,}"
    if column.type == "DateTime":
        moment = parse_datetime(value)
        if column.format == "DateOnly":
            return f"{moment.month}/{moment.day}/{moment.year}"
        return f"{moment.month}/{moment.day}/{moment.year} {moment:%I:%M %p}".replace(" 0", " ")
    return None
