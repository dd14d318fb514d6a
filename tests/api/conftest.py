"""The portal API on a local Durable host and real Azurite, called with real HttpRequests."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import azure.durable_functions as df
import azure.functions as func
import pytest

from api import dependencies
from api.housekeeping import bp as housekeeping_bp
from api.migrations import bp as migrations_bp
from api.principal import REQUIRE_PRINCIPAL_SETTING
from api.report_links import bp as report_links_bp
from cli.durable_host import DurableHost
from orchestrators.load_table import bp as load_table_bp
from orchestrators.migration import bp as migration_bp
from shared.ledger.storage import ENV_ACCOUNT_NAME, ENV_CONNECTION_STRING
from shared.pipeline.messages import StartRun
from shared.pipeline.proposal import propose_map
from shared.pipeline.reports import REPORT_NAMES, report_blob_name
from tests.orchestrators import fake_activities

ORIGIN = "https://clinicferry-app.azurewebsites.net"
OPERATOR = ("Migration.Operator",)
APPROVER = ("Migration.Approver",)
VALID_START: dict[str, Any] = {
    "source_system": "aerona",
    "export": {"prefix": "exports/aerona-2026-11"},
    "options": {"sample_size": 50},
}


def principal_header(*roles: str, name: str = "ana.operator@clinic.example") -> str:
    """The X-MS-CLIENT-PRINCIPAL header App Service authentication would send."""
    claims = [{"typ": "name", "val": name}] + [{"typ": "roles", "val": r} for r in roles]
    payload = {"auth_typ": "aad", "name_typ": "name", "role_typ": "roles", "claims": claims}
    return base64.b64encode(json.dumps(payload).encode()).decode()


def http_request(
    method: str,
    path: str,
    *,
    body: bytes | dict[str, Any] | None = None,
    roles: tuple[str, ...] | None = None,
    **route: str,
) -> func.HttpRequest:
    """A request as the Functions host hands it over; `roles=None` sends no principal header."""
    raw = json.dumps(body).encode() if isinstance(body, dict) else (body or b"")
    headers = {"content-type": "application/json"}
    if roles is not None:
        headers["x-ms-client-principal"] = principal_header(*roles)
    return func.HttpRequest(method, f"{ORIGIN}/api/{path}", headers=headers, body=raw,
                            route_params=route)  # fmt: skip


@dataclass
class PortalApi:
    """Calls the registered HTTP functions by name: client functions get the host's client."""

    host: DurableHost
    plain: dict[str, Callable[..., Any]]

    def call(self, name: str, req: func.HttpRequest) -> func.HttpResponse:
        if name in self.host.registry.clients:
            response = asyncio.run(self.host.call_client_function(name, req))
        else:
            response = asyncio.run(self.plain[name](req))
        assert isinstance(response, func.HttpResponse)
        return response

    def start(self, body: dict[str, Any] | None = None) -> str:
        """Starts a run as an operator; returns its id."""
        response = self.call("start_migration", http_request(
            "POST", "migrations", body=body or VALID_START, roles=OPERATOR))  # fmt: skip
        assert response.status_code == 202, response.get_body()
        return str(json.loads(response.get_body())["id"])

    def prepare_awaiting_confirmation(self) -> str:
        """A started run whose proposal and quality report are written, awaiting confirmation."""
        run_id = self.start()
        store, staging = dependencies.run_store(), dependencies.staging()
        store.transition(run_id, "profiling")
        store.transition(run_id, "awaiting_confirmation")
        start = StartRun(run_id=run_id, started_by="ana", **VALID_START)
        propose_map(start, staging)
        quality = report_blob_name(run_id, "quality.json")
        staging.write_bytes(quality, b'{"rows": 5}', container="reports",
                            content_type=REPORT_NAMES["quality.json"])  # fmt: skip
        return run_id

    def prepare_cancelled(self) -> str:
        """A run with a proposal and reports, cancelled (its orchestration terminated)."""
        run_id = self.prepare_awaiting_confirmation()
        self.host.terminate(run_id, "cancelled by test")
        self.host.run_due()
        dependencies.run_store().transition(run_id, "cancelled")
        return run_id


@pytest.fixture
def api_storage(storage_connection_string: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The API's storage clients pointed at the session's Azurite."""
    monkeypatch.setenv(ENV_CONNECTION_STRING, storage_connection_string)
    monkeypatch.delenv(ENV_ACCOUNT_NAME, raising=False)
    dependencies.reset()
    yield
    dependencies.reset()


@pytest.fixture
def require_principal(monkeypatch: pytest.MonkeyPatch) -> None:
    """App Service authentication on: callers without a principal are refused."""
    monkeypatch.setenv(REQUIRE_PRINCIPAL_SETTING, "true")


@pytest.fixture
def portal(api_storage: None, durable_host_factory: Callable[..., DurableHost]) -> PortalApi:
    """The API blueprints with the real orchestrators and stand-in activities, on a fresh hub."""
    app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
    blueprints = (migrations_bp, report_links_bp, housekeeping_bp, migration_bp, load_table_bp,
                  fake_activities.bp)  # fmt: skip
    for blueprint in blueprints:
        app.register_functions(blueprint)
    fake_activities.reset()
    plain = {
        builder._function.get_function_name(): builder._function.get_user_function()
        for blueprint in (migrations_bp, report_links_bp)
        for builder in blueprint._function_builders
    }
    # Real time: the 72-hour confirmation deadline stays ahead while a test looks at a run.
    return PortalApi(durable_host_factory(app, time_scale=1.0), plain)
