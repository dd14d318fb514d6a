"""Server-driven paging cookies and the choice of index for a query."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, unquote

from emulators.dataverse import errors
from emulators.dataverse.http import ApiRequest
from emulators.dataverse.metadata.model import Table
from emulators.dataverse.odata.filter import Compare, Logical, Node, QueryFunction, parse_filter
from emulators.dataverse.store import Store

DEFAULT_PAGE_SIZE = 5000


def records_source(store: Store, table: Table, text: str | None) -> str:
    """`records`, or `records INDEXED BY` a key column's index when the filter pins it.

    Without statistics SQLite prefers the primary key for `ORDER BY id LIMIT n`, which
    scans the whole table; a read-back by source id must be a seek.
    """
    node = parse_filter(text) if text else None
    while isinstance(node, Logical) and node.op == "and":
        node = node.left if _pinned_column(table, node.left) else node.right
    column = _pinned_column(table, node) if node is not None else None
    if column is not None:
        name = f"ix_{table.logical_name}_{column}"
        if name in store.indexes:
            return f'records INDEXED BY "{name}"'
    return "records"


def _pinned_column(table: Table, node: Node) -> str | None:
    """The key column a filter pins: one `eq`, or an `or` list of `eq` on the same column.

    Writers read existing records by an OR-list of source keys; without the index such a read
    scans the whole table in primary-key order, so reads grow with the table.
    """
    if isinstance(node, Logical) and node.op == "or":
        left, right = _pinned_column(table, node.left), _pinned_column(table, node.right)
        return left if left is not None and left == right else None
    if isinstance(node, Compare | QueryFunction) and _pins_key(table, node):
        return _column_name(node.path)
    return None


def _column_name(path: str) -> str:
    return path[1:-6] if path.startswith("_") and path.endswith("_value") else path


def _pins_key(table: Table, node: Node) -> bool:
    """True for `<key column> eq <value of the column's kind>`."""
    if isinstance(node, QueryFunction) and node.name == "In" and node.values:
        value: object = node.values[0].value
    elif isinstance(node, Compare) and node.op == "eq" and node.value.kind != "null":
        value = node.value.value
    else:
        return False
    column = _column_name(node.path)
    target = table.columns.get(column)
    matches_type = target is not None and (
        (target.type in ("String", "Lookup")) == isinstance(value, str)
    )
    return matches_type and any(column in key.key_attributes for key in table.active_keys())


def read_skiptoken(token: str | None) -> tuple[int, str | None]:
    """(rows already served, last primary key served) from a `$skiptoken` paging cookie.

    Like the service's cookie, it carries the last key: pages in primary-key order continue
    after it, so rows inserted meanwhile neither repeat nor shift the next page.

    Raises:
        DataverseError: 400 for a cookie the emulator did not issue.
    """
    if not token:
        return 0, None
    try:
        text = base64.urlsafe_b64decode(unquote(token).split('pagingcookie="')[-1].split('"')[0])
        cookie = json.loads(text)
        last = cookie.get("last")
        return max(int(cookie["offset"]), 0), str(last) if last else None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise errors.bad_request("The paging cookie is not valid.") from None


def next_link(req: ApiRequest, table: Table, offset: int, last: str | None) -> str:
    """`@odata.nextLink`: the same query with a paging cookie for the next page."""
    state = {"offset": offset, "last": last}
    cookie = base64.urlsafe_b64encode(json.dumps(state).encode()).decode()
    page = offset // max(int(req.prefer().get("odata.maxpagesize") or DEFAULT_PAGE_SIZE), 1) + 1
    skiptoken = f'<cookie pagenumber="{page}" pagingcookie="{cookie}" istracking="False" />'
    params = [
        f"{name}={quote(value, safe='$,()/')}"
        for name, value in req.query.items()
        if name != "$skiptoken"
    ]
    params.append(f"$skiptoken={quote(skiptoken, safe='')}")
    return f"{req.service_root}/{table.entity_set_name}?{'&'.join(params)}"
