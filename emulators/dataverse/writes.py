"""Create, update, upsert and delete of records with Dataverse's validation and side effects."""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from emulators.dataverse import errors
from emulators.dataverse.metadata.catalog import Catalog
from emulators.dataverse.metadata.model import LOOKUP_TYPES, Table
from emulators.dataverse.odata.keys import GUID
from emulators.dataverse.references import References, record_key_values
from emulators.dataverse.store import Record, Store
from emulators.dataverse.values import format_datetime, normalise, parse_datetime

Mode = Literal["create", "update"]
ReadOnlyPolicy = Literal["ignore", "reject"]
_CLOSED_STATES = frozenset({1, 2})
APPOINTMENT_PARTY_MASKS = frozenset({5, 6, 7})
# Duplicate detection rules published in a new environment, by table: the matching column.
DUPLICATE_RULES = {"account": "name", "contact": "emailaddress1"}


@dataclass
class WriteSettings:
    """Behaviours the real service leaves open; the defaults follow observed behaviour."""

    annotation_max_bytes: int = 5_242_880
    readonly_policy: ReadOnlyPolicy = "ignore"
    reject_disabled_owner: bool = False
    organization_id: str = "6f1e1c4e-3f3b-4b4e-9a53-0c1e2a7b9d10"


@dataclass
class Caller:
    """Who is calling: the application user the bearer token names."""

    user_id: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Written:
    """A record after a write: id, new version, full body and whether it was created."""

    record_id: str
    version: int
    body: Record
    created: bool


class Writer:
    """Applies request bodies to records; all methods run inside the caller's transaction."""

    def __init__(
        self, store: Store, catalog: Catalog, refs: References, settings: WriteSettings
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.refs = refs
        self.settings = settings
        self._templates: dict[str, tuple[int, Record]] = {}

    # --- body -> column changes --------------------------------------------------------
    def _changes(
        self, table: Table, body: dict[str, Any], mode: Mode
    ) -> tuple[Record, list[tuple[Table, str, dict[str, Any]]]]:
        changes: Record = {}
        children: list[tuple[Table, str, dict[str, Any]]] = []
        for name, value in body.items():
            if name.endswith("@odata.bind"):
                nav = name[: -len("@odata.bind")]
                navigation = self.catalog.navigation(table, nav)
                resolved = self.refs.resolve_bind(table, nav, value)
                assert navigation is not None  # resolve_bind raised otherwise
                self._check_owner(navigation.column.logical_name, resolved)
                changes[navigation.column.logical_name] = resolved
                continue
            if "@" in name:
                continue  # instance annotations (@odata.type, @odata.id, formatted values)
            if name in table.collections:
                child_table_name, lookup = table.collections[name]
                child_table = self.catalog.table(child_table_name)
                if (
                    child_table is None
                    or not isinstance(value, list)
                    or not all(isinstance(item, dict) for item in value)
                ):
                    raise errors.invalid_property(name, table.logical_name)
                children.extend((child_table, lookup, item) for item in value)
                continue
            column = table.columns.get(name)
            if column is None or column.type in LOOKUP_TYPES or column.type == "PartyList":
                raise errors.invalid_property(name, table.logical_name)
            writable = column.valid_for_create if mode == "create" else column.valid_for_update
            if name == table.primary_id and mode == "create":
                writable = True
            if not writable:
                if self.settings.readonly_policy == "reject":
                    raise errors.bad_request(
                        f"'{name}' is not valid for {mode} on entity '{table.logical_name}'.",
                        errors.INVALID_ARGUMENT,
                    )
                continue
            changes[name] = normalise(column, table.logical_name, value)
        return changes, children

    def _check_owner(self, column: str, value: dict[str, str] | None) -> None:
        if column != "ownerid" or value is None or not self.settings.reject_disabled_owner:
            return
        if value["type"] != "systemuser":
            return
        found = self.store.get("systemuser", value["id"])
        if found is not None and found[1].get("isdisabled"):
            raise errors.bad_request(
                f"The user with SystemUserId={value['id']} in OrganizationContext="
                f"{self.settings.organization_id} is disabled",
                errors.USER_DISABLED,
            )

    # --- state, computed columns, documents --------------------------------------------
    def _apply_state(self, table: Table, record_id: str, current: Record, changes: Record) -> None:
        state_col, status_col = table.columns.get("statecode"), table.columns.get("statuscode")
        if state_col is None or status_col is None:
            return
        if "statecode" not in changes and "statuscode" not in changes:
            return
        state = changes.get("statecode", current.get("statecode"))
        status = changes.get("statuscode")
        if status is None:
            defaults = [o.value for o in status_col.options if o.state == state]
            changes["statuscode"] = defaults[0] if defaults else None
            return
        option = next(o for o in status_col.options if o.value == status)
        if option.state != state:
            raise errors.bad_request(
                f"{status} is not a valid status code for state code "
                f"{table.schema_name}State.{state_col.option_label(state)} on "
                f"{table.logical_name} with Id {record_id}.",
                errors.INVALID_ARGUMENT,
            )

    def _check_closed_activity(self, table: Table, current: Record, changes: Record) -> None:
        if not table.is_activity or current.get("statecode") not in _CLOSED_STATES:
            return
        edits = set(changes) - {"statecode", "statuscode"}
        if edits:
            raise errors.bad_request(
                f"This {table.logical_name} is closed or canceled and cannot be edited: "
                "reopen it first by setting statecode.",
                errors.INVALID_ARGUMENT,
            )

    def _documents(self, table: Table, record: Record, changes: Record) -> None:
        if table.logical_name != "annotation" or "documentbody" not in changes:
            return
        body = changes["documentbody"]
        if not body:
            record["filesize"] = 0
            return
        if len(body) > self.settings.annotation_max_bytes:
            raise errors.bad_request("Attachment file size is too big.", errors.ATTACHMENT_TOO_BIG)
        try:
            record["filesize"] = len(base64.b64decode(body, validate=True))
        except (binascii.Error, ValueError):
            raise errors.bad_request(
                "The input is not a valid Base-64 string as it contains a non-base 64 character, "
                "more than two padding characters, or an illegal character among the padding "
                "characters.",
            ) from None
        record["isdocument"] = True

    @staticmethod
    def _computed(table: Table, record: Record) -> None:
        if "fullname" in table.columns and table.primary_name == "fullname":
            parts = [record.get("firstname"), record.get("lastname")]
            record["fullname"] = " ".join(p for p in parts if p) or None
        if table.logical_name == "annotation":
            objectid = record.get("objectid")
            record["objecttypecode"] = objectid["type"] if isinstance(objectid, dict) else None

    def _default_currency(self, table: Table, record: Record) -> None:
        """Money needs a currency: the organization's base currency unless one is bound."""
        if "transactioncurrencyid" not in table.columns or record.get("transactioncurrencyid"):
            return
        if not any(
            record.get(n) is not None for n, c in table.columns.items() if c.type == "Money"
        ):
            return
        base = self.store.scalar(
            "SELECT id FROM records WHERE entity = 'transactioncurrency' ORDER BY version LIMIT 1",
            [],
        )
        if base is not None:
            record["transactioncurrencyid"] = {"id": base, "type": "transactioncurrency"}

    def _template(self, table: Table) -> Record:
        """Default values of a new row, cached until the table definitions change."""
        cached = self._templates.get(table.logical_name)
        if cached is not None and cached[0] == self.catalog.generation:
            return cached[1]
        template: Record = {}
        for name, column in table.columns.items():
            if column.type == "State":
                template[name] = 0
            elif column.type == "Status":
                template[name] = next((o.value for o in column.options if o.state == 0), None)
            elif column.default_option is not None:
                template[name] = column.default_option
            elif column.type == "Boolean":
                template[name] = False
        self._templates[table.logical_name] = (self.catalog.generation, template)
        return template

    def _defaults(self, table: Table, record_id: str, caller: Caller, now: str) -> Record:
        record: Record = dict(self._template(table))
        record[table.primary_id] = record_id
        columns = table.columns
        user_ref = {"id": caller.user_id, "type": "systemuser"}
        for name in ("createdby", "modifiedby", "ownerid"):
            if name in columns:
                record[name] = dict(user_ref)
        for name in ("createdon", "modifiedon"):
            if name in columns:
                record[name] = now
        return record

    # --- key uniqueness ----------------------------------------------------------------
    def _store(self, table: Table, record_id: str, record: Record, *, new: bool = False) -> int:
        keys = record_key_values(table, record)
        for keyname, text in keys.items():
            owner = self.store.key_owner(table.logical_name, keyname, text)
            if owner is not None and owner != record_id:
                raise errors.duplicate_key()
        version = self.store.next_version()
        record["versionnumber"] = version
        # Nulls are not stored: a missing member reads, filters and renders as null.
        stored = {name: value for name, value in record.items() if value is not None}
        self.store.put_many(table.logical_name, [(record_id, version, stored)])
        self.store.set_key_values(table.logical_name, record_id, keys, new=new)
        return version

    # --- operations --------------------------------------------------------------------
    def create(
        self,
        table: Table,
        body: dict[str, Any],
        caller: Caller,
        *,
        record_id: str | None = None,
        key_columns: dict[str, Any] | None = None,
    ) -> Written:
        """Creates a record (and deep-inserted children).

        Raises:
            DataverseError: Validation, reference or duplicate-key errors.
        """
        changes, children = self._changes(table, body, "create")
        given = changes.pop(table.primary_id, None)
        record_id_given = record_id is not None
        record_id = record_id or given or str(uuid.uuid4())
        if not GUID.match(record_id):
            raise errors.bad_request("Invalid primary key value.")
        if (record_id_given or given) and self.store.exists(table.logical_name, record_id):
            raise errors.duplicate_key()
        now = format_datetime(datetime.now(UTC))
        record = self._defaults(table, record_id, caller, now)
        for name, value in (key_columns or {}).items():
            record[name] = value
        self._apply_state(table, record_id, record, changes)
        self._documents(table, record, changes)
        record.update(changes)
        overridden = record.get("overriddencreatedon")
        if overridden:
            record["createdon"] = format_datetime(parse_datetime(overridden))
        self._computed(table, record)
        self._default_currency(table, record)
        if caller.headers.get("mscrm.suppressduplicatedetection", "").lower() == "false":
            self._detect_duplicates(table, record_id, record)
        version = self._store(table, record_id, record, new=True)
        for child_table, lookup, child_body in children:
            child = dict(child_body)
            self._check_party(table, child)
            self.create(
                child_table,
                child,
                caller,
                key_columns={lookup: {"id": record_id, "type": table.logical_name}},
            )
        return Written(record_id, version, record, created=True)

    def update(
        self,
        table: Table,
        record_id: str,
        body: dict[str, Any],
        caller: Caller,
        *,
        drop_columns: frozenset[str] = frozenset(),
    ) -> Written:
        """Updates an existing record; `drop_columns` are key columns ignored on update.

        Raises:
            DataverseError: 404 when the record is missing, validation errors otherwise.
        """
        found = self.store.get(table.logical_name, record_id)
        if found is None:
            raise errors.record_not_found(table.logical_name, record_id)
        _, record = found
        changes, children = self._changes(table, body, "update")
        for name in drop_columns:
            changes.pop(name, None)
        changes.pop(table.primary_id, None)
        self._check_closed_activity(table, record, changes)
        self._apply_state(table, record_id, record, changes)
        self._documents(table, record, changes)
        record.update(changes)
        if "modifiedon" in table.columns:
            record["modifiedon"] = format_datetime(datetime.now(UTC))
            record["modifiedby"] = {"id": caller.user_id, "type": "systemuser"}
        self._computed(table, record)
        if caller.headers.get("mscrm.suppressduplicatedetection", "").lower() == "false":
            self._detect_duplicates(table, record_id, record)
        version = self._store(table, record_id, record)
        for child_table, lookup, child_body in children:
            self._check_party(table, child_body)
            self.create(
                child_table,
                dict(child_body),
                caller,
                key_columns={lookup: {"id": record_id, "type": table.logical_name}},
            )
        return Written(record_id, version, record, created=False)

    def _check_party(self, parent: Table, party: dict[str, Any]) -> None:
        mask = party.get("participationtypemask")
        if parent.logical_name == "appointment" and mask not in APPOINTMENT_PARTY_MASKS:
            raise errors.bad_request(
                f"Participation type {mask} is not valid for an appointment party: use 5 "
                "(required attendee), 6 (optional attendee) or 7 (organizer).",
                errors.INVALID_ARGUMENT,
            )

    def _detect_duplicates(self, table: Table, record_id: str, record: Record) -> None:
        """The published out-of-the-box rules: same account name, same contact e-mail."""
        column = DUPLICATE_RULES.get(table.logical_name)
        value = record.get(column) if column else None
        if not column or not isinstance(value, str) or not value:
            return
        found = self.store.scalar(
            f"SELECT id FROM records WHERE entity = ? AND id != ? "  # noqa: S608 - fixed names
            f"AND json_extract(body, '$.{column}') = ? COLLATE NOCASE LIMIT 1",
            [table.logical_name, record_id, value],
        )
        if found is not None:
            raise errors.DataverseError(
                412,
                errors.DUPLICATE_DETECTED,
                "A record was not created or updated because a duplicate of the current record "
                "already exists.",
            )

    def insert_system_row(self, table: Table, row: Record) -> None:
        """Stores a row the platform itself owns (seed data): defaults, no validation, no caller."""
        record = {**self._template(table), **row}
        self._computed(table, record)
        self._store(table, str(row[table.primary_id]), record, new=True)

    def delete(self, table: Table, record_id: str) -> None:
        """Deletes a record (activity parties of an activity go with it).

        Raises:
            DataverseError: 404 when the record is missing.
        """
        if not self.store.exists(table.logical_name, record_id):
            raise errors.record_not_found(table.logical_name, record_id)
        self.store.delete(table.logical_name, record_id)
        for child_table_name, lookup in table.collections.values():
            # `lookup` comes from the table definition, never from the request.
            sql = (
                "SELECT id, version, body FROM records WHERE entity = ? "  # noqa: S608
                f"AND json_extract(body, '$.{lookup}.id') = ?"
            )
            for child_id, _, _ in self.store.query(sql, [child_table_name, record_id]):
                self.store.delete(child_table_name, child_id)
