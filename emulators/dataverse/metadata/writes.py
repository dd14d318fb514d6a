"""Creates custom tables, columns, choice columns, lookups and alternate keys through the API."""

from __future__ import annotations

import time
from typing import Any

from emulators.dataverse import errors
from emulators.dataverse.metadata.catalog import Catalog
from emulators.dataverse.metadata.model import (
    AlternateKey,
    AttributeType,
    Column,
    Option,
    Relationship,
    Table,
)
from emulators.dataverse.metadata.render import label_text
from emulators.dataverse.references import key_value_text
from emulators.dataverse.store import Store

MAX_KEYS_PER_TABLE = 10
_KEY_COLUMN_TYPES = frozenset({"String", "Integer", "Decimal", "DateTime", "Lookup", "Picklist"})
_CLASS_TYPES: dict[str, AttributeType] = {
    "StringAttributeMetadata": "String",
    "MemoAttributeMetadata": "Memo",
    "IntegerAttributeMetadata": "Integer",
    "BigIntAttributeMetadata": "BigInt",
    "DecimalAttributeMetadata": "Decimal",
    "DoubleAttributeMetadata": "Double",
    "MoneyAttributeMetadata": "Money",
    "BooleanAttributeMetadata": "Boolean",
    "DateTimeAttributeMetadata": "DateTime",
    "PicklistAttributeMetadata": "Picklist",
    "MultiSelectPicklistAttributeMetadata": "MultiSelectPicklist",
    "FileAttributeMetadata": "File",
}


def plural(name: str) -> str:
    """Entity set name the way Dataverse pluralises a logical name."""
    if name.endswith("y") and name[-2:-1] not in "aeiou":
        return name[:-1] + "ies"
    if name.endswith(("s", "x", "z", "ch", "sh")):
        return name + "es"
    return name + "s"


def _require_prefix(schema_name: str) -> None:
    prefix, sep, rest = schema_name.partition("_")
    if not sep or not prefix or not rest:
        raise errors.bad_request(
            f"The schema name {schema_name} for type Entity is not prefixed. Valid prefixes "
            "are those of the solution's publisher, e.g. new_.",
            errors.INVALID_ARGUMENT,
        )


def _options(body: dict[str, Any]) -> list[Option]:
    option_set = body.get("OptionSet") or {}
    out = []
    for index, item in enumerate(option_set.get("Options") or []):
        value = item.get("Value")
        out.append(
            Option(
                value=int(value) if value is not None else 100_000_000 + index,
                label=label_text(item.get("Label"), str(value)),
            )
        )
    return out


def column_from_body(body: dict[str, Any]) -> Column:
    """A custom Column from an AttributeMetadata body.

    Raises:
        DataverseError: 400 for an unsupported type or a missing schema name.
    """
    odata_type = (
        str(body.get("@odata.type", "")).lstrip("#").removeprefix("Microsoft.Dynamics.CRM.")
    )
    # CreateEntities sends Complex<Type>AttributeMetadata, the same shapes under another name.
    kind = _CLASS_TYPES.get(odata_type.removeprefix("Complex"))
    schema = body.get("SchemaName")
    if kind is None or not isinstance(schema, str) or not schema:
        raise errors.bad_request(
            f"The attribute type '{odata_type or 'unknown'}' cannot be created through this "
            "request; lookups are created with RelationshipDefinitions.",
            errors.INVALID_ARGUMENT,
        )
    _require_prefix(schema)
    required = (body.get("RequiredLevel") or {}).get("Value", "None")
    fmt = body.get("Format") or (body.get("FormatName") or {}).get("Value")
    return Column(
        logical_name=schema.lower(),
        schema_name=schema,
        type=kind,
        display_name=label_text(body.get("DisplayName"), schema),
        required=required,
        max_length=body.get("MaxLength") if kind in ("String", "Memo") else None,
        min_value=body.get("MinValue"),
        max_value=body.get("MaxValue"),
        precision=body.get("Precision"),
        format=fmt
        if fmt in ("DateOnly", "DateAndTime", "Email", "Text", "TextArea", "Url", "Phone")
        else None,
        options=_options(body) if kind in ("Picklist", "MultiSelectPicklist") else [],
        max_size_kb=body.get("MaxSizeInKB") if kind == "File" else None,
        # File content is uploaded to the column's own URL, never set in Create/Update.
        valid_for_create=kind != "File",
        valid_for_update=kind != "File",
        is_custom=True,
    )


class MetadataWriter:
    """Applies metadata POSTs to the catalog; keys build after `key_activation_s`."""

    def __init__(self, store: Store, catalog: Catalog, key_activation_s: float) -> None:
        self.store = store
        self.catalog = catalog
        self.key_activation_s = key_activation_s

    def create_table(self, body: dict[str, Any]) -> Table:
        """POST EntityDefinitions / CreateEntities item.

        Raises:
            DataverseError: 400 for a missing prefix, primary name or an existing table.
        """
        schema = body.get("SchemaName")
        if not isinstance(schema, str) or not schema:
            raise errors.bad_request("SchemaName is required.", errors.INVALID_ARGUMENT)
        _require_prefix(schema)
        logical = schema.lower()
        if self.catalog.table(logical) is not None:
            raise errors.bad_request(
                f"An entity with the specified name already exists: {logical}",
                errors.DUPLICATE_KEY,
            )
        attributes = body.get("Attributes") or []
        primary = [a for a in attributes if a.get("IsPrimaryName")]
        if len(primary) != 1:
            raise errors.bad_request(
                "A table needs exactly one primary name attribute (IsPrimaryName).",
                errors.INVALID_ARGUMENT,
            )
        columns = {}
        for item in attributes:
            column = column_from_body(item)
            columns[column.logical_name] = column
        primary_name = str(primary[0]["SchemaName"]).lower()
        ownership = body.get("OwnershipType", "UserOwned")
        table = Table(
            logical_name=logical,
            schema_name=schema,
            entity_set_name=plural(logical),
            primary_id=f"{logical}id",
            primary_name=primary_name,
            display_name=label_text(body.get("DisplayName"), schema),
            display_collection_name=label_text(body.get("DisplayCollectionName"), schema),
            ownership=ownership if ownership in ("UserOwned", "OrganizationOwned") else "UserOwned",
            object_type_code=10_000 + sum(1 for t in self.catalog.tables.values() if t.is_custom),
            is_activity=bool(body.get("IsActivity", False)),
            is_custom=True,
            has_notes=bool(body.get("HasNotes", False)),
            has_activities=bool(body.get("HasActivities", False)),
            columns=columns,
        )
        self.catalog.register_table(table)
        return table

    def create_column(self, table: Table, body: dict[str, Any]) -> Column:
        """POST EntityDefinitions(...)/Attributes.

        Raises:
            DataverseError: 400 for an unsupported type or a column that already exists.
        """
        column = column_from_body(body)
        if column.logical_name in table.columns:
            raise errors.bad_request(
                f"An attribute with the specified name {column.logical_name} already exists "
                f"on entity {table.logical_name}.",
                errors.DUPLICATE_KEY,
            )
        table.columns[column.logical_name] = column
        if column.type == "File":
            name_column = f"{column.logical_name}_name"
            table.columns[name_column] = Column(
                logical_name=name_column,
                schema_name=f"{column.schema_name}_Name",
                type="String",
                max_length=200,
                valid_for_create=False,
                valid_for_update=False,
                is_custom=True,
            )
        self.catalog.save(table)
        return column

    def create_lookup(self, body: dict[str, Any]) -> Relationship:
        """POST RelationshipDefinitions (one-to-many with its Lookup attribute).

        Raises:
            DataverseError: 400 for unknown tables or a lookup that already exists.
        """
        referenced = self.catalog.table(str(body.get("ReferencedEntity", "")).lower())
        referencing = self.catalog.table(str(body.get("ReferencingEntity", "")).lower())
        lookup = body.get("Lookup") or {}
        schema = lookup.get("SchemaName")
        if referenced is None or referencing is None or not isinstance(schema, str):
            raise errors.bad_request(
                "ReferencedEntity, ReferencingEntity and Lookup.SchemaName must name existing "
                "tables and a new lookup.",
                errors.INVALID_ARGUMENT,
            )
        _require_prefix(schema)
        if schema.lower() in referencing.columns:
            raise errors.bad_request(
                f"An attribute with the specified name {schema.lower()} already exists on "
                f"entity {referencing.logical_name}.",
                errors.DUPLICATE_KEY,
            )
        column = Column(
            logical_name=schema.lower(),
            schema_name=schema,
            type="Lookup",
            display_name=label_text(lookup.get("DisplayName"), schema),
            required=(lookup.get("RequiredLevel") or {}).get("Value", "None"),
            targets=[referenced.logical_name],
            navigation={referenced.logical_name: schema},
            is_custom=True,
        )
        referencing.columns[column.logical_name] = column
        rel_schema = str(body.get("SchemaName") or f"{referenced.logical_name}_{schema}")
        relationship = Relationship(
            schema_name=rel_schema,
            referenced_entity=referenced.logical_name,
            referenced_attribute=referenced.primary_id,
            referencing_entity=referencing.logical_name,
            referencing_attribute=column.logical_name,
            referencing_navigation=schema,
            referenced_navigation=rel_schema,
            is_custom=True,
        )
        self.catalog.save(referencing)
        self.catalog.save_relationship(relationship)
        return relationship

    def insert_option(self, body: dict[str, Any]) -> int:
        """InsertOptionValue: adds a choice to a local option set; returns its value.

        Raises:
            DataverseError: 400 for an unknown choice column or a value already in use.
        """
        table = self.catalog.table(str(body.get("EntityLogicalName", "")))
        column = table.columns.get(str(body.get("AttributeLogicalName", ""))) if table else None
        if table is None or column is None or column.type != "Picklist":
            raise errors.bad_request(
                "InsertOptionValue needs the EntityLogicalName and AttributeLogicalName of a "
                "choice column.",
                errors.INVALID_ARGUMENT,
            )
        used = {option.value for option in column.options}
        value = body.get("Value")
        if value is None:
            value = max([*used, 100_000_000 - 1]) + 1
        if int(value) in used:
            raise errors.bad_request(
                f"An option with the value {value} already exists in '{column.logical_name}'.",
                errors.DUPLICATE_KEY,
            )
        column.options.append(Option(value=int(value), label=label_text(body.get("Label"), "")))
        self.catalog.save(table)
        return int(value)

    def create_key(self, table: Table, body: dict[str, Any]) -> AlternateKey:
        """POST EntityDefinitions(...)/Keys; the key starts Pending.

        Raises:
            DataverseError: 400 past 10 keys, for unknown or unsupported columns.
        """
        if len(table.keys) >= MAX_KEYS_PER_TABLE:
            raise errors.bad_request(
                f"The entity {table.logical_name} already has the maximum number of keys "
                f"({MAX_KEYS_PER_TABLE}).",
                errors.INVALID_ARGUMENT,
            )
        schema = body.get("SchemaName")
        attributes = body.get("KeyAttributes")
        if not isinstance(schema, str) or not isinstance(attributes, list) or not attributes:
            raise errors.bad_request(
                "SchemaName and KeyAttributes are required.", errors.INVALID_ARGUMENT
            )
        if len(attributes) > 16:
            raise errors.bad_request(
                "A key can have at most 16 attributes.", errors.INVALID_ARGUMENT
            )
        for name in attributes:
            column = table.columns.get(str(name))
            if column is None or column.type not in _KEY_COLUMN_TYPES:
                raise errors.bad_request(
                    f"Attribute '{name}' of entity '{table.logical_name}' cannot be part of an "
                    "alternate key.",
                    errors.INVALID_ARGUMENT,
                )
        key = AlternateKey(
            schema_name=schema,
            logical_name=schema.lower(),
            key_attributes=[str(a) for a in attributes],
            display_name=label_text(body.get("DisplayName"), schema),
            status="Pending",
            activate_at=time.time() + self.key_activation_s,
        )
        table.keys.append(key)
        self.catalog.save(table)
        return key

    def build_due_keys(self) -> None:
        """Builds every Pending key whose time has come: Active, or Failed on duplicate values."""
        for table, index in self.catalog.pending_keys_due():
            key = table.keys[index]
            seen: dict[str, str] = {}
            failed = False
            for record_id, _, record in self.store.all_records(table.logical_name):
                values = [
                    (record.get(n) or {}).get("id")
                    if isinstance(record.get(n), dict)
                    else record.get(n)
                    for n in key.key_attributes
                ]
                if any(v is None for v in values):
                    continue
                text = key_value_text(values)
                if text in seen:
                    failed = True
                    break
                seen[text] = record_id
            with self.store.transaction():
                self.store.clear_key(table.logical_name, key.logical_name)
                if not failed:
                    for text, record_id in seen.items():
                        self.store.db.execute(
                            "INSERT INTO keyvalues (entity, keyname, value, id) VALUES (?,?,?,?)",
                            (table.logical_name, key.logical_name, text, record_id),
                        )
            key.status = "Failed" if failed else "Active"
            for name in key.key_attributes if not failed else []:
                column = table.columns[name]
                self.store.index_column(
                    table.logical_name,
                    name,
                    nocase=column.type in ("String", "Lookup"),
                    lookup=column.type == "Lookup",
                )
            self.catalog.save(table)
