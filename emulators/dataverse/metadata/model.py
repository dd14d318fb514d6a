"""Pydantic model of table definitions: tables, columns, option sets, keys and relationships."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

AttributeType = Literal[
    "String",
    "Memo",
    "Integer",
    "BigInt",
    "Decimal",
    "Double",
    "Money",
    "Boolean",
    "DateTime",
    "Picklist",
    "MultiSelectPicklist",
    "State",
    "Status",
    "Lookup",
    "Customer",
    "Owner",
    "Uniqueidentifier",
    "EntityName",
    "PartyList",
    "File",
]
RequiredLevel = Literal["None", "SystemRequired", "ApplicationRequired", "Recommended"]
Ownership = Literal["UserOwned", "OrganizationOwned", "None"]
KeyStatus = Literal["Pending", "InProgress", "Active", "Failed"]
LOOKUP_TYPES: frozenset[str] = frozenset({"Lookup", "Customer", "Owner"})
STRING_TYPES: frozenset[str] = frozenset({"String", "Memo", "EntityName"})
NUMBER_TYPES: frozenset[str] = frozenset({"Integer", "BigInt", "Decimal", "Double", "Money"})
OPTION_TYPES: frozenset[str] = frozenset({"Picklist", "MultiSelectPicklist", "State", "Status"})


def new_metadata_id() -> str:
    """A fresh MetadataId."""
    return str(uuid.uuid4())


class Option(BaseModel):
    """One choice of an option set; `state` links a status reason to its state."""

    model_config = ConfigDict(extra="forbid")

    value: int
    label: str
    state: int | None = None


class Column(BaseModel):
    """A column (attribute). Lookups carry their targets and one navigation property each."""

    model_config = ConfigDict(extra="forbid")

    logical_name: str
    schema_name: str = ""
    type: AttributeType
    display_name: str = ""
    required: RequiredLevel = "None"
    max_length: int | None = None
    min_value: float | None = None
    max_value: float | None = None
    precision: int | None = None
    format: str | None = None
    max_size_kb: int | None = None
    valid_for_create: bool = True
    valid_for_update: bool = True
    options: list[Option] = Field(default_factory=list)
    default_option: int | None = None
    targets: list[str] = Field(default_factory=list)
    navigation: dict[str, str] = Field(default_factory=dict)
    is_custom: bool = False
    metadata_id: str = Field(default_factory=new_metadata_id)

    def option_label(self, value: object) -> str | None:
        """The label of an option value, or None."""
        for option in self.options:
            if option.value == value:
                return option.label
        return None


class AlternateKey(BaseModel):
    """An alternate key; its index is built asynchronously (Pending -> Active)."""

    model_config = ConfigDict(extra="forbid")

    schema_name: str
    logical_name: str
    key_attributes: list[str]
    display_name: str = ""
    status: KeyStatus = "Active"
    activate_at: float = 0.0
    metadata_id: str = Field(default_factory=new_metadata_id)


class Relationship(BaseModel):
    """A one-to-many relationship: the lookup `referencing_attribute` on `referencing_entity`."""

    model_config = ConfigDict(extra="forbid")

    schema_name: str
    referenced_entity: str
    referenced_attribute: str
    referencing_entity: str
    referencing_attribute: str
    referencing_navigation: str
    referenced_navigation: str
    is_custom: bool = False
    metadata_id: str = Field(default_factory=new_metadata_id)


class Table(BaseModel):
    """A table (entity) definition."""

    model_config = ConfigDict(extra="forbid")

    logical_name: str
    schema_name: str = ""
    entity_set_name: str
    primary_id: str
    primary_name: str
    display_name: str = ""
    display_collection_name: str = ""
    ownership: Ownership = "UserOwned"
    object_type_code: int = 10000
    is_activity: bool = False
    is_custom: bool = False
    has_notes: bool = True
    has_activities: bool = False
    bulk_supported: bool = True
    columns: dict[str, Column] = Field(default_factory=dict)
    keys: list[AlternateKey] = Field(default_factory=list)
    # Collection-valued navigation properties accepted for deep insert: name -> (table, lookup).
    collections: dict[str, tuple[str, str]] = Field(default_factory=dict)
    metadata_id: str = Field(default_factory=new_metadata_id)

    def active_keys(self) -> list[AlternateKey]:
        """Keys whose index is built and usable in URLs and upserts."""
        return [key for key in self.keys if key.status == "Active"]
