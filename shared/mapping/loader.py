"""Loads a map: YAML layers (`extends:`), run options, publisher prefix, then validation.

A pair's file names the destination default it extends; mappings merge key by key (the pair
wins), lists are replaced and `null` removes a key. Every error names the file that holds the
offending value and the dotted path inside it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from shared.mapping.names import rewrite_prefix
from shared.mapping.spec import MapSpec, map_document
from shared.mapping.validate import map_problems

MAPPINGS_DIR = Path(__file__).resolve().parents[2] / "mappings"
# Keys whose string values are destination names (rewritten for a non-default prefix).
_NAME_KEYS = frozenset(
    {"table", "nav", "column", "columns", "by", "key_column", "source_system_column",
     "run_id_column", "created_on_column", "primary_name", "prefix", "entity_set"}
)  # fmt: skip


Layer = tuple[Path, dict[str, Any]]


class MapError(ValueError):
    """A map that cannot be used; names the file and the path inside it, never a patient value."""

    def __init__(self, file: Path | str, problems: list[tuple[str, str]]) -> None:
        self.file = str(file)
        self.problems = problems
        lines = [f"{self.file}: {where}: {what}" for where, what in problems[:20]]
        if len(problems) > 20:
            lines.append(f"... and {len(problems) - 20} more")
        super().__init__("\n".join(lines))


def default_map_path(destination: str, source_system: str) -> Path:
    """Where the shipped map for a destination and source system lives."""
    return MAPPINGS_DIR / destination / f"{source_system}.yaml"


def load_map(
    path: Path | str,
    *,
    options: Mapping[str, str] | None = None,
    publisher_prefix: str | None = None,
) -> MapSpec:
    """Load, layer, resolve and validate a map file.

    Args:
        path: the pair's YAML file (or a destination default).
        options: per-run choices (e.g. `{"billing_target": "opportunity"}`); others default.
        publisher_prefix: Dataverse publisher prefix replacing the default `new`.

    Returns:
        The validated map with only the entries this run writes.

    Raises:
        MapError: naming the file and the path inside it for every problem found.
    """
    path = Path(path)
    layers = _read_layers(path)
    merged: dict[str, Any] = {}
    for _, document in layers:
        merged = _merge(merged, document)
    try:
        spec = MapSpec.model_validate(merged)
    except ValidationError as error:
        problems = [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in error.errors()]
        raise MapError(_origin(layers, problems[0][0]), problems) from None
    spec = resolve_options(spec, options or {}, file=path)
    if publisher_prefix and publisher_prefix != spec.publisher_prefix:
        spec = with_prefix(spec, publisher_prefix)
    problems = map_problems(spec)
    if problems:
        raise MapError(_origin(layers, problems[0][0]), problems)
    return spec


def parse_map(document: Mapping[str, Any], *, file: str = "<map>") -> MapSpec:
    """Validate an in-memory map document (a proposal's JSON) the same way as a file."""
    try:
        spec = MapSpec.model_validate(document)
    except ValidationError as error:
        problems = [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in error.errors()]
        raise MapError(file, problems) from None
    problems = map_problems(spec)
    if problems:
        raise MapError(file, problems)
    return spec


def resolve_options(spec: MapSpec, chosen: Mapping[str, str], *, file: Path | str) -> MapSpec:
    """Apply per-run choices: keep only enabled entries whose `when_option` matches."""
    problems = []
    for name, value in chosen.items():
        if name not in spec.options:
            problems.append((f"options.{name}", "this map has no such run option"))
        elif value not in spec.options[name].choices:
            problems.append((f"options.{name}", f"{value!r} is not one of the choices"))
    if problems:
        raise MapError(file, problems)
    values = {name: chosen.get(name, option.default) for name, option in spec.options.items()}
    tables = {
        name: table
        for name, table in spec.tables.items()
        if table.enabled and all(values.get(k) == v for k, v in table.when_option.items())
    }
    options = {
        name: option.model_copy(update={"default": values[name]})
        for name, option in spec.options.items()
    }
    return spec.model_copy(update={"tables": tables, "options": options})


def with_prefix(spec: MapSpec, prefix: str) -> MapSpec:
    """The same map with every `new_` name rewritten to the given publisher prefix."""
    document = _rename(map_document(spec), prefix)
    document["publisher_prefix"] = prefix
    return MapSpec.model_validate(document)


def _rename(value: Any, prefix: str, key: str = "") -> Any:
    if isinstance(value, dict):
        skip = key in ("value_maps", "options", "values")
        return {
            (k if skip else rewrite_prefix(k, prefix)): _rename(v, prefix, k)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_rename(v, prefix, key) for v in value]
    if isinstance(value, str) and key in _NAME_KEYS:
        return rewrite_prefix(value, prefix)
    return value


def _read_layers(path: Path, seen: frozenset[Path] = frozenset()) -> list[Layer]:
    resolved = path.resolve()
    if resolved in seen:
        raise MapError(path, [("extends", "maps extend each other in a loop")])
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise MapError(path, [("", f"cannot read the file ({error.strerror})")]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise MapError(path, [(where, "not valid YAML")]) from None
    if not isinstance(document, dict):
        raise MapError(path, [("", "a map must be a YAML mapping")])
    base = document.pop("extends", None)
    if base is None:
        return [(path, document)]
    return [*_read_layers(path.parent / str(base), seen | {resolved}), (path, document)]


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _origin(layers: list[Layer], where: str) -> Path:
    """The last layer that sets the deepest part of a dotted path (where the mistake is)."""
    parts = [p for p in where.split(".") if p]
    best, depth = layers[-1][0], -1
    for file, document in layers:
        node: Any = document
        reached = 0
        for part in parts:
            if isinstance(node, dict) and part in node:
                node, reached = node[part], reached + 1
            else:
                break
        if reached >= depth and reached > 0:
            best, depth = file, reached
    return best
