"""Insert, update, upsert and delete with Salesforce's record rules, shared by REST and Bulk.

Rules applied per record: field existence and field-level security, createable/updateable,
audit fields (insert only, org setting + Set Audit Fields), types, relationship columns by
external id, references, active owners, required fields, unique external ids, and (Bulk only)
simulated row-lock contention on shared parents.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from emulators.salesforce.catalog import AUDIT_FIELDS, FieldDef, ObjectDef
from emulators.salesforce.errors import RowError
from emulators.salesforce.ids import looks_like_id, to18
from emulators.salesforce.org import Caller, Org
from emulators.salesforce.references import Parents, References
from emulators.salesforce.rows import Operation, Outcome, RefInput, RowInput, invalid_field
from emulators.salesforce.values import SKIP, coerce, now_text

Contention = Callable[[str], bool]  # parent id -> does this row lose the lock?
__all__ = ["Dml", "Operation", "Outcome", "RefInput", "RowInput"]


class Dml:
    """Validates and stores records of one org."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self.references = References(org)

    # --- writes ----------------------------------------------------------------------------
    def save(
        self,
        obj: ObjectDef,
        operation: Operation,
        rows: Sequence[RowInput],
        caller: Caller,
        *,
        from_csv: bool,
        ext_field: str | None = None,
        contention: Contention | None = None,
    ) -> list[Outcome]:
        """Validates and writes `rows`; one bad row never stops the others."""
        parents = self.references.resolve(obj, rows)
        existing = self._existing(obj, operation, rows, ext_field)
        unique = self._unique_values(obj, rows)
        stamp = now_text()
        pending: dict[str, str] = {}  # lowered ext value -> id created earlier in this call
        outcomes: list[Outcome] = []
        writes: list[tuple[str, dict[str, Any]]] = []
        ref_cache: dict[str, str | None] = {}
        for row in rows:
            outcome = self._save_one(
                obj,
                operation,
                row,
                caller,
                from_csv,
                ext_field,
                parents,
                existing,
                unique,
                pending,
                ref_cache,
                contention,
                stamp,
            )
            if isinstance(outcome, Outcome):
                outcomes.append(outcome)
                continue
            record_id, body, created = outcome
            writes.append((record_id, body))
            outcomes.append(Outcome(id=record_id, created=created))
        if writes:
            with self.org.store.transaction():
                self.org.store.put_many(obj.name, writes)
            if obj.name.startswith("PermissionSet"):
                self.org.forget_grants()  # assignments change field-level security
        return outcomes

    def _save_one(
        self,
        obj: ObjectDef,
        operation: Operation,
        row: RowInput,
        caller: Caller,
        from_csv: bool,
        ext_field: str | None,
        parents: Parents,
        existing: dict[str, list[tuple[str, dict[str, Any]]]],
        unique: dict[str, dict[str, str]],
        pending: dict[str, str],
        ref_cache: dict[str, str | None],
        contention: Contention | None,
        stamp: str,
    ) -> Outcome | tuple[str, dict[str, Any], bool]:
        current: tuple[str, dict[str, Any]] | None = None
        if operation == "update":
            raw_id = str(row.values.get("Id") or "")
            if not looks_like_id(raw_id):
                return Outcome(
                    error=RowError("MALFORMED_ID", "Id: id value of incorrect type", ["Id"])
                )
            matches = existing.get(to18(raw_id), [])
            if not matches:
                return Outcome(error=RowError("ENTITY_IS_DELETED", "entity is deleted", []))
            current = matches[0]
        elif operation == "upsert":
            assert ext_field is not None
            key = str(row.values.get(ext_field) or "")
            if not key:
                return Outcome(
                    error=RowError("MISSING_ARGUMENT", f"{ext_field} not specified", [ext_field])
                )
            matches = existing.get(key.lower(), [])
            if len(matches) > 1:
                return Outcome(
                    error=RowError(
                        "DUPLICATE_EXTERNAL_ID",
                        f"{ext_field}: more than one record found for external id field",
                        [ext_field],
                    )
                )
            if matches:
                current = matches[0]
            elif key.lower() in pending:
                return Outcome(
                    error=RowError(
                        "DUPLICATE_VALUE",
                        f"Duplicate external id specified: {ext_field}",
                        [ext_field],
                    )
                )
        creating = current is None
        changes: dict[str, Any] = {}
        for name, raw in row.values.items():
            if operation == "update" and name.lower() == "id":
                continue
            f = self.org.visible_field(obj, name, caller)
            if f is None:
                return Outcome(error=invalid_field(obj, name))
            error = self._writable(obj, f, caller, creating, operation)
            if error is not None:
                return Outcome(error=error)
            value = coerce(f, raw, from_csv=from_csv)
            if value is SKIP:
                continue
            if isinstance(value, RowError):
                return Outcome(error=value)
            changes[f.name] = value
        for ref in row.refs:
            resolved = self.references.apply(obj, ref, parents, caller, creating, operation)
            if isinstance(resolved, RowError):
                return Outcome(error=resolved)
            if resolved is not None:
                changes[resolved[0]] = resolved[1]
        error = self.references.check(obj, changes, caller, ref_cache)
        if error is not None:
            return Outcome(error=error)
        if contention is not None:
            for f_name, value in changes.items():
                f = obj.fields.get(f_name)
                if f and f.type == "reference" and value and not f.system and contention(value):
                    return Outcome(
                        error=RowError(
                            "UNABLE_TO_LOCK_ROW",
                            "unable to obtain exclusive access to this record or 1 records",
                            [],
                        )
                    )
        if creating:
            body = self._new_body(obj, changes, caller, stamp)
            missing = [
                f.name
                for f in obj.fields.values()
                if f.required and f.type != "boolean" and body.get(f.name) in (None, "")
            ]
            if missing:
                return Outcome(
                    error=RowError(
                        "REQUIRED_FIELD_MISSING",
                        f"Required fields are missing: [{', '.join(missing)}]",
                        missing,
                    )
                )
        else:
            assert current is not None
            body = {**current[1], **changes, "LastModifiedDate": stamp, "SystemModstamp": stamp}
            body["LastModifiedById"] = caller.user_id
        self._computed(obj, body)
        rule = self._object_rule(obj, body)
        if rule is not None:
            return Outcome(error=rule)
        for f_name, taken in unique.items():
            value = body.get(f_name)
            if value in (None, ""):
                continue
            holder = taken.get(str(value).lower())
            if holder is not None and holder != body["Id"]:
                return Outcome(
                    error=RowError(
                        "DUPLICATE_VALUE",
                        f"duplicate value found: {f_name} duplicates value on record with id: "
                        f"{holder}",
                        [f_name],
                    )
                )
            taken[str(value).lower()] = body["Id"]
        if creating and ext_field:
            pending[str(body.get(ext_field, "")).lower()] = body["Id"]
        elif operation == "update":
            existing[body["Id"]] = [(body["Id"], body)]
        elif ext_field:  # a later row with the same key updates what this row wrote
            existing[str(body.get(ext_field, "")).lower()] = [(body["Id"], body)]
        return body["Id"], body, creating

    def _writable(
        self, obj: ObjectDef, f: FieldDef, caller: Caller, creating: bool, operation: Operation
    ) -> RowError | None:
        if f.name in AUDIT_FIELDS:
            allowed = (
                operation == "insert"
                and self.org.config.audit_fields_org_setting
                and caller.may("SetAuditFields")
            )
            if allowed:
                return None
        elif f.name == "Id":
            if operation in ("insert", "upsert"):
                return RowError(
                    "INVALID_FIELD", "The Id field should not be specified in the sobject data."
                )
            return None
        elif (
            self.org.field_access(obj, f, caller) == "edit"
            and not f.calculated
            and not f.system
            and (f.createable if creating else f.updateable)
        ):
            return None
        return RowError(
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            f"Unable to create/update fields: {f.name}. Please check the security settings of "
            "this field and verify that it is read/write for your profile or permission set.",
            [f.name],
        )

    def _new_body(
        self, obj: ObjectDef, changes: dict[str, Any], caller: Caller, stamp: str
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "Id": self.org.ids.new(obj.key_prefix),
            "IsDeleted": False,
            "CreatedDate": stamp,
            "CreatedById": caller.user_id,
            "LastModifiedDate": stamp,
            "LastModifiedById": caller.user_id,
        }
        if obj.owned:
            body["OwnerId"] = caller.user_id
        for f in obj.fields.values():
            if f.type == "boolean" and not f.system:
                body.setdefault(f.name, False)
        body.update(changes)
        body["SystemModstamp"] = stamp
        return body

    @staticmethod
    def _computed(obj: ObjectDef, body: dict[str, Any]) -> None:
        if obj.name in ("Contact", "User"):
            body["Name"] = " ".join(
                str(body.get(p)) for p in ("FirstName", "LastName") if body.get(p)
            )

    @staticmethod
    def _object_rule(obj: ObjectDef, body: dict[str, Any]) -> RowError | None:
        if obj.name != "Event":
            return None
        if body.get("StartDateTime") and not body.get("ActivityDateTime"):
            body["ActivityDateTime"] = body["StartDateTime"]
        if body.get("IsAllDayEvent") or body.get("DurationInMinutes") or body.get("EndDateTime"):
            return None
        # A timed event needs its length: DurationInMinutes or EndDateTime.
        return RowError(
            "REQUIRED_FIELD_MISSING",
            "Required fields are missing: [DurationInMinutes]",
            ["DurationInMinutes"],
        )

    # --- prefetch --------------------------------------------------------------------------
    def _existing(
        self, obj: ObjectDef, operation: Operation, rows: Sequence[RowInput], ext_field: str | None
    ) -> dict[str, list[tuple[str, dict[str, Any]]]]:
        if operation == "update":
            ids = [
                to18(str(r.values.get("Id")))
                for r in rows
                if looks_like_id(str(r.values.get("Id") or ""))
            ]
            found = self.org.store.get_many(ids)
            return {
                rid: [(rid, body)] for rid, (o, d, body) in found.items() if o == obj.name and not d
            }
        if operation == "upsert" and ext_field:
            values = [str(r.values.get(ext_field)) for r in rows if r.values.get(ext_field)]
            return self.org.store.find_by(obj.name, ext_field, values)
        return {}

    def _unique_values(self, obj: ObjectDef, rows: Sequence[RowInput]) -> dict[str, dict[str, str]]:
        taken: dict[str, dict[str, str]] = {}
        for f in obj.fields.values():
            if not f.unique:
                continue
            values = [str(r.values[f.name]) for r in rows if r.values.get(f.name) not in (None, "")]
            if not values:
                continue
            found = self.org.store.find_by(obj.name, f.name, values)
            taken[f.name] = {k: v[0][0] for k, v in found.items() if v}
        return taken

    # --- deletes ---------------------------------------------------------------------------
    def delete(self, ids: Sequence[str], caller: Caller, *, hard: bool = False) -> list[Outcome]:
        """Deletes records by id (soft: to the Recycle Bin)."""
        wanted = [to18(i) if looks_like_id(i) else i for i in ids]
        found = self.org.store.get_many([i for i in wanted if looks_like_id(i)])
        outcomes = []
        stamp = now_text()
        with self.org.store.transaction():
            for record_id in wanted:
                entry = found.get(record_id)
                if not looks_like_id(record_id):
                    outcomes.append(Outcome(error=RowError("MALFORMED_ID", "malformed id", ["Id"])))
                elif entry is None:
                    outcomes.append(
                        Outcome(
                            id=record_id,
                            error=RowError(
                                "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", []
                            ),
                        )
                    )
                elif entry[1] and not hard:
                    outcomes.append(
                        Outcome(
                            id=record_id,
                            error=RowError("ENTITY_IS_DELETED", "entity is deleted", []),
                        )
                    )
                else:
                    if hard:
                        self.org.store.purge(record_id)
                    else:
                        body = {**entry[2], "IsDeleted": True, "SystemModstamp": stamp}
                        body["LastModifiedById"] = caller.user_id
                        self.org.store.mark_deleted(record_id, body)
                    outcomes.append(Outcome(id=record_id))
        self.org.forget_grants()
        return outcomes
