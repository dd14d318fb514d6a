"""The SDK's own DurableOrchestrationClient, wired to the local host instead of the webhooks.

`durable_client_input` builds a `DurableOrchestrationClient` from the binding JSON and the
client talks to the extension's RPC webhooks over HTTP. Here the same client class is built
from an equivalent binding, and its three transport callables are pointed at `LocalWebhooks`,
which answers those RPC routes from the host with the extension's status codes. HTTP trigger
functions therefore run unchanged: `call_client_function` passes them a real `func.HttpRequest`
and this client, exactly where the Functions host would inject its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from azure.durable_functions import DurableOrchestrationClient

from cli.durable_host.protocol import RuntimeStatus, parse_timestamp
from cli.durable_host.registry import UnknownFunctionError
from cli.durable_host.status import InstanceGoneError, InstanceNotFoundError

if TYPE_CHECKING:
    from cli.durable_host.host import DurableHost

LOCAL_ORIGIN = "http://localhost:7071"
TASK_HUB = "ClinicFerryLocal"
_PLACEHOLDER = "INSTANCEID"
_STATUS_CODES = {
    RuntimeStatus.COMPLETED: 200,
    RuntimeStatus.FAILED: 500,
    RuntimeStatus.TERMINATED: 400,
}


def client_binding(origin: str = LOCAL_ORIGIN, task_hub: str = TASK_HUB) -> dict[str, Any]:
    """The durable client binding payload the extension passes to client functions."""
    base = f"{origin}/runtime/webhooks/durabletask/"
    query = f"taskHub={task_hub}&connection=Storage&code=local"
    instance = f"{base}instances/{_PLACEHOLDER}"
    return {
        "taskHubName": task_hub,
        "creationUrls": {
            "createNewInstancePostUri": (
                f"{base}orchestrators/{{functionName}}[/{{instanceId}}]?code=local"
            ),
        },
        "managementUrls": {
            "id": _PLACEHOLDER,
            "statusQueryGetUri": f"{instance}?{query}",
            "sendEventPostUri": f"{instance}/raiseEvent/{{eventName}}?{query}",
            "terminatePostUri": f"{instance}/terminate?reason={{text}}&{query}",
            "rewindPostUri": f"{instance}/rewind?reason={{text}}&{query}",
            "purgeHistoryDeleteUri": f"{instance}?{query}",
            "suspendPostUri": f"{instance}/suspend?reason={{text}}&{query}",
            "resumePostUri": f"{instance}/resume?reason={{text}}&{query}",
        },
        "rpcBaseUrl": base,
    }


def durable_client(host: DurableHost, origin: str = LOCAL_ORIGIN) -> DurableOrchestrationClient:
    """A real `DurableOrchestrationClient` whose RPC calls are answered by `host`."""
    client = DurableOrchestrationClient(json.dumps(client_binding(origin)))
    hooks = LocalWebhooks(host, client_binding(origin)["rpcBaseUrl"])
    client._post_async_request = hooks.post
    client._get_async_request = hooks.get
    client._delete_async_request = hooks.delete
    return client


async def call_client_function(host: DurableHost, name: str, trigger_value: Any) -> Any:
    """Invoke a registered HTTP/timer function with its trigger value and a local client.

    Raises:
        UnknownFunctionError: no function with a durable client binding has that name.
    """
    function = host.registry.client_function(name)
    arguments = {function.trigger_arg: trigger_value, function.client_arg: durable_client(host)}
    return await function.func(**arguments)


class LocalWebhooks:
    """The extension's client RPC routes (`/runtime/webhooks/durabletask/...`), in-process."""

    def __init__(self, host: DurableHost, base_url: str) -> None:
        self._host = host
        self._base_path = urlsplit(base_url).path

    async def post(
        self,
        url: str,
        data: Any = None,
        trace_parent: str | None = None,
        trace_state: str | None = None,
        function_invocation_id: str | None = None,
    ) -> list[Any]:
        """POST: start an orchestration, raise an event, terminate."""
        parts, query = self._route(url)
        if parts[:1] == ["orchestrators"] and len(parts) in (2, 3):
            instance_id = parts[2] if len(parts) == 3 else None
            try:
                started = self._host.start_new(parts[1], instance_id=instance_id, input_json=data)
            except UnknownFunctionError as error:
                return [400, {"ExceptionMessage": str(error)}]
            return [202, {"id": started}]
        if parts[:1] == ["instances"] and len(parts) >= 3:
            return self._instance_operation(parts, query, data)
        return [404, None]

    async def get(self, url: str, function_invocation_id: str | None = None) -> list[Any]:
        """GET: one instance's status, or all / a filtered list."""
        parts, query = self._route(url)
        if parts == ["instances"]:
            return [200, [status.to_webhook_json() for status in self._matching(query)]]
        if parts[:1] == ["instances"] and len(parts) == 2:
            status = self._host.get_status(
                parts[1],
                show_history=_flag(query, "showHistory"),
                show_input=_flag(query, "showInput"),
            )
            if status is None:
                return [404, ""]
            code = _STATUS_CODES.get(status.runtime_status, 202)
            return [code, status.to_webhook_json()]
        return [404, ""]

    async def delete(self, url: str, function_invocation_id: str | None = None) -> list[Any]:
        """DELETE: purge one instance's history, or those matching a filter."""
        parts, query = self._route(url)
        if parts[:1] == ["instances"] and len(parts) == 2:
            deleted = self._host.purge(parts[1])
        else:
            deleted = sum(self._host.purge(s.instance_id) for s in self._matching(query))
        return [200, {"instancesDeleted": deleted}] if deleted else [404, None]

    def _instance_operation(
        self, parts: list[str], query: dict[str, list[str]], data: Any
    ) -> list[Any]:
        operations: dict[str, Callable[[], None]] = {
            "raiseEvent": lambda: self._host.raise_event(
                parts[1], parts[3], None if data is None else json.loads(data)
            ),
            "terminate": lambda: self._host.terminate(parts[1], query.get("reason", [""])[0]),
        }
        operation = operations.get(parts[2])
        if operation is None or (parts[2] == "raiseEvent" and len(parts) != 4):
            return [404, None]
        try:
            operation()
        except InstanceNotFoundError:
            return [404, None]
        except InstanceGoneError:
            return [410, None]
        return [202, None]

    def _matching(self, query: dict[str, list[str]]) -> list[Any]:
        wanted = [RuntimeStatus(s) for s in query.get("runtimeStatus", [""])[0].split(",") if s]
        created_from = _time(query, "createdTimeFrom")
        created_to = _time(query, "createdTimeTo")
        prefix = query.get("instanceIdPrefix", [""])[0]
        return [
            status
            for status in self._host.list_statuses(wanted)
            if (created_from is None or status.created_time >= created_from)
            and (created_to is None or status.created_time <= created_to)
            and status.instance_id.startswith(prefix)
        ]

    def _route(self, url: str) -> tuple[list[str], dict[str, list[str]]]:
        split = urlsplit(url)
        path = split.path[len(self._base_path) :] if split.path.startswith(self._base_path) else ""
        parts = [unquote(part) for part in path.split("/") if part]
        return parts, parse_qs(split.query)


def _flag(query: dict[str, list[str]], name: str) -> bool:
    return query.get(name, ["false"])[0].lower() == "true"


def _time(query: dict[str, list[str]], name: str) -> datetime | None:
    values = query.get(name)
    return parse_timestamp(values[0]) if values else None
