"""HTTP trigger functions run unchanged with the SDK's client answered by the local host."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import azure.durable_functions as df
import azure.functions as func
from azure.durable_functions.models.DurableOrchestrationStatus import DurableOrchestrationStatus

from cli.durable_host import DurableHost, RuntimeStatus
from tests.cli.durable_host.sample_app import app
from tests.fixtures.durable_host import DurableHostFactory


def request(method: str, url: str, body: Any = None, **route: str) -> func.HttpRequest:
    payload = b"" if body is None else json.dumps(body).encode()
    return func.HttpRequest(method, url, body=payload, route_params=route)


def call(host: DurableHost, name: str, req: func.HttpRequest) -> func.HttpResponse:
    response = asyncio.run(host.call_client_function(name, req))
    assert isinstance(response, func.HttpResponse)
    return response


def test_portal_starts_watches_and_approves_a_run(
    durable_host_factory: DurableHostFactory,
) -> None:
    host = durable_host_factory(app, time_scale=1.0)

    started = call(host, "start_run", request("POST", "http://localhost/api/runs", {"hours": 1}))
    run_id = json.loads(started.get_body())["id"]
    host.run_due(timeout=5)
    waiting = call(host, "run_status", request("GET", "http://localhost/api/runs/x", iid=run_id))
    approve = request("POST", "http://localhost/api/runs/x/approve", {"by": "ops-7"}, iid=run_id)
    approved = call(host, "approve_run", approve)
    host.wait_for(run_id, timeout=5)
    done = call(host, "run_status", request("GET", "http://localhost/api/runs/x", iid=run_id))
    again = call(host, "approve_run", approve)

    assert started.status_code == 202
    assert json.loads(waiting.get_body()) == {
        "status": "Running",
        "progress": {"phase": "awaiting_approval"},
        "output": None,
    }
    assert approved.status_code == 202
    assert json.loads(done.get_body())["output"] == {"outcome": "approved", "by": "ops-7"}
    assert again.status_code == 409  # the SDK raised on the extension's 410 Gone


def test_unknown_run_is_404_and_cancel_terminates(
    durable_host_factory: DurableHostFactory,
) -> None:
    host = durable_host_factory(app, time_scale=1.0)
    started = call(host, "start_run", request("POST", "http://localhost/api/runs", {"hours": 1}))
    run_id = json.loads(started.get_body())["id"]
    host.run_due(timeout=5)

    missing = call(host, "run_status", request("GET", "http://localhost/api/runs/x", iid="nope"))
    cancel = call(host, "cancel_run", request("DELETE", "http://localhost/api/runs/x", iid=run_id))
    status = host.wait_for(run_id, timeout=5)

    assert missing.status_code == 404
    assert cancel.status_code == 202
    assert status.runtime_status == RuntimeStatus.TERMINATED


def test_sdk_client_status_queries_and_purge(durable_host_factory: DurableHostFactory) -> None:
    host = durable_host_factory(app)
    client = host.client()

    async def scenario() -> tuple[Any, ...]:
        first = await client.start_new("chain", instance_id="run-a", client_input=1)
        await client.start_new("chain", instance_id="run-b", client_input=2)
        host.run_until_idle(timeout=5)
        status = await client.get_status(first, show_input=True)
        everything = await client.get_status_all()
        purged = await client.purge_instance_history(first)
        gone = await client.get_status(first)
        check = client.create_check_status_response(
            func.HttpRequest("POST", "https://portal.example/api/runs", body=b""), first
        )
        return status, everything, purged, gone, check

    status, everything, purged, gone, check = asyncio.run(scenario())

    assert isinstance(status, DurableOrchestrationStatus)
    assert status.runtime_status == df.OrchestrationRuntimeStatus.Completed
    assert (status.input_, status.output) == (1, 4)
    assert sorted(s.instance_id for s in everything) == ["run-a", "run-b"]
    assert purged.instances_deleted == 1
    assert not gone  # a falsy status, as the SDK returns for unknown instances
    assert check.status_code == 202
    assert check.headers["Location"].startswith("https://portal.example/runtime/webhooks/")
    assert "run-a" in check.headers["Location"]


def test_starting_an_unregistered_orchestrator_raises(
    durable_host_factory: DurableHostFactory,
) -> None:
    client = durable_host_factory(app).client()

    try:
        asyncio.run(client.start_new("no_such_orchestrator"))
    except Exception as error:  # the SDK surfaces the extension's 400 as a plain Exception
        assert "no_such_orchestrator" in str(error)
    else:
        raise AssertionError("start_new should have failed")


def test_filtered_queries_and_purges(durable_host_factory: DurableHostFactory) -> None:
    host = durable_host_factory(app, time_scale=1.0)
    client = host.client()
    completed = df.OrchestrationRuntimeStatus.Completed

    async def scenario() -> tuple[Any, ...]:
        await client.start_new("chain", instance_id="done-1", client_input=1)
        await client.start_new("approval", instance_id="waiting-1", client_input={"hours": 1})
        host.run_due(timeout=5)
        since = datetime.now(UTC) - timedelta(hours=1)
        finished = await client.get_status_by(created_time_from=since, runtime_status=[completed])
        purged = await client.purge_instance_history_by(since, runtime_status=[completed])
        left = await client.get_status_all()
        return finished, purged, left

    finished, purged, left = asyncio.run(scenario())

    assert [s.instance_id for s in finished] == ["done-1"]
    assert purged.instances_deleted == 1
    assert [s.instance_id for s in left] == ["waiting-1"]


def test_wait_for_completion_with_a_background_host(
    durable_host_factory: DurableHostFactory,
) -> None:
    host = durable_host_factory(app)
    host.start()
    client = host.client()
    req = func.HttpRequest("POST", "http://localhost/api/runs", body=b"")

    async def scenario() -> func.HttpResponse:
        instance_id = await client.start_new("chain", client_input=5)
        return await client.wait_for_completion_or_create_check_status_response(
            req, instance_id, timeout_in_milliseconds=5000, retry_interval_in_milliseconds=50
        )

    response = asyncio.run(scenario())

    assert response.status_code == 200
    assert json.loads(response.get_body()) == 8
