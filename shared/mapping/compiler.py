"""Compiles a validated map, once per run, into closures the engine runs per record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from shared.mapping.context import RunContext
from shared.mapping.convert import build_converter, value_lookup
from shared.mapping.engine import (
    AttachmentStep,
    CompiledTable,
    FieldStep,
    FilterStep,
    LookupCandidateStep,
    LookupStep,
    Render,
)
from shared.mapping.expressions import compile_expression, referenced_names
from shared.mapping.keys import dataverse_bind, dataverse_bind_id, destination_key, escape_id
from shared.mapping.names import entity_set_name, logical_name
from shared.mapping.order import load_order, load_waves
from shared.mapping.paths import Getter, check_path, compile_path
from shared.mapping.results import Row
from shared.mapping.schema import SchemaNeeds, lookup_column, schema_needs
from shared.mapping.spec import FieldRule, LookupCandidate, MapSpec, TableSpec, ValueMap
from shared.model import OBJECT_KINDS, CanonicalRecord

_PARTY_MASKS = {"organizer": 7, "required_attendee": 5, "optional_attendee": 6}


class CompileError(ValueError):
    """The run cannot use the map as given (e.g. a destination reference was not supplied)."""


@dataclass
class CompiledMap:
    """A map ready for one run: compiled entries, load order, schema needs, the map's hash."""

    spec: MapSpec
    context: RunContext
    tables: dict[str, CompiledTable]
    map_sha256: str | None
    confirmed: Any = None  # the gate's ConfirmedMap when compiled through compile_confirmed

    @property
    def order(self) -> list[str]:
        """Entries in load order (parents before children), derived from the lookups."""
        return load_order(self.spec)

    @property
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
                    payload[_column(column, self.spec)] = value
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


def _column(name: str, spec: MapSpec) -> str:
    return logical_name(name, spec.destination)


def _compile_table(
    spec: MapSpec, name: str, entry: TableSpec, context: RunContext, sha: str | None
) -> CompiledTable:
    model = OBJECT_KINDS[entry.source] if entry.source else CanonicalRecord
    prov = spec.provenance
    key_column = _column(prov.key_column, spec)
    functions = {"has_user": lambda staff_id: staff_id in context.owners}
    constants = {"run_date": context.run_date, "run_id": context.run_id}
    table = CompiledTable(
        entry=name,
        table=_column(entry.table, spec),
        entity_set=_entity_set(entry, spec),
        operation=entry.operation,
        source_kind=entry.source,
        key_column=key_column,
        key_of=_key_getter(entry),
        system_column=_column(prov.source_system_column, spec),
        run_id_column=_column(prov.run_id_column, spec),
        run_id=context.run_id,
        fields=(),
        update_only=entry.key.source is not None,
        map_sha256=sha,
    )
    if entry.phi_category and entry.phi_category in context.exclude_phi:
        table.enabled, table.disabled_reason = False, "phi_opt_out"
        return table
    fields: list[FieldStep] = []
    for column, rule in entry.fields.items():
        target = _column(column, spec)
        phi = _field_phi(model, rule)
        if phi in context.exclude_phi:
            table.lineage[target] = f"not written: operator opted out of {phi} PHI"
            continue
        resolved = _resolve_value_map(spec, rule)
        getter = _field_getter(rule, functions, constants)
        converter = build_converter(resolved, spec.destination, ZoneInfo(spec.timezone))
        lineage = rule.describe()
        table.lineage[target] = lineage
        fields.append(
            FieldStep(
                target, getter, converter, rule.required, rule.on_invalid or entry.policy, lineage
            )
        )
    if entry.created_on and prov.created_on_column and entry.operation != "export":
        created = FieldRule.model_validate({"from": entry.created_on, "type": "datetime"})
        column = _column(prov.created_on_column, spec)
        converter = build_converter(created, spec.destination, ZoneInfo(spec.timezone))
        fields.append(
            FieldStep(column, compile_path(entry.created_on), converter, False, "drop_value", "")
        )
        table.lineage[column] = f"from {entry.created_on} -> datetime (UTC), original created-on"
    table.fields = tuple(fields)
    table.lookups = tuple(
        _compile_lookup(spec, name, nav, rule, context) for nav, rule in entry.lookups.items()
    )
    for lookup in table.lookups:
        table.lineage[lookup.column] = lookup.lineage
    table.filters = tuple(
        FilterStep(compile_expression(f.when, functions, constants), f.action, f.reason)
        for f in entry.filters
    )
    table.extras = tuple(_extras(spec, entry, context))
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
        table.match = (_column(entry.match.column, spec), compile_path(entry.match.source))
    return table


def _entity_set(entry: TableSpec, spec: MapSpec) -> str | None:
    if spec.destination != "dataverse":
        return None
    return entry.entity_set or entity_set_name(_column(entry.table, spec))


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


def _compile_lookup(
    spec: MapSpec, entry_name: str, nav: str, rule: Any, context: RunContext
) -> LookupStep:
    column = lookup_column(nav, rule, spec)
    steps = []
    described = []
    for candidate in rule.all_candidates():
        candidate_nav = candidate.nav or nav
        render, payload_key = _renderer(spec, candidate, candidate_nav, column, context)
        deferred = rule.deferred or candidate.to == entry_name
        get = compile_path(candidate.source) if candidate.source else None
        steps.append(
            LookupCandidateStep(
                payload_key, get, candidate.const or candidate.ref, render, deferred
            )
        )
        origin = candidate.source or candidate.const or f"reference {candidate.ref}"
        described.append(
            f"{origin} -> {candidate.to or candidate.ref}" + (" (second pass)" if deferred else "")
        )
    lineage = "lookup by source key: " + "; else ".join(described)
    return LookupStep(column, tuple(steps), rule.required, lineage)


def _renderer(
    spec: MapSpec, candidate: LookupCandidate, nav: str, column: str, context: RunContext
) -> tuple[Render, str]:
    dataverse = spec.destination == "dataverse"
    if candidate.ref is not None:
        if candidate.ref not in context.references:
            raise CompileError(f"the run supplies no destination reference {candidate.ref!r}")
        value = context.references[candidate.ref]
        return (lambda _s, _p: value), (f"{nav}@odata.bind" if dataverse else column)
    if candidate.to == "user":
        owners = context.owners
        if dataverse:
            return (lambda _s, staff: _user_bind(owners.get(staff))), f"{nav}@odata.bind"
        return (lambda _s, staff: owners.get(staff)), column
    assert candidate.to is not None
    target = spec.tables[candidate.to]
    key_column = _column(candidate.by or spec.provenance.key_column, spec)
    kind = target.source or "static"
    if target.source is None:
        kind = candidate.to
    if dataverse:
        entity_set = _entity_set(target, spec)
        assert entity_set is not None
        if candidate.by:
            return (
                lambda _s, v: dataverse_bind(entity_set, key_column, str(v))
            ), f"{nav}@odata.bind"
        if target.source is None:
            static_system = spec.source_system or "map"
            return (
                lambda _s, v: dataverse_bind(
                    entity_set, key_column, destination_key(static_system, kind, str(v))
                )
            ), f"{nav}@odata.bind"
        return (
            lambda s, v: dataverse_bind(entity_set, key_column, destination_key(s, kind, str(v)))
        ), f"{nav}@odata.bind"
    payload_key = f"{nav}.{key_column}"
    if candidate.by:
        return (lambda _s, v: str(v)), payload_key
    return (lambda s, v: destination_key(s, kind, str(v))), payload_key


def _user_bind(user_id: str | None) -> str | None:
    return None if user_id is None else dataverse_bind_id("systemusers", user_id)


def _extras(
    spec: MapSpec, entry: TableSpec, context: RunContext
) -> list[Callable[[Any, dict[str, Any], dict[str, Any]], None]]:
    extras: list[Callable[[Any, dict[str, Any], dict[str, Any]], None]] = []
    dataverse = spec.destination == "dataverse"
    if entry.owner is not None:
        get_owner = compile_path(entry.owner.source)
        has_owners = bool(context.owners) or context.fallback_owner is not None

        def owner(record: Any, payload: dict[str, Any], _deferred: dict[str, Any]) -> None:
            user = context.owner_for(get_owner(record))
            if user is not None:
                if dataverse:
                    payload["ownerid@odata.bind"] = dataverse_bind_id("systemusers", user)
                else:
                    payload["OwnerId"] = user

        if has_owners:
            extras.append(owner)
    if entry.parties and dataverse:
        extras.append(_parties(spec, entry, context))
    if entry.state is not None:
        extras.append(_state(spec, entry))
    return extras


def _parties(
    spec: MapSpec, entry: TableSpec, context: RunContext
) -> Callable[[Any, dict[str, Any], dict[str, Any]], None]:
    collection = f"{_column(entry.table, spec)}_activity_parties"
    prepared: list[tuple[Getter, int, str, tuple[str, str] | None]] = []
    for party in entry.parties:
        get = compile_path(party.source)
        mask = _PARTY_MASKS[party.role]
        if party.to == "user":
            prepared.append((get, mask, "partyid_systemuser@odata.bind", None))
        else:
            target = spec.tables[party.to]
            entity_set = _entity_set(target, spec)
            assert entity_set is not None and target.source is not None
            nav = f"partyid_{_column(target.table, spec)}@odata.bind"
            prepared.append((get, mask, nav, (entity_set, target.source)))
    key_column = _column(spec.provenance.key_column, spec)

    def parties(record: Any, payload: dict[str, Any], _deferred: dict[str, Any]) -> None:
        rendered = []
        for get, mask, nav, target in prepared:
            source_id = get(record)
            if source_id is None:
                continue
            if target is None:
                user = context.owners.get(source_id)
                if user is None:
                    continue
                bind = dataverse_bind_id("systemusers", user)
            else:
                bind = dataverse_bind(
                    target[0],
                    key_column,
                    destination_key(record.source_system, target[1], source_id),
                )
            rendered.append({nav: bind, "participationtypemask": mask})
        payload[collection] = rendered

    return parties


def _state(
    spec: MapSpec, entry: TableSpec
) -> Callable[[Any, dict[str, Any], dict[str, Any]], None]:
    state = entry.state
    assert state is not None
    value_map = (
        state.value_map
        if isinstance(state.value_map, ValueMap)
        else spec.value_maps[state.value_map]
    )
    lookup = value_lookup(value_map)
    get = compile_path(state.source)
    columns = [_column(c, spec) for c in state.columns]
    states = {label.lower(): values for label, values in state.states.items()}

    def set_state(record: Any, _payload: dict[str, Any], deferred: dict[str, Any]) -> None:
        value = get(record)
        if value is None:
            return
        try:
            label = lookup(value)
        except ValueError:
            return
        values = states.get(str(label).lower()) if label is not None else None
        if values:
            deferred.update(zip(columns, values, strict=False))

    return set_state
