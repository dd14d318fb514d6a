"""The admin surface under /_emulator: reset, snapshots and diffs, request log, settings, users.

The product never calls it; tests, benchmarks and rollback checks do.
"""

from __future__ import annotations

import json
import random
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulators.salesforce.config import Chaos, Limits, UserPermission

if TYPE_CHECKING:
    from emulators.salesforce.service import Emulator


class SettingsPatch(BaseModel):
    """Runtime-adjustable settings; omitted members keep their value."""

    model_config = ConfigDict(extra="forbid")

    limits: Limits | None = None
    chaos: Chaos | None = None
    time_scale: float | None = None
    bulk_start_delay_s: float | None = None
    audit_fields_org_setting: bool | None = None


class UserPatch(BaseModel):
    """Change a user: deactivate them, or set their user permissions."""

    model_config = ConfigDict(extra="forbid")

    active: bool | None = None
    permissions: list[UserPermission] | None = None


def admin_routes(emulator: Emulator) -> list[Route]:
    """Starlette routes of the admin surface."""

    async def reset(request: Request) -> Response:
        await emulator.bulk.drain()
        emulator.reset()
        return JSONResponse({"reset": True, "counts": emulator.store.counts()})

    async def counts(request: Request) -> Response:
        return JSONResponse(emulator.store.counts())

    async def records(request: Request) -> Response:
        rows = emulator.store.query(
            "SELECT body FROM records WHERE object = ? AND deleted = 0 ORDER BY id",
            [request.path_params["object"]],
        )
        return JSONResponse([json.loads(body) for (body,) in rows])

    async def snapshot(request: Request) -> Response:
        name = request.path_params["name"]
        return JSONResponse({"name": name, "records": emulator.store.take_snapshot(name)})

    async def diff(request: Request) -> Response:
        try:
            result = emulator.diff(request.path_params["name"], request.query_params.get("against"))
        except KeyError:
            return JSONResponse({"error": "unknown snapshot"}, status_code=404)
        return JSONResponse(result)

    async def requests_log(request: Request) -> Response:
        since = int(request.query_params.get("since", "0"))
        return JSONResponse([e for e in emulator.request_log if e["seq"] > since])

    async def usage(request: Request) -> Response:
        if request.method == "DELETE":
            emulator.api_usage = 0
        return JSONResponse(
            {"api_usage": emulator.api_usage, "bulk_records_today": emulator.bulk.records_today}
        )

    async def drain(request: Request) -> Response:
        await emulator.bulk.drain()
        return JSONResponse({"jobs": {j.id: j.state for j in emulator.bulk.jobs.values()}})

    async def settings(request: Request) -> Response:
        config = emulator.config
        if request.method == "PATCH":
            try:
                patch = SettingsPatch.model_validate(await request.json())
            except ValidationError as exc:
                return JSONResponse({"error": exc.errors(include_input=False)}, status_code=400)
            for name in patch.model_fields_set:
                setattr(config, name, getattr(patch, name))
            if patch.chaos is not None:
                emulator.org.rng = random.Random(config.chaos.seed)
        return JSONResponse(config.model_dump(mode="json", exclude={"users", "apps", "data_dir"}))

    async def user(request: Request) -> Response:
        found = emulator.org.user(request.path_params["username"])
        if found is None:
            return JSONResponse({"error": "unknown user"}, status_code=404)
        try:
            patch = UserPatch.model_validate(await request.json())
        except ValidationError as exc:
            return JSONResponse({"error": exc.errors(include_input=False)}, status_code=400)
        if patch.permissions is not None:
            found.permissions = list(patch.permissions)
        if patch.active is not None:
            found.active = patch.active
            user_id = emulator.org.user_ids[found.username.lower()]
            stored = emulator.store.get(user_id)
            assert stored is not None
            with emulator.store.transaction():
                emulator.store.put_many(
                    "User", [(user_id, {**stored[2], "IsActive": patch.active})]
                )
        body: dict[str, Any] = found.model_dump()
        return JSONResponse(body)

    async def expire_tokens(request: Request) -> Response:
        emulator.tokens.expire_all()
        return JSONResponse({"expired": True})

    return [
        Route("/_emulator/reset", reset, methods=["POST"]),
        Route("/_emulator/counts", counts),
        Route("/_emulator/records/{object}", records),
        Route("/_emulator/snapshots/{name}", snapshot, methods=["POST"]),
        Route("/_emulator/snapshots/{name}/diff", diff),
        Route("/_emulator/requests", requests_log),
        Route("/_emulator/usage", usage, methods=["GET", "DELETE"]),
        Route("/_emulator/drain", drain, methods=["POST"]),
        Route("/_emulator/settings", settings, methods=["GET", "PATCH"]),
        Route("/_emulator/users/{username}", user, methods=["PATCH"]),
        Route("/_emulator/tokens", expire_tokens, methods=["DELETE"]),
    ]
