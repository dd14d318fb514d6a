"""Loads the standard tables from YAML and completes any table with its system columns."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from emulators.dataverse.metadata.model import Column, Option, Table

STANDARD_TABLES = Path(__file__).resolve().parent.parent / "seed" / "standard_tables.yaml"


class SpecError(ValueError):
    """A seed file that does not validate; the message names the file and the path inside it."""


class _TablesFile(BaseModel):
    tables: dict[str, Table]


def _expand_options(raw: Any) -> Any:
    """`{1: Male}` / `{1: [Active, 0]}` -> the list of Option the model expects."""
    if not isinstance(raw, dict):
        return raw
    options = []
    for value, label in raw.items():
        if isinstance(label, list):
            options.append(Option(value=int(value), label=str(label[0]), state=int(label[1])))
        else:
            options.append(Option(value=int(value), label=str(label)))
    return options


def _prepare(raw: dict[str, Any]) -> dict[str, Any]:
    for name, table in (raw.get("tables") or {}).items():
        table.setdefault("logical_name", name)
        for col_name, column in (table.get("columns") or {}).items():
            column.setdefault("logical_name", col_name)
            if "options" in column:
                column["options"] = _expand_options(column["options"])
    return raw


def _column(logical: str, type_: str, schema: str, **extra: Any) -> Column:
    return Column(
        logical_name=logical, schema_name=schema, type=type_, display_name=schema, **extra
    )


def system_columns(table: Table) -> dict[str, Column]:
    """The columns Dataverse adds to every table of the given ownership."""
    cols: dict[str, Column] = {
        table.primary_id: _column(
            table.primary_id,
            "Uniqueidentifier",
            table.schema_name + "Id" if table.is_custom else table.primary_id,
            valid_for_update=False,
        ),
        "versionnumber": _column(
            "versionnumber",
            "BigInt",
            "VersionNumber",
            valid_for_create=False,
            valid_for_update=False,
        ),
    }
    if table.ownership == "None":
        return cols
    readonly = {"valid_for_create": False, "valid_for_update": False}
    cols["createdon"] = _column("createdon", "DateTime", "CreatedOn", **readonly)
    cols["modifiedon"] = _column("modifiedon", "DateTime", "ModifiedOn", **readonly)
    for name, schema in (("createdby", "CreatedBy"), ("modifiedby", "ModifiedBy")):
        cols[name] = _column(name, "Lookup", schema, targets=["systemuser"], **readonly)
    cols["overriddencreatedon"] = _column(
        "overriddencreatedon", "DateTime", "OverriddenCreatedOn", valid_for_update=False
    )
    cols["importsequencenumber"] = _column(
        "importsequencenumber", "Integer", "ImportSequenceNumber", valid_for_update=False
    )
    if table.ownership == "UserOwned":
        cols["ownerid"] = _column("ownerid", "Owner", "OwnerId", targets=["systemuser", "team"])
    if table.is_custom:
        cols["statecode"] = _column(
            "statecode",
            "State",
            "statecode",
            options=[Option(value=0, label="Active"), Option(value=1, label="Inactive")],
        )
        cols["statuscode"] = _column(
            "statuscode",
            "Status",
            "statuscode",
            options=[
                Option(value=1, label="Active", state=0),
                Option(value=2, label="Inactive", state=1),
            ],
        )
    return cols


def default_navigation(table: Table, column: Column) -> dict[str, str]:
    """Navigation property per lookup target, following Dataverse's naming."""
    if column.type == "Owner":
        return {target: column.logical_name for target in column.targets}
    if len(column.targets) == 1 and column.type == "Lookup":
        name = column.schema_name if column.is_custom else column.logical_name
        return {column.targets[0]: name}
    if table.is_activity and column.logical_name == "regardingobjectid":
        return {t: f"regardingobjectid_{t}_{table.logical_name}" for t in column.targets}
    return {target: f"{column.logical_name}_{target}" for target in column.targets}


def complete_table(table: Table) -> Table:
    """Adds system columns, schema names and navigation names that the spec left implicit."""
    table.schema_name = table.schema_name or table.logical_name
    table.display_name = table.display_name or table.schema_name
    table.display_collection_name = table.display_collection_name or table.entity_set_name
    for name, column in system_columns(table).items():
        table.columns.setdefault(name, column)
    for column in table.columns.values():
        column.schema_name = column.schema_name or column.logical_name
        column.display_name = column.display_name or column.schema_name
        navigation = default_navigation(table, column)
        column.navigation = {**navigation, **column.navigation}
    return table


@cache
def _standard_raw() -> dict[str, Any]:
    with STANDARD_TABLES.open(encoding="utf-8") as handle:
        return _prepare(yaml.safe_load(handle))


def load_standard_tables(path: Path = STANDARD_TABLES) -> dict[str, Table]:
    """The standard tables, completed; a fresh copy on every call.

    Raises:
        SpecError: The file does not validate (the message names file and path).
    """
    if path == STANDARD_TABLES:
        raw = _standard_raw()
    else:
        with path.open(encoding="utf-8") as handle:
            raw = _prepare(yaml.safe_load(handle))
    try:
        spec = _TablesFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise SpecError(f"{path.name}: {where}: {first['msg']}") from None
    return {name: complete_table(table) for name, table in spec.tables.items()}
