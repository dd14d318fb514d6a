"""What already exists for a chunk: ids, current values (before-images) and the ids of lookups.

One query per 50 keys reads the records of a chunk that exist, with the current values of the
columns about to be written and the target table of each lookup. From that the writer learns
which records are new, which are unchanged (every column and lookup equal, lookups bound by
alternate key resolved to ids), and what to keep for rollback.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from shared.destinations.base import RecordResult
from shared.destinations.dataverse.behaviours import TableBehaviour
from shared.destinations.dataverse.client import ClientStats, DataverseClient
from shared.destinations.dataverse.odata import (
    is_bind,
    key_url,
    lookup_value_column,
    or_filters,
    same_value,
)
from shared.destinations.schema import TableInfo

CREATE_ONLY = frozenset({"overriddencreatedon", "importsequencenumber"})
LOOKUP_TABLE = "Microsoft.Dynamics.CRM.lookuplogicalname"
GUID_IN_BIND = re.compile(r"\(([0-9a-fA-F-]{36})\)$")
KEY_BIND = re.compile(r"^/?(?P<set>[A-Za-z_]\w*)\((?P<col>[A-Za-z_]\w*)='(?P<val>(?:[^']|'')*)'\)$")
Describe = Callable[[str], Awaitable[TableInfo]]


@dataclass(frozen=True)
class TableTarget:
    """What the writer needs to know about a table (from `describe`)."""

    info: TableInfo
    key_column: str
    run_column: str | None = None
    bulk: bool = True


@dataclass
class Item:
    """One record on its way: its position in the call, key, payload and current row."""

    index: int
    key: str
    record: dict[str, Any]
    existing: dict[str, Any] | None = None
    result: RecordResult | None = field(default=None)


def lookup_column(nav: str, info: TableInfo) -> str | None:
    """The lookup column behind a navigation property (`parentcustomerid_contact` -> ...)."""
    name = nav.lower()
    for column in info.columns.values():
        if column.type != "lookup":
            continue
        if name == column.name or any(
            name.startswith(f"{column.name}_{target}") for target in column.targets
        ):
            return column.name
    return None


class CurrentRecords:
    """Reads and compares the stored side of one table's chunks for one write call."""

    def __init__(
        self,
        client: DataverseClient,
        target: TableTarget,
        behaviour: TableBehaviour,
        describe: Describe,
        stats: ClientStats,
    ) -> None:
        self.client = client
        self.target = target
        self.info = target.info
        self.behaviour = behaviour
        self.describe = describe
        self.stats = stats
        self._bind_ids: dict[str, str] = {}

    def read_columns(self, items: list[Item]) -> list[str]:
        """Columns (and lookup value columns) the chunk is about to write."""
        wanted: set[str] = set(self.behaviour.extra_select)
        for item in items:
            for name in self.behaviour.update_payload(item.record):
                if is_bind(name):
                    column = lookup_column(name.split("@", 1)[0], self.info)
                    if column:
                        wanted.add(lookup_value_column(column))
                elif name in self.info.columns and name not in CREATE_ONLY:
                    wanted.add(name)
        wanted.discard(self.target.key_column)
        return sorted(wanted)

    async def load(self, items: list[Item]) -> None:
        """Set `existing` on every item: its stored row, or None when the key is new."""
        if not items:
            return
        select = [self.info.primary_id, self.target.key_column, *self.read_columns(items)]
        pages = await asyncio.gather(
            *(
                self.client.get_all(
                    self.info.collection,
                    {"$select": ",".join(select), "$filter": condition},
                    annotations=LOOKUP_TABLE,
                    stats=self.stats,
                )
                for condition in or_filters(self.target.key_column, [item.key for item in items])
            )
        )
        found = {str(row.get(self.target.key_column)): row for rows in pages for row in rows}
        for item in items:
            item.existing = found.get(item.key)

    def current_id(self, item: Item) -> str:
        """The stored record's primary id."""
        return str((item.existing or {})[self.info.primary_id])

    def unchanged(self, item: Item) -> bool:
        """True when every column, lookup and state we would send equals what is stored."""
        current = item.existing or {}
        if not self.columns_unchanged(item):
            return False
        for name, value in self.behaviour.update_payload(item.record).items():
            if not is_bind(name):
                continue
            column = lookup_column(name.split("@", 1)[0], self.info)
            found = GUID_IN_BIND.search(str(value or ""))
            guid = found.group(1) if found else self._bind_ids.get(str(value))
            stored = str(current.get(lookup_value_column(column or "?")) or "")
            if column is None or guid is None or guid.lower() != stored.lower():
                return False
        return self.behaviour.same_state(item.record, current)

    def columns_unchanged(self, item: Item) -> bool:
        """True when every plain column we would send equals what is stored."""
        current = item.existing or {}
        for name, value in self.behaviour.update_payload(item.record).items():
            if name == self.target.key_column or name in CREATE_ONLY or is_bind(name):
                continue
            if not self._stored_equals(name, value, current):
                return False
        return True

    async def resolve_key_binds(self, items: list[Item]) -> None:
        """Ids behind `/<set>(<key>='...')` binds, so an unchanged lookup is seen as unchanged."""
        wanted: dict[tuple[str, str, str], set[str]] = {}
        for item in items:
            for name, value in self.behaviour.update_payload(item.record).items():
                match = KEY_BIND.match(str(value)) if is_bind(name) and value else None
                column = lookup_column(name.split("@", 1)[0], self.info) if match else None
                if match is None or column is None or str(value) in self._bind_ids:
                    continue
                target = await self._target_of(match["set"], self.info.columns[column].targets)
                if target is not None:
                    group = (match["set"], match["col"], target.primary_id)
                    wanted.setdefault(group, set()).add(match["val"].replace("''", "'"))
        for (collection, key_column, primary_id), values in wanted.items():
            for condition in or_filters(key_column, sorted(values)):
                rows = await self.client.get_all(
                    collection,
                    {"$select": f"{primary_id},{key_column}", "$filter": condition},
                    stats=self.stats,
                )
                for row in rows:
                    bind = "/" + key_url(collection, key_column, row[key_column])
                    self._bind_ids[bind] = str(row[primary_id])
                    self._bind_ids[bind[1:]] = str(row[primary_id])

    async def _target_of(self, collection: str, targets: list[str]) -> TableInfo | None:
        for table in targets:
            info = await self.describe(table)
            if info.collection == collection:
                return info
        return None

    def _stored_equals(self, name: str, value: Any, current: dict[str, Any]) -> bool:
        if "@" in name or name.startswith("_") or isinstance(value, list | dict):
            return False  # annotations, internal marks and deep inserts always count as changes
        return name in self.info.columns and same_value(value, current.get(name))

    async def image(self, item: Item) -> dict[str, Any]:
        """The before-image: stored values of the columns and lookups about to change."""
        current = item.existing or {}
        values: dict[str, Any] = {}
        for name in self.behaviour.update_payload(item.record):
            if is_bind(name):
                column = lookup_column(name.split("@", 1)[0], self.info)
                if column is None:
                    continue
                guid = current.get(lookup_value_column(column))
                targets = self.info.columns[column].targets
                table = current.get(f"{lookup_value_column(column)}@{LOOKUP_TABLE}") or (
                    targets[0] if len(targets) == 1 else None
                )
                if guid and table:
                    collection = (await self.describe(str(table))).collection
                    values[name] = f"/{collection}({guid})"
                elif not guid:
                    values[name] = None
            elif name in self.info.columns and name not in {*CREATE_ONLY, self.target.key_column}:
                values[name] = current.get(name)
        for name in self.behaviour.extra_select:
            values[name] = current.get(name)
        return values
