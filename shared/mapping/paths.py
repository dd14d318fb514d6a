"""Source paths in maps (`addresses[0].city`, `identifiers[system=gb-nhs].value`, ...).

A path is checked against the canonical model when a map loads (so a typo names the file and the
path in the map) and compiled once into a getter; getters return None when any step is missing.

Segments, separated by dots: `name`, `name[2]` (index), `name[*]` (every item),
`name[attr=value]` (first item whose attribute equals the value) and `name(arg)` (a model method
with one text argument, such as `primary_contact(email)`).
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Literal, Union

from pydantic import BaseModel

Getter = Callable[[Any], Any]
SegmentKind = Literal["attr", "index", "each", "select", "call"]

_SEGMENT = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"(?:\[(?P<bracket>[^\]]*)\]|\((?P<arg>[^)]*)\))?$"
)
_PHI_RANK = {"none": 0, "contact": 1, "identifying": 2, "financial": 3, "clinical": 4}
# Model methods a path may call, with the PHI category of what they return.
METHOD_PHI: dict[str, str] = {"primary_contact": "contact", "identifier": "identifying"}


class PathError(ValueError):
    """A source path that does not parse or does not exist on the canonical model."""


@dataclass(frozen=True, slots=True)
class Segment:
    """One parsed step of a path."""

    kind: SegmentKind
    name: str
    index: int = 0
    attr: str = ""
    value: str = ""


def parse_path(path: str) -> list[Segment]:
    """Split a path into segments.

    Args:
        path: the path text from a map.

    Returns:
        The segments, in order.

    Raises:
        PathError: when a segment does not match the grammar.
    """
    segments: list[Segment] = []
    for part in _split(path):
        match = _SEGMENT.match(part)
        if match is None:
            raise PathError(f"cannot parse segment {part!r}")
        name, bracket, arg = match["name"], match["bracket"], match["arg"]
        if arg is not None:
            segments.append(Segment("call", name, value=arg.strip().strip("'\"")))
        elif bracket is None:
            segments.append(Segment("attr", name))
        elif bracket == "*":
            segments.append(Segment("each", name))
        elif bracket.lstrip("-").isdigit():
            segments.append(Segment("index", name, index=int(bracket)))
        elif "=" in bracket:
            attr, _, value = bracket.partition("=")
            segments.append(Segment("select", name, attr=attr.strip(), value=value.strip()))
        else:
            raise PathError(f"cannot parse brackets in {part!r}")
    return segments


def _split(path: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in path:
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        if char == "." and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def check_path(model: type[BaseModel], path: str) -> str:
    """Check a path against a model and return the PHI category of what it reads.

    Returns:
        "none", "contact", "identifying", "financial" or "clinical" (the strictest met).

    Raises:
        PathError: when a segment names no field or allowed method of the model it is applied to.
    """
    current: Any = model
    phi = "none"
    for segment in parse_path(path):
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            raise PathError(f"{segment.name!r} is applied to a value that has no fields")
        if segment.kind == "call":
            if segment.name not in METHOD_PHI or not hasattr(current, segment.name):
                raise PathError(f"{current.__name__} has no path method {segment.name!r}")
            phi = _stricter(phi, METHOD_PHI[segment.name])
            hints = typing.get_type_hints(getattr(current, segment.name))
            current = _item_type(hints.get("return"))
            continue
        info = current.model_fields.get(segment.name)
        if info is None and segment.name not in ("record_key", "kind"):
            raise PathError(f"{current.__name__} has no field {segment.name!r}")
        if info is None:
            current = str
            continue
        extra = info.json_schema_extra
        if isinstance(extra, dict) and isinstance(extra.get("phi"), str):
            phi = _stricter(phi, str(extra["phi"]))
        current = _item_type(info.annotation)
        if (
            segment.kind == "select"
            and isinstance(current, type)
            and issubclass(current, BaseModel)
            and segment.attr not in current.model_fields
        ):
            raise PathError(f"{current.__name__} has no field {segment.attr!r} to select on")
    return phi


def _stricter(a: str, b: str) -> str:
    return a if _PHI_RANK.get(a, 0) >= _PHI_RANK.get(b, 0) else b


def _item_type(annotation: Any) -> Any:
    """Unwrap Optional / list / unions down to the one model (or plain type) a path walks into."""
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        return _item_type(models[0] if models else args[0]) if args else None
    if origin in (list, tuple, set, frozenset):
        items = typing.get_args(annotation)
        return _item_type(items[0]) if items else None
    return annotation


def compile_path(path: str) -> Getter:
    """Compile a path into a getter that returns None where any step is missing.

    Plain attribute chains compile to `operator.attrgetter` (the hot path for contacts).
    """
    segments = parse_path(path)
    if all(s.kind == "attr" for s in segments):
        fast = attrgetter(".".join(s.name for s in segments))
        if len(segments) == 1:
            return fast
        return _none_safe(fast)
    steps = [_step(s) for s in segments]

    def walk(record: Any) -> Any:
        value: Any = record
        fanned = False
        for step, segment in zip(steps, segments, strict=True):
            if fanned:
                value = [v for v in (step(item) for item in value) if v is not None]
                value = _flatten(value) if segment.kind == "each" else value
            else:
                value = step(value)
                if value is None:
                    return None
                fanned = segment.kind == "each"
        return value

    return walk


def _flatten(values: list[Any]) -> list[Any]:
    flat: list[Any] = []
    for value in values:
        flat.extend(value if isinstance(value, list) else [value])
    return flat


def _none_safe(getter: Getter) -> Getter:
    def get(record: Any) -> Any:
        try:
            return getter(record)
        except AttributeError:
            return None

    return get


def _step(segment: Segment) -> Getter:
    name = segment.name
    if segment.kind == "attr":
        return lambda value: getattr(value, name, None)
    if segment.kind == "each":
        return lambda value: list(getattr(value, name, None) or []) or None
    if segment.kind == "index":
        position = segment.index

        def at(value: Any) -> Any:
            items = getattr(value, name, None) or []
            return items[position] if -len(items) <= position < len(items) else None

        return at
    if segment.kind == "select":
        attr, wanted = segment.attr, segment.value

        def select(value: Any) -> Any:
            for item in getattr(value, name, None) or []:
                if str(getattr(item, attr, None)) == wanted:
                    return item
            return None

        return select
    argument = segment.value
    return lambda value: getattr(value, name)(argument)
