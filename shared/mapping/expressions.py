"""Restricted expressions in maps (`expr:` fields, filter `when:`), evaluated by simpleeval.

Never `eval`: an expression is parsed once into simpleeval's AST and evaluated per record with
the record's fields as names and a small allow-list of functions. Attribute access on values is
allowed (`code.code`), private attributes are not (simpleeval refuses names starting with `_`).
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from simpleeval import DEFAULT_OPERATORS, EvalWithCompoundTypes

Expression = Callable[[Any], Any]


def _join(values: Any, separator: str = "; ") -> str | None:
    items = [str(v) for v in values or [] if v not in (None, "")]
    return separator.join(items) or None


def _first(*values: Any) -> Any:
    return next((v for v in values if v not in (None, "", [])), None)


def _add_minutes(moment: datetime | None, minutes: float | None) -> datetime | None:
    return None if moment is None or minutes is None else moment + timedelta(minutes=minutes)


# Functions every expression may call; run-specific ones (has_user) are added per compile.
BASE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "join": _join,
    "add_minutes": _add_minutes,
    "first": _first,
    "len": len,
    "str": str,
    "int": int,
    "round": round,
    "abs": abs,
    "min": min,
    "max": max,
    "lower": lambda v: v.lower() if isinstance(v, str) else v,
    "upper": lambda v: v.upper() if isinstance(v, str) else v,
}


class ExpressionError(ValueError):
    """An expression that does not parse or names something that is not allowed."""


class _RecordNames:
    """Names for one evaluation: the record's attributes, then fixed constants."""

    __slots__ = ("constants", "record")

    def __init__(self, record: Any, constants: Mapping[str, Any]) -> None:
        self.record = record
        self.constants = constants

    def __getitem__(self, name: str) -> Any:
        if name in self.constants:
            return self.constants[name]
        try:
            return getattr(self.record, name)
        except AttributeError:
            raise KeyError(name) from None


def referenced_names(text: str) -> set[str]:
    """Bare names an expression reads (to check them against the model and find PHI)."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"does not parse: {error.msg}") from None
    called = {
        n.func.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return names - called - {"True", "False", "None"}


def compile_expression(
    text: str,
    functions: Mapping[str, Callable[..., Any]] | None = None,
    constants: Mapping[str, Any] | None = None,
) -> Expression:
    """Parse an expression once; the result evaluates it against a record.

    Args:
        text: the expression from the map.
        functions: extra allowed functions on top of BASE_FUNCTIONS.
        constants: extra names (e.g. run options) visible to the expression.

    Returns:
        A function of the record returning the expression's value.

    Raises:
        ExpressionError: when the expression does not parse.
    """
    referenced_names(text)
    allowed = {**BASE_FUNCTIONS, **(functions or {})}
    parsed = EvalWithCompoundTypes().parse(text.strip())
    fixed = dict(constants or {})
    # An evaluator holds the current names, so each thread gets its own (activities may run
    # in a thread pool); the parsed tree is shared, it is never modified.
    local = threading.local()

    def evaluate(record: Any) -> Any:
        evaluator = getattr(local, "evaluator", None)
        if evaluator is None:
            evaluator = EvalWithCompoundTypes(operators=dict(DEFAULT_OPERATORS), functions=allowed)
            local.evaluator = evaluator
        evaluator.names = _RecordNames(record, fixed)
        return evaluator.eval(text, previously_parsed=parsed)

    return evaluate
