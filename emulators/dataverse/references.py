"""Resolves record references: key segments and `@odata.bind` values to record ids."""

from __future__ import annotations

import json
import re
from typing import Any

from emulators.dataverse import errors
from emulators.dataverse.metadata.catalog import Catalog
from emulators.dataverse.metadata.model import LOOKUP_TYPES, AlternateKey, Table
from emulators.dataverse.odata.keys import KeyValue, parse_key, split_segment
from emulators.dataverse.store import Record, Store

_API_PREFIX = re.compile(r"^.*?/api/data/v9\.\d+/")


def key_value_text(values: list[Any]) -> str:
    """The indexed text of a key's values; strings compare case-insensitively, as in SQL Server."""
    return json.dumps([v.casefold() if isinstance(v, str) else v for v in values])


def record_key_values(table: Table, record: Record) -> dict[str, str]:
    """Indexed text of every active key whose columns are all set on `record`."""
    out: dict[str, str] = {}
    for key in table.active_keys():
        values = [_key_part(table, record, name) for name in key.key_attributes]
        if all(v is not None for v in values):
            out[key.logical_name] = key_value_text(values)
    return out


def _key_part(table: Table, record: Record, name: str) -> Any:
    value = record.get(name)
    column = table.columns.get(name)
    if column is not None and column.type in LOOKUP_TYPES and isinstance(value, dict):
        return value.get("id")
    return value


def match_key(table: Table, key: dict[str, KeyValue]) -> AlternateKey | None:
    """The active key with exactly these columns (lookup columns may use `_x_value`)."""
    names = {_column_name(name) for name in key}
    for candidate in table.active_keys():
        if set(candidate.key_attributes) == names and len(names) == len(key):
            return candidate
    return None


def _column_name(name: str) -> str:
    if name.startswith("_") and name.endswith("_value"):
        return name[1:-6]
    return name


class References:
    """Finds records by id or alternate key for URLs and binds."""

    def __init__(self, store: Store, catalog: Catalog) -> None:
        self.store = store
        self.catalog = catalog

    def by_key(self, table: Table, key: dict[str, KeyValue]) -> str | None:
        """Id of the record matching an alternate key, or None.

        Raises:
            DataverseError: 400 when the columns are not a declared, active key.
        """
        if len(key) == 1 and table.primary_id in key:
            value = key[table.primary_id]
            return (
                value
                if isinstance(value, str) and self.store.exists(table.logical_name, value)
                else None
            )
        declared = match_key(table, key)
        if declared is None:
            raise errors.invalid_key(table.logical_name)
        values = [key[n] if n in key else key[f"_{n}_value"] for n in declared.key_attributes]
        return self.store.key_owner(
            table.logical_name, declared.logical_name, key_value_text(values)
        )

    def key_columns(self, table: Table, key: dict[str, KeyValue]) -> dict[str, Any]:
        """Key-segment values as column values (lookups become {id, type})."""
        out: dict[str, Any] = {}
        for name, value in key.items():
            column_name = _column_name(name)
            column = table.columns.get(column_name)
            if column is not None and column.type in LOOKUP_TYPES:
                out[column_name] = {"id": value, "type": column.targets[0]}
            else:
                out[column_name] = value
        return out

    def resolve_bind(self, table: Table, nav: str, value: Any) -> dict[str, str] | None:
        """The stored lookup value for `<nav>@odata.bind: <value>`.

        Raises:
            DataverseError: 400 for an undeclared navigation property or a wrong target,
                404 when the referenced record does not exist.
        """
        navigation = self.catalog.navigation(table, nav)
        if navigation is None:
            raise errors.undeclared_property(nav, table.entity_set_name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise errors.bad_request(
                "The @odata.bind value must be a string URL.", errors.PAYLOAD_ERROR
            )
        path = _API_PREFIX.sub("", value).lstrip("/")
        set_name, key_text = split_segment(path)
        target = self.catalog.by_entity_set(set_name)
        allowed = [navigation.target]
        if navigation.column.type == "Owner":
            allowed = navigation.column.targets
        if target.logical_name not in allowed or key_text is None:
            raise errors.bad_request(
                "An error occurred while validating input parameters: "
                "Microsoft.OData.ODataException: A resource with type "
                f"'Microsoft.Dynamics.CRM.{target.logical_name}' was found, but it is not "
                f"assignable to the expected type 'Microsoft.Dynamics.CRM.{navigation.target}'.",
            )
        key = parse_key(key_text)
        if isinstance(key, str):
            if not self.store.exists(target.logical_name, key):
                raise errors.DataverseError(
                    404,
                    errors.OBJECT_DOES_NOT_EXIST,
                    f"{target.logical_name} With Id = {key} Does Not Exist",
                )
            return {"id": key, "type": target.logical_name}
        found = self.by_key(target, key)
        if found is None:
            raise errors.DataverseError(
                404,
                errors.OBJECT_DOES_NOT_EXIST,
                f"A record with the specified key values does not exist in {target.logical_name} "
                "entity",
            )
        return {"id": found, "type": target.logical_name}
