"""A small DFApp whose orchestrators exercise every feature of the local Durable host."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Generator
from datetime import timedelta
from pathlib import Path
from typing import Any

import azure.durable_functions as df
import azure.functions as func

bp = df.Blueprint()
app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)

Orchestration = Generator[Any, Any, Any]

FLAKY_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=2_000, max_number_of_attempts=3)
# Changed by a test to simulate deploying a renamed activity under a running instance.
RENAMEABLE_ACTIVITY = {"name": "add_one"}

_attempts: dict[str, int] = {}
_attempts_lock = threading.Lock()


# -- activities --------------------------------------------------------------------------
@bp.activity_trigger(input_name="value")
def add_one(value: int) -> int:
    return value + 1


@bp.activity_trigger(input_name="value")
def square(value: int) -> int:
    return value * value


@bp.activity_trigger(input_name="value")
async def add_one_async(value: int) -> int:
    return value + 1


@bp.activity_trigger(input_name="request")
def flaky(request: dict[str, Any]) -> dict[str, Any]:
    """Fails the first `failures` calls for `key`, then succeeds with the attempt number."""
    with _attempts_lock:
        _attempts[request["key"]] = attempt = _attempts.get(request["key"], 0) + 1
    if attempt <= request["failures"]:
        raise ConnectionError(f"transient failure {attempt}")
    return {"attempt": attempt}


@bp.activity_trigger(input_name="seconds")
def pause(seconds: float) -> str:
    time.sleep(seconds)
    return "done"


@bp.activity_trigger(input_name="request")
def explode(request: dict[str, Any]) -> None:
    raise ValueError(f"reason code {request['code']}")


@bp.activity_trigger(input_name="request")
def write_marker(request: dict[str, Any]) -> str:
    """Idempotent side effect for the crash test: one file per step, plus a run log line."""
    time.sleep(request.get("sleep", 0.0))
    folder = Path(request["dir"])
    marker = folder / f"step-{request['step']:03d}"
    marker.write_text(str(request["step"]))
    with (folder / "executions.log").open("a") as log:
        log.write(f"{request['step']}\n")
    return marker.name


# -- orchestrators -----------------------------------------------------------------------
@bp.orchestration_trigger(context_name="context")
def chain(context: df.DurableOrchestrationContext) -> Orchestration:
    value = context.get_input()
    value = yield context.call_activity("add_one", value)
    value = yield context.call_activity(add_one_async, value)
    value = yield context.call_activity("add_one", value)
    return value


@bp.orchestration_trigger(context_name="context")
def fan_out(context: df.DurableOrchestrationContext) -> Orchestration:
    """Squares 0..total-1 through sub-orchestrations of at most `chunk` activities each."""
    request = context.get_input()
    total, chunk = request["total"], request["chunk"]
    children = [
        context.call_sub_orchestrator(
            "square_chunk",
            {"start": start, "stop": min(start + chunk, total)},
            instance_id=f"{context.instance_id}:{index}",
        )
        for index, start in enumerate(range(0, total, chunk))
    ]
    context.set_custom_status({"phase": "fan-out", "chunks": len(children)})
    sums = yield context.task_all(children)
    context.set_custom_status({"phase": "done", "chunks": len(children)})
    return {"sum": sum(sums), "chunks": len(sums)}


@bp.orchestration_trigger(context_name="context")
def square_chunk(context: df.DurableOrchestrationContext) -> Orchestration:
    bounds = context.get_input()
    squares = yield context.task_all(
        [context.call_activity("square", n) for n in range(bounds["start"], bounds["stop"])]
    )
    return sum(squares)


@bp.orchestration_trigger(context_name="context")
def approval(context: df.DurableOrchestrationContext) -> Orchestration:
    """Waits for 'Approved' until a deadline `hours` ahead (R9: event raced with a timer)."""
    hours = context.get_input()["hours"]
    context.set_custom_status({"phase": "awaiting_approval"})
    approved = context.wait_for_external_event("Approved")
    deadline = context.create_timer(context.current_utc_datetime + timedelta(hours=hours))
    winner = yield context.task_any([approved, deadline])
    if winner == approved:
        deadline.cancel()
        context.set_custom_status({"phase": "approved"})
        return {"outcome": "approved", "by": approved.result["by"]}
    context.set_custom_status({"phase": "expired"})
    return {"outcome": "expired", "at": context.current_utc_datetime.isoformat()}


@bp.orchestration_trigger(context_name="context")
def timer_race(context: df.DurableOrchestrationContext) -> Orchestration:
    """A 2-hour timer created before a 1-hour one, and a 0.2 s activity racing both."""
    now = context.current_utc_datetime
    late = context.create_timer(now + timedelta(hours=2))
    early = context.create_timer(now + timedelta(hours=1))
    work = context.call_activity("pause", 0.2)
    first = yield context.task_any([late, early, work])
    second = yield context.task_any([late, early])
    names = {id(late): "late", id(early): "early", id(work): "activity"}
    return [names[id(first)], names[id(second)]]


@bp.orchestration_trigger(context_name="context")
def reminder_then_wait(context: df.DurableOrchestrationContext) -> Orchestration:
    """The first wait loses to a reminder timer; a second wait for the same event gets it."""
    first = context.wait_for_external_event("Approved")
    reminder = context.create_timer(context.current_utc_datetime + timedelta(minutes=30))
    winner = yield context.task_any([first, reminder])
    context.set_custom_status({"reminded": winner == reminder})
    approval = yield context.wait_for_external_event("Approved")
    done = yield context.call_activity("add_one", approval["n"])
    return done


@bp.orchestration_trigger(context_name="context")
def carry_events(context: df.DurableOrchestrationContext) -> Orchestration:
    """Execution 0 ignores 'Ping' and continues as new; execution 1 waits for it (1 h)."""
    if context.get_input() == 0:
        yield context.call_activity("add_one", 0)
        context.continue_as_new(1)
        return None
    ping = context.wait_for_external_event("Ping")
    deadline = context.create_timer(context.current_utc_datetime + timedelta(hours=1))
    winner = yield context.task_any([ping, deadline])
    return "ping" if winner == ping else "no ping"


@bp.orchestration_trigger(context_name="context")
def retrying(context: df.DurableOrchestrationContext) -> Orchestration:
    request = context.get_input()
    started = context.current_utc_datetime
    try:
        result = yield context.call_activity_with_retry("flaky", FLAKY_RETRY, request)
    except Exception as error:
        return {"gave_up": str(error).splitlines()[0]}
    waited = (context.current_utc_datetime - started).total_seconds()
    return {"attempt": result["attempt"], "waited_seconds": waited}


@bp.orchestration_trigger(context_name="context")
def parallel_retries(context: df.DurableOrchestrationContext) -> Orchestration:
    """Two retrying calls in one task_all: retry timers interleave with each other's attempts."""
    prefix = context.get_input()
    results = yield context.task_all(
        [
            context.call_activity_with_retry(
                "flaky", FLAKY_RETRY, {"key": f"{prefix}-a", "failures": 1}
            ),
            context.call_activity_with_retry(
                "flaky", FLAKY_RETRY, {"key": f"{prefix}-b", "failures": 2}
            ),
        ]
    )
    after = yield context.call_activity("add_one", 41)
    return [result["attempt"] for result in results] + [after]


@bp.orchestration_trigger(context_name="context")
def flaky_child(context: df.DurableOrchestrationContext) -> Orchestration:
    result = yield context.call_activity("flaky", context.get_input())
    return result["attempt"]


@bp.orchestration_trigger(context_name="context")
def retrying_parent(context: df.DurableOrchestrationContext) -> Orchestration:
    attempt = yield context.call_sub_orchestrator_with_retry(
        "flaky_child", FLAKY_RETRY, context.get_input(), f"{context.instance_id}:child"
    )
    return attempt


@bp.orchestration_trigger(context_name="context")
def counter_loop(context: df.DurableOrchestrationContext) -> Orchestration:
    state = context.get_input()
    if state["count"] >= state["limit"]:
        return state
    state["count"] = yield context.call_activity("add_one", state["count"])
    context.set_custom_status({"count": state["count"]})
    context.continue_as_new(state)
    return None


@bp.orchestration_trigger(context_name="context")
def stepped(context: df.DurableOrchestrationContext) -> Orchestration:
    """Reports its step in custom status and waits for 'Next' between steps."""
    for step in range(1, context.get_input()["steps"] + 1):
        context.set_custom_status({"step": step})
        yield context.wait_for_external_event("Next")
    return "finished"


@bp.orchestration_trigger(context_name="context")
def chatty_status(context: df.DurableOrchestrationContext) -> Orchestration:
    # Deliberately wrong (R10): records in custom status instead of counters.
    context.set_custom_status({"rows": ["x" * 100] * context.get_input()})
    yield context.call_activity("add_one", 0)
    return "unreachable when the status is too big"


@bp.orchestration_trigger(context_name="context")
def failing_child(context: df.DurableOrchestrationContext) -> Orchestration:
    yield context.call_activity("explode", context.get_input())
    return "unreachable"


@bp.orchestration_trigger(context_name="context")
def parent_of_failing(context: df.DurableOrchestrationContext) -> Orchestration:
    request = context.get_input()
    child = context.call_sub_orchestrator(
        "failing_child", request, instance_id=f"{context.instance_id}:child"
    )
    if not request.get("catch"):
        yield child
        return "unreachable"
    try:
        yield child
    except Exception as error:
        return {"caught": "reason code" in str(error), "child": f"{context.instance_id}:child"}
    return "unreachable"


@bp.orchestration_trigger(context_name="context")
def nondeterministic(context: df.DurableOrchestrationContext) -> Orchestration:
    # Deliberately wrong (R4): a fresh uuid per replay instead of context.new_uuid().
    value = yield context.call_activity("add_one", uuid.uuid4().int)
    return value


@bp.orchestration_trigger(context_name="context")
def renameable(context: df.DurableOrchestrationContext) -> Orchestration:
    first = yield context.call_activity(RENAMEABLE_ACTIVITY["name"], 1)
    yield context.wait_for_external_event("Go")
    second = yield context.call_activity("add_one", first)
    return second


@bp.orchestration_trigger(context_name="context")
def durable_steps(context: df.DurableOrchestrationContext) -> Orchestration:
    """The crash test's orchestration: a chain, then a fan-out, then a sub-orchestration."""
    request = context.get_input()
    names = []
    for step in range(request["chain"]):
        names.append((yield context.call_activity("write_marker", {**request, "step": step})))
    first = request["chain"]
    batch = [
        context.call_activity("write_marker", {**request, "step": step})
        for step in range(first, first + request["fan_out"])
    ]
    names.extend((yield context.task_all(batch)))
    context.set_custom_status({"written": len(names)})
    tail = {**request, "chain": 0, "fan_out": 0, "step": first + request["fan_out"]}
    names.append(
        (
            yield context.call_sub_orchestrator(
                "durable_tail", tail, instance_id=f"{context.instance_id}:tail"
            )
        )
    )
    return names


@bp.orchestration_trigger(context_name="context")
def durable_tail(context: df.DurableOrchestrationContext) -> Orchestration:
    name = yield context.call_activity("write_marker", context.get_input())
    return name


# -- HTTP API (the portal's shape, R13: our own routes, not the system-key webhooks) -------
@bp.route(route="runs", methods=["POST"])
@bp.durable_client_input(client_name="client")
async def start_run(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> Any:
    instance_id = await client.start_new("approval", None, req.get_json())
    return func.HttpResponse(json.dumps({"id": instance_id}), status_code=202)


@bp.route(route="runs/{iid}", methods=["GET"])
@bp.durable_client_input(client_name="client")
async def run_status(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> Any:
    status = await client.get_status(req.route_params["iid"])
    if not status:
        return func.HttpResponse(status_code=404)
    body = {
        "status": status.runtime_status.value if status.runtime_status else None,
        "progress": status.custom_status,
        "output": status.output,
    }
    return func.HttpResponse(json.dumps(body), mimetype="application/json")


@bp.route(route="runs/{iid}/approve", methods=["POST"])
@bp.durable_client_input(client_name="client")
async def approve_run(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> Any:
    try:
        await client.raise_event(req.route_params["iid"], "Approved", req.get_json())
    except Exception:
        return func.HttpResponse(status_code=409)
    return func.HttpResponse(status_code=202)


@bp.route(route="runs/{iid}", methods=["DELETE"])
@bp.durable_client_input(client_name="client")
async def cancel_run(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> Any:
    await client.terminate(req.route_params["iid"], "cancelled from portal")
    return func.HttpResponse(status_code=202)


app.register_functions(bp)
