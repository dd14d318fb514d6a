"""Reads the pair's default map (shared.mapping's map format) as the columns it wants written.

The destination proposal then checks these against live metadata; this module only translates:
table and column names to logical names, map column types to destination types, source paths to
the proposer's canonical paths, and a column's value map to canonical value -> option label.
"""

from __future__ import annotations

import re

from shared.mapping.names import is_custom, logical_name
from shared.mapping.proposer.destination import DestinationType, WantedColumn
from shared.mapping.spec import FieldRule, MapSpec, ValueMap

_TYPES: dict[str, DestinationType] = {
    "string": "string", "memo": "memo", "integer": "integer", "decimal": "decimal",
    "money": "money", "datetime": "datetime", "dateonly": "date", "boolean": "boolean",
    "choice": "choice", "multichoice": "multichoice",
}  # fmt: skip
_METHOD = re.compile(r"^primary_contact\((?P<system>[a-z]+)\)$")
_IDENTIFIER = re.compile(r"^(?:identifiers\[system=(?P<a>[^\]]+)\]|identifier\((?P<b>[^)]+)\))")


def canonical_path(map_path: str) -> str:
    """A map source path in the proposer's notation.

    'primary_contact(email)' -> 'contact_points[email]';
    'identifiers[system=gb-nhs].value' -> 'identifiers[gb-nhs].value'.
    """
    if match := _METHOD.match(map_path):
        return f"contact_points[{match['system']}]"
    if match := _IDENTIFIER.match(map_path):
        return f"identifiers[{match['a'] or match['b']}]" + map_path[match.end() :]
    return map_path


def _source(rule: FieldRule) -> str:
    if rule.source is None:
        return "(expression)" if rule.expr is not None else "(constant)"
    first = rule.source[0] if isinstance(rule.source, list) else rule.source
    return canonical_path(first)


def _labels(rule: FieldRule, spec: MapSpec) -> dict[str, str]:
    value_map = rule.value_map
    if isinstance(value_map, str):
        value_map = spec.value_maps.get(value_map)
    if not isinstance(value_map, ValueMap):
        return {}
    return {e.source: str(e.target) for e in value_map.entries if isinstance(e.target, str)}


def wanted_columns(spec: MapSpec, object_kind: str) -> list[WantedColumn]:
    """Every column the map writes from records of `object_kind`, in map order.

    Args:
        spec: A loaded map (`shared.mapping.loader.load_map`).
        object_kind: The canonical object the export holds ('patient').
    """
    wanted = []
    for entry in spec.tables.values():
        if entry.source != object_kind or not entry.enabled or entry.operation == "export":
            continue
        table = logical_name(entry.table, spec.destination)
        for column, rule in entry.fields.items():
            choices = list(rule.options.values()) if rule.options else []
            wanted.append(
                WantedColumn(
                    table=table,
                    column=logical_name(column, spec.destination),
                    type=_TYPES[rule.type],
                    source=_source(rule),
                    choices=choices,
                    labels=_labels(rule, spec),
                    custom=is_custom(column, spec.destination, spec.publisher_prefix),
                )
            )
    return wanted
