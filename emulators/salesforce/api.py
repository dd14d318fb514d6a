"""What a REST handler gets and returns, and sObject JSON <-> record inputs."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from emulators.salesforce.catalog import ObjectDef
from emulators.salesforce.dml import Outcome, RefInput, RowInput
from emulators.salesforce.errors import bad_request, not_found
from emulators.salesforce.org import Caller, Org


@dataclass
class ApiCall:
    """One request to the REST API, already authenticated."""

    method: str
    path: str
    version: str
    query: dict[str, str]
    body: bytes
    content_type: str
    caller: Caller
    origin: str

    def json(self) -> Any:
        """The body as JSON; 400 JSON_PARSER_ERROR when it is not."""
        try:
            return json.loads(self.body or b"null")
        except ValueError as exc:
            raise bad_request("JSON_PARSER_ERROR", "Unexpected character in the body") from exc


@dataclass
class Reply:
    """A handler's answer: JSON value, or text/bytes with a content type."""

    status: int
    body: Any = None
    content_type: str = "application/json;charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[ApiCall, re.Match[str]], Awaitable[Reply]]


def row_input(values: dict[str, Any]) -> RowInput:
    """A JSON sObject (nested relationship objects allowed) as a RowInput."""
    plain: dict[str, Any] = {}
    refs: list[RefInput] = []
    for name, value in values.items():
        if name == "attributes":
            continue
        if isinstance(value, dict):
            parent_type = (value.get("attributes") or {}).get("type")
            for ext, key in value.items():
                if ext != "attributes":
                    refs.append(RefInput(name, ext, key, parent_type))
        else:
            plain[name] = value
    return RowInput(plain, refs)


def save_result(outcome: Outcome, *, with_created: bool = False) -> dict[str, Any]:
    """A SaveResult / UpsertResult item of sObject Collections."""
    item: dict[str, Any] = {"id": outcome.id, "success": outcome.error is None}
    item["errors"] = [] if outcome.error is None else [outcome.error.rest()]
    if with_created:
        item["created"] = outcome.created
    return item


def visible_object(org: Org, call: ApiCall, name: str) -> ObjectDef:
    """The object the caller names; 404 NOT_FOUND when unknown or not visible to them."""
    obj = org.object(name, call.caller)
    if obj is None:
        raise not_found(f"The requested resource does not exist: {name}")
    return obj
