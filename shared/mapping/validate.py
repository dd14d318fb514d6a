"""Checks a map beyond its shape: source kinds and paths exist, references resolve, no cycles."""

from __future__ import annotations

from collections.abc import Iterator

from shared.mapping.expressions import BASE_FUNCTIONS, ExpressionError, referenced_names
from shared.mapping.order import OrderError, load_order
from shared.mapping.paths import PathError, check_path
from shared.mapping.spec import FieldRule, MapSpec, TableSpec, ValueMap
from shared.model import OBJECT_KINDS, CanonicalRecord

# Functions bound per run (see compiler.RunContext); expressions may call them.
RUN_FUNCTIONS = frozenset({"has_user"})
# Constants every expression can read (bound per run).
RUN_CONSTANTS = frozenset({"run_date", "run_id"})

Problem = tuple[str, str]  # (location in the map, what is wrong)


def map_problems(spec: MapSpec) -> list[Problem]:
    """Every semantic problem in a map, each with its dotted location, e.g. `tables.x.fields.y`."""
    problems: list[Problem] = []
    for name, table in spec.tables.items():
        if table.enabled:
            problems.extend(_table_problems(spec, f"tables.{name}", table))
    try:
        load_order(spec)
    except OrderError as error:
        problems.append(("tables", str(error)))
    return problems


def _table_problems(spec: MapSpec, where: str, table: TableSpec) -> Iterator[Problem]:
    model: type[CanonicalRecord] | None = None
    if table.source is not None:
        model = OBJECT_KINDS.get(table.source)
        if model is None:
            yield f"{where}.source", f"unknown canonical object kind {table.source!r}"
            return
    for option, choice in table.when_option.items():
        if option not in spec.options or choice not in spec.options[option].choices:
            yield f"{where}.when_option.{option}", f"no run option {option}={choice!r}"
    if table.key.kind is not None and table.key.kind not in OBJECT_KINDS:
        yield f"{where}.key.kind", f"unknown canonical object kind {table.key.kind!r}"
    if model is None:
        return
    paths: list[tuple[str, str]] = []
    for column, rule in table.fields.items():
        yield from _field_problems(spec, f"{where}.fields.{column}", rule, model)
    for nav, lookup in table.lookups.items():
        for i, candidate in enumerate(lookup.all_candidates()):
            at = f"{where}.lookups.{nav}" + (f".candidates.{i}" if i else "")
            if candidate.to in (None, "user"):
                pass
            elif candidate.to not in spec.tables:
                yield f"{at}.to", f"no table entry {candidate.to!r} in this map"
            elif not spec.tables[candidate.to].enabled:
                yield f"{at}.to", f"table entry {candidate.to!r} is disabled"
            if candidate.source:
                paths.append((f"{at}.from", candidate.source))
    if table.key.source:
        paths.append((f"{where}.key.from", table.key.source))
    if table.owner:
        paths.append((f"{where}.owner.from", table.owner.source))
    if table.match:
        paths.append((f"{where}.match.from", table.match.source))
    if table.state:
        paths.append((f"{where}.state.from", table.state.source))
        yield from _value_map_ref(spec, f"{where}.state.value_map", table.state.value_map)
    for i, party in enumerate(table.parties):
        paths.append((f"{where}.parties.{i}.from", party.source))
        if party.to != "user" and party.to not in spec.tables:
            yield f"{where}.parties.{i}.to", f"no table entry {party.to!r} in this map"
    if table.attachment:
        for attr in ("path", "file_name", "mime_type", "size", "sha256"):
            paths.append((f"{where}.attachment.{attr}", getattr(table.attachment, attr)))
    if table.created_on:
        paths.append((f"{where}.created_on", table.created_on))
    for at, path in paths:
        try:
            check_path(model, path)
        except PathError as error:
            yield at, str(error)
    for i, filter_rule in enumerate(table.filters):
        yield from _expression_problems(spec, f"{where}.filters.{i}.when", filter_rule.when, model)


def _field_problems(
    spec: MapSpec, where: str, rule: FieldRule, model: type[CanonicalRecord]
) -> Iterator[Problem]:
    sources = [rule.source] if isinstance(rule.source, str) else rule.source or []
    for path in sources:
        try:
            check_path(model, path)
        except PathError as error:
            yield f"{where}.from", str(error)
    if rule.expr is not None:
        yield from _expression_problems(spec, f"{where}.expr", rule.expr, model)
    if rule.value_map is not None:
        yield from _value_map_ref(spec, f"{where}.value_map", rule.value_map)
        value_map = _resolve(spec, rule.value_map)
        if value_map is not None and rule.options:
            known = {str(v) for v in rule.options} | set(rule.options.values())
            for entry in value_map.entries:
                if entry.target is not None and str(entry.target) not in known:
                    yield (
                        f"{where}.value_map",
                        f"target {entry.target!r} is not an option of this column",
                    )


def _value_map_ref(spec: MapSpec, where: str, ref: str | ValueMap) -> Iterator[Problem]:
    if isinstance(ref, str) and ref not in spec.value_maps:
        yield where, f"no value map {ref!r} in this map"


def _resolve(spec: MapSpec, ref: str | ValueMap) -> ValueMap | None:
    return spec.value_maps.get(ref) if isinstance(ref, str) else ref


def _expression_problems(
    spec: MapSpec, where: str, text: str, model: type[CanonicalRecord]
) -> Iterator[Problem]:
    try:
        names = referenced_names(text)
    except ExpressionError as error:
        yield where, str(error)
        return
    allowed = set(model.model_fields) | set(spec.options) | {"record_key", "kind"}
    allowed |= set(BASE_FUNCTIONS) | RUN_FUNCTIONS | RUN_CONSTANTS
    for name in sorted(names - allowed):
        yield where, f"{model.__name__} has no field {name!r}"
