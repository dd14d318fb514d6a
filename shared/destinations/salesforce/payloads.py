"""Payload rows as Bulk API 2.0 CSV and as sObject JSON, and result CSVs back into dicts.

A payload column is either a field (`LastName`) or a relationship column that binds a lookup by
the parent's external id (`Contact__r.Source_Id__c`, polymorphic `Contact:Who.Source_Id__c`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

NULL = "#N/A"
AUDIT_FIELDS = frozenset({"CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById"})


def is_relationship(column: str) -> bool:
    """True for `Rel.Field` columns."""
    return "." in column


def lookup_field(column: str) -> str:
    """The id field a relationship column fills: `Contact__r.X` -> `Contact__c`, `Account.X` ->
    `AccountId`, `Contact:Who.X` -> `WhoId`."""
    relationship = column.split(".", 1)[0].rpartition(":")[2]
    if relationship.endswith("__r"):
        return relationship[:-3] + "__c"
    return relationship + "Id"


def render(value: Any, *, null: str) -> str:
    """One CSV cell: booleans as true/false, dateTimes in UTC with Z, None as `null`."""
    if value is None:
        return null
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)  # multi-select pick-lists
    return str(value)


def columns_of(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every column any row has, in first-seen order."""
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def to_csv(rows: Sequence[Mapping[str, Any]], *, updates: bool) -> str:
    """A Bulk CSV: a column a row lacks stays empty (no value / unchanged); an explicit None
    becomes `#N/A` on jobs that may update (set null), empty on pure inserts."""
    columns = columns_of(rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    null = NULL if updates else ""
    for row in rows:
        writer.writerow(render(row[c], null=null) if c in row else "" for c in columns)
    return out.getvalue()


def to_sobject(row: Mapping[str, Any], object_name: str | None = None) -> dict[str, Any]:
    """A JSON sObject; relationship columns become nested `{"Rel": {"Field": value}}`."""
    body: dict[str, Any] = {}
    if object_name is not None:
        body["attributes"] = {"type": object_name}
    for column, value in row.items():
        if not is_relationship(column):
            body[column] = _json_value(value)
            continue
        path, field = column.split(".", 1)
        type_name, _, relationship = path.rpartition(":")
        if value is None:
            body[lookup_field(column)] = None
            continue
        nested = body.setdefault(relationship, {})
        if type_name:
            nested["attributes"] = {"type": type_name}
        nested[field] = _json_value(value)
    return body


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    return render(value, null="")


def parse_csv(text: str) -> list[dict[str, str]]:
    """A result CSV as dicts (Salesforce quotes the sf__ columns; csv handles both)."""
    return list(csv.DictReader(io.StringIO(text)))
