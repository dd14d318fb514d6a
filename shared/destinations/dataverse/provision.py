"""Applies a schema plan through the Web API metadata endpoints, idempotently.

Tables first, then columns, lookups (relationships), new options and alternate keys; tables whose
existing definitions changed are published, and we wait until every key's index is Active.
Anything a concurrent apply created already counts as done: the caller re-plans to confirm.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from shared.destinations.dataverse.client import DataverseClient
from shared.destinations.dataverse.metadata import KEY_STATUS, entity_path
from shared.destinations.dataverse.metadata_bodies import (
    attribute_body,
    key_body,
    label,
    relationship_body,
    table_body,
)
from shared.destinations.errors import RecordRejected, TerminalError
from shared.destinations.schema import SchemaAction, SchemaPlan

# Answers that mean "it is there already" when two applies race.
ALREADY_EXISTS = {"duplicate_key", "precondition_failed"}
Sleep = Callable[[float], Awaitable[None]]


async def apply_plan(
    client: DataverseClient,
    plan: SchemaPlan,
    prefix: str,
    solution: str,
    *,
    key_wait_seconds: float = 600.0,
    poll_seconds: float = 0.25,
    sleep: Sleep = asyncio.sleep,
) -> None:
    """Create every missing item of `plan` and wait for its alternate keys to become Active."""
    conflicts = [a for a in plan.actions if a.state == "conflict"]
    if conflicts:
        raise TerminalError("schema_conflict", destination="dataverse", table=conflicts[0].table)
    headers = {"MSCRM.SolutionUniqueName": solution}
    todo = [a for a in plan.actions if a.state == "missing"]
    order = ("create_table", "add_column", "create_lookup", "add_options", "create_key")
    for kind in order:
        for action in (a for a in todo if a.kind == kind):
            await _apply(client, action, prefix, headers)
    # Created components are usable at once; changed definitions (new options) need publishing.
    changed = sorted({a.table for a in todo if a.kind == "add_options"})
    if changed:
        await _publish(client, changed)
    waiting = {a.table for a in plan.actions if a.kind == "create_key"}
    await wait_for_keys(client, sorted(waiting), key_wait_seconds, poll_seconds, sleep)


async def _apply(
    client: DataverseClient, action: SchemaAction, prefix: str, headers: dict[str, str]
) -> None:
    for path, body in _requests_for(action, prefix):
        try:
            await client.request(
                "POST", path, json=body, headers=headers, context={"table": action.table}
            )
        except RecordRejected as error:
            if error.reason_code not in ALREADY_EXISTS:
                raise TerminalError(
                    "schema_apply_failed",
                    destination="dataverse",
                    table=action.table,
                    status_code=error.status_code,
                    service_code=error.service_code,
                ) from error


def _requests_for(action: SchemaAction, prefix: str) -> list[tuple[str, dict[str, Any]]]:
    column = action.column
    if action.kind == "create_table":
        assert action.table_need is not None
        return [("EntityDefinitions", table_body(action.table_need))]
    if action.kind == "create_key":
        body = key_body(action.table, action.key_columns, prefix)
        return [(f"{entity_path(action.table)}/Keys", body)]
    assert column is not None
    if action.kind == "add_column":
        return [(f"{entity_path(action.table)}/Attributes", attribute_body(column))]
    if action.kind == "create_lookup":
        return [("RelationshipDefinitions", relationship_body(action.table, column, prefix))]
    return [
        (
            "InsertOptionValue",
            {
                "EntityLogicalName": action.table,
                "AttributeLogicalName": column.name,
                "Value": option.value,
                "Label": label(option.label),
            },
        )
        for option in action.options
    ]


async def _publish(client: DataverseClient, tables: list[str]) -> None:
    entities = "".join(f"<entity>{table}</entity>" for table in tables)
    xml = f"<importexportxml><entities>{entities}</entities></importexportxml>"
    await client.request("POST", "PublishXml", json={"ParameterXml": xml})


async def wait_for_keys(
    client: DataverseClient,
    tables: list[str],
    timeout: float,
    poll_seconds: float,
    sleep: Sleep = asyncio.sleep,
) -> dict[str, str]:
    """Poll the tables' keys until none is pending (or `timeout`); returns table -> worst state."""
    deadline = time.monotonic() + timeout
    states: dict[str, str] = {}
    while True:
        for table in tables:
            body = await client.get_json(
                f"{entity_path(table)}/Keys", {"$select": "KeyAttributes,EntityKeyIndexStatus"}
            )
            found = [KEY_STATUS.get(str(k.get("EntityKeyIndexStatus")), "pending") for k in
                     body.get("value", [])]  # fmt: skip
            states[table] = next((s for s in ("failed", "pending") if s in found), "active")
        if "pending" not in states.values() or time.monotonic() >= deadline:
            return states
        await sleep(poll_seconds)
        poll_seconds = min(poll_seconds * 2, 10.0)  # index builds take seconds to minutes
