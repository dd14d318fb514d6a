"""Turns the mapping's `schema_needs()` into the destinations' `SchemaNeeds` vocabulary."""

from __future__ import annotations

from shared.destinations.schema import ChoiceOption, ColumnNeed, ColumnType, SchemaNeeds, TableNeed
from shared.mapping import schema as mapping

TYPES: dict[str, ColumnType] = {"dateonly": "date"}


def column_need(column: mapping.ColumnNeed) -> ColumnNeed:
    """One mapped column; integer option values become `choices`, text ones `values`."""
    choices = [
        ChoiceOption(value=value, label=text)
        for value, text in (column.options or {}).items()
        if isinstance(value, int)
    ]
    values = [str(value) for value in (column.options or {}) if not isinstance(value, int)]
    kind = TYPES.get(column.type, column.type)
    return ColumnNeed(
        name=column.logical_name,
        type=kind,  # type: ignore[arg-type]
        label=column.display_name,
        schema_name=column.schema_name,
        max_length=column.max_length,
        precision=column.precision,
        choices=choices,
        values=values,
        targets=[column.lookup_target] if column.lookup_target else [],
        navigation_property=column.navigation_property,
        relationship=column.relationship,
    )


def needs_from_map(needs: mapping.SchemaNeeds, map_hash: str | None = None) -> SchemaNeeds:
    """Tables the map upserts (tables with no alternate key are only matched, never written)."""
    tables = [
        TableNeed(
            name=table.logical_name,
            custom=table.custom,
            label=table.display_name,
            schema_name=table.schema_name,
            collection=table.entity_set,
            key_column=table.key_column,
            extra_keys=[list(key) for key in table.alternate_keys],
            primary_name_column=table.primary_name_column,
            columns=[column_need(column) for column in table.columns],
        )
        for table in needs.tables
        if table.alternate_keys
    ]
    return SchemaNeeds(map_hash=map_hash, tables=tables)
