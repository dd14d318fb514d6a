"""What a write carries per record (values and relationship columns) and what became of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from emulators.salesforce.catalog import ObjectDef
from emulators.salesforce.errors import RowError

Operation = Literal["insert", "update", "upsert"]


@dataclass
class RefInput:
    """A relationship column: `[Type:]Relationship.Field = value`."""

    relationship: str
    field: str
    value: Any
    type_name: str | None = None


@dataclass
class RowInput:
    """One record as sent: plain field values and relationship columns."""

    values: dict[str, Any]
    refs: list[RefInput] = field(default_factory=list)


@dataclass
class Outcome:
    """What happened to one record."""

    id: str | None = None
    created: bool = False
    error: RowError | None = None


def invalid_field(obj: ObjectDef, name: str) -> RowError:
    """The error for a field that does not exist or that FLS hides."""
    return RowError(
        "INVALID_FIELD", f"No such column '{name}' on sobject of type {obj.name}", [name]
    )
