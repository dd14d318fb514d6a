"""Parses an OData `$filter` into a small AST (comparisons, and/or/not, string functions)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Literal

from emulators.dataverse.errors import DataverseError, bad_request

CompareOp = Literal["eq", "ne", "gt", "ge", "lt", "le"]
StringFunction = Literal["contains", "startswith", "endswith"]
COMPARE_OPS: frozenset[str] = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})
FUNCTIONS: frozenset[str] = frozenset({"contains", "startswith", "endswith"})

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<dstring>"(?:[^"\\]|\\.)*")
    | (?P<enum>[A-Za-z][\w.]*'(?:[^']|'')*')
    | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})(?![\w-])
    | (?P<datetime>\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2})?)?)(?![\w])
    | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[mMdDlL]?)(?![\w])
    | (?P<path>[A-Za-z_@$][\w.]*(?:/[A-Za-z_$][\w.]*)*)
    | (?P<punct>[(),=\[\]])
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Literal_:
    """A literal value; `kind` keeps datetimes and guids apart from plain strings."""

    value: object
    kind: Literal["string", "number", "bool", "null", "guid", "datetime", "enum"]


@dataclass(frozen=True)
class Compare:
    """`path op literal`."""

    path: str
    op: CompareOp
    value: Literal_


@dataclass(frozen=True)
class Function:
    """`contains(path, 'x')` and friends."""

    name: StringFunction
    path: str
    value: Literal_


@dataclass(frozen=True)
class QueryFunction:
    """A Dataverse query function, e.g. `Microsoft.Dynamics.CRM.In(PropertyName='x',...)`."""

    name: str
    path: str
    values: tuple[Literal_, ...]


@dataclass(frozen=True)
class Logical:
    """`left and right` / `left or right`."""

    op: Literal["and", "or"]
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    """`not expr`."""

    operand: Node


Node = Compare | Function | QueryFunction | Logical | Not
QUERY_FUNCTION_PREFIX = "Microsoft.Dynamics.CRM."


def _syntax_error(text: str) -> DataverseError:
    return bad_request(f"Syntax error in the $filter expression at position {text}.")


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if match is None or match.end() == pos:
                raise _syntax_error(str(pos))
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind), match.start(kind)))
            pos = match.end()
        self.index = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str, int]:
        token = self.peek()
        if token is None:
            raise bad_request("Syntax error: the $filter expression ended unexpectedly.")
        self.index += 1
        return token

    def expect(self, value: str) -> None:
        _, text, pos = self.take()
        if text != value:
            raise _syntax_error(str(pos))

    def parse(self) -> Node:
        node = self.parse_or()
        if self.peek() is not None:
            raise _syntax_error(str(self.take()[2]))
        return node

    def parse_or(self) -> Node:
        node = self.parse_and()
        while (token := self.peek()) and token[1] == "or":
            self.take()
            node = Logical("or", node, self.parse_and())
        return node

    def parse_and(self) -> Node:
        node = self.parse_unary()
        while (token := self.peek()) and token[1] == "and":
            self.take()
            node = Logical("and", node, self.parse_unary())
        return node

    def parse_unary(self) -> Node:
        token = self.peek()
        if token and token[1] == "not":
            self.take()
            return Not(self.parse_unary())
        if token and token[1] == "(":
            self.take()
            node = self.parse_or()
            self.expect(")")
            return node
        return self.parse_predicate()

    def parse_predicate(self) -> Node:
        kind, text, pos = self.take()
        if kind != "path":
            raise _syntax_error(str(pos))
        if text.startswith(QUERY_FUNCTION_PREFIX):
            return self.parse_query_function(text.removeprefix(QUERY_FUNCTION_PREFIX))
        if text in FUNCTIONS:
            self.expect("(")
            path_kind, path, path_pos = self.take()
            if path_kind != "path":
                raise _syntax_error(str(path_pos))
            self.expect(",")
            value = self.parse_literal()
            self.expect(")")
            return Function(text, path, value)  # type: ignore[arg-type]
        _, op, op_pos = self.take()
        if op not in COMPARE_OPS:
            raise _syntax_error(str(op_pos))
        return Compare(text, op, self.parse_literal())  # type: ignore[arg-type]

    def parse_query_function(self, name: str) -> QueryFunction:
        """`(PropertyName='x'[,PropertyValue=v | ,PropertyValues=[v,...]])`."""
        self.expect("(")
        path = ""
        values: list[Literal_] = []
        while True:
            _, argument, arg_pos = self.take()
            self.expect("=")
            if argument == "PropertyName":
                literal = self.parse_literal()
                path = str(literal.value)
            elif argument == "PropertyValue":
                values.append(self.parse_literal())
            elif argument == "PropertyValues":
                self.expect("[")
                while True:
                    values.append(self.parse_literal())
                    _, separator, sep_pos = self.take()
                    if separator == "]":
                        break
                    if separator != ",":
                        raise _syntax_error(str(sep_pos))
            else:
                raise _syntax_error(str(arg_pos))
            _, closing, close_pos = self.take()
            if closing == ")":
                break
            if closing != ",":
                raise _syntax_error(str(close_pos))
        if not path:
            raise bad_request(f"The query function '{name}' needs a PropertyName.")
        return QueryFunction(name, path, tuple(values))

    def parse_literal(self) -> Literal_:
        kind, text, pos = self.take()
        if kind == "string":
            return Literal_(text[1:-1].replace("''", "'"), "string")
        if kind == "dstring":  # query-function values: PropertyValues=["1","2"]
            return Literal_(json.loads(text), "string")
        if kind == "guid":
            return Literal_(text.lower(), "guid")
        if kind == "datetime":
            return Literal_(text, "datetime")
        if kind == "number":
            raw = text.rstrip("mMdDlL")
            number = float(raw) if any(c in raw for c in ".eE") else int(raw)
            return Literal_(number, "number")
        if kind == "enum":
            return Literal_(text[text.index("'") + 1 : -1], "enum")
        if kind == "path" and text in ("true", "false"):
            return Literal_(text == "true", "bool")
        if kind == "path" and text == "null":
            return Literal_(None, "null")
        raise _syntax_error(str(pos))


def parse_filter(text: str) -> Node:
    """Parses a `$filter` value.

    Raises:
        DataverseError: 400 on a syntax error.
    """
    return _Parser(text).parse()


def paths(node: Node) -> list[str]:
    """Every property path the expression names, in order."""
    if isinstance(node, Compare | Function | QueryFunction):
        return [node.path]
    if isinstance(node, Logical):
        return paths(node.left) + paths(node.right)
    return paths(node.operand)
