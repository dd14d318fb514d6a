"""Destination-neutral schema vocabulary: what a map needs, what a destination has, the diff.

`SchemaNeeds` is the input of `plan_schema` (the compiled map's per-table needs),
`DestinationSchema` is what `describe()` returns, and `SchemaPlan` is their difference as a list of
actions plus warnings. Destination packages turn actions into their own metadata calls.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ColumnType = Literal[
    "string", "memo", "integer", "decimal", "money", "boolean", "datetime", "date", "choice",
    "multichoice", "lookup", "other",
]  # fmt: skip
KeyStatus = Literal["pending", "active", "failed"]
ActionKind = Literal["create_table", "add_column", "add_options", "create_lookup", "create_key"]
ActionState = Literal["missing", "in_progress", "conflict"]


class ChoiceOption(BaseModel):
    """One option of a choice (pick-list) column."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: int
    label: str


class ColumnNeed(BaseModel):
    """A column the map writes. `targets` are the lookup's target tables (several = polymorphic)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    type: ColumnType
    label: str | None = None
    schema_name: str | None = None
    max_length: int | None = None
    precision: int | None = None
    choices: list[ChoiceOption] = Field(default_factory=list)
    # Pick-list values keyed by text (Salesforce), where `choices` need integer values.
    values: list[str] = Field(default_factory=list)
    targets: list[str] = Field(default_factory=list)
    navigation_property: str | None = None
    relationship: str | None = None
    required: bool = False


class TableNeed(BaseModel):
    """A table the map writes; `key_column` holds the source id and carries the alternate key."""

    model_config = ConfigDict(extra="forbid")

    name: str
    custom: bool
    label: str | None = None
    schema_name: str | None = None
    collection: str | None = None
    key_column: str | None = None
    extra_keys: list[list[str]] = Field(default_factory=list)
    primary_name_column: str | None = None
    columns: list[ColumnNeed] = Field(default_factory=list)


class SchemaNeeds(BaseModel):
    """Everything a confirmed map needs from the destination, table by table."""

    model_config = ConfigDict(extra="forbid")

    map_hash: str | None = None
    tables: list[TableNeed]


class ColumnInfo(BaseModel):
    """A live column as the destination describes it."""

    name: str
    type: ColumnType
    custom: bool = False
    max_length: int | None = None
    choices: list[ChoiceOption] = Field(default_factory=list)
    values: list[str] = Field(default_factory=list)
    targets: list[str] = Field(default_factory=list)


class KeyInfo(BaseModel):
    """A live alternate key / external id and whether it can be used yet."""

    name: str
    columns: list[str]
    status: KeyStatus = "active"


class TableInfo(BaseModel):
    """A live table: its collection (entity set) name, id column, columns and keys."""

    name: str
    collection: str
    primary_id: str
    primary_name: str | None = None
    custom: bool = False
    columns: dict[str, ColumnInfo] = Field(default_factory=dict)
    keys: list[KeyInfo] = Field(default_factory=list)

    def key_on(self, *columns: str) -> KeyInfo | None:
        """The key on exactly these columns (any order), if there is one."""
        wanted = sorted(columns)
        return next((key for key in self.keys if sorted(key.columns) == wanted), None)


class DestinationSchema(BaseModel):
    """The part of the destination's metadata the run cares about."""

    tables: dict[str, TableInfo] = Field(default_factory=dict)


class SchemaAction(BaseModel):
    """One thing the destination lacks. `column` is set for column, lookup and key actions."""

    kind: ActionKind
    table: str
    column: ColumnNeed | None = None
    key_columns: list[str] = Field(default_factory=list)
    table_need: TableNeed | None = None
    options: list[ChoiceOption] = Field(default_factory=list)
    values: list[str] = Field(default_factory=list)
    state: ActionState = "missing"
    note: str | None = None

    def describe(self) -> str:
        """One human-readable line, e.g. `add column new_patient.new_dob (date)`."""
        col = self.column
        if self.kind == "create_table":
            return f"create custom table {self.table}"
        if self.kind == "create_key":
            return f"create alternate key on {self.table}.{'+'.join(self.key_columns)}"
        if self.kind == "add_options":
            labels = ", ".join([f"{o.value}={o.label}" for o in self.options] + self.values)
            return f"add options to {self.table}.{col.name if col else '?'}: {labels}"
        if self.kind == "create_lookup" and col is not None:
            return f"create lookup {self.table}.{col.name} -> {', '.join(col.targets)}"
        assert col is not None
        size = f"({col.max_length})" if col.max_length else ""
        return f"add column {self.table}.{col.name} {col.type}{size}"


class SchemaPlan(BaseModel):
    """What the destination needs before a run may load, with warnings for the operator."""

    destination: str
    needs: SchemaNeeds
    actions: list[SchemaAction] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    custom_tables_total: int = 0

    @property
    def satisfied(self) -> bool:
        """True when nothing is missing, in progress or in conflict."""
        return not self.actions

    def missing(self) -> list[str]:
        """One line per unmet need, for the refusal message of a gated run."""
        return [
            action.describe() + ("" if action.state == "missing" else f" [{action.state}]")
            for action in self.actions
        ]

    def render(self) -> str:
        """The human-readable plan an admin reviews before import or apply."""
        lines = [
            f"Schema plan for {self.destination}"
            + (f" (map {self.needs.map_hash})" if self.needs.map_hash else "")
        ]
        lines.append(f"tables written: {', '.join(t.name for t in self.needs.tables)}")
        lines.append(f"custom tables after apply: {self.custom_tables_total}")
        if self.satisfied:
            lines.append("nothing to do: the destination has everything the map needs")
        for number, line in enumerate(self.missing(), start=1):
            lines.append(f"{number:3}. {line}")
        lines.extend(f"WARNING: {warning}" for warning in self.warnings)
        return "\n".join(lines) + "\n"


class SchemaNotReady(Exception):
    """Raised when a run would load while the plan is not satisfied; names what is missing."""

    def __init__(self, plan: SchemaPlan) -> None:
        self.missing = plan.missing()
        super().__init__("destination schema is not ready: " + "; ".join(self.missing))
