"""Every portal route x every kind of caller: who gets 401, 403 or through.

Rules (api/principal.py): Migration.Operator starts, cancels and purges runs, Migration.Approver
confirms maps, either role may read a run (status, proposal, reports, report links), health is
open.
With App Service authentication on, a caller without a principal is 401; a signed-in user
without the role is 403. Refusals happen before the run is looked up, so ids cannot be probed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.conftest import VALID_START, PortalApi, http_request

OPERATOR, APPROVER, BOTH, NONE = "operator", "approver", "both", "signed-in, no role"
ROLES_OF = {
    OPERATOR: ("Migration.Operator",),
    APPROVER: ("Migration.Approver",),
    BOTH: ("Migration.Operator", "Migration.Approver"),
    NONE: ("Directory.Reader",),
}


@dataclass(frozen=True)
class Route:
    function: str
    method: str
    path: str
    allowed: frozenset[str]
    success: int
    body: dict[str, Any] | None = None
    report: str | None = None
    cancelled: bool = False


READERS = frozenset({OPERATOR, APPROVER, BOTH})
ROUTES = [
    Route("start_migration", "POST", "migrations", frozenset({OPERATOR, BOTH}), 202, VALID_START),
    Route("migration_status", "GET", "migrations/{run_id}", READERS, 200),
    Route("migration_proposal", "GET", "migrations/{run_id}/proposal", READERS, 200),
    Route("migration_report", "GET", "migrations/{run_id}/reports/{name}", READERS, 200,
          report="quality.json"),
    Route("migration_report_link", "GET", "migrations/{run_id}/reports/{name}/link", READERS, 200,
          report="quality.json"),
    Route("confirm_migration_map", "POST", "migrations/{run_id}/confirm",
          frozenset({APPROVER, BOTH}), 202, {}),
    Route("cancel_migration", "POST", "migrations/{run_id}/cancel",
          frozenset({OPERATOR, BOTH}), 202),
    Route("purge_migration", "DELETE", "migrations/{run_id}", frozenset({OPERATOR, BOTH}), 200,
          cancelled=True),
]  # fmt: skip


def call(portal: PortalApi, route: Route, roles: tuple[str, ...] | None) -> tuple[int, Any]:
    prepare = portal.prepare_cancelled if route.cancelled else portal.prepare_awaiting_confirmation
    run_id = prepare() if "{run_id}" in route.path else ""
    params = {"run_id": run_id} if run_id else {}
    if route.report:
        params["name"] = route.report
    req = http_request(route.method, route.path.format(**params), body=route.body, roles=roles,
                       **params)  # fmt: skip
    response = portal.call(route.function, req)
    body = response.get_body()
    return response.status_code, json.loads(body) if body else None


@pytest.mark.integration
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.function)
@pytest.mark.parametrize("caller", [OPERATOR, APPROVER, BOTH, NONE])
def test_signed_in_callers_get_through_only_with_the_route_role(
    portal: PortalApi, require_principal: None, route: Route, caller: str
) -> None:
    status, body = call(portal, route, ROLES_OF[caller])
    if caller in route.allowed:
        assert status == route.success, body
    else:
        assert status == 403
        assert body["error"].startswith("requires the Migration.")


@pytest.mark.integration
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.function)
def test_anonymous_callers_are_401_when_a_principal_is_required(
    portal: PortalApi, require_principal: None, route: Route
) -> None:
    status, body = call(portal, route, None)
    assert status == 401
    assert body == {"error": "this endpoint requires an Entra ID sign-in"}


@pytest.mark.integration
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.function)
def test_function_key_callers_without_app_service_auth_hold_every_role(
    portal: PortalApi, route: Route
) -> None:
    status, _ = call(portal, route, None)
    assert status == route.success


@pytest.mark.integration
def test_a_malformed_principal_header_is_401(portal: PortalApi) -> None:
    req = http_request("GET", "migrations/run-x", run_id="run-x")
    req = type(req)("GET", req.url, headers={"x-ms-client-principal": "not base64!"},
                    body=b"", route_params={"run_id": "run-x"})  # fmt: skip
    assert portal.call("migration_status", req).status_code == 401


@pytest.mark.parametrize("principal_required", [False, True])
def test_health_is_open_to_everyone(
    portal: PortalApi, monkeypatch: pytest.MonkeyPatch, principal_required: bool
) -> None:
    monkeypatch.setenv("CLINICFERRY_REQUIRE_PRINCIPAL", str(principal_required).lower())
    response = portal.call("health", http_request("GET", "health"))
    assert (response.status_code, json.loads(response.get_body())) == (200, {"status": "ok"})


@pytest.mark.integration
def test_the_approver_name_from_the_principal_is_recorded_with_the_confirmed_map(
    portal: PortalApi, require_principal: None
) -> None:
    run_id = portal.prepare_awaiting_confirmation()
    req = http_request("POST", f"migrations/{run_id}/confirm", body={}, run_id=run_id,
                       roles=("Migration.Approver",))  # fmt: skip
    response = portal.call("confirm_migration_map", req)
    assert json.loads(response.get_body())["confirmedBy"] == "ana.operator@clinic.example"
