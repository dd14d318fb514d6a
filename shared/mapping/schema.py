"""What a map needs from the destination: tables, columns, option sets, lookups and keys.

The destination's schema planner diffs this against live metadata (Dataverse EntityDefinitions,
Salesforce describe) and creates what is missing. Several entries of a map can write the same
table (patients and guarantors both become contacts); their needs are merged per table.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.mapping.names import (
    DATAVERSE_STANDARD,
    display_name,
    entity_set_name,
    is_custom,
    logical_name,
)
from shared.mapping.spec import ChoiceValue, ColumnType, FieldRule, LookupRule, MapSpec, TableSpec

NeedType = ColumnType | Literal["lookup"]


class ColumnNeed(BaseModel):
    """One column the map writes, with what it takes to create it if it is custom."""

    model_config = ConfigDict(frozen=True)

    logical_name: str
    schema_name: str
    display_name: str
    type: NeedType
    custom: bool
    max_length: int | None = None
    precision: int | None = None
    options: dict[ChoiceValue, str] | None = None
    lookup_target: str | None = None
    relationship: str | None = None
    navigation_property: str | None = None
    is_key: bool = False
    provenance: bool = False
    reference: str | None = None


class TableNeed(BaseModel):
    """One destination table: standard (must exist) or custom (to be created)."""

    logical_name: str
    schema_name: str
    entity_set: str | None
    custom: bool
    display_name: str
    primary_name_column: str | None
    key_column: str
    alternate_keys: list[list[str]] = Field(default_factory=list)
    provenance_columns: list[str] = Field(default_factory=list)
    columns: list[ColumnNeed] = Field(default_factory=list)
    entries: list[str] = Field(default_factory=list)
    has_notes: bool = False
    has_activities: bool = False

    def column(self, name: str) -> ColumnNeed | None:
        """The column with this logical name, if the map writes it."""
        return next((c for c in self.columns if c.logical_name == name), None)


class SchemaNeeds(BaseModel):
    """Everything a map needs from its destination, per table."""

    destination: str
    publisher_prefix: str
    tables: list[TableNeed]
    max_attachment_bytes: int | None = None

    def table(self, logical: str) -> TableNeed:
        """The need for one table by logical name (KeyError when the map does not write it)."""
        for table in self.tables:
            if table.logical_name == logical:
                return table
        raise KeyError(logical)

    @property
    def custom_table_count(self) -> int:
        """How many custom tables the map creates (Sales Professional allows 15)."""
        return sum(1 for t in self.tables if t.custom)


def lookup_column(nav: str, rule: LookupRule, spec: MapSpec) -> str:
    """The lookup's column: given, else derived from the navigation/relationship name."""
    if rule.column:
        return logical_name(rule.column, spec.destination)
    if spec.destination == "salesforce":
        return nav[:-3] + "__c" if nav.endswith("__r") else nav + "Id"
    return nav.lower()


def schema_needs(spec: MapSpec) -> SchemaNeeds:
    """List what the map's enabled, written entries need from the destination.

    Args:
        spec: a loaded (layered, option-resolved) map.

    Returns:
        Per table: names, custom flag, key and provenance columns and every column written.
    """
    tables: dict[str, TableNeed] = {}
    by_keys: dict[str, set[str]] = {}
    max_bytes: int | None = None
    for entry_name, entry in spec.tables.items():
        if not entry.enabled or entry.operation == "export":
            continue
        need = tables.get(logical_name(entry.table, spec.destination))
        if need is None:
            need = _table_need(entry, spec)
            tables[need.logical_name] = need
        need.entries.append(entry_name)
        for column in _entry_columns(entry, spec):
            if need.column(column.logical_name) is None:
                need.columns.append(column)
        for rule in entry.lookups.values():
            for candidate in rule.all_candidates():
                if candidate.by and candidate.to and candidate.to in spec.tables:
                    target = logical_name(spec.tables[candidate.to].table, spec.destination)
                    by_keys.setdefault(target, set()).add(candidate.by)
        if entry.attachment is not None:
            max_bytes = max(max_bytes or 0, entry.attachment.max_bytes)
    _mark_notes_and_activities(spec, tables)
    for table_name, key_columns in by_keys.items():
        if table_name in tables:
            for key_column in sorted(key_columns):
                if [key_column] not in tables[table_name].alternate_keys:
                    tables[table_name].alternate_keys.append([key_column])
    return SchemaNeeds(
        destination=spec.destination,
        publisher_prefix=spec.publisher_prefix,
        tables=list(tables.values()),
        max_attachment_bytes=max_bytes,
    )


def _mark_notes_and_activities(spec: MapSpec, tables: dict[str, TableNeed]) -> None:
    """Tables that notes attach to need HasNotes; activities' regarding targets HasActivities."""
    for entry in spec.tables.values():
        kind = logical_name(entry.table, spec.destination)
        if not entry.enabled or kind not in ("annotation", "appointment", "task"):
            continue
        for rule in entry.lookups.values():
            for candidate in rule.all_candidates():
                target_entry = spec.tables.get(candidate.to or "")
                target = (
                    tables.get(logical_name(target_entry.table, spec.destination))
                    if target_entry
                    else None
                )
                if target is None:
                    continue
                if kind == "annotation":
                    target.has_notes = True
                else:
                    target.has_activities = True


def _table_need(entry: TableSpec, spec: MapSpec) -> TableNeed:
    dest, prefix = spec.destination, spec.publisher_prefix
    logical = logical_name(entry.table, dest)
    custom = entry.custom if entry.custom is not None else is_custom(entry.table, dest, prefix)
    primary = entry.primary_name
    if primary is None:
        standard = DATAVERSE_STANDARD.get(logical)
        primary = standard[1] if standard else (f"{prefix}_name" if dest == "dataverse" else "Name")
    prov = spec.provenance
    keys = [[logical_name(prov.key_column, dest)]] if entry.operation == "upsert" else []
    return TableNeed(
        logical_name=logical,
        schema_name=entry.table,
        entity_set=(entry.entity_set or entity_set_name(logical)) if dest == "dataverse" else None,
        custom=custom,
        display_name=entry.display_name or display_name(entry.table),
        primary_name_column=logical_name(primary, dest),
        key_column=logical_name(prov.key_column, dest),
        alternate_keys=keys,
        provenance_columns=[
            logical_name(c, dest) for c in (prov.source_system_column, prov.run_id_column)
        ],
    )


def _entry_columns(entry: TableSpec, spec: MapSpec) -> list[ColumnNeed]:
    dest, prefix, prov = spec.destination, spec.publisher_prefix, spec.provenance
    columns = [
        _text_column(prov.key_column, spec, max_length=200, is_key=True),
        _text_column(prov.source_system_column, spec, max_length=50),
        _text_column(prov.run_id_column, spec, max_length=100),
    ]
    for name, field_rule in entry.fields.items():
        columns.append(_field_column(name, field_rule, spec))
    for nav, rule in entry.lookups.items():
        for candidate in rule.all_candidates():
            nav_name = candidate.nav or nav
            column = lookup_column(nav_name, rule, spec)
            if any(c.logical_name == column and c.lookup_target for c in columns):
                continue
            target_entry = spec.tables.get(candidate.to or "")
            target: str | None = "systemuser" if dest == "dataverse" else "User"
            if target_entry is not None:
                target = logical_name(target_entry.table, dest)
            elif candidate.ref is not None:
                target = None
            table = logical_name(entry.table, dest)
            columns.append(
                ColumnNeed(
                    logical_name=column,
                    schema_name=rule.column or nav_name,
                    display_name=rule.label or display_name(rule.column or nav_name),
                    type="lookup",
                    custom=is_custom(column, dest, prefix),
                    lookup_target=target,
                    relationship=f"{prefix}_{target}_{table}_{column}" if target else None,
                    navigation_property=nav_name,
                    reference=candidate.ref,
                )
            )
    if entry.owner is not None:
        owner = "ownerid" if dest == "dataverse" else "OwnerId"
        columns.append(
            ColumnNeed(
                logical_name=owner,
                schema_name=owner,
                display_name="Owner",
                type="lookup",
                custom=False,
                lookup_target="systemuser" if dest == "dataverse" else "User",
                navigation_property=owner,
            )
        )
    if entry.created_on and prov.created_on_column:
        name = prov.created_on_column
        columns.append(
            ColumnNeed(
                logical_name=logical_name(name, dest),
                schema_name=name,
                display_name="Record Created On",
                type="datetime",
                custom=is_custom(name, dest, prefix),
            )
        )
    return columns


def _text_column(name: str, spec: MapSpec, *, max_length: int, is_key: bool = False) -> ColumnNeed:
    return ColumnNeed(
        logical_name=logical_name(name, spec.destination),
        schema_name=name,
        display_name=display_name(name),
        type="string",
        custom=is_custom(name, spec.destination, spec.publisher_prefix),
        max_length=max_length,
        is_key=is_key,
        provenance=True,
    )


def _field_column(name: str, rule: FieldRule, spec: MapSpec) -> ColumnNeed:
    max_length = rule.max_length
    if max_length is None and rule.type in ("string", "memo"):
        max_length = 100 if rule.type == "string" else 100_000
    precision = rule.precision
    if precision is None and rule.type in ("decimal", "money"):
        precision = 2
    return ColumnNeed(
        logical_name=logical_name(name, spec.destination),
        schema_name=name,
        display_name=rule.label or display_name(name),
        type=rule.type,
        custom=is_custom(name, spec.destination, spec.publisher_prefix),
        max_length=max_length,
        precision=precision,
        options=rule.options,
    )
