"""The emulator: storage, tables, handlers and service protection wired together."""

from __future__ import annotations

import json
import random
import secrets
import time
from collections import deque
from pathlib import Path
from typing import Any

import yaml

from emulators.dataverse import errors
from emulators.dataverse.actions import bulk_delete, message_filters
from emulators.dataverse.auth import TokenIssuer
from emulators.dataverse.batch import run_batch
from emulators.dataverse.config import EmulatorConfig
from emulators.dataverse.data_api import DataApi
from emulators.dataverse.errors import DataverseError
from emulators.dataverse.files import ANNOTATION_ACTIONS, Files
from emulators.dataverse.http import ApiRequest, ApiResponse, error_response
from emulators.dataverse.metadata.api import METADATA_ROOTS, MetadataApi
from emulators.dataverse.metadata.catalog import Catalog
from emulators.dataverse.odata.keys import split_path, split_segment
from emulators.dataverse.protection import ServiceProtection
from emulators.dataverse.references import References
from emulators.dataverse.store import Store
from emulators.dataverse.writes import Caller, Writer, WriteSettings

SEED_DATA = Path(__file__).resolve().parent / "seed" / "standard_data.yaml"
REQUEST_LOG_SIZE = 50_000


class Emulator:
    """One Dataverse environment: the state behind the HTTP app and the admin surface."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        db_path = None
        if config.data_dir is not None:
            config.data_dir.mkdir(parents=True, exist_ok=True)
            db_path = config.data_dir / "dataverse.sqlite"
        self.store = Store(db_path)
        self.catalog = Catalog(self.store)
        self.refs = References(self.store, self.catalog)
        self.settings = WriteSettings(
            annotation_max_bytes=config.annotation_max_bytes,
            readonly_policy=config.readonly_policy,
            reject_disabled_owner=config.reject_disabled_owner,
        )
        self.writer = Writer(self.store, self.catalog, self.refs, self.settings)
        self.files = Files(self.store, self.catalog, self.writer, config.costs)
        self.data = DataApi(
            self.store, self.catalog, self.refs, self.writer, config.costs, self.files
        )
        self.metadata = MetadataApi(self.store, self.catalog, config.costs, config.key_activation_s)
        self.protection = ServiceProtection(config.limits, config.window_s)
        self.tokens = TokenIssuer(
            self._token_secret(), config.tenant_id, config.users, config.token_lifetime_s
        )
        self.chaos_random = random.Random(config.chaos.seed)
        self.request_log: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_SIZE)
        self._sequence = 0
        if self.store.scalar("SELECT 1 FROM records LIMIT 1", []) is None:
            self.seed()

    def _token_secret(self) -> bytes:
        row = self.store.scalar("SELECT value FROM settings WHERE name = 'token_secret'", [])
        if row is None:
            row = secrets.token_hex(32)
            self.store.db.execute(
                "INSERT INTO settings (name, value) VALUES ('token_secret', ?)", (row,)
            )
        return bytes.fromhex(str(row))

    # --- data set ----------------------------------------------------------------------
    def seed(self) -> None:
        """Loads the standard rows and one systemuser per application user."""
        raw = yaml.safe_load(SEED_DATA.read_text(encoding="utf-8"))
        rows: dict[str, list[dict[str, Any]]] = {name: list(items) for name, items in raw.items()}
        for user in self.config.users:
            first, _, last = user.name.partition(" ")
            rows["systemuser"].append(
                {
                    "systemuserid": user.user_id,
                    "firstname": first,
                    "lastname": last or first,
                    "internalemailaddress": user.email or f"{user.client_id}@emulator.local",
                    "applicationid": user.client_id,
                    "isdisabled": user.disabled,
                }
            )
        # The organization row carries the note size limit the writer reads before uploading.
        rows["organization"] = [{
            "organizationid": self.writer.settings.organization_id,
            "name": "ClinicFerry Emulator",
            "maxuploadfilesize": self.config.annotation_max_bytes,
        }]  # fmt: skip
        with self.store.transaction():
            for logical, items in rows.items():
                table = self.catalog.table(logical)
                assert table is not None, logical
                for item in items:
                    self.writer.insert_system_row(table, item)

    def reset(self) -> None:
        """Back to a fresh environment: standard tables, seed rows, no custom tables."""
        with self.store.transaction():
            self.store.db.execute("DELETE FROM records")
            self.store.db.execute("DELETE FROM keyvalues")
            self.store.db.execute("DELETE FROM tabledefs")
            self.store.db.execute("DELETE FROM files")
        self.files.sessions.clear()
        self.catalog.install_standard()
        self.seed()
        self.protection.reset()
        self.request_log.clear()

    # --- request handling --------------------------------------------------------------
    def dispatch(self, req: ApiRequest, caller: Caller) -> ApiResponse:
        """Routes one Web API request (no auth, no throttling) and turns errors into bodies."""
        try:
            return self._route(req, caller)
        except DataverseError as error:
            response = error_response(error, req.wants_annotations())
        except (TypeError, AttributeError, KeyError, ValueError):
            # A body of the wrong shape (a list where an object belongs, ...): the service
            # answers 400, never 500, and nothing of the body is echoed.
            shape = errors.bad_request(
                "Error identified in Payload provided by the user: the request body does not "
                "have the shape this operation expects.",
                errors.PAYLOAD_ERROR,
            )
            response = error_response(shape, req.wants_annotations())
        response.cost_ms = self.config.costs.charge("error")
        return response

    def _route(self, req: ApiRequest, caller: Caller) -> ApiResponse:
        segments = split_path(req.path)
        if not segments:
            return self._service_document(req)
        name, _ = split_segment(segments[0])
        if name in ("WhoAmI", "WhoAmI()"):
            if req.method != "GET" or len(segments) > 1:
                raise errors.no_http_resource(f"{req.service_root}/{req.path}")
            return self._whoami(req, caller)
        if name == "$batch" and len(segments) == 1:
            if req.method != "POST":
                raise errors.no_http_resource(f"{req.service_root}/$batch")
            base_cost = self.config.costs.charge("batch")
            return run_batch(req, lambda part: self.dispatch(part, caller), self.store, base_cost)
        if name == "sdkmessagefilters" and req.method == "GET" and len(segments) == 1:
            return message_filters(req, self.catalog)
        if name == "BulkDelete" and len(segments) == 1:
            if req.method != "POST":
                raise errors.no_http_resource(f"{req.service_root}/BulkDelete")
            return bulk_delete(req, self.store, self.catalog, self.writer, self.config.costs)
        if name in ANNOTATION_ACTIONS and len(segments) == 1 and req.method == "POST":
            return self.files.annotation_action(req, name, caller)
        if name in METADATA_ROOTS:
            return self.metadata.handle(req, segments)
        if name == "$metadata":
            raise errors.DataverseError(501, "0x80060888", "The CSDL document is not emulated.")
        self.metadata.writer.build_due_keys()
        return self.data.handle(req, segments, caller)

    def _service_document(self, req: ApiRequest) -> ApiResponse:
        value = [
            {"name": t.entity_set_name, "kind": "EntitySet", "url": t.entity_set_name}
            for t in self.catalog.tables.values()
        ]
        return ApiResponse(200, {"@odata.context": f"{req.service_root}/$metadata", "value": value})

    def _whoami(self, req: ApiRequest, caller: Caller) -> ApiResponse:
        body = {
            "@odata.context": f"{req.service_root}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse",
            "BusinessUnitId": "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9",
            "UserId": caller.user_id,
            "OrganizationId": self.settings.organization_id,
        }
        return ApiResponse(200, body, {}, self.config.costs.charge("whoami"), "whoami")

    def user_disabled(self, user_id: str) -> bool:
        """True when the application user's systemuser row is disabled."""
        found = self.store.get("systemuser", user_id)
        return found is not None and bool(found[1].get("isdisabled"))

    def log_request(self, user: str, req: ApiRequest, response: ApiResponse) -> None:
        """Records what a request did, without query strings or bodies (no PHI)."""
        self._sequence += 1
        segments = split_path(req.path)
        resource = split_segment(segments[0])[0] if segments else ""
        code = ""
        if response.status >= 400 and isinstance(response.body, dict):
            code = str(response.body.get("error", {}).get("code", ""))
        self.request_log.append(
            {
                "seq": self._sequence,
                "time": time.time(),
                "user": user,
                "method": req.method,
                "resource": resource,
                "depth": len(segments),
                "status": response.status,
                "code": code,
                "operation": response.operation,
                "records": response.records,
                "cost_ms": round(response.cost_ms, 3),
                "options": sorted(
                    h for h in req.headers if h.startswith("mscrm.") or h == "prefer"
                ),
            }
        )

    # --- snapshots ---------------------------------------------------------------------
    def export(self) -> dict[str, dict[str, Any]]:
        """Every record by table and id (the live data set)."""
        out: dict[str, dict[str, Any]] = {}
        for (entity, rid), (_, body) in self.store.snapshot_rows(None).items():
            out.setdefault(entity, {})[rid] = json.loads(body)
        return out

    def diff(self, before: str, after: str | None = None) -> dict[str, Any]:
        """Ids created/deleted, columns changed, from snapshot `before` to `after` (or now)."""
        if before not in self.store.snapshot_names():
            raise KeyError(before)
        old = self.store.snapshot_rows(before)
        new = self.store.snapshot_rows(after)
        tables: dict[str, dict[str, Any]] = {}

        def bucket(entity: str) -> dict[str, Any]:
            return tables.setdefault(entity, {"created": [], "deleted": [], "updated": {}})

        for ident in new.keys() - old.keys():
            bucket(ident[0])["created"].append(ident[1])
        for ident in old.keys() - new.keys():
            bucket(ident[0])["deleted"].append(ident[1])
        for ident in old.keys() & new.keys():
            if old[ident][0] == new[ident][0]:
                continue
            before_body, after_body = json.loads(old[ident][1]), json.loads(new[ident][1])
            changed = sorted(
                k
                for k in set(before_body) | set(after_body)
                if before_body.get(k) != after_body.get(k)
                and k not in ("versionnumber", "modifiedon", "modifiedby")
            )
            if changed:
                bucket(ident[0])["updated"][ident[1]] = changed
        for entry in tables.values():
            entry["created"].sort()
            entry["deleted"].sort()
        return {"tables": tables, "unchanged": not tables}
