"""Generates the per-record column filler of one table entry as one Python function.

The per-record hot path (contacts: ~20 columns) is too slow as a loop over closures, so the
compiler emits straight-line code: one block per column, attribute paths inlined, shared path
prefixes (`addresses[0]`) read once per record. Only generated variable names, validated
identifiers and integers ever appear in the source; every value from a map (column names,
constants, converters, expressions) is passed in through the function's namespace.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from shared.mapping.convert import Converter, InvalidValue
from shared.mapping.paths import Getter, Segment, parse_path
from shared.mapping.results import BatchFailed, RowRejected, ValueEvent
from shared.mapping.spec import Policy

Filler = Callable[[Any, dict[str, Any]], list[ValueEvent] | None]
Rejecter = Callable[[Any, str | None, str], Exception]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_COLUMN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


@dataclass(frozen=True)
class ColumnPlan:
    """What the generator needs for one column."""

    column: str
    path: str | None
    getter: Getter
    convert: Converter | None
    required: bool
    policy: Policy
    text_limit: int | None = None


def _inlinable(segments: Sequence[Segment]) -> bool:
    return all(_IDENTIFIER.match(s.name) and s.kind in ("attr", "index", "call") for s in segments)


class _Source:
    """Accumulates the function body and its namespace."""

    def __init__(self) -> None:
        self.prefix_lines: list[str] = []
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {}
        self.prefixes: dict[tuple[Segment, ...], str] = {}

    def bind(self, name: str, value: Any) -> str:
        self.namespace[name] = value
        return name

    def step(self, base: str, segment: Segment, position: int) -> str:
        """An expression applying one segment to a local (the record itself is never None)."""
        read = f"{base}.{segment.name}"
        if base != "record":
            read = f"(None if {base} is None else {base}.{segment.name})"
        if segment.kind == "attr":
            return read
        if segment.kind == "call":
            argument = self.bind(f"a{position}_{len(self.namespace)}", segment.value)
            return f"(None if {base} is None else {base}.{segment.name}({argument}))"
        return f"_at({read}, {int(segment.index)})"

    def literal(self, name: str, text: str) -> str:
        """A column name as a source literal when it is a plain name, else a bound variable."""
        if _COLUMN.match(text):
            return repr(text)
        return self.bind(name, text)

    def local_for(self, segments: tuple[Segment, ...]) -> str:
        """A local holding the value of a path prefix, computed once at the top."""
        if not segments:
            return "record"
        found = self.prefixes.get(segments)
        if found is not None:
            return found
        base = self.local_for(segments[:-1])
        name = f"p{len(self.prefixes)}"
        self.prefixes[segments] = name
        self.prefix_lines.append(
            f"    {name} = {self.step(base, segments[-1], len(self.prefixes))}"
        )
        return name


def _at(items: Any, index: int) -> Any:
    if not items:
        return None
    try:
        return items[index]
    except IndexError:
        return None


def build_filler(plans: Sequence[ColumnPlan], reject: Rejecter) -> Filler:
    """Generate `fill(record, payload) -> events` for the columns of one entry.

    Args:
        plans: the columns in payload order.
        reject: builds the BatchFailed for a `fail_batch` column (needs the record's key).
    """
    source = _Source()
    source.namespace.update({"InvalidValue": InvalidValue, "RowRejected": RowRejected, "_at": _at})
    source.bind("_on_invalid", _invalid_handler(reject))
    body = source.lines
    for i, plan in enumerate(plans):
        column = source.literal(f"k{i}", plan.column)
        segments = tuple(parse_path(plan.path)) if plan.path else ()
        if segments and _inlinable(segments):
            base = source.local_for(segments[:-1])
            read = source.step(base, segments[-1], i)
        else:
            read = f"{source.bind(f'g{i}', plan.getter)}(record)"
        body.append("    try:")
        body.append(f"        v = {read}")
        if plan.convert is not None and plan.text_limit is not None:
            # Plain text: strip and length-check inline; the converter handles the rest.
            convert = source.bind(f"c{i}", plan.convert)
            body.append("        if v.__class__ is str:")
            body.append("            v = v.strip() or None")
            body.append(f"            if v is not None and len(v) > {int(plan.text_limit)}:")
            body.append(f"                v = {convert}(v)")
            body.append("        elif v is not None:")
            body.append(f"            v = {convert}(v)")
        elif plan.convert is not None:
            convert = source.bind(f"c{i}", plan.convert)
            body.append("        if v is not None:")
            body.append(f"            v = {convert}(v)")
        body.append("    except InvalidValue as error:")
        policy = source.bind(f"policy{i}", plan.policy)
        body.append(f"        v, events = _on_invalid(error, {policy}, {column}, record, events)")
        body.append("    except (RowRejected, BatchFailed):")
        body.append("        raise")
        body.append("    except Exception:")
        body.append(f"        raise RowRejected({column}, 'expression_error') from None")
        if plan.required:
            body.append("    if v is None:")
            body.append(f"        raise RowRejected({column}, 'missing_required')")
        body.append(f"    payload[{column}] = v")
    source.namespace["BatchFailed"] = BatchFailed
    prefixes = (
        ["    try:", *("    " + line for line in source.prefix_lines), "    except Exception:",
         "        raise RowRejected(None, 'expression_error') from None"]
        if source.prefix_lines
        else []
    )  # fmt: skip
    # Everything the body uses arrives as a keyword default: local lookups, not global ones.
    names = [n for n in source.namespace if _IDENTIFIER.match(n)]
    signature = ", ".join(["record", "payload", *(f"{n}={n}" for n in names)])
    text = "\n".join([f"def fill({signature}):", "    events = None", *prefixes, *body,
                      "    return events"])  # fmt: skip
    code = compile(text, "<clinicferry map>", "exec")
    exec(code, source.namespace)  # noqa: S102 - generated from validated identifiers only
    filler: Filler = source.namespace["fill"]
    filler.__doc__ = text
    return filler


def _invalid_handler(
    reject: Rejecter,
) -> Callable[[InvalidValue, str, str, Any, list[ValueEvent] | None], tuple[Any, Any]]:
    def on_invalid(
        error: InvalidValue,
        policy: str,
        column: str,
        record: Any,
        events: list[ValueEvent] | None,
    ) -> tuple[Any, list[ValueEvent] | None]:
        chosen = (
            error.policy if error.policy in ("reject_row", "drop_value", "fail_batch") else policy
        )
        if chosen == "drop_value":
            events = events or []
            events.append(ValueEvent(column, error.reason))
            return None, events
        if chosen == "fail_batch":
            raise reject(record, column, error.reason)
        raise RowRejected(column, error.reason)

    return on_invalid
