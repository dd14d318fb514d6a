"""The ASGI app: Entra token endpoints, the Web API under /api/data/v9.x and the admin surface."""

from __future__ import annotations

import asyncio
import base64
import re
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from emulators.dataverse import errors
from emulators.dataverse.admin import admin_routes
from emulators.dataverse.errors import DataverseError
from emulators.dataverse.http import ApiRequest, ApiResponse, error_response
from emulators.dataverse.service import Emulator
from emulators.dataverse.writes import Caller

_BYPASS_HEADERS = (
    "mscrm.bypassbusinesslogicexecution",
    "mscrm.bypassbusinesslogicexecutionstepids",
    "mscrm.bypasscustompluginexecution",
)
_API_PATH = re.compile(r"^/api/data/(?P<version>v9\.\d+)(?:/(?P<rest>.*))?$")


def _origin(scope: Scope, headers: dict[str, str]) -> str:
    host = headers.get("host") or "{}:{}".format(*scope["server"])
    return f"{scope.get('scheme', 'http')}://{host}"


class WebApi:
    """Raw ASGI endpoint for /api/data: auth, chaos, service protection, dispatch, latency."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        body = bytearray()
        while True:
            message = await receive()
            body.extend(message.get("body", b""))
            if not message.get("more_body"):
                break
        match = _API_PATH.match(scope["path"])
        origin = _origin(scope, headers)
        if match is None:
            await _send(send, error_response(errors.resource_not_found(scope["path"])))
            return
        query = dict(
            parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        )
        req = ApiRequest(
            method=scope["method"].upper(),
            path=match.group("rest") or "",
            query=query,
            headers=headers,
            body=bytes(body),
            service_root=f"{origin}/api/data/{match.group('version')}",
        )
        response, drop = await self.process(req, origin)
        if drop:
            await _drop(send, response)
            return
        await _send(send, response)

    async def process(self, req: ApiRequest, origin: str) -> tuple[ApiResponse, bool]:
        """Runs one request through auth, chaos and throttling; True means drop the connection."""
        emulator = self.emulator
        config = emulator.config
        try:
            user = emulator.tokens.verify(
                req.header("authorization"), f"{origin}/{config.tenant_id}"
            )
        except DataverseError as error:
            return error_response(error), False
        if emulator.user_disabled(user.user_id):
            disabled = DataverseError(
                400,
                errors.USER_DISABLED,
                f"The user with SystemUserId={user.user_id} in OrganizationContext="
                f"{emulator.settings.organization_id} is disabled",
            )
            return self._finish(user.user_id, error_response(disabled)), False
        bypass = [h for h in _BYPASS_HEADERS if req.header(h)]
        if bypass and not user.can_bypass_logic:
            privilege = (
                "prvBypassCustomPlugins"
                if "mscrm.bypasscustompluginexecution" in bypass
                else ("prvBypassCustomBusinessLogic")
            )
            denied = DataverseError(
                403,
                errors.PRIVILEGE_DENIED,
                f"Principal user (Id={user.user_id}, type=8) is missing {privilege} privilege.",
            )
            return self._finish(user.user_id, error_response(denied)), False
        chaos = config.chaos
        if chaos.active:
            injected = await self._chaos_before(req)
            if injected is not None:
                emulator.log_request(user.user_id, req, injected)
                return self._finish(user.user_id, injected), False
        try:
            emulator.protection.admit(user.user_id)
        except DataverseError as error:
            throttled = error_response(error, req.wants_annotations())
            throttled.operation = "throttled"
            emulator.log_request(user.user_id, req, throttled)
            return self._finish(user.user_id, throttled), False
        cost_ms = 0.0
        try:
            response = emulator.dispatch(req, Caller(user.user_id, req.headers))
            cost_ms = response.cost_ms
            if config.simulate_latency and config.time_scale > 0:
                await asyncio.sleep(cost_ms / 1000 * config.time_scale)
        finally:
            emulator.protection.release(user.user_id, cost_ms)
        emulator.log_request(user.user_id, req, response)
        drop = chaos.rate_drop > 0 and self.emulator.chaos_random.random() < chaos.rate_drop
        return self._finish(user.user_id, response), drop

    async def _chaos_before(self, req: ApiRequest) -> ApiResponse | None:
        chaos = self.emulator.config.chaos
        roll = self.emulator.chaos_random.random()
        if roll < chaos.rate_429:
            error = DataverseError(
                429,
                errors.REQUESTS_LIMIT,
                "Number of requests exceeded the limit of 6000 over time window of 300 seconds.",
                {"Retry-After": "1"},
            )
            injected = error_response(error)
            injected.operation = "chaos_429"
            return injected
        if roll < chaos.rate_429 + chaos.rate_5xx:
            status = self.emulator.chaos_random.choice((500, 502, 503, 504))
            error = DataverseError(status, "0x80040216", "An unexpected error occurred.")
            injected = error_response(error)
            injected.operation = "chaos_5xx"
            return injected
        if roll < chaos.rate_429 + chaos.rate_5xx + chaos.rate_slow:
            await asyncio.sleep(chaos.slow_ms / 1000)
        return None

    def _finish(self, user: str, response: ApiResponse) -> ApiResponse:
        response.headers.setdefault("OData-Version", "4.0")
        response.headers["x-ms-dop-hint"] = str(self.emulator.config.dop_hint)
        response.headers["x-ms-service-request-id"] = f"{self.emulator._sequence:08d}-emulator"
        response.headers.update(self.emulator.protection.headers(user))
        return response


async def _send(send: Send, response: ApiResponse) -> None:
    payload = response.encoded_body()
    headers = [
        (k.encode("latin-1"), v.encode("latin-1"))
        for k, v in response.headers.items()
        if k.lower() != "content-type"
    ]
    content_type = response.content_type()
    if content_type:
        headers.append((b"content-type", content_type.encode("latin-1")))
    headers.append((b"content-length", str(len(payload)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def _drop(send: Send, response: ApiResponse) -> None:
    """Starts the response and stops half-way: the server then closes the connection."""
    payload = response.encoded_body() or b"{}"
    headers = [(b"content-length", str(len(payload) + 64).encode())]
    # 204/304 cannot carry a body to cut short, so the broken answer starts as a 200.
    status = 200 if response.status in (204, 304) else response.status
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send(
        {"type": "http.response.body", "body": payload[: len(payload) // 2], "more_body": True}
    )


def build_app(emulator: Emulator) -> Starlette:
    """The Starlette app for one emulator instance."""
    web_api = WebApi(emulator)

    async def discovery(request: Request) -> Response:
        origin = f"{request.url.scheme}://{request.url.netloc}"
        tenant = request.path_params["tenant"]
        return JSONResponse(emulator.tokens.discovery(origin, tenant))

    async def token(request: Request) -> Response:
        # Parsed by hand: urlencoded forms need no python-multipart.
        form = dict(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))
        basic = None
        auth = request.headers.get("authorization", "")
        if auth.startswith("Basic "):
            user, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            basic = (user, secret)
        status, body = emulator.tokens.issue(form, basic)
        return JSONResponse(body, status_code=status)

    async def root(request: Request) -> Response:
        return JSONResponse(
            {
                "service": "ClinicFerry Dataverse emulator",
                "api": f"{request.url.scheme}://{request.url.netloc}/api/data/v9.2/",
            }
        )

    routes = [
        Route("/", root),
        Route("/{tenant}/v2.0/.well-known/openid-configuration", discovery),
        Route("/{tenant}/.well-known/openid-configuration", discovery),
        Route("/{tenant}/oauth2/v2.0/token", token, methods=["POST"]),
        *admin_routes(emulator),
        Route("/api/data/{rest:path}", web_api, methods=["GET", "POST", "PATCH", "PUT", "DELETE"]),
    ]
    return Starlette(routes=routes)
