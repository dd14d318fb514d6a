"""Which record each lookup of a written row points at, as a source key, for the field-level diff.

A lookup is sent as a bind by alternate key (`/contacts(new_sourceid='aerona.patient.P1')`) or by
id (`/systemusers(<guid>)`) and read back as `_<column>_value` (a GUID). Turning that GUID back
into the target's source key lets the diff compare like with like, and show the reviewer which
patient an invoice was linked to rather than an opaque id.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from shared.destinations.dataverse.client import DataverseClient
from shared.destinations.dataverse.current import lookup_column
from shared.destinations.dataverse.odata import BIND_SUFFIX, lookup_value_column
from shared.destinations.dataverse.queries import FORMATTED, read_back
from shared.destinations.schema import TableInfo

LOOKUP_TABLE = "Microsoft.Dynamics.CRM.lookuplogicalname"
_KEY_BIND = re.compile(r"^/?[\w]+\((\w+)='((?:[^']|'')*)'\)$")
_ID_BIND = re.compile(r"^/?[\w]+\(([0-9a-fA-F-]{36})\)$")
GUID_TERMS = 50


def bind_target(bind: Any) -> str | None:
    """The key (or lower-case GUID) a bind value names its target by; None for no bind."""
    if not isinstance(bind, str):
        return None
    if match := _KEY_BIND.match(bind):
        return match.group(2).replace("''", "'")
    if match := _ID_BIND.match(bind):
        return match.group(1).lower()
    return None


def bind_by(bind: Any) -> str | None:
    """The alternate-key column a bind names its target by (`productnumber`), if any."""
    match = _KEY_BIND.match(bind) if isinstance(bind, str) else None
    return match.group(1) if match else None


async def bound_keys(
    client: DataverseClient,
    info: TableInfo,
    key_column: str,
    keys: Sequence[str],
    binds: Sequence[str],
    table_info: Callable[[str], Awaitable[TableInfo]],
    by: Mapping[str, str] | None = None,
) -> dict[str, dict[str, str | None]]:
    """Per source key, per bind name (`nav@odata.bind`): the bound record's key or GUID.

    The bound record is named by its source-key column, or by the alternate key the bind was
    sent with (`by`: bind name -> column, e.g. a product bound by `productnumber`).
    """
    by = by or {}
    columns: dict[str, str] = {}
    for bind in binds:
        column = lookup_column(bind.removesuffix(BIND_SUFFIX), info)
        if column is not None:
            columns[bind] = lookup_value_column(column)
    rows = await read_back(client, info, key_column, keys, sorted(set(columns.values())))
    wanted: dict[tuple[str, str], set[str]] = defaultdict(set)  # (table, name column) -> ids
    for row in rows.values():
        for bind, value_column in columns.items():
            guid, target = row.get(value_column), row.get(f"{value_column}@{LOOKUP_TABLE}")
            if guid and target:
                wanted[(str(target), by.get(bind, key_column))].add(str(guid).lower())
    names: dict[str, dict[str, str]] = defaultdict(dict)  # name column -> id -> name
    for (target, column), guids in wanted.items():
        names[column].update(await _source_keys(client, await table_info(target), column, guids))
    return {
        key: {
            bind: _named(row.get(value_column), names[by.get(bind, key_column)])
            for bind, value_column in columns.items()
        }
        for key, row in rows.items()
    }


def _named(guid: Any, names: Mapping[str, str]) -> str | None:
    if not guid:
        return None
    return names.get(str(guid).lower(), str(guid).lower())


async def _source_keys(
    client: DataverseClient, info: TableInfo, key_column: str, guids: set[str]
) -> dict[str, str]:
    if key_column not in info.columns:
        return {}
    ordered = sorted(guids)
    found: dict[str, str] = {}
    for start in range(0, len(ordered), GUID_TERMS):
        chunk = ordered[start : start + GUID_TERMS]
        condition = " or ".join(f"{info.primary_id} eq {guid}" for guid in chunk)
        for row in await client.get_all(
            info.collection,
            {"$select": f"{info.primary_id},{key_column}", "$filter": condition},
            annotations=FORMATTED,
        ):
            if row.get(key_column):
                found[str(row[info.primary_id]).lower()] = str(row[key_column])
    return found
