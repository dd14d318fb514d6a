"""Rollback helpers: delete what a run created, put back what it changed (before-images)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from shared.destinations.base import BeforeImage, RecordResult
from shared.destinations.dataverse.behaviours import APPOINTMENT_STATE_COLUMNS, OPEN_STATE
from shared.destinations.dataverse.client import DataverseClient
from shared.destinations.dataverse.odata import is_bind
from shared.destinations.errors import RecordRejected
from shared.destinations.schema import TableInfo


async def delete_records(
    client: DataverseClient, info: TableInfo, ids: Sequence[str]
) -> list[RecordResult]:
    """Delete by id, in parallel; a record that is already gone counts as deleted."""

    async def delete_one(record_id: str) -> RecordResult:
        try:
            await client.request("DELETE", f"{info.collection}({record_id})")
        except RecordRejected as error:
            if error.status_code != 404:
                return _rejected(record_id, error)
        return RecordResult(key=record_id, status="deleted", id=record_id)

    return list(await asyncio.gather(*map(delete_one, ids)))


async def restore_records(
    client: DataverseClient, info: TableInfo, images: Sequence[BeforeImage]
) -> list[RecordResult]:
    """PATCH each record back to its before-image (lookups rebound or cleared)."""

    async def restore_one(image: BeforeImage) -> RecordResult:
        path = f"{info.collection}({image.id})"
        body, clear, state = _split(image.values)
        try:
            if info.name == "appointment":
                await client.request("PATCH", path, json=OPEN_STATE)  # closed ones are read-only
            if body:
                await client.request("PATCH", path, json=body, headers={"If-Match": "*"})
            for nav in clear:
                await _clear_lookup(client, f"{path}/{nav}/$ref")
            if state and state.get("statecode") not in (None, 0):
                await client.request("PATCH", path, json=state)
        except RecordRejected as error:
            return _rejected(image.key, error, image.id)
        return RecordResult(key=image.key, status="restored", id=image.id)

    return list(await asyncio.gather(*map(restore_one, images)))


def _split(values: dict[str, Any]) -> tuple[dict[str, Any], list[str], dict[str, Any]]:
    body: dict[str, Any] = {}
    clear: list[str] = []
    state: dict[str, Any] = {}
    for name, value in values.items():
        if name in APPOINTMENT_STATE_COLUMNS:
            state[name] = value
        elif is_bind(name) and value is None:
            clear.append(name.split("@", 1)[0])
        else:
            body[name] = value
    return body, clear, state


async def _clear_lookup(client: DataverseClient, ref_path: str) -> None:
    try:
        await client.request("DELETE", ref_path)
    except RecordRejected as error:
        if error.status_code != 404:
            raise


def _rejected(key: str, error: RecordRejected, record_id: str | None = None) -> RecordResult:
    return RecordResult(
        key=key,
        status="rejected",
        id=record_id,
        reason_code=error.reason_code,
        status_code=error.status_code,
        service_code=error.service_code,
    )
