"""The admin surface under /_emulator: reset, snapshots and diffs, request log, counters, settings.

The product never calls it; tests, benchmarks and rollback checks do.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulators.dataverse.config import Chaos, Limits
from emulators.dataverse.writes import ReadOnlyPolicy

if TYPE_CHECKING:
    from emulators.dataverse.service import Emulator


class SettingsPatch(BaseModel):
    """Runtime-adjustable settings; omitted members keep their value."""

    model_config = ConfigDict(extra="forbid")

    limits: Limits | None = None
    chaos: Chaos | None = None
    time_scale: float | None = None
    simulate_latency: bool | None = None
    annotation_max_bytes: int | None = None
    readonly_policy: ReadOnlyPolicy | None = None
    reject_disabled_owner: bool | None = None
    key_activation_s: float | None = None
    dop_hint: int | None = None


def apply_settings(emulator: Emulator, patch: SettingsPatch) -> dict[str, Any]:
    """Applies a settings patch to a running emulator; returns the effective settings."""
    config = emulator.config
    for name, value in patch.model_dump(exclude_none=True).items():
        setattr(config, name, getattr(patch, name) if name in ("limits", "chaos") else value)
    emulator.settings.annotation_max_bytes = config.annotation_max_bytes
    emulator.settings.readonly_policy = config.readonly_policy
    emulator.settings.reject_disabled_owner = config.reject_disabled_owner
    emulator.metadata.writer.key_activation_s = config.key_activation_s
    emulator.protection.limits = config.limits
    emulator.protection.window_s = config.window_s
    if patch.chaos is not None:
        emulator.chaos_random = random.Random(config.chaos.seed)
    return config.model_dump(mode="json", exclude={"users", "costs", "data_dir"})


def admin_routes(emulator: Emulator) -> list[Route]:
    """Starlette routes of the admin surface."""

    async def reset(request: Request) -> Response:
        emulator.reset()
        return JSONResponse({"reset": True, "counts": emulator.store.counts()})

    async def data(request: Request) -> Response:
        return JSONResponse(emulator.export())

    async def counts(request: Request) -> Response:
        return JSONResponse(emulator.store.counts())

    async def snapshot(request: Request) -> Response:
        name = request.path_params["name"]
        return JSONResponse({"name": name, "records": emulator.store.take_snapshot(name)})

    async def diff(request: Request) -> Response:
        against = request.query_params.get("against")
        try:
            return JSONResponse(emulator.diff(request.path_params["name"], against))
        except KeyError:
            return JSONResponse({"error": "unknown snapshot"}, status_code=404)

    async def requests_log(request: Request) -> Response:
        since = int(request.query_params.get("since", "0"))
        return JSONResponse([entry for entry in emulator.request_log if entry["seq"] > since])

    async def counters(request: Request) -> Response:
        return JSONResponse(
            {
                "window_s": emulator.protection.window_s,
                "limits": emulator.config.limits.model_dump(),
                "users": emulator.protection.counters(),
            }
        )

    async def settings(request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse(emulator.config.model_dump(mode="json", exclude={"users", "costs"}))
        try:
            patch = SettingsPatch.model_validate(await request.json())
        except ValidationError as exc:
            return JSONResponse({"error": exc.errors(include_input=False)}, status_code=400)
        return JSONResponse(apply_settings(emulator, patch))

    return [
        Route("/_emulator/reset", reset, methods=["POST"]),
        Route("/_emulator/data", data),
        Route("/_emulator/counts", counts),
        Route("/_emulator/snapshots/{name}", snapshot, methods=["POST"]),
        Route("/_emulator/snapshots/{name}/diff", diff),
        Route("/_emulator/requests", requests_log),
        Route("/_emulator/counters", counters),
        Route("/_emulator/settings", settings, methods=["GET", "PATCH"]),
    ]
