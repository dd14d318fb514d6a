"""Reads live Dataverse metadata (EntityDefinitions) into the neutral `DestinationSchema`."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from shared.destinations.dataverse.client import DataverseClient
from shared.destinations.errors import RecordRejected, TerminalError
from shared.destinations.schema import (
    ChoiceOption,
    ColumnInfo,
    ColumnType,
    DestinationSchema,
    KeyInfo,
    KeyStatus,
    TableInfo,
)

ATTRIBUTE_TYPES: dict[str, ColumnType] = {
    "String": "string",
    "Memo": "memo",
    "Integer": "integer",
    "BigInt": "integer",
    "Decimal": "decimal",
    "Double": "decimal",
    "Money": "money",
    "Boolean": "boolean",
    "DateTime": "datetime",
    "Picklist": "choice",
    "State": "choice",
    "Status": "choice",
    "Lookup": "lookup",
    "Customer": "lookup",
    "Owner": "lookup",
}
KEY_STATUS: dict[str, KeyStatus] = {
    "Pending": "pending",
    "InProgress": "pending",
    "Active": "active",
    "Failed": "failed",
}
ENTITY_SELECT = (
    "MetadataId,LogicalName,SchemaName,EntitySetName,PrimaryIdAttribute,"
    "PrimaryNameAttribute,IsCustomEntity"
)


PICKLIST = "Microsoft.Dynamics.CRM.PicklistAttributeMetadata"
MULTI_PICKLIST = "Microsoft.Dynamics.CRM.MultiSelectPicklistAttributeMetadata"
MULTI_SELECT = "MultiSelectPicklistType"
OPTIONS_QUERY = {"$select": "LogicalName", "$expand": "OptionSet($select=Options)"}


def _type_name(attribute: dict[str, Any]) -> Any:
    return (attribute.get("AttributeTypeName") or {}).get("Value")


def entity_path(table: str) -> str:
    """`EntityDefinitions(LogicalName='contact')`."""
    return f"EntityDefinitions(LogicalName='{table}')"


def label_text(label: Any) -> str:
    """The user-language text of a metadata Label, or ''."""
    if not isinstance(label, dict):
        return ""
    user = label.get("UserLocalizedLabel")
    if isinstance(user, dict) and user.get("Label"):
        return str(user["Label"])
    localized = label.get("LocalizedLabels") or []
    return str(localized[0].get("Label", "")) if localized else ""


async def describe_table(client: DataverseClient, table: str) -> TableInfo | None:
    """One table with columns, option sets, lookup targets and keys; None if it does not exist."""
    path = entity_path(table)
    try:
        entity = await client.get_json(path, {"$select": ENTITY_SELECT})
    except (RecordRejected, TerminalError) as error:
        if error.status_code == 404:
            return None
        raise
    attributes, strings, picklists, lookups, keys = await asyncio.gather(
        client.get_json(
            f"{path}/Attributes",
            {"$select": "LogicalName,AttributeType,AttributeTypeName,IsCustomAttribute"},
        ),
        client.get_json(
            f"{path}/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata",
            {"$select": "LogicalName,MaxLength"},
        ),
        client.get_json(f"{path}/Attributes/{PICKLIST}", OPTIONS_QUERY),
        client.get_json(
            f"{path}/Attributes/Microsoft.Dynamics.CRM.LookupAttributeMetadata",
            {"$select": "LogicalName,Targets"},
        ),
        client.get_json(
            f"{path}/Keys", {"$select": "SchemaName,LogicalName,KeyAttributes,EntityKeyIndexStatus"}
        ),
    )
    multi: dict[str, Any] = {}
    if any(_type_name(a) == MULTI_SELECT for a in attributes.get("value", [])):
        multi = await client.get_json(f"{path}/Attributes/{MULTI_PICKLIST}", OPTIONS_QUERY)
    columns: dict[str, ColumnInfo] = {}
    for attribute in attributes.get("value", []):
        name = attribute["LogicalName"]
        columns[name] = ColumnInfo(
            name=name,
            type="multichoice"
            if _type_name(attribute) == MULTI_SELECT
            else ATTRIBUTE_TYPES.get(str(attribute.get("AttributeType")), "other"),
            custom=bool(attribute.get("IsCustomAttribute")),
        )
    for attribute in strings.get("value", []):
        if attribute["LogicalName"] in columns:
            columns[attribute["LogicalName"]].max_length = attribute.get("MaxLength")
    for attribute in [*picklists.get("value", []), *multi.get("value", [])]:
        if attribute["LogicalName"] in columns:
            options = (attribute.get("OptionSet") or {}).get("Options") or []
            columns[attribute["LogicalName"]].choices = [
                ChoiceOption(value=int(o["Value"]), label=label_text(o.get("Label")) or "?")
                for o in options
            ]
    for attribute in lookups.get("value", []):
        if attribute["LogicalName"] in columns:
            columns[attribute["LogicalName"]].targets = list(attribute.get("Targets") or [])
    return TableInfo(
        name=entity["LogicalName"],
        collection=entity["EntitySetName"],
        primary_id=entity["PrimaryIdAttribute"],
        primary_name=entity.get("PrimaryNameAttribute"),
        custom=bool(entity.get("IsCustomEntity")),
        columns=columns,
        keys=[
            KeyInfo(
                name=str(key.get("LogicalName") or key.get("SchemaName", "")).lower(),
                columns=list(key.get("KeyAttributes") or []),
                status=KEY_STATUS.get(str(key.get("EntityKeyIndexStatus")), "pending"),
            )
            for key in keys.get("value", [])
        ],
    )


async def describe(client: DataverseClient, tables: Sequence[str]) -> DestinationSchema:
    """The named tables that exist, described in parallel."""
    found = await asyncio.gather(*(describe_table(client, table) for table in tables))
    return DestinationSchema(tables={info.name: info for info in found if info is not None})


async def custom_table_names(client: DataverseClient) -> list[str]:
    """Logical names of every custom table in the environment (for the 15-table check)."""
    body = await client.get_json(
        "EntityDefinitions",
        {"$select": "LogicalName,IsCustomEntity", "$filter": "IsCustomEntity eq true"},
    )
    return sorted(str(row["LogicalName"]) for row in body.get("value", []))


async def max_upload_bytes(client: DataverseClient) -> int:
    """`organization.maxuploadfilesize` (measured on base64 text), default 5 MB."""
    body = await client.get_json("organizations", {"$select": "maxuploadfilesize"})
    rows = body.get("value") or []
    return int(rows[0].get("maxuploadfilesize") or 5_242_880) if rows else 5_242_880


STATE = "Microsoft.Dynamics.CRM.StateAttributeMetadata"


async def state_options(client: DataverseClient, table: str) -> list[ChoiceOption]:
    """The options of a table's `statecode` (Active / Inactive, Open / Completed / Canceled);
    empty when the table has no state (notes)."""
    body = await client.get_json(f"{entity_path(table)}/Attributes/{STATE}", OPTIONS_QUERY)
    return [
        ChoiceOption(value=int(o["Value"]), label=label_text(o.get("Label")) or "?")
        for attribute in body.get("value", [])
        for o in (attribute.get("OptionSet") or {}).get("Options") or []
    ]
