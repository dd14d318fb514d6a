"""The org's objects and fields: standard ones from the seed, custom ones from metadata deploys."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

FieldType = Literal[
    "id",
    "string",
    "textarea",
    "picklist",
    "multipicklist",
    "combobox",
    "reference",
    "currency",
    "date",
    "datetime",
    "double",
    "int",
    "percent",
    "boolean",
    "email",
    "phone",
    "url",
    "base64",
]
SEED = Path(__file__).parent / "seed" / "standard_objects.yaml"
AUDIT_FIELDS = ("CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById")
SYSTEM_FIELDS = ("Id", "IsDeleted", *AUDIT_FIELDS, "SystemModstamp")


class PicklistValue(BaseModel):
    """One pick-list entry."""

    value: str
    label: str
    active: bool = True
    defaultValue: bool = False


class FieldDef(BaseModel):
    """One field as describe shows it, plus the emulator's own flags."""

    model_config = ConfigDict(extra="forbid")

    name: str
    label: str = ""
    type: FieldType = "string"
    length: int = 0
    precision: int = 0
    scale: int = 0
    required: bool = False
    custom: bool = False
    calculated: bool = False
    createable: bool = True
    updateable: bool = True
    externalId: bool = False
    idLookup: bool = False
    unique: bool = False
    referenceTo: list[str] = Field(default_factory=list)
    relationshipName: str | None = None
    polymorphic: bool = False
    values: list[str] = Field(default_factory=list)
    restricted: bool = False
    system: bool = False

    @property
    def indexed(self) -> bool:
        """True when Bulk relationship columns and upserts may match on this field."""
        return self.externalId or self.idLookup or self.name == "Id"

    def describe(self) -> dict[str, Any]:
        """The field as `sobjects/<X>/describe` lists it."""
        return {
            "name": self.name,
            "label": self.label or self.name,
            "type": self.type,
            "length": self.length,
            "byteLength": self.length * 3,
            "precision": self.precision,
            "scale": self.scale,
            "digits": 0,
            "nillable": not self.required and self.type != "boolean" and self.name != "Id",
            "createable": self.createable and not self.calculated and not self.system,
            "updateable": self.updateable and not self.calculated and not self.system,
            "defaultedOnCreate": self.system or self.type == "boolean" or self.name == "OwnerId",
            "unique": self.unique,
            "externalId": self.externalId,
            "idLookup": self.idLookup or self.name == "Id",
            "calculated": self.calculated,
            "custom": self.custom,
            "picklistValues": [PicklistValue(value=v, label=v).model_dump() for v in self.values],
            "restrictedPicklist": self.restricted,
            "referenceTo": self.referenceTo,
            "relationshipName": self.relationshipName,
            "polymorphicForeignKey": self.polymorphic,
            "htmlFormatted": False,
        }


class ObjectDef(BaseModel):
    """One sObject type."""

    model_config = ConfigDict(extra="forbid")

    name: str
    label: str = ""
    label_plural: str = ""
    key_prefix: str
    custom: bool = False
    createable: bool = True
    owned: bool = False
    name_field: str = "Name"
    fields: dict[str, FieldDef] = Field(default_factory=dict)

    def field(self, name: str) -> FieldDef | None:
        """A field by API name, case-insensitively (Salesforce names are)."""
        found = self.fields.get(name)
        if found is not None:
            return found
        lowered = name.lower()
        return next((f for n, f in self.fields.items() if n.lower() == lowered), None)

    def relationship(self, name: str) -> FieldDef | None:
        """The reference field whose relationship name is `name` (case-insensitive)."""
        lowered = name.lower()
        return next(
            (
                f
                for f in self.fields.values()
                if f.relationshipName and f.relationshipName.lower() == lowered
            ),
            None,
        )

    def describe(self, visible: list[FieldDef], origin_path: str) -> dict[str, Any]:
        """The object as `sobjects/<X>/describe` returns it."""
        return {
            **self.summary(origin_path),
            "fields": [{**f.describe(), "nameField": f.name == self.name_field} for f in visible],
            "childRelationships": [],
            "recordTypeInfos": [],
        }

    def summary(self, origin_path: str) -> dict[str, Any]:
        """The object as the global describe (`sobjects/`) lists it."""
        url = f"{origin_path}/sobjects/{self.name}"
        return {
            "name": self.name,
            "label": self.label or self.name,
            "labelPlural": self.label_plural or (self.label or self.name) + "s",
            "keyPrefix": self.key_prefix,
            "custom": self.custom,
            "createable": self.createable,
            "updateable": True,
            "deletable": True,
            "queryable": True,
            "searchable": True,
            "urls": {"sobject": url, "describe": f"{url}/describe", "rowTemplate": f"{url}/{{ID}}"},
        }


def system_fields(owned: bool) -> dict[str, FieldDef]:
    """Id, IsDeleted, the audit fields, SystemModstamp (and OwnerId for owned objects)."""
    fields = {
        "Id": FieldDef(name="Id", type="id", length=18, system=True),
        "IsDeleted": FieldDef(name="IsDeleted", type="boolean", system=True),
        "CreatedDate": FieldDef(name="CreatedDate", type="datetime", system=True),
        "CreatedById": FieldDef(
            name="CreatedById",
            type="reference",
            referenceTo=["User"],
            relationshipName="CreatedBy",
            system=True,
            length=18,
        ),
        "LastModifiedDate": FieldDef(name="LastModifiedDate", type="datetime", system=True),
        "LastModifiedById": FieldDef(
            name="LastModifiedById",
            type="reference",
            referenceTo=["User"],
            relationshipName="LastModifiedBy",
            system=True,
            length=18,
        ),
        "SystemModstamp": FieldDef(name="SystemModstamp", type="datetime", system=True),
    }
    if owned:
        fields["OwnerId"] = FieldDef(
            name="OwnerId",
            type="reference",
            referenceTo=["User"],
            relationshipName="Owner",
            length=18,
        )
    return fields


def load_standard_objects(path: Path = SEED) -> dict[str, ObjectDef]:
    """The seeded standard objects, with system fields added."""
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    objects: dict[str, ObjectDef] = {}
    for name, spec in raw.items():
        fields = system_fields(bool(spec.get("owned")))
        for field_name, field_spec in (spec.get("fields") or {}).items():
            length = field_spec.pop("length", 18 if field_spec.get("type") == "reference" else 0)
            fields[field_name] = FieldDef(name=field_name, length=length, **field_spec)
        objects[name] = ObjectDef(
            name=name,
            key_prefix=spec["key_prefix"],
            owned=bool(spec.get("owned")),
            createable=spec.get("createable", True),
            name_field=spec.get("name_field", "Name"),
            fields=fields,
        )
    return objects
