"""POST /api/migrations/{id}/rollback and /signoff, run by the local Durable host's client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any

import azure.functions as func
import pytest

from activities.rollback import bp as rollback_activities
from api import dependencies
from api.rollback import bp as rollback_api
from api.signoff import bp as signoff_api
from api.signoff import sign_off_migration_sample
from cli.durable_host import DurableHost
from orchestrators.rollback import bp as rollback_orchestrator
from orchestrators.rollback import instance_id
from shared.ledger import clients
from tests.orchestrators.test_rollback import completed_run, env
from tests.shared.rollback.test_rollback import clean

pytestmark = pytest.mark.integration
__all__ = ["env"]  # the fixture, imported for this module


@pytest.fixture
def host(env: Any, durable_host_factory: Callable[..., DurableHost]) -> Iterator[DurableHost]:
    dependencies.reset()
    yield durable_host_factory(
        [rollback_orchestrator, rollback_activities, rollback_api, signoff_api], time_scale=0
    )
    dependencies.reset()


def post(host: DurableHost, function: str, run_id: str, body: Any = None) -> func.HttpResponse:
    data = b"" if body is None else json.dumps(body).encode()
    req = func.HttpRequest("POST", f"http://localhost/api/migrations/{run_id}/x", body=data,
                           route_params={"run_id": run_id})  # fmt: skip
    response = asyncio.run(host.call_client_function(function, req))
    assert isinstance(response, func.HttpResponse)
    return response


def test_post_rollback_starts_the_orchestration_that_reverts_the_run(
    host: DurableHost, env: Any
) -> None:
    run_id, snapshot = completed_run(env)

    response = post(host, "rollback_migration", run_id)

    assert response.status_code == 202
    body = json.loads(response.get_body())
    assert (
        body["statusUrl"] == f"/api/migrations/{run_id}"
        and "sig=" not in response.get_body().decode()
    )
    status = host.wait_for(instance_id(run_id), timeout=120)
    assert status.output["state"] == "rolled_back"
    assert clean(env, snapshot) == {}
    assert post(host, "rollback_migration", run_id, {"on_conflict": "maybe"}).status_code == 400
    assert post(host, "rollback_migration", "run-unknown").status_code == 404


def test_signoff_refuses_a_run_that_is_not_a_loaded_sample(host: DurableHost, env: Any) -> None:
    run_id, _ = completed_run(env)
    handler = sign_off_migration_sample._function.get_user_function()  # the code the host runs
    req = func.HttpRequest("POST", f"http://localhost/api/migrations/{run_id}/signoff", body=b"",
                           route_params={"run_id": run_id})  # fmt: skip
    response = asyncio.run(handler(req))
    assert response.status_code == 409
    assert "not a loaded sample" in response.get_body().decode()
    assert clients.run_store().get(run_id).signed_off_by is None
