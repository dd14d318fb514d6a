"""`$expand` of single-valued lookups and of collection navigation (appointment parties)."""

from __future__ import annotations

from typing import Any

from emulators.dataverse import errors
from emulators.dataverse.http import AnnotationFilter
from emulators.dataverse.metadata.catalog import Catalog
from emulators.dataverse.metadata.model import Table
from emulators.dataverse.odata.options import parse_expand
from emulators.dataverse.reads import Renderer, parse_select
from emulators.dataverse.store import Record, Store

Expansions = dict[str, dict[str, str]]
NO_ANNOTATIONS = AnnotationFilter()


def parse_expansions(catalog: Catalog, table: Table, text: str | None) -> Expansions:
    """Validated `$expand` clauses by navigation property.

    Raises:
        DataverseError: 400 for a navigation property the table does not have.
    """
    expansions = parse_expand(text)
    for name, options in expansions.items():
        if catalog.navigation(table, name) is None and name not in table.collections:
            raise errors.property_not_found(name, table.logical_name)
        target = _target(catalog, table, name)
        parse_select(target, options.get("$select"))
    return expansions


def _target(catalog: Catalog, table: Table, name: str) -> Table:
    if name in table.collections:
        found = catalog.table(table.collections[name][0])
    else:
        navigation = catalog.navigation(table, name)
        found = catalog.table(navigation.target) if navigation else None
    if found is None:
        raise errors.property_not_found(name, table.logical_name)
    return found


def apply_expansions(
    store: Store,
    catalog: Catalog,
    renderer: Renderer,
    table: Table,
    record: Record,
    out: dict[str, Any],
    expansions: Expansions,
) -> None:
    """Adds each expanded navigation property to a rendered record."""
    for name, options in expansions.items():
        target = _target(catalog, table, name)
        select = parse_select(target, options.get("$select"))
        if name in table.collections:
            lookup = table.collections[name][1]
            # `lookup` is a column name from the catalog, never request text.
            sql = (
                "SELECT id, version, body FROM records WHERE entity = ? "  # noqa: S608
                f"AND json_extract(body, '$.{lookup}.id') = ? ORDER BY id"
            )
            rows = store.query(sql, [target.logical_name, record[table.primary_id]])
            out[name] = [
                renderer.render(target, v, body, select, NO_ANNOTATIONS) for _, v, body in rows
            ]
            continue
        navigation = catalog.navigation(table, name)
        assert navigation is not None
        ref = record.get(navigation.column.logical_name)
        polymorphic_miss = (
            isinstance(ref, dict)
            and navigation.column.type != "Owner"
            and (ref.get("type") != navigation.target)
        )
        if not isinstance(ref, dict) or polymorphic_miss:
            out[name] = None
            continue
        found = store.get(ref["type"], ref["id"])
        actual = catalog.table(ref["type"]) or target
        out[name] = (
            None if found is None else renderer.render(actual, *found, select, NO_ANNOTATIONS)
        )
