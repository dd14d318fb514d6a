"""The ASGI app: the OAuth token endpoint, the REST API under /services/data and the admin
surface, with API usage counting (Sforce-Limit-Info), the daily limit and chaos."""

from __future__ import annotations

import gzip
import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulators.salesforce.admin import admin_routes
from emulators.salesforce.api import ApiCall, Reply
from emulators.salesforce.auth import OAuthError
from emulators.salesforce.errors import SalesforceError
from emulators.salesforce.service import Emulator

_DATA_PATH = re.compile(r"^/services/data/v(?P<version>\d+\.\d)(?:/(?P<rest>.*))?$")


def _origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"


def _json(body: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")),
        status,
        headers=headers,
        media_type="application/json;charset=UTF-8",
    )


def build_app(emulator: Emulator) -> Starlette:
    """The Starlette app serving one emulator."""

    async def token(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode("utf-8")))
        try:
            body = emulator.tokens.issue(
                form, request.headers.get("authorization"), _origin(request)
            )
        except OAuthError as exc:
            emulator.log("POST", "/services/oauth2/token", exc.status, None)
            return JSONResponse(
                {"error": exc.error, "error_description": exc.description}, status_code=exc.status
            )
        emulator.log("POST", "/services/oauth2/token", 200, None)
        return JSONResponse(body)

    async def versions(request: Request) -> Response:
        return _json(
            [
                {"label": f"v{v}", "url": f"/services/data/v{v}", "version": v}
                for v in emulator.config.api_versions
            ],
            200,
        )

    async def data(request: Request) -> Response:
        match = _DATA_PATH.match(request.url.path)
        if match is None:
            return _json(
                SalesforceError(404, "NOT_FOUND", "The requested resource does not exist").body(),
                404,
            )
        user = None
        try:
            caller = emulator.tokens.authenticate(request.headers.get("authorization"))
            user = caller.user.username
            limit = emulator.config.limits.daily_api_requests
            if emulator.api_usage >= limit:
                raise SalesforceError(
                    403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."
                )
            emulator.api_usage += 1
            emulator.rest.usage = emulator.api_usage
            chaos = emulator.config.chaos
            if chaos.rate_5xx and emulator.org.rng.random() < chaos.rate_5xx:
                raise SalesforceError(
                    503,
                    "SERVER_UNAVAILABLE",
                    "Service temporarily unavailable",
                    headers={"Retry-After": str(chaos.retry_after_s)},
                )
            body = await request.body()
            if request.headers.get("content-encoding") == "gzip":
                body = gzip.decompress(body)
            call = ApiCall(
                method=request.method,
                path=match["rest"] or "",
                version=match["version"],
                query=dict(request.query_params),
                body=body,
                content_type=request.headers.get("content-type", ""),
                caller=caller,
                origin=_origin(request),
            )
            reply = await emulator.rest.dispatch(call)
        except SalesforceError as exc:
            reply = Reply(exc.status, exc.body(), headers=exc.headers)
        emulator.log(request.method, request.url.path, reply.status, user)
        headers = {**reply.headers}
        if user is not None:
            headers["Sforce-Limit-Info"] = (
                f"api-usage={emulator.api_usage}/{emulator.config.limits.daily_api_requests}"
            )
        return _render(reply, headers, request.headers.get("accept-encoding", ""))

    routes = [
        Route("/services/oauth2/token", token, methods=["POST"]),
        Route("/services/data", versions, methods=["GET"]),
        Route("/services/data/", versions, methods=["GET"]),
        Route(
            "/services/data/{path:path}", data, methods=["GET", "POST", "PATCH", "PUT", "DELETE"]
        ),
        *admin_routes(emulator),
    ]
    return Starlette(routes=routes)


def _render(reply: Reply, headers: dict[str, str], accept_encoding: str) -> Response:
    if reply.status == 204 or (reply.body is None and reply.status == 201):
        return Response(status_code=reply.status, headers=headers)
    if isinstance(reply.body, bytes | str):
        content = reply.body.encode() if isinstance(reply.body, str) else reply.body
        if "gzip" in accept_encoding and reply.content_type == "text/csv":
            content = gzip.compress(content, compresslevel=1)
            headers["Content-Encoding"] = "gzip"
        return Response(content, reply.status, headers=headers, media_type=reply.content_type)
    return _json(reply.body, reply.status, headers)
