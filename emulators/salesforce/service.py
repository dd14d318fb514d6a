"""The emulator: one org and every API surface on it, plus usage counters and the request log."""

from __future__ import annotations

import json
from typing import Any

from emulators.salesforce.auth import TokenService
from emulators.salesforce.bulk import BulkIngest
from emulators.salesforce.config import EmulatorConfig
from emulators.salesforce.dml import Dml
from emulators.salesforce.metadata import Deployer
from emulators.salesforce.org import Org
from emulators.salesforce.rest import RestApi
from emulators.salesforce.store import Store


class Emulator:
    """Everything behind the ASGI app."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        path = None if config.data_dir is None else config.data_dir / "salesforce.sqlite3"
        if config.data_dir is not None:
            config.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(path)
        self.org = Org(config, self.store)
        self.dml = Dml(self.org)
        self.bulk = BulkIngest(self.org, self.dml)
        self.deployer = Deployer(self.org, self.dml)
        self.rest = RestApi(self.org, self.dml, self.bulk, self.deployer)
        self.tokens = TokenService(self.org)
        self.api_usage = 0
        self.request_log: list[dict[str, Any]] = []
        self._seq = 0

    def reset(self) -> None:
        """Back to the seeded org; usage counters, jobs, tokens and the log are cleared too."""
        self.org.reset()
        self.bulk.reset()
        self.deployer.results.clear()
        self.rest.cursors.clear()
        self.api_usage = 0
        self.request_log.clear()

    def log(self, method: str, path: str, status: int, user: str | None) -> None:
        """Appends a request to the log (no bodies: they may carry patient data)."""
        self._seq += 1
        self.request_log.append(
            {"seq": self._seq, "method": method, "path": path, "status": status, "user": user}
        )
        if len(self.request_log) > 20_000:
            del self.request_log[:5_000]

    def diff(self, name: str, against: str | None = None) -> dict[str, Any]:
        """Records created, updated and deleted since snapshot `name` (or between two)."""
        before = self.store.snapshot_rows(name)
        after = self.store.snapshot_rows(against)
        created, updated, deleted = [], [], []
        for rid, (obj, is_deleted, body) in after.items():
            old = before.get(rid)
            if old is None:
                if not is_deleted:
                    created.append({"object": obj, "id": rid})
            elif is_deleted and not old[1]:
                deleted.append({"object": obj, "id": rid})
            elif body != old[2]:
                new_values, old_values = json.loads(body), json.loads(old[2])
                changed = sorted(
                    k
                    for k in new_values.keys() | old_values.keys()
                    if new_values.get(k) != old_values.get(k)
                    and k not in ("LastModifiedDate", "SystemModstamp", "LastModifiedById")
                )
                if changed:
                    updated.append({"object": obj, "id": rid, "fields": changed})
        for rid, (obj, is_deleted, _) in before.items():
            if rid not in after and not is_deleted:
                deleted.append({"object": obj, "id": rid})
        return {"created": created, "updated": updated, "deleted": deleted}
