"""The emulated org: catalog, users, permission grants (field-level security) and id issuing."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

from emulators.salesforce.catalog import FieldDef, ObjectDef, load_standard_objects
from emulators.salesforce.config import EmulatorConfig, OrgUser
from emulators.salesforce.errors import SalesforceError
from emulators.salesforce.ids import IdFactory, checksum, counter_of
from emulators.salesforce.store import Store
from emulators.salesforce.values import now_text

Access = str  # "read" or "edit"


@dataclass
class Caller:
    """Who makes a request: the user and what they may do."""

    user_id: str
    user: OrgUser

    def may(self, permission: str) -> bool:
        """True when the user holds a user permission."""
        return permission in self.user.permissions


@dataclass
class Org:
    """Everything the API surfaces share; rebuilt by `reset`."""

    config: EmulatorConfig
    store: Store
    objects: dict[str, ObjectDef] = field(default_factory=dict)
    ids: IdFactory = field(default_factory=IdFactory)
    user_ids: dict[str, str] = field(default_factory=dict)  # username -> id
    rng: random.Random = field(default_factory=random.Random)
    _grants: dict[str, dict[str, Access]] = field(default_factory=dict)
    _custom_prefixes: int = 0

    def __post_init__(self) -> None:
        self.objects = load_standard_objects()
        for name, definition in self.store.load_objectdefs().items():
            self.objects[name] = ObjectDef.model_validate_json(definition)
            self._custom_prefixes += 1
        self.ids.skip_to(max((counter_of(i) for i in self.store.max_id_counter()), default=0))
        self.rng = random.Random(self.config.chaos.seed)
        self._index_lookups()
        if not self.store.counts().get("User"):
            self.seed_users()
        self._load_user_ids()

    # --- setup -----------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the seeded org: standard objects only, the configured users, no data."""
        with self.store.transaction():
            self.store.wipe()
        self.objects = load_standard_objects()
        self._custom_prefixes = 0
        self._grants.clear()
        self.ids = IdFactory()
        self.rng = random.Random(self.config.chaos.seed)
        self._index_lookups()
        self.seed_users()
        self._load_user_ids()

    def seed_users(self) -> None:
        """Creates one User record per configured user, with stable ids."""
        stamp = now_text()
        rows = []
        for number, user in enumerate(self.config.users, start=1):
            id15 = f"005Hn00000{number:05d}"
            rows.append(
                (
                    id15 + checksum(id15),
                    {
                        "Id": id15 + checksum(id15),
                        "Username": user.username,
                        "Email": user.email,
                        "FirstName": user.first_name,
                        "LastName": user.last_name,
                        "Name": f"{user.first_name} {user.last_name}".strip(),
                        "IsActive": user.active,
                        "IsDeleted": False,
                        "CreatedDate": stamp,
                        "LastModifiedDate": stamp,
                        "SystemModstamp": stamp,
                    },
                )
            )
        with self.store.transaction():
            self.store.put_many("User", rows)

    def _load_user_ids(self) -> None:
        rows = self.store.query(
            "SELECT id, json_extract(body, '$.Username') FROM records WHERE object = 'User'", []
        )
        self.user_ids = {str(name).lower(): str(rid) for rid, name in rows}

    def _index_lookups(self) -> None:
        for obj in self.objects.values():
            for f in obj.fields.values():
                if f.externalId or f.idLookup:
                    self.store.index_field(obj.name, f.name)

    def user(self, username: str) -> OrgUser | None:
        """A configured user by username."""
        wanted = username.lower()
        return next((u for u in self.config.users if u.username.lower() == wanted), None)

    def caller(self, username: str) -> Caller:
        """The Caller for a configured user."""
        user = self.user(username)
        if user is None or username.lower() not in self.user_ids:
            raise SalesforceError(401, "INVALID_SESSION_ID", "Session expired or invalid")
        return Caller(self.user_ids[username.lower()], user)

    # --- schema ----------------------------------------------------------------------------
    def next_key_prefix(self) -> str:
        """A key prefix for a new custom object: a00, a01, ..."""
        tens, units = divmod(self._custom_prefixes, 36)
        prefix = f"a{tens}{'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'[units]}"
        self._custom_prefixes += 1
        return prefix

    def save_object(self, obj: ObjectDef) -> None:
        """Adds or replaces an object definition (persisted for custom objects)."""
        self.objects[obj.name] = obj
        if obj.custom or any(f.custom for f in obj.fields.values()):
            self.store.save_objectdef(obj.name, obj.model_dump_json())
        for f in obj.fields.values():
            if f.externalId or f.idLookup:
                self.store.index_field(obj.name, f.name)
        self._grants.clear()

    def object(self, name: str, caller: Caller | None = None) -> ObjectDef | None:
        """An object by API name (case-insensitive), None when unknown or not visible."""
        obj = self.objects.get(name) or next(
            (o for n, o in self.objects.items() if n.lower() == name.lower()), None
        )
        if obj is None or caller is None or not obj.custom or caller.user.admin:
            return obj
        return obj if obj.name in self.grants(caller) else None

    # --- field-level security --------------------------------------------------------------
    def grants(self, caller: Caller) -> dict[str, Access]:
        """`Object` / `Object.Field` -> access, from the permission sets assigned to the user."""
        cached = self._grants.get(caller.user_id)
        if cached is not None:
            return cached
        rows = self.store.query(
            "SELECT p.body FROM records a JOIN records p "
            "ON p.id = json_extract(a.body, '$.PermissionSetId') "
            "WHERE a.object = 'PermissionSetAssignment' AND a.deleted = 0 "
            "AND json_extract(a.body, '$.AssigneeId') = ?",
            [caller.user_id],
        )
        grants: dict[str, Access] = {}
        for (body,) in rows:
            for name, access in (json.loads(body).get("_grants") or {}).items():
                if grants.get(name) != "edit":
                    grants[name] = access
        self._grants[caller.user_id] = grants
        return grants

    def forget_grants(self) -> None:
        """Drop cached grants (after a deploy or a permission set assignment)."""
        self._grants.clear()

    def field_access(self, obj: ObjectDef, f: FieldDef, caller: Caller) -> Access | None:
        """What the caller may do with a field: standard and required fields are always editable;
        custom fields need a permission set grant, even for administrators."""
        if not f.custom or f.required or f.name == obj.name_field:
            return "edit"
        return self.grants(caller).get(f"{obj.name}.{f.name}")

    def visible_fields(self, obj: ObjectDef, caller: Caller) -> list[FieldDef]:
        """The fields the caller can see, in definition order."""
        return [f for f in obj.fields.values() if self.field_access(obj, f, caller) is not None]

    def visible_field(self, obj: ObjectDef, name: str, caller: Caller) -> FieldDef | None:
        """A field by name if the caller can see it."""
        f = obj.field(name)
        return f if f is not None and self.field_access(obj, f, caller) is not None else None
