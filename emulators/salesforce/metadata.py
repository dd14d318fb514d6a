"""Metadata API deploys: a zip with package.xml, objects/*.object, permission sets and the
LeadSource standard value set, applied to the org's catalog (or only checked)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

from emulators.salesforce.catalog import FieldDef, FieldType, ObjectDef, system_fields
from emulators.salesforce.dml import Dml, RowInput
from emulators.salesforce.org import Caller, Org
from emulators.salesforce.values import now_text

NS = "{http://soap.sforce.com/2006/04/metadata}"
_TYPES: dict[str, FieldType] = {
    "Text": "string",
    "TextArea": "textarea",
    "LongTextArea": "textarea",
    "Html": "textarea",
    "Number": "double",
    "Currency": "currency",
    "Percent": "percent",
    "Checkbox": "boolean",
    "Date": "date",
    "DateTime": "datetime",
    "Email": "email",
    "Phone": "phone",
    "Url": "url",
    "Picklist": "picklist",
    "MultiselectPicklist": "multipicklist",
    "Lookup": "reference",
    "MasterDetail": "reference",
}
_DEFAULT_LENGTH = {"TextArea": 255, "Email": 80, "Phone": 40, "Url": 255}


@dataclass
class DeployResult:
    """What `deployRequest/<id>` reports."""

    id: str
    success: bool
    check_only: bool
    successes: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    completed: str = field(default_factory=now_text)

    def body(self, include_details: bool) -> dict[str, Any]:
        """The REST deploy resource's JSON."""
        result: dict[str, Any] = {
            "id": self.id,
            "checkOnly": self.check_only,
            "done": True,
            "success": self.success,
            "status": "Succeeded" if self.success else "Failed",
            "completedDate": self.completed,
            "numberComponentsDeployed": len(self.successes),
            "numberComponentErrors": len(self.failures),
            "numberComponentsTotal": len(self.successes) + len(self.failures),
        }
        if include_details:
            result["details"] = {
                "componentSuccesses": self.successes,
                "componentFailures": self.failures,
            }
        return {"id": self.id, "deployResult": result}


def _text(node: ElementTree.Element, name: str, default: str = "") -> str:
    child = node.find(NS + name)
    return default if child is None or child.text is None else child.text.strip()


def _flag(node: ElementTree.Element, name: str) -> bool:
    return _text(node, name).lower() == "true"


def _relationship_name(node: ElementTree.Element, field_name: str) -> str:
    # A custom lookup's relationship is addressed as `<relationshipName>__r` in the API.
    given = _text(node, "relationshipName") or field_name.removesuffix("__c")
    return given.removesuffix("__r") + "__r"


def parse_field(node: ElementTree.Element) -> FieldDef:
    """A `<fields>` element of a CustomObject file."""
    name = _text(node, "fullName")
    md_type = _text(node, "type")
    if md_type not in _TYPES:
        raise ValueError(f"field {name}: unsupported type {md_type!r}")
    length = int(_text(node, "length") or _DEFAULT_LENGTH.get(md_type, 0))
    values, restricted = [], False
    value_set = node.find(NS + "valueSet")
    if value_set is not None:
        restricted = _flag(value_set, "restricted")
        for value in value_set.iter(NS + "value"):
            values.append(_text(value, "fullName"))
    reference_to = _text(node, "referenceTo")
    return FieldDef(
        name=name,
        label=_text(node, "label", name),
        type=_TYPES[md_type],
        length=length,
        precision=int(_text(node, "precision") or 0),
        scale=int(_text(node, "scale") or 0),
        required=_flag(node, "required") or md_type == "MasterDetail",
        custom=True,
        externalId=_flag(node, "externalId"),
        unique=_flag(node, "unique"),
        referenceTo=[reference_to] if reference_to else [],
        relationshipName=_relationship_name(node, name) if reference_to else None,
        values=values,
        restricted=restricted,
    )


class Deployer:
    """Applies deploy zips to one org."""

    def __init__(self, org: Org, dml: Dml) -> None:
        self.org, self.dml = org, dml
        self.results: dict[str, DeployResult] = {}
        self._incoming: set[str] = set()

    def deploy(self, data: bytes, caller: Caller, *, check_only: bool) -> DeployResult:
        """Validates every component first; applies them all or none."""
        result = DeployResult(self.org.ids.new("0Af"), True, check_only)
        self.results[result.id] = result
        if not caller.user.admin:
            result.success = False
            result.failures.append(self._failure("package.xml", "", "INSUFFICIENT_ACCESS"))
            return result
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            result.success = False
            result.failures.append(self._failure("package.xml", "", "not a zip file"))
            return result
        names = {n.split("/", 1)[-1] if n.count("/") > 1 else n: n for n in archive.namelist()}
        if not any(n.endswith("package.xml") for n in names):
            result.success = False
            result.failures.append(self._failure("package.xml", "", "No package.xml found"))
            return result
        # Lookups may point at objects created by this same deploy.
        self._incoming = {
            s.split("/", 1)[1].rsplit(".", 1)[0] for s in names if s.startswith("objects/")
        }
        changes: list[Any] = []
        for short, full in sorted(names.items()):
            try:
                changes.extend(self._component(short, archive.read(full), result))
            except (ValueError, ElementTree.ParseError) as exc:
                result.success = False
                result.failures.append(self._failure(short, short, str(exc)))
        if result.success and not check_only:
            for apply in changes:
                apply(caller)
            self.org.forget_grants()
        return result

    @staticmethod
    def _failure(file: str, name: str, problem: str) -> dict[str, Any]:
        return {"fileName": file, "fullName": name, "problem": problem, "success": False}

    def _component(self, path: str, data: bytes, result: DeployResult) -> list[Any]:
        if path.endswith("package.xml") or path.endswith("-meta.xml"):
            return []
        root = ElementTree.fromstring(data)  # noqa: S314 - a local emulator parsing our own zips
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if path.startswith("objects/") and path.endswith(".object"):
            obj = self._object(stem, root)
            result.successes.append(
                {
                    "fileName": path,
                    "fullName": stem,
                    "componentType": "CustomObject",
                    "created": stem not in self.org.objects,
                }
            )
            return [lambda _c, obj=obj: self.org.save_object(obj)]
        if path.startswith("permissionsets/"):
            grants = self._grants(root)
            label = _text(root, "label", stem)
            result.successes.append(
                {"fileName": path, "fullName": stem, "componentType": "PermissionSet"}
            )
            return [lambda c, s=stem, g=grants, lbl=label: self._save_permission_set(s, lbl, g, c)]
        if path.startswith("standardValueSets/"):
            values = [_text(v, "fullName") for v in root.iter(NS + "standardValue")]
            result.successes.append(
                {"fileName": path, "fullName": stem, "componentType": "StandardValueSet"}
            )
            return [lambda _c, s=stem, v=values: self._standard_values(s, v)]
        raise ValueError(f"unsupported component {path}")

    def _object(self, name: str, root: ElementTree.Element) -> ObjectDef:
        existing = self.org.objects.get(name)
        if existing is not None:
            obj = existing.model_copy(deep=True)
        elif not name.endswith("__c"):
            raise ValueError(f"unknown standard object {name}")
        else:
            name_field = root.find(NS + "nameField")
            label = _text(root, "label", name)
            fields = system_fields(owned=True)
            fields["Name"] = FieldDef(
                name="Name",
                label=_text(name_field, "label", "Name") if name_field is not None else "Name",
                type="string",
                length=80,
                idLookup=True,
                createable=name_field is None or _text(name_field, "type") != "AutoNumber",
                required=name_field is not None and _text(name_field, "type") == "Text",
            )
            obj = ObjectDef(
                name=name,
                label=label,
                label_plural=_text(root, "pluralLabel", label + "s"),
                key_prefix=self.org.next_key_prefix(),
                custom=True,
                owned=True,
                fields=fields,
            )
        for node in root.findall(NS + "fields"):
            f = parse_field(node)
            if not f.name.endswith("__c"):
                raise ValueError(f"field {f.name}: custom field names end in __c")
            for target in f.referenceTo:
                if target not in self.org.objects and target not in self._incoming:
                    raise ValueError(f"field {f.name}: unknown object {target}")
            obj.fields[f.name] = f
        return obj

    @staticmethod
    def _grants(root: ElementTree.Element) -> dict[str, str]:
        grants: dict[str, str] = {}
        for node in root.findall(NS + "fieldPermissions"):
            if _flag(node, "readable") or _flag(node, "editable"):
                grants[_text(node, "field")] = "edit" if _flag(node, "editable") else "read"
        for node in root.findall(NS + "objectPermissions"):
            if _flag(node, "allowRead"):
                grants[_text(node, "object")] = "edit" if _flag(node, "allowEdit") else "read"
        return grants

    def _save_permission_set(
        self, name: str, label: str, grants: dict[str, str], caller: Caller
    ) -> None:
        obj = self.org.objects["PermissionSet"]
        found = self.org.store.find_by("PermissionSet", "Name", [name]).get(name.lower())
        stamp = now_text()
        if found:
            record_id, body = found[0]
        else:
            record_id = self.org.ids.new(obj.key_prefix)
            body = {
                "Id": record_id,
                "Name": name,
                "IsDeleted": False,
                "CreatedDate": stamp,
                "CreatedById": caller.user_id,
            }
        body.update(
            {
                "Label": label,
                "_grants": grants,
                "LastModifiedDate": stamp,
                "LastModifiedById": caller.user_id,
                "SystemModstamp": stamp,
            }
        )
        with self.org.store.transaction():
            self.org.store.put_many("PermissionSet", [(record_id, body)])

    def _standard_values(self, name: str, values: list[str]) -> None:
        for obj in list(self.org.objects.values()):
            f = obj.fields.get(name)
            if f is not None and f.type == "picklist" and not f.custom:
                updated = obj.model_copy(deep=True)
                updated.fields[name].values = list(dict.fromkeys([*f.values, *values]))
                self.org.save_object(updated)
                self.org.store.save_objectdef(obj.name, updated.model_dump_json())


__all__ = ["DeployResult", "Deployer", "RowInput"]
