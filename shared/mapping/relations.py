"""Lookups, owners, activity parties and post-create states, compiled into closures.

Lookups are rendered as bind-by-key values (see keys.py), so the writer needs no id map.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.mapping.context import RunContext
from shared.mapping.convert import value_lookup
from shared.mapping.engine import LookupCandidateStep, LookupStep, Render
from shared.mapping.keys import dataverse_bind, dataverse_bind_id, destination_key, escape_id
from shared.mapping.names import entity_set_name, logical_name
from shared.mapping.paths import Getter, compile_path
from shared.mapping.schema import lookup_column
from shared.mapping.spec import LookupCandidate, LookupRule, MapSpec, TableSpec, ValueMap

Extra = Callable[[Any, dict[str, Any], dict[str, Any]], None]
_PARTY_MASKS = {"organizer": 7, "required_attendee": 5, "optional_attendee": 6}


class CompileError(ValueError):
    """The run cannot use the map as given (e.g. a destination reference was not supplied)."""


def column_name(name: str, spec: MapSpec) -> str:
    """A destination column as the payload spells it (Dataverse logical names are lower case)."""
    return logical_name(name, spec.destination)


def entity_set_of(entry: TableSpec, spec: MapSpec) -> str | None:
    """The Dataverse entity set of an entry's table (None for Salesforce)."""
    if spec.destination != "dataverse":
        return None
    return entry.entity_set or entity_set_name(column_name(entry.table, spec))


def compile_lookup(
    spec: MapSpec, entry_name: str, nav: str, rule: LookupRule, context: RunContext
) -> LookupStep:
    """One lookup column: its candidates in order, each with its renderer."""
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
    key_column = column_name(candidate.by or spec.provenance.key_column, spec)
    kind = target.source or "static"
    if target.source is None:
        kind = candidate.to
    if dataverse:
        entity_set = entity_set_of(target, spec)
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
        return (_bind_by_source_key(entity_set, key_column, kind)), f"{nav}@odata.bind"
    payload_key = f"{nav}.{key_column}"
    if candidate.by:
        return (lambda _s, v: str(v)), payload_key
    return (lambda s, v: destination_key(s, kind, str(v))), payload_key


def _bind_by_source_key(entity_set: str, key_column: str, kind: str) -> Render:
    # escape_id leaves no quote in a key, so the OData literal needs no further escaping.
    head = f"/{entity_set}({key_column}='"

    def render(system: str, source_id: Any) -> str:
        text = source_id if source_id.__class__ is str else str(source_id)
        return f"{head}{system}.{kind}.{text if text.isalnum() else escape_id(text)}')"

    return render


def _user_bind(user_id: str | None) -> str | None:
    return None if user_id is None else dataverse_bind_id("systemusers", user_id)


def compile_extras(spec: MapSpec, entry: TableSpec, context: RunContext) -> list[Extra]:
    """Owner, activity parties and post-create state, as closures run after the columns."""
    extras: list[Extra] = []
    dataverse = spec.destination == "dataverse"
    if entry.owner is not None:
        get_owner = compile_path(entry.owner.source)
        has_owners = bool(context.owners) or context.fallback_owner is not None

        # Rendered once per run: staff id -> the owner value the payload carries.
        render = (lambda u: dataverse_bind_id("systemusers", u)) if dataverse else (lambda u: u)
        rendered = {staff: render(user) for staff, user in context.owners.items()}
        fallback = render(context.fallback_owner) if context.fallback_owner else None
        column = "ownerid@odata.bind" if dataverse else "OwnerId"

        def owner(record: Any, payload: dict[str, Any], _deferred: dict[str, Any]) -> None:
            user = rendered.get(get_owner(record), fallback)
            if user is not None:
                payload[column] = user

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
    collection = f"{column_name(entry.table, spec)}_activity_parties"
    prepared: list[tuple[Getter, int, str, tuple[str, str] | None]] = []
    for party in entry.parties:
        get = compile_path(party.source)
        mask = _PARTY_MASKS[party.role]
        if party.to == "user":
            prepared.append((get, mask, "partyid_systemuser@odata.bind", None))
        else:
            target = spec.tables[party.to]
            entity_set = entity_set_of(target, spec)
            assert entity_set is not None and target.source is not None
            nav = f"partyid_{column_name(target.table, spec)}@odata.bind"
            prepared.append((get, mask, nav, (entity_set, target.source)))
    key_column = column_name(spec.provenance.key_column, spec)

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
    columns = [column_name(c, spec) for c in state.columns]
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
