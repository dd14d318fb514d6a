"""A small SOQL: SELECT fields / COUNT() / SUM() ... FROM one object, WHERE, GROUP BY, ORDER BY,
LIMIT and OFFSET, compiled to one SQLite statement over the JSON record bodies."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from emulators.salesforce.catalog import ObjectDef
from emulators.salesforce.errors import SalesforceError, bad_request
from emulators.salesforce.org import Caller, Org
from emulators.salesforce.store import field_expr
from emulators.salesforce.values import format_datetime, parse_datetime

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*')|(?P<number>-?\d+(?:\.\d+)?(?![\w:-]))"
    r"|(?P<datetime>\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:?\d{2}))|(?P<date>\d{4}-\d{2}-\d{2})"
    r"|(?P<op>!=|<=|>=|<>|[=<>(),])|(?P<word>[A-Za-z_][\w.]*))"
)
_AGGREGATES = {"COUNT", "SUM", "MIN", "MAX", "AVG"}
_KEYWORDS = {
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP",
    "ORDER",
    "BY",
    "LIMIT",
    "OFFSET",
    "AND",
    "OR",
    "NOT",
    "IN",
    "LIKE",
    "ASC",
    "DESC",
    "NULLS",
    "FIRST",
    "LAST",
}


def malformed(message: str) -> SalesforceError:
    """400 MALFORMED_QUERY."""
    return bad_request("MALFORMED_QUERY", message)


@dataclass
class Token:
    """One lexical token: kind (string, number, date, datetime, op, word) and text."""

    kind: str
    text: str


def tokenize(soql: str) -> list[Token]:
    """Splits a query into tokens; MALFORMED_QUERY on anything unexpected."""
    tokens: list[Token] = []
    position = 0
    text = soql.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise malformed(f"unexpected token at position {position}")
        kind = match.lastgroup or "op"
        tokens.append(Token(kind, match.group(kind)))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
    return tokens


@dataclass
class SelectItem:
    """A selected field or aggregate."""

    field: str | None
    function: str | None = None
    alias: str | None = None


@dataclass
class Query:
    """The parsed query."""

    items: list[SelectItem]
    object_name: str
    where: str = ""
    params: list[Any] = field(default_factory=list)
    group_by: list[str] = field(default_factory=list)
    order_by: list[tuple[str, bool]] = field(default_factory=list)
    limit: int | None = None
    offset: int = 0


class _Parser:
    def __init__(self, tokens: list[Token], org: Org, caller: Caller) -> None:
        self.tokens, self.pos, self.org, self.caller = tokens, 0, org, caller
        self.obj: ObjectDef | None = None

    def peek(self, offset: int = 0) -> Token | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def keyword(self, *words: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "word" and token.text.upper() in words:
            self.pos += 1
            return True
        return False

    def expect(self, text: str) -> None:
        token = self.peek()
        if token is None or token.text.upper() != text:
            raise malformed(f"expected {text}")
        self.pos += 1

    def word(self) -> str:
        token = self.peek()
        if token is None or token.kind != "word":
            raise malformed("expected a field or object name")
        self.pos += 1
        return token.text

    def parse(self) -> Query:
        self.expect("SELECT")
        raw_items = self.select_items()
        self.expect("FROM")
        name = self.word()
        obj = self.org.object(name, self.caller)
        if obj is None:
            raise bad_request("INVALID_TYPE", f"sObject type '{name}' is not supported.")
        self.obj = obj
        items = [self.resolve_item(i) for i in raw_items]
        query = Query(items, obj.name)
        if self.keyword("WHERE"):
            query.where = self.expression(query.params)
        if self.keyword("GROUP"):
            self.expect("BY")
            query.group_by.append(self.field_name(self.word()))
            while self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
                self.pos += 1
                query.group_by.append(self.field_name(self.word()))
        if self.keyword("ORDER"):
            self.expect("BY")
            while True:
                name = self.field_name(self.word())
                descending = self.keyword("DESC")
                self.keyword("ASC")
                if self.keyword("NULLS"):
                    self.keyword("FIRST", "LAST")
                query.order_by.append((name, descending))
                if self.peek() is None or self.peek().text != ",":  # type: ignore[union-attr]
                    break
                self.pos += 1
        if self.keyword("LIMIT"):
            query.limit = int(self.number())
        if self.keyword("OFFSET"):
            query.offset = int(self.number())
        if self.peek() is not None:
            raise malformed(f"unexpected token '{self.peek().text}'")  # type: ignore[union-attr]
        return query

    def number(self) -> float:
        token = self.peek()
        if token is None or token.kind != "number":
            raise malformed("expected a number")
        self.pos += 1
        return float(token.text)

    def select_items(self) -> list[SelectItem]:
        items = []
        while True:
            name = self.word()
            if name.upper() in _AGGREGATES and self.peek() and self.peek().text == "(":  # type: ignore[union-attr]
                self.pos += 1
                argument = None if self.peek() and self.peek().text == ")" else self.word()  # type: ignore[union-attr]
                self.expect(")")
                item = SelectItem(argument, name.upper())
                token = self.peek()
                if token and token.kind == "word" and token.text.upper() not in _KEYWORDS:
                    item.alias = self.word()
                items.append(item)
            else:
                items.append(SelectItem(name))
            if self.peek() is None or self.peek().text != ",":  # type: ignore[union-attr]
                return items
            self.pos += 1

    def resolve_item(self, item: SelectItem) -> SelectItem:
        if item.field is not None:
            item.field = self.field_name(item.field)
        return item

    def field_name(self, name: str) -> str:
        assert self.obj is not None
        f = self.org.visible_field(self.obj, name, self.caller)
        if f is None:
            raise bad_request(
                "INVALID_FIELD", f"No such column '{name}' on entity '{self.obj.name}'."
            )
        return f.name

    def expression(self, params: list[Any]) -> str:
        parts = [self.conjunction(params)]
        while self.keyword("OR"):
            parts.append(self.conjunction(params))
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def conjunction(self, params: list[Any]) -> str:
        parts = [self.factor(params)]
        while self.keyword("AND"):
            parts.append(self.factor(params))
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"

    def factor(self, params: list[Any]) -> str:
        if self.keyword("NOT"):
            return f"NOT ({self.factor(params)})"
        token = self.peek()
        if token is not None and token.text == "(":
            self.pos += 1
            inner = self.expression(params)
            self.expect(")")
            return f"({inner})"
        name = self.field_name(self.word())
        column = field_expr(name)
        negate = self.keyword("NOT")
        if self.keyword("IN"):
            self.expect("(")
            values = [self.literal()]
            while self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
                self.pos += 1
                values.append(self.literal())
            self.expect(")")
            params.extend(values)
            marks = ",".join("?" * len(values))
            collate = " COLLATE NOCASE" if all(isinstance(v, str) for v in values) else ""
            return f"{column}{collate} {'NOT ' if negate else ''}IN ({marks})"
        if self.keyword("LIKE"):
            params.append(self.literal())
            return f"{column} LIKE ?"
        op_token = self.peek()
        if op_token is None or op_token.kind != "op":
            raise malformed("expected an operator")
        self.pos += 1
        op = "!=" if op_token.text == "<>" else op_token.text
        value = self.literal()
        if value is None:
            if op not in ("=", "!="):
                raise malformed("null only compares with = or !=")
            return f"{column} IS {'NOT ' if op == '!=' else ''}NULL"
        params.append(value)
        collate = " COLLATE NOCASE" if isinstance(value, str) else ""
        if op == "!=":
            return f"({column} IS NULL OR {column}{collate} != ?)"
        return f"{column}{collate} {op} ?"

    def literal(self) -> Any:
        token = self.peek()
        if token is None:
            raise malformed("expected a value")
        self.pos += 1
        if token.kind == "string":
            return re.sub(r"\\(.)", r"\1", token.text[1:-1])
        if token.kind == "number":
            return float(token.text) if "." in token.text else int(token.text)
        if token.kind == "date":
            return token.text
        if token.kind == "datetime":
            moment = parse_datetime(token.text)
            if moment is None:
                raise malformed("bad dateTime literal")
            return format_datetime(moment)
        if token.kind == "word" and token.text.lower() in ("true", "false"):
            return 1 if token.text.lower() == "true" else 0
        if token.kind == "word" and token.text.lower() == "null":
            return None
        raise malformed(f"unexpected value '{token.text}'")


def parse(soql: str, org: Org, caller: Caller) -> Query:
    """Parses a query against the caller's view of the org."""
    return _Parser(tokenize(soql), org, caller).parse()


def execute(
    query: Query, org: Org, *, include_deleted: bool = False
) -> tuple[int, list[dict[str, Any]]]:
    """Runs the query: (totalSize, records) as the REST query resource returns them."""
    where = ["object = ?"] + ([] if include_deleted else ["deleted = 0"])
    params: list[Any] = [query.object_name]
    if query.where:
        where.append(query.where)
        params.extend(query.params)
    clause = " AND ".join(where)
    aggregates = [i for i in query.items if i.function]
    if (
        aggregates
        and len(query.items) == 1
        and aggregates[0].function == "COUNT"
        and not aggregates[0].field
        and not query.group_by
    ):
        total = org.store.query(f"SELECT COUNT(*) FROM records WHERE {clause}", params)[0][0]  # noqa: S608
        return int(total), []
    if aggregates:
        return _aggregate(query, clause, params, org)
    sql = f"SELECT body FROM records WHERE {clause}"  # noqa: S608 - names are checked
    sql += _order(query) + _limit(query)
    names = [i.field for i in query.items if i.field]
    records = []
    for (body,) in org.store.query(sql, params):
        record = json.loads(body)
        out: dict[str, Any] = {
            "attributes": {
                "type": query.object_name,
                "url": f"/services/data/v62.0/sobjects/{query.object_name}/{record['Id']}",
            }
        }
        for name in names:
            out[name] = record.get(name)
        records.append(out)
    return len(records), records


def _order(query: Query) -> str:
    if not query.order_by:
        return " ORDER BY id"
    return " ORDER BY " + ", ".join(
        f"{field_expr(name)}{' DESC' if descending else ''}" for name, descending in query.order_by
    )


def _limit(query: Query) -> str:
    if query.limit is None and not query.offset:
        return ""
    return (
        f" LIMIT {int(query.limit if query.limit is not None else -1)} OFFSET {int(query.offset)}"
    )


def _aggregate(
    query: Query, clause: str, params: list[Any], org: Org
) -> tuple[int, list[dict[str, Any]]]:
    columns, names = [], []
    expr_number = 0
    for item in query.items:
        if item.function:
            argument = "*" if not item.field else field_expr(item.field)
            columns.append(f"{item.function}({argument})")
            if item.alias:
                names.append(item.alias)
            else:
                names.append(f"expr{expr_number}")
                expr_number += 1
        else:
            assert item.field is not None
            if item.field not in query.group_by:
                raise malformed(f"field {item.field} must be grouped or aggregated")
            columns.append(field_expr(item.field))
            names.append(item.field)
    sql = f"SELECT {', '.join(columns)} FROM records WHERE {clause}"  # noqa: S608
    if query.group_by:
        sql += " GROUP BY " + ", ".join(field_expr(g) for g in query.group_by)
    sql += _limit(query)
    records = [
        {"attributes": {"type": "AggregateResult"}, **dict(zip(names, row, strict=True))}
        for row in org.store.query(sql, params)
    ]
    return len(records), records
