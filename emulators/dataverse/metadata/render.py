"""EntityMetadata / AttributeMetadata / EntityKeyMetadata JSON, as EntityDefinitions returns it."""

from __future__ import annotations

from typing import Any

from emulators.dataverse.metadata.model import Column, Option, Relationship, Table

NS = "Microsoft.Dynamics.CRM."
ATTRIBUTE_CLASSES: dict[str, tuple[str, str]] = {
    "String": ("StringAttributeMetadata", "StringType"),
    "Memo": ("MemoAttributeMetadata", "MemoType"),
    "Integer": ("IntegerAttributeMetadata", "IntegerType"),
    "BigInt": ("BigIntAttributeMetadata", "BigIntType"),
    "Decimal": ("DecimalAttributeMetadata", "DecimalType"),
    "Double": ("DoubleAttributeMetadata", "DoubleType"),
    "Money": ("MoneyAttributeMetadata", "MoneyType"),
    "Boolean": ("BooleanAttributeMetadata", "BooleanType"),
    "DateTime": ("DateTimeAttributeMetadata", "DateTimeType"),
    "Picklist": ("PicklistAttributeMetadata", "PicklistType"),
    "MultiSelectPicklist": ("MultiSelectPicklistAttributeMetadata", "MultiSelectPicklistType"),
    "State": ("StateAttributeMetadata", "StateType"),
    "Status": ("StatusAttributeMetadata", "StatusType"),
    "Lookup": ("LookupAttributeMetadata", "LookupType"),
    "Customer": ("LookupAttributeMetadata", "CustomerType"),
    "Owner": ("LookupAttributeMetadata", "OwnerType"),
    "Uniqueidentifier": ("UniqueIdentifierAttributeMetadata", "UniqueidentifierType"),
    "EntityName": ("EntityNameAttributeMetadata", "EntityNameType"),
    "PartyList": ("LookupAttributeMetadata", "PartyListType"),
    "File": ("FileAttributeMetadata", "FileType"),
}


def label(text: str) -> dict[str, Any]:
    """A Label with one 1033 LocalizedLabel."""
    localized = {"Label": text, "LanguageCode": 1033, "IsManaged": False, "HasChanged": None}
    return {"LocalizedLabels": [localized], "UserLocalizedLabel": localized}


def label_text(value: Any, default: str = "") -> str:
    """The text of a Label body (first localized label)."""
    if isinstance(value, dict):
        user = value.get("UserLocalizedLabel")
        if isinstance(user, dict) and user.get("Label"):
            return str(user["Label"])
        for item in value.get("LocalizedLabels") or []:
            if isinstance(item, dict) and item.get("Label"):
                return str(item["Label"])
    return default


def entity(table: Table) -> dict[str, Any]:
    """EntityMetadata without Attributes/Keys (expanded on request)."""
    return {
        "MetadataId": table.metadata_id,
        "LogicalName": table.logical_name,
        "SchemaName": table.schema_name,
        "EntitySetName": table.entity_set_name,
        "LogicalCollectionName": table.entity_set_name,
        "CollectionSchemaName": table.schema_name + "s",
        "PrimaryIdAttribute": table.primary_id,
        "PrimaryNameAttribute": table.primary_name,
        "ObjectTypeCode": table.object_type_code,
        "OwnershipType": table.ownership if table.ownership != "None" else "None",
        "IsActivity": table.is_activity,
        "IsCustomEntity": table.is_custom,
        "IsManaged": not table.is_custom,
        "IsPrivate": False,
        "HasNotes": table.has_notes,
        "HasActivities": table.has_activities,
        "IsValidForAdvancedFind": True,
        "CanCreateAttributes": {"Value": True, "CanBeChanged": False},
        "DisplayName": label(table.display_name),
        "DisplayCollectionName": label(table.display_collection_name),
        "Description": label(""),
    }


def options(column: Column) -> list[dict[str, Any]]:
    """OptionMetadata list of a choice column."""
    return [_option(option) for option in column.options]


def _option(option: Option) -> dict[str, Any]:
    out: dict[str, Any] = {"Value": option.value, "Label": label(option.label), "Color": None}
    if option.state is not None:
        out["State"] = option.state
    return out


def attribute(table: Table, column: Column) -> dict[str, Any]:
    """AttributeMetadata with the type-specific members its cast exposes."""
    class_name, type_name = ATTRIBUTE_CLASSES[column.type]
    out: dict[str, Any] = {
        "@odata.type": f"#{NS}{class_name}",
        "MetadataId": column.metadata_id,
        "LogicalName": column.logical_name,
        "SchemaName": column.schema_name,
        "EntityLogicalName": table.logical_name,
        # Multi-select choices are "Virtual" attributes; their type name says what they are.
        "AttributeType": "Virtual" if column.type == "MultiSelectPicklist" else column.type,
        "AttributeTypeName": {"Value": type_name},
        "AttributeOf": None,
        "IsCustomAttribute": column.is_custom,
        "IsPrimaryId": column.logical_name == table.primary_id,
        "IsPrimaryName": column.logical_name == table.primary_name,
        "IsValidForCreate": column.valid_for_create,
        "IsValidForUpdate": column.valid_for_update,
        "IsValidForRead": True,
        "RequiredLevel": {
            "Value": column.required,
            "CanBeChanged": column.required != "SystemRequired",
            "ManagedPropertyLogicalName": "canmodifyrequirementlevelsettings",
        },
        "DisplayName": label(column.display_name),
        "Description": label(""),
    }
    if column.type in ("String", "Memo"):
        out["MaxLength"] = column.max_length
        out["FormatName"] = {
            "Value": column.format or ("TextArea" if column.type == "Memo" else "Text")
        }
    if column.type in ("Integer", "BigInt", "Decimal", "Double", "Money"):
        out["MinValue"] = column.min_value
        out["MaxValue"] = column.max_value
    if column.type in ("Decimal", "Double", "Money"):
        out["Precision"] = column.precision if column.precision is not None else 2
    if column.type == "DateTime":
        out["Format"] = column.format or "DateAndTime"
        out["DateTimeBehavior"] = {
            "Value": "DateOnly" if column.format == "DateOnly" else "UserLocal"
        }
    if column.type in ("Lookup", "Customer", "Owner", "PartyList"):
        out["Targets"] = list(column.targets)
    if column.type == "File":
        out["MaxSizeInKB"] = column.max_size_kb or 32768
    if column.type in ("Picklist", "MultiSelectPicklist", "State", "Status"):
        out["DefaultFormValue"] = column.default_option
    return out


def option_set(column: Column) -> dict[str, Any]:
    """The OptionSet member expanded on a choice column."""
    return {
        "MetadataId": column.metadata_id,
        "Name": f"{column.logical_name}",
        "IsGlobal": False,
        "OptionSetType": column.type if column.type != "Picklist" else "Picklist",
        "Options": options(column),
    }


def key(table: Table, index: int) -> dict[str, Any]:
    """EntityKeyMetadata."""
    item = table.keys[index]
    return {
        "MetadataId": item.metadata_id,
        "LogicalName": item.logical_name,
        "SchemaName": item.schema_name,
        "EntityLogicalName": table.logical_name,
        "KeyAttributes": list(item.key_attributes),
        "EntityKeyIndexStatus": item.status,
        "AsyncJob": None,
        "DisplayName": label(item.display_name or item.schema_name),
        "IsManaged": False,
    }


def relationship(rel: Relationship) -> dict[str, Any]:
    """OneToManyRelationshipMetadata."""
    return {
        "@odata.type": f"#{NS}OneToManyRelationshipMetadata",
        "MetadataId": rel.metadata_id,
        "SchemaName": rel.schema_name,
        "RelationshipType": "OneToManyRelationship",
        "ReferencedEntity": rel.referenced_entity,
        "ReferencedAttribute": rel.referenced_attribute,
        "ReferencingEntity": rel.referencing_entity,
        "ReferencingAttribute": rel.referencing_attribute,
        "ReferencingEntityNavigationPropertyName": rel.referencing_navigation,
        "ReferencedEntityNavigationPropertyName": rel.referenced_navigation,
        "IsCustomRelationship": rel.is_custom,
    }
