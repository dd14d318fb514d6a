"""Web API metadata bodies (EntityMetadata, AttributeMetadata, relationships, keys) for a plan."""

from __future__ import annotations

from typing import Any

from shared.destinations.schema import ColumnNeed, TableNeed

LANGUAGE = 1033
MEMO_DEFAULT_LENGTH = 100_000


def label(text: str) -> dict[str, Any]:
    """A metadata Label with one localized label."""
    return {
        "@odata.type": "Microsoft.Dynamics.CRM.Label",
        "LocalizedLabels": [
            {
                "@odata.type": "Microsoft.Dynamics.CRM.LocalizedLabel",
                "Label": text,
                "LanguageCode": LANGUAGE,
            }
        ],
    }


def display(name: str, given: str | None) -> str:
    """A display name: the given label, else the logical name without prefix, title-cased."""
    if given:
        return given
    core = name.split("_", 1)[1] if "_" in name else name
    return core.replace("_", " ").title()


def _common(column: ColumnNeed, odata_type: str, attribute_type: str) -> dict[str, Any]:
    return {
        "@odata.type": f"Microsoft.Dynamics.CRM.{odata_type}",
        "SchemaName": column.schema_name or column.name,
        "AttributeType": attribute_type,
        "AttributeTypeName": {"Value": f"{attribute_type}Type"},
        "DisplayName": label(display(column.name, column.label)),
        "RequiredLevel": {"Value": "ApplicationRequired" if column.required else "None"},
    }


def attribute_body(column: ColumnNeed) -> dict[str, Any]:
    """The AttributeMetadata POSTed to `EntityDefinitions(LogicalName='t')/Attributes`."""
    kind = column.type
    if kind == "string":
        body = _common(column, "StringAttributeMetadata", "String")
        return {**body, "MaxLength": column.max_length or 100, "FormatName": {"Value": "Text"}}
    if kind == "memo":
        body = _common(column, "MemoAttributeMetadata", "Memo")
        return {**body, "MaxLength": column.max_length or MEMO_DEFAULT_LENGTH, "Format": "TextArea"}
    if kind == "integer":
        body = _common(column, "IntegerAttributeMetadata", "Integer")
        return {**body, "MinValue": -2_147_483_648, "MaxValue": 2_147_483_647, "Format": "None"}
    if kind == "decimal":
        body = _common(column, "DecimalAttributeMetadata", "Decimal")
        limit = 100_000_000_000
        return {**body, "Precision": column.precision or 2, "MinValue": -limit, "MaxValue": limit}
    if kind == "money":
        body = _common(column, "MoneyAttributeMetadata", "Money")
        return {**body, "PrecisionSource": 2}
    if kind == "boolean":
        body = _common(column, "BooleanAttributeMetadata", "Boolean")
        options = {
            "TrueOption": {"Value": 1, "Label": label("Yes")},
            "FalseOption": {"Value": 0, "Label": label("No")},
            "OptionSetType": "Boolean",
        }
        return {**body, "DefaultValue": False, "OptionSet": options}
    if kind in ("datetime", "date"):
        body = _common(column, "DateTimeAttributeMetadata", "DateTime")
        date_only = kind == "date"
        return {
            **body,
            "Format": "DateOnly" if date_only else "DateAndTime",
            "DateTimeBehavior": {"Value": "DateOnly" if date_only else "UserLocal"},
        }
    if kind in ("choice", "multichoice"):
        body = (
            _common(column, "PicklistAttributeMetadata", "Picklist")
            if kind == "choice"
            else {
                **_common(column, "MultiSelectPicklistAttributeMetadata", "Virtual"),
                "AttributeTypeName": {"Value": "MultiSelectPicklistType"},
            }
        )
        return {
            **body,
            "OptionSet": {
                "@odata.type": "Microsoft.Dynamics.CRM.OptionSetMetadata",
                "IsGlobal": False,
                "OptionSetType": "Picklist",
                "Options": [{"Value": o.value, "Label": label(o.label)} for o in column.choices],
            },
        }
    raise ValueError(f"column type {kind} cannot be created as a plain column")


def table_body(table: TableNeed) -> dict[str, Any]:
    """The EntityMetadata POSTed to `EntityDefinitions` for a custom table with notes enabled."""
    primary = table.primary_name_column or "new_name"
    name = display(table.name, table.label)
    return {
        "@odata.type": "Microsoft.Dynamics.CRM.EntityMetadata",
        "SchemaName": table.schema_name or table.name,
        "DisplayName": label(name),
        "DisplayCollectionName": label(name + "s"),
        "Description": label(f"{name} (created by ClinicFerry)"),
        "OwnershipType": "UserOwned",
        "IsActivity": False,
        "HasActivities": False,
        "HasNotes": True,
        "Attributes": [
            {
                "@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata",
                "SchemaName": primary,
                "AttributeType": "String",
                "AttributeTypeName": {"Value": "StringType"},
                "IsPrimaryName": True,
                "MaxLength": 200,
                "FormatName": {"Value": "Text"},
                "DisplayName": label("Name"),
                "RequiredLevel": {"Value": "None"},
            }
        ],
    }


def relationship_name(table: str, column: ColumnNeed, prefix: str) -> str:
    """`new_contact_new_treatmentplan_new_patientid` unless the map named it."""
    if column.relationship:
        return column.relationship
    return f"{prefix}{column.targets[0]}_{table}_{column.name}"[:100]


def relationship_body(table: str, column: ColumnNeed, prefix: str) -> dict[str, Any]:
    """A OneToManyRelationshipMetadata with its lookup column, for `RelationshipDefinitions`."""
    target = column.targets[0]
    lookup = {
        "@odata.type": "Microsoft.Dynamics.CRM.LookupAttributeMetadata",
        "AttributeType": "Lookup",
        "AttributeTypeName": {"Value": "LookupType"},
        "SchemaName": column.schema_name or column.name,
        "DisplayName": label(display(column.name, column.label)),
        "RequiredLevel": {"Value": "None"},
    }
    return {
        "@odata.type": "Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata",
        "SchemaName": relationship_name(table, column, prefix),
        "ReferencedEntity": target,
        "ReferencedAttribute": f"{target}id",
        "ReferencingEntity": table,
        "CascadeConfiguration": {
            "Assign": "NoCascade",
            "Delete": "RemoveLink",
            "Merge": "NoCascade",
            "Reparent": "NoCascade",
            "Share": "NoCascade",
            "Unshare": "NoCascade",
        },
        "AssociatedMenuConfiguration": {
            "Behavior": "UseCollectionName",
            "Group": "Details",
            "Label": label(display(table, None)),
            "Order": 10000,
        },
        "Lookup": lookup,
    }


def key_schema_name(table: str, columns: list[str], prefix: str) -> str:
    """`new_contact_sourceidkey`: prefixed, unique per table."""
    parts = "_".join(column.removeprefix(prefix) for column in columns)
    return f"{prefix}{table.removeprefix(prefix)}_{parts}key"[:100]


def key_body(table: str, columns: list[str], prefix: str) -> dict[str, Any]:
    """EntityKeyMetadata for an alternate key on `columns`."""
    return {
        "SchemaName": key_schema_name(table, columns, prefix),
        "DisplayName": label(" + ".join(display(c, None) for c in columns) + " key"),
        "KeyAttributes": list(columns),
    }
