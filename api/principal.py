"""Who is calling: the Entra ID principal App Service authentication puts in the request headers.

App Service strips these headers from outside requests and sets them itself, so they can be
trusted when authentication is on. `Migration.Operator` starts, cancels and rolls back runs;
`Migration.Approver` confirms maps and signs off samples. Reading a run (status, proposal,
reports, report links) needs either role: the reports carry patient values, so a signed-in user
with neither role of this app gets 403, never the data.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass, field
from typing import Literal

import azure.functions as func

from api.responses import error

Role = Literal["Migration.Operator", "Migration.Approver"]
READER_ROLES: tuple[Role, ...] = ("Migration.Operator", "Migration.Approver")
PRINCIPAL_HEADER = "x-ms-client-principal"
REQUIRE_PRINCIPAL_SETTING = "CLINICFERRY_REQUIRE_PRINCIPAL"


@dataclass(frozen=True)
class Principal:
    """The caller: a display name for the audit trail and the app roles it holds."""

    name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    authenticated: bool = False


class Forbidden(Exception):
    """The caller lacks the role an endpoint requires (HTTP 403)."""


class Unauthenticated(Exception):
    """A principal is required and none (or a malformed one) was presented (HTTP 401)."""


def _decode(header: str) -> Principal:
    try:
        payload = json.loads(base64.b64decode(header, validate=True))
    except (binascii.Error, ValueError) as error:
        raise Unauthenticated("malformed client principal header") from error
    role_type = payload.get("role_typ") or "roles"
    name_type = payload.get("name_typ") or "name"
    claims = payload.get("claims") or []
    roles = frozenset(c.get("val", "") for c in claims if c.get("typ") in (role_type, "roles"))
    name = next((c.get("val") for c in claims if c.get("typ") == name_type), None)
    return Principal(name=name or "unknown-principal", roles=roles, authenticated=True)


def principal_of(req: func.HttpRequest) -> Principal:
    """The caller's principal; with authentication off, a function-key caller with every role."""
    header = req.headers.get(PRINCIPAL_HEADER)
    if header:
        return _decode(header)
    if os.environ.get(REQUIRE_PRINCIPAL_SETTING, "").lower() == "true":
        raise Unauthenticated("this endpoint requires an Entra ID sign-in")
    return Principal(name="function-key", roles=frozenset({"Migration.Operator",
                                                          "Migration.Approver"}))  # fmt: skip


def require_role(req: func.HttpRequest, role: Role | tuple[Role, ...]) -> Principal:
    """The caller's principal if it holds `role` (or one of several), else Forbidden."""
    wanted = (role,) if isinstance(role, str) else role
    principal = principal_of(req)
    if principal.roles.isdisjoint(wanted):
        raise Forbidden(f"requires the {' or '.join(wanted)} role")
    return principal


def check_roles(req: func.HttpRequest, roles: Role | tuple[Role, ...]) -> func.HttpResponse | None:
    """None when the caller holds one of `roles`, else the 401 or 403 response to return."""
    try:
        require_role(req, roles)
    except Unauthenticated as exc:
        return error(401, str(exc))
    except Forbidden as exc:
        return error(403, str(exc))
    return None
