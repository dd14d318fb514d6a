"""Diffs what a confirmed map needs against live Dataverse metadata into a `SchemaPlan`.

Every table we write gets three provenance columns (`<prefix>sourceid` with an alternate key,
`<prefix>sourcesystem`, `<prefix>migrationrunid`). Names we create use the logical name as the
schema name too, so a lookup's navigation property is its column name (`new_patientid@odata.bind`).
"""

from __future__ import annotations

from shared.destinations.schema import (
    ActionState,
    ColumnInfo,
    ColumnNeed,
    DestinationSchema,
    SchemaAction,
    SchemaNeeds,
    SchemaPlan,
    TableInfo,
    TableNeed,
)

SALES_PROFESSIONAL_CUSTOM_TABLES = 15
MAX_KEYS_PER_TABLE = 10
# Need type -> live types that can hold it without loss.
COMPATIBLE: dict[str, set[str]] = {
    "string": {"string", "memo"},
    "memo": {"memo"},
    "integer": {"integer", "decimal"},
    "decimal": {"decimal", "money"},
    "money": {"money", "decimal"},
    "boolean": {"boolean"},
    "datetime": {"datetime"},
    "date": {"datetime", "date"},
    "choice": {"choice"},
    "multichoice": {"multichoice"},
    "lookup": {"lookup"},
}


def provenance_columns(prefix: str) -> list[ColumnNeed]:
    """The source-id key column and the two provenance columns every written table carries."""
    return [
        ColumnNeed(name=f"{prefix}sourceid", type="string", max_length=100, label="Source ID"),
        ColumnNeed(name=f"{prefix}sourcesystem", type="string", max_length=50, label="Source"),
        ColumnNeed(name=f"{prefix}migrationrunid", type="string", max_length=64, label="Run"),
    ]


def with_provenance(table: TableNeed, prefix: str) -> TableNeed:
    """The table need plus provenance columns and the default key column, if absent."""
    have = {column.name for column in table.columns}
    extra = [column for column in provenance_columns(prefix) if column.name not in have]
    return table.model_copy(
        update={
            "columns": [*table.columns, *extra],
            "key_column": table.key_column or f"{prefix}sourceid",
            "primary_name_column": table.primary_name_column or f"{prefix}name",
        }
    )


def plan_schema(
    needs: SchemaNeeds,
    live: DestinationSchema,
    live_custom_tables: list[str],
    prefix: str,
    destination: str = "dataverse",
) -> SchemaPlan:
    """Everything the environment lacks for this map, with the Sales Professional warning."""
    actions: list[SchemaAction] = []
    warnings: list[str] = []
    tables = [with_provenance(table, prefix) for table in needs.tables]
    # Tables this plan creates with notes / activities enabled join the platform's polymorphic
    # objectid / regardingobjectid lookups when they are created, so those targets are no conflict.
    created = frozenset(t.name for t in tables if t.custom and t.name not in live.tables)
    new_custom = 0
    for table in tables:
        info = live.tables.get(table.name)
        if info is None:
            if not table.custom:
                actions.append(_conflict("create_table", table, "standard table is missing"))
                continue
            if not table.name.startswith(prefix):
                warnings.append(f"custom table {table.name} does not use the prefix {prefix}")
            new_custom += 1
            actions.append(SchemaAction(kind="create_table", table=table.name, table_need=table))
        actions.extend(_column_actions(table, info, created))
        actions.extend(_key_actions(table, info, warnings))
    total = len(set(live_custom_tables)) + new_custom
    if total > SALES_PROFESSIONAL_CUSTOM_TABLES:
        warnings.append(
            f"{total} custom tables after apply: Dynamics 365 Sales Professional allows "
            f"{SALES_PROFESSIONAL_CUSTOM_TABLES} (licence term; Enterprise has no limit)"
        )
    return SchemaPlan(
        destination=destination,
        needs=needs.model_copy(update={"tables": tables}),
        actions=actions,
        warnings=warnings,
        custom_tables_total=total,
    )


# Columns Dataverse gives every table itself; a map may write them but never creates them.
SYSTEM_COLUMNS = frozenset({
    "overriddencreatedon", "ownerid", "createdon", "modifiedon", "createdby", "modifiedby",
    "statecode", "statuscode", "importsequencenumber", "versionnumber", "owningbusinessunit",
})  # fmt: skip


POLYMORPHIC_PARENTS = frozenset({"objectid", "regardingobjectid"})


def _column_actions(
    table: TableNeed, info: TableInfo | None, created: frozenset[str] = frozenset()
) -> list[SchemaAction]:
    actions: list[SchemaAction] = []
    primary = info.primary_name if info is not None else table.primary_name_column
    for column in table.columns:
        if column.name == primary or column.name in SYSTEM_COLUMNS:
            continue  # created with the table
        live = info.columns.get(column.name) if info else None
        if live is None:
            kind = "create_lookup" if column.type == "lookup" else "add_column"
            untargeted = kind == "create_lookup" and not column.targets
            note = "lookup has no target table" if untargeted else None
            state: ActionState = "conflict" if note else "missing"
            actions.append(
                SchemaAction(kind=kind, table=table.name, column=column, state=state, note=note)
            )
            continue
        if column.name in POLYMORPHIC_PARENTS and column.targets:
            column = column.model_copy(
                update={"targets": [t for t in column.targets if t not in created]}
            )
        problem = _incompatibility(column, live)
        if problem:
            actions.append(
                SchemaAction(
                    kind="add_column",
                    table=table.name,
                    column=column,
                    state="conflict",
                    note=problem,
                )
            )
        elif column.type in ("choice", "multichoice"):
            have = {option.value for option in live.choices}
            missing = [option for option in column.choices if option.value not in have]
            if missing:
                actions.append(
                    SchemaAction(
                        kind="add_options", table=table.name, column=column, options=missing
                    )
                )
    return actions


def _incompatibility(column: ColumnNeed, live: ColumnInfo) -> str | None:
    if live.type not in COMPATIBLE.get(column.type, {column.type}):
        return f"live column is {live.type}, map needs {column.type}"
    too_short = live.max_length is not None and live.max_length < (column.max_length or 0)
    if column.type == "string" and live.type == "string" and too_short:
        return f"live column holds {live.max_length} characters, map needs {column.max_length}"
    if column.type == "lookup" and column.targets and live.targets:
        missing = sorted(set(column.targets) - set(live.targets))
        if missing:
            return f"lookup does not target {', '.join(missing)}"
    return None


def _key_actions(
    table: TableNeed, info: TableInfo | None, warnings: list[str]
) -> list[SchemaAction]:
    assert table.key_column is not None
    wanted = [[table.key_column], *(k for k in table.extra_keys if k != [table.key_column])]
    actions: list[SchemaAction] = []
    for columns in wanted:
        key = info.key_on(*columns) if info else None
        state: ActionState | None = "missing"
        note = None
        if key is not None:
            state = {"active": None, "pending": "in_progress", "failed": "conflict"}[key.status]
            note = "index build failed: reactivate the key" if key.status == "failed" else None
        elif info is not None and len(info.keys) >= MAX_KEYS_PER_TABLE:
            warnings.append(f"{table.name} already has {MAX_KEYS_PER_TABLE} alternate keys")
        if state is not None:
            actions.append(
                SchemaAction(
                    kind="create_key",
                    table=table.name,
                    key_columns=list(columns),
                    state=state,
                    note=note,
                )
            )
    return actions


def _conflict(kind: str, table: TableNeed, note: str) -> SchemaAction:
    return SchemaAction(kind="create_table", table=table.name, state="conflict", note=note)
