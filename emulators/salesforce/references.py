"""Relationship columns and reference fields: parents found by external id, in batches, and
references checked for existence, target object and active owners."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from emulators.salesforce.catalog import FieldDef, ObjectDef
from emulators.salesforce.errors import RowError
from emulators.salesforce.ids import looks_like_id, to18
from emulators.salesforce.org import Caller, Org
from emulators.salesforce.rows import Operation, RefInput, RowInput, invalid_field

# Polymorphic references that take any record, custom objects included.
ANY_RECORD = frozenset({"FirstPublishLocationId", "LinkedEntityId", "WhatId"})
Parents = dict[tuple[str, str, str], dict[str, list[str]]]


class References:
    """Resolves relationship columns and checks reference values for one org."""

    def __init__(self, org: Org) -> None:
        self.org = org

    def target(
        self, obj: ObjectDef, ref: RefInput
    ) -> tuple[FieldDef, ObjectDef, FieldDef] | RowError:
        rel = obj.relationship(ref.relationship)
        if rel is None:
            return invalid_field(obj, f"{ref.relationship}.{ref.field}")
        if ref.type_name and not rel.polymorphic:
            return RowError(
                "INVALID_FIELD",
                f"Polymorphic type prefix not allowed on {rel.relationshipName}",
                [rel.name],
            )
        target_name = ref.type_name or rel.referenceTo[0]
        if target_name not in rel.referenceTo:
            return invalid_field(obj, f"{ref.relationship}.{ref.field}")
        target = self.org.objects[target_name]
        target_field = target.field(ref.field)
        if target_field is None or not target_field.indexed:
            return RowError(
                "INVALID_FIELD",
                f"{ref.field} on {target.name} is not an External ID or indexed field",
                [rel.name],
            )
        return rel, target, target_field

    def resolve(
        self, obj: ObjectDef, rows: Sequence[RowInput]
    ) -> dict[tuple[str, str, str], dict[str, list[str]]]:
        wanted: dict[tuple[str, str, str], set[str]] = {}
        for row in rows:
            for ref in row.refs:
                target = self.target(obj, ref)
                if isinstance(target, RowError) or ref.value in (None, "", "#N/A"):
                    continue
                _, parent_obj, parent_key = target
                wanted.setdefault((ref.relationship, parent_obj.name, parent_key.name), set()).add(
                    str(ref.value)
                )
        resolved: dict[tuple[str, str, str], dict[str, list[str]]] = {}
        for (relationship, parent, parent_field), values in wanted.items():
            if parent_field == "Id":
                found = self.org.store.get_many([to18(v) for v in values if looks_like_id(v)])
                matches = {
                    rid.lower(): [rid] for rid, (o, d, _) in found.items() if o == parent and not d
                }
            else:
                by_value = self.org.store.find_by(parent, parent_field, sorted(values))
                matches = {k: [rid for rid, _ in v] for k, v in by_value.items()}
            resolved[(relationship, parent, parent_field)] = matches
        return resolved

    def apply(
        self,
        obj: ObjectDef,
        ref: RefInput,
        parents: Parents,
        caller: Caller,
        creating: bool,
        operation: Operation,
    ) -> tuple[str, str | None] | RowError | None:
        target = self.target(obj, ref)
        if isinstance(target, RowError):
            return target
        rel, parent, parent_field = target
        if self.org.field_access(obj, rel, caller) != "edit":
            return invalid_field(obj, f"{ref.relationship}.{ref.field}")
        if ref.value == "":
            return None
        if ref.value in (None, "#N/A"):
            return rel.name, None
        key = str(ref.value)
        if parent_field.name == "Id":
            key = to18(key).lower() if looks_like_id(key) else key.lower()
        matches = parents.get((ref.relationship, parent.name, parent_field.name), {}).get(
            key.lower(), []
        )
        if len(matches) != 1:
            why = "not found" if not matches else "matches more than one record"
            return RowError(
                "INVALID_FIELD",
                f"Foreign key external ID {why} for field {parent_field.name} in entity "
                f"{parent.name}",
                [rel.name],
            )
        return rel.name, matches[0]

    def check(
        self, obj: ObjectDef, changes: dict[str, Any], caller: Caller, cache: dict[str, str | None]
    ) -> RowError | None:
        for name, value in changes.items():
            f = obj.fields[name]
            if f.type != "reference" or value is None:
                continue
            if value not in cache:
                found = self.org.store.get(value)
                state = None
                if found is not None and not found[1]:
                    state = found[0]
                    if found[0] == "User" and not found[2].get("IsActive", True):
                        state = "User:inactive"
                cache[value] = state
            state = cache[value]
            target = state.split(":")[0] if state else None
            if target is None or (target not in f.referenceTo and name not in ANY_RECORD):
                return RowError(
                    "INVALID_CROSS_REFERENCE_KEY", f"invalid cross reference id: {name}", [name]
                )
            if state == "User:inactive" and name == "OwnerId":
                exempt = self.org.config.audit_fields_org_setting and caller.may(
                    "UpdateWithInactiveOwner"
                )
                if not exempt:
                    return RowError(
                        "INACTIVE_OWNER_OR_USER",
                        f"operation performed with inactive user as owner of {obj.name}",
                        [name],
                    )
        return None
