"""Compiles a validated map, once per run, into closures the engine runs per record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from shared.mapping.codegen import ColumnPlan, build_filler
from shared.mapping.context import RunContext
from shared.mapping.convert import build_converter, text_limit
from shared.mapping.engine import (
    AttachmentStep,
    CompiledTable,
    FieldStep,
    FilterStep,
)
from shared.mapping.expressions import compile_expression, referenced_names
from shared.mapping.keys import destination_key, escape_id
from shared.mapping.order import load_order, load_waves
from shared.mapping.paths import Getter, check_path, compile_path
from shared.mapping.relations import (
    CompileError,
    column_name,
    compile_extras,
    compile_lookup,
    entity_set_of,
)
from shared.mapping.results import BatchFailed, Row
from shared.mapping.schema import SchemaNeeds, schema_needs
from shared.mapping.spec import FieldRule, MapSpec, TableSpec
from shared.model import OBJECT_KINDS, CanonicalRecord

__all__ = ["CompileError", "CompiledMap", "compile_map"]


@dataclass
class CompiledMap:
    """A map ready for one run: compiled entries, load order, schema needs, the map's hash."""

    spec: MapSpec
    context: RunContext
    tables: dict[str, CompiledTable]
    map_sha256: str | None
    confirmed: Any = None  # the gate's ConfirmedMap when compiled through compile_confirmed

    @cached_property
    def order(self) -> list[str]:
        """Entries in load order (parents before children), derived from the lookups."""
        return load_order(self.spec)

    @cached_property
    def waves(self) -> list[list[str]]:
        """Entries grouped into waves that may load in parallel."""
        return load_waves(self.spec)

    def schema_needs(self) -> SchemaNeeds:
        """Tables, columns, option sets, lookups and keys the destination must have."""
        return schema_needs(self.spec)

    def entries_for(self, kind: str) -> list[CompiledTable]:
        """The entries fed by a canonical object kind, in load order."""
        return [self.tables[n] for n in self.order if self.tables[n].source_kind == kind]

    def static_rows(self) -> list[Row]:
        """Rows the map itself supplies (e.g. a default 'Individual Patient' account)."""
        rows: list[Row] = []
        system = self.spec.source_system or "map"
        for name, entry in self.spec.tables.items():
            compiled = self.tables[name]
            for static in entry.static_rows:
                key = destination_key(system, name, static.id)
                payload: dict[str, Any] = {
                    compiled.key_column: key,
                    compiled.system_column: system,
                    compiled.run_id_column: compiled.run_id,
                }
                for column, value in static.values.items():
                    payload[column_name(column, self.spec)] = value
                rows.append(Row(name, key, payload, {}, f"map:{self.spec.name}", 0))
        return rows


def compile_map(
    spec: MapSpec, context: RunContext, *, map_sha256: str | None = None
) -> CompiledMap:
    """Compile every enabled entry of a map for one run.

    Args:
        spec: a loaded map (see loader.load_map / gate.ConfirmedMap.spec).
        context: run id, owners, references and PHI opt-outs.
        map_sha256: the confirmed map's hash; None compiles a preview that no write path
            accepts (see gate.require_confirmed).

    Raises:
        CompileError: when the run does not supply a reference the map needs.
    """
    tables = {
        name: _compile_table(spec, name, entry, context, map_sha256)
        for name, entry in spec.tables.items()
        if entry.enabled
    }
    return CompiledMap(spec=spec, context=context, tables=tables, map_sha256=map_sha256)


def _compile_table(
    spec: MapSpec, name: str, entry: TableSpec, context: RunContext, sha: str | None
) -> CompiledTable:
    model = OBJECT_KINDS[entry.source] if entry.source else CanonicalRecord
    prov = spec.provenance
    key_column = column_name(prov.key_column, spec)
    functions = {"has_user": lambda staff_id: staff_id in context.owners}
    constants = {"run_date": context.run_date, "run_id": context.run_id}
    table = CompiledTable(
        entry=name,
        table=column_name(entry.table, spec),
        entity_set=entity_set_of(entry, spec),
        operation=entry.operation,
        source_kind=entry.source,
        key_column=key_column,
        key_of=_key_getter(entry),
        system_column=column_name(prov.source_system_column, spec),
        run_id_column=column_name(prov.run_id_column, spec),
        run_id=context.run_id,
        fields=(),
        update_only=entry.key.source is not None,
        map_sha256=sha,
    )
    if entry.phi_category and entry.phi_category in context.exclude_phi:
        table.enabled, table.disabled_reason = False, "phi_opt_out"
        return table
    fields: list[FieldStep] = []
    limits: dict[str, int | None] = {}
    for column, rule in entry.fields.items():
        target = column_name(column, spec)
        phi = _field_phi(model, rule)
        if phi in context.exclude_phi:
            table.lineage[target] = f"not written: operator opted out of {phi} PHI"
            continue
        resolved = _resolve_value_map(spec, rule)
        getter = _field_getter(rule, functions, constants)
        converter = build_converter(resolved, spec.destination, ZoneInfo(spec.timezone))
        lineage = rule.describe()
        table.lineage[target] = lineage
        limits[target] = text_limit(resolved)
        fields.append(
            FieldStep(
                target,
                getter,
                converter,
                rule.required,
                rule.on_invalid or entry.policy,
                lineage,
                rule.source if isinstance(rule.source, str) else None,
            )
        )
    if entry.created_on and prov.created_on_column and entry.operation != "export":
        created = FieldRule.model_validate({"from": entry.created_on, "type": "datetime"})
        column = column_name(prov.created_on_column, spec)
        converter = build_converter(created, spec.destination, ZoneInfo(spec.timezone))
        fields.append(
            FieldStep(
                column,
                compile_path(entry.created_on),
                converter,
                False,
                "drop_value",
                "",
                entry.created_on,
            )
        )
        table.lineage[column] = f"from {entry.created_on} -> datetime (UTC), original created-on"
    table.fields = tuple(fields)
    table.fill = build_filler(
        [
            ColumnPlan(
                f.column, f.path, f.get, f.convert, f.required, f.policy, limits.get(f.column)
            )
            for f in fields
        ],
        reject=lambda record, column, reason: BatchFailed(table.rejection(record, column, reason)),
    )
    table.lookups = tuple(
        compile_lookup(spec, name, nav, rule, context) for nav, rule in entry.lookups.items()
    )
    for lookup in table.lookups:
        table.lineage[lookup.column] = lookup.lineage
    table.filters = tuple(
        FilterStep(compile_expression(f.when, functions, constants), f.action, f.reason)
        for f in entry.filters
    )
    table.extras = tuple(compile_extras(spec, entry, context))
    if entry.attachment is not None:
        a = entry.attachment
        table.attachment = AttachmentStep(
            compile_path(a.path),
            compile_path(a.file_name),
            compile_path(a.mime_type),
            compile_path(a.size),
            compile_path(a.sha256),
            a.max_bytes,
            a.measured_on == "base64",
        )
    if entry.match is not None:
        table.match = (column_name(entry.match.column, spec), compile_path(entry.match.source))
    return table


def _key_getter(entry: TableSpec) -> Callable[[Any], str]:
    if entry.key.source is not None:
        get, kind = compile_path(entry.key.source), entry.key.kind or entry.source or "static"

        def merged_key(record: Any) -> str:
            return destination_key(record.source_system, kind, str(get(record)))

        return merged_key

    def own_key(record: Any) -> str:
        return f"{record.source_system}.{record.kind}.{escape_id(record.source_id)}"

    return own_key


def _resolve_value_map(spec: MapSpec, rule: FieldRule) -> FieldRule:
    if isinstance(rule.value_map, str):
        return rule.model_copy(update={"value_map": spec.value_maps[rule.value_map]})
    return rule


def _field_getter(
    rule: FieldRule, functions: dict[str, Callable[..., Any]], constants: dict[str, Any]
) -> Getter:
    if rule.expr is not None:
        return compile_expression(rule.expr, functions, constants)
    if rule.source is None:
        constant = rule.const
        return lambda _record: constant
    if isinstance(rule.source, str):
        return compile_path(rule.source)
    getters = [compile_path(p) for p in rule.source]

    def first(record: Any) -> Any:
        for get in getters:
            value = get(record)
            if value is not None and value != "" and value != []:
                return value
        return None

    return first


def _field_phi(model: type[CanonicalRecord], rule: FieldRule) -> str:
    if rule.phi is not None:
        return rule.phi
    paths = [rule.source] if isinstance(rule.source, str) else list(rule.source or [])
    if rule.expr is not None:
        paths += [n for n in referenced_names(rule.expr) if n in model.model_fields]
    levels = {check_path(model, p) for p in paths} - {"none"}
    for level in ("clinical", "financial", "identifying", "contact"):
        if level in levels:
            return level
    return "none"
