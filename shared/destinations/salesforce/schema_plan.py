"""Salesforce describe results as `DestinationSchema`, and the diff against what a map needs.

Custom objects and fields are created by a metadata package; a field that exists but that the
integration user cannot see (field-level security) is missing from describe, so it is planned
again: re-deploying an existing field is harmless and the package's permission set grants it.
"""

from __future__ import annotations

from typing import Any

from shared.destinations.schema import (
    ColumnInfo,
    ColumnNeed,
    ColumnType,
    DestinationSchema,
    KeyInfo,
    SchemaAction,
    SchemaNeeds,
    SchemaPlan,
    TableInfo,
)

TYPES: dict[str, ColumnType] = {
    "string": "string",
    "email": "string",
    "phone": "string",
    "url": "string",
    "id": "string",
    "combobox": "string",
    "textarea": "memo",
    "int": "integer",
    "double": "decimal",
    "percent": "decimal",
    "currency": "money",
    "boolean": "boolean",
    "datetime": "datetime",
    "date": "date",
    "picklist": "choice",
    "multipicklist": "multichoice",
    "reference": "lookup",
}
COMPATIBLE: dict[str, set[str]] = {
    "string": {"string", "memo"},
    "memo": {"memo"},
    "integer": {"integer", "decimal"},
    "decimal": {"decimal", "money"},
    "money": {"money", "decimal"},
    "boolean": {"boolean"},
    "datetime": {"datetime"},
    "date": {"date", "datetime"},
    "choice": {"choice", "string"},
    "multichoice": {"multichoice"},
    "lookup": {"lookup"},
    "other": {"string", "memo"},
}
# Standard fields the product writes that no package can create (audit and owner fields).
SYSTEM_COLUMNS = frozenset(
    {"Id", "OwnerId", "CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById"}
)


def table_info(describe: dict[str, Any]) -> TableInfo:
    """One `sobjects/<X>/describe` body as a TableInfo."""
    columns: dict[str, ColumnInfo] = {}
    keys: list[KeyInfo] = []
    name_field = None
    for f in describe.get("fields", []):
        columns[f["name"]] = ColumnInfo(
            name=f["name"],
            type=TYPES.get(f["type"], "other"),
            custom=bool(f.get("custom")),
            max_length=f.get("length") or None,
            values=[v["value"] for v in f.get("picklistValues") or [] if v.get("active", True)],
            targets=list(f.get("referenceTo") or []),
        )
        if f.get("externalId"):
            keys.append(KeyInfo(name=f["name"], columns=[f["name"]]))
        if f.get("nameField") or (name_field is None and f["name"] == "Name"):
            name_field = f["name"]
    return TableInfo(
        name=describe["name"],
        collection=describe["name"],
        primary_id="Id",
        primary_name=name_field,
        custom=bool(describe.get("custom")),
        columns=columns,
        keys=keys,
    )


def plan_schema(needs: SchemaNeeds, live: DestinationSchema) -> SchemaPlan:
    """The actions that make `live` hold everything `needs` lists, plus warnings."""
    plan = SchemaPlan(destination="salesforce", needs=needs)
    for table in needs.tables:
        info = live.tables.get(table.name)
        if info is None and not table.custom:
            plan.warnings.append(f"standard object {table.name} is not available to the user")
            continue
        if info is None:
            plan.actions.append(
                SchemaAction(kind="create_table", table=table.name, table_need=table)
            )
            info = TableInfo(
                name=table.name,
                collection=table.name,
                primary_id="Id",
                primary_name="Name",
                custom=True,
            )
        for column in table.columns:
            action = _column_action(table.name, column, info, plan)
            if action is not None:
                plan.actions.append(action)
        if table.key_column and not info.key_on(table.key_column):
            existing = info.columns.get(table.key_column)
            if existing is not None:
                plan.actions.append(
                    SchemaAction(
                        kind="create_key",
                        table=table.name,
                        key_columns=[table.key_column],
                        column=ColumnNeed(name=table.key_column, type="string", max_length=200),
                    )
                )
    plan.custom_tables_total = len(
        {t for t, i in live.tables.items() if i.custom}
        | {a.table for a in plan.actions if a.kind == "create_table"}
    )
    return plan


def _column_action(
    table: str, column: ColumnNeed, info: TableInfo, plan: SchemaPlan
) -> SchemaAction | None:
    if column.name in SYSTEM_COLUMNS or column.name == info.primary_name:
        return None
    live = info.columns.get(column.name)
    if live is None:
        if not column.name.endswith("__c"):
            plan.warnings.append(f"standard field {table}.{column.name} is not available")
            return None
        kind = "create_lookup" if column.type == "lookup" else "add_column"
        return SchemaAction(kind=kind, table=table, column=column)
    if live.type not in COMPATIBLE.get(column.type, {column.type}):
        plan.warnings.append(f"{table}.{column.name} is {live.type}, the map writes {column.type}")
        return None
    if column.type in ("choice", "multichoice") and column.values:
        missing = [v for v in column.values if v not in live.values]
        if missing:
            return SchemaAction(kind="add_options", table=table, column=column, values=missing)
    return None
