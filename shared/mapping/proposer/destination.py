"""Destination map proposal: the pair's default map checked against the destination's live metadata.

Columns the destination already has (by name, or an existing custom column that fits by name and
type) are reused; the rest go to the schema plan. Choice columns are checked against the values
the export actually holds, so an option seen in the data but missing at the destination is listed.

The live side is read through small Protocols, which the destination's `describe()` result
(tables -> columns with types and choices) satisfies without an adapter.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz

from shared.mapping.proposer.models import ColumnsProposal, CustomFieldType
from shared.mapping.proposer.normalise import split_words

DestinationType = Literal[
    "string", "memo", "integer", "decimal", "money", "boolean", "date", "datetime",
    "choice", "multichoice", "lookup", "other",
]  # fmt: skip
Action = Literal[
    "reuse", "create_column", "add_options", "type_conflict", "missing_table", "missing_standard"
]
NAME_FIT = 0.9

# Which live type can hold which wanted type (a memo holds a string, a decimal holds an integer).
_HOLDS: dict[str, frozenset[str]] = {
    "string": frozenset({"string"}),
    "memo": frozenset({"string", "memo"}),
    "integer": frozenset({"integer"}),
    "decimal": frozenset({"integer", "decimal"}),
    "money": frozenset({"integer", "decimal", "money"}),
    "boolean": frozenset({"boolean"}),
    "date": frozenset({"date"}),
    "datetime": frozenset({"date", "datetime"}),
    "choice": frozenset({"choice"}),
    "multichoice": frozenset({"choice", "multichoice"}),
    "lookup": frozenset({"lookup"}),
}
_CUSTOM_TYPES: dict[CustomFieldType, DestinationType] = {
    "text": "string", "number": "decimal", "currency": "money", "date": "date",
    "datetime": "datetime", "boolean": "boolean", "picklist": "choice",
    "multi_select": "multichoice",
}  # fmt: skip


class ChoiceLike(Protocol):
    """An option of a live choice column."""

    @property
    def label(self) -> str: ...


class ColumnLike(Protocol):
    """A live column: its name, type and (for choices) options."""

    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def choices(self) -> Sequence[ChoiceLike]: ...


class TableLike(Protocol):
    """A live table's columns by name."""

    @property
    def columns(self) -> Mapping[str, ColumnLike]: ...


class MetadataLike(Protocol):
    """The destination's live metadata: tables by name."""

    @property
    def tables(self) -> Mapping[str, TableLike]: ...


class WantedColumn(BaseModel):
    """A destination column the default map writes, and the canonical field it is fed from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    table: str
    column: str
    type: DestinationType
    source: str
    choices: list[str] = Field(default_factory=list)
    labels: dict[str, str] = Field(default_factory=dict)  # canonical value -> option label
    custom: bool = True  # False for the platform's own columns, which cannot be created


class OptionProposal(BaseModel):
    """An option a choice column needs: its label, its count in the export, if it exists."""

    model_config = ConfigDict(extra="forbid")

    label: str
    count: int
    exists: bool


class ColumnDecision(BaseModel):
    """What to do about one destination column, and why."""

    model_config = ConfigDict(extra="forbid")

    table: str
    column: str
    type: DestinationType
    source: str
    action: Action
    existing: str | None = None
    reason: str
    options: list[OptionProposal] = Field(default_factory=list)
    fed_by: str | None = None  # the export column that feeds it, if any


class LiveChoice(BaseModel):
    """An option as `describe()` reports it."""

    model_config = ConfigDict(extra="ignore")

    value: int | str
    label: str


class LiveColumn(BaseModel):
    """A column as `describe()` reports it (other attributes ignored)."""

    model_config = ConfigDict(extra="ignore")

    name: str
    type: str
    choices: list[LiveChoice] = Field(default_factory=list)


class LiveTable(BaseModel):
    """A table as `describe()` reports it."""

    model_config = ConfigDict(extra="ignore")

    columns: dict[str, LiveColumn] = Field(default_factory=dict)


class LiveMetadata(BaseModel):
    """`describe()` output read back from JSON (e.g. a file saved by the operator)."""

    model_config = ConfigDict(extra="ignore")

    tables: dict[str, LiveTable] = Field(default_factory=dict)


class DestinationMapProposal(BaseModel):
    """Every column decision; the ones that change the destination form the schema plan."""

    model_config = ConfigDict(extra="forbid")

    decisions: list[ColumnDecision]

    @property
    def reused(self) -> list[ColumnDecision]:
        """Columns the destination already has."""
        return [d for d in self.decisions if d.action == "reuse"]

    @property
    def schema_plan(self) -> list[ColumnDecision]:
        """Columns, options and tables the destination must get before the run."""
        return [d for d in self.decisions if d.action != "reuse"]


def _bare(name: str, prefix: str) -> str:
    """A name without publisher prefix or '__c' suffix: 'new_NHSNumber' -> 'nhsnumber'."""
    return "".join(split_words(name.removeprefix(prefix).removesuffix("__c")))


def _fitting_column(
    table: TableLike, wanted: WantedColumn, prefix: str
) -> tuple[ColumnLike, float] | None:
    """An existing column named like the wanted one (prefix-free) whose type can hold it."""
    best: tuple[ColumnLike, float] | None = None
    target = _bare(wanted.column, prefix)
    for column in table.columns.values():
        if wanted.type not in _HOLDS.get(column.type, frozenset()):
            continue
        score = fuzz.ratio(target, _bare(column.name, prefix)) / 100
        if score >= NAME_FIT and (best is None or score > best[1]):
            best = (column, score)
    return best


def _options(wanted_labels: Counter[str], live: ColumnLike | None) -> list[OptionProposal]:
    existing = {fold_label(c.label) for c in live.choices} if live is not None else set()
    return [
        OptionProposal(label=label, count=count, exists=fold_label(label) in existing)
        for label, count in wanted_labels.most_common()
    ]


def fold_label(label: str) -> str:
    """An option label as compared across systems: 'No Show' == 'no_show' == 'NoShow'."""
    return "".join(split_words(label))


def decide_column(
    wanted: WantedColumn, live: MetadataLike, seen: Counter[str] | None = None, prefix: str = ""
) -> ColumnDecision:
    """Reuse, create, extend or flag one wanted column against the live metadata.

    Args:
        wanted: The column the map writes.
        live: The destination's metadata.
        seen: For a choice column, the option labels the export needs, with counts.
        prefix: The publisher prefix, ignored when comparing custom column names.
    """

    def decision(action: Action, reason: str, **extra: object) -> ColumnDecision:
        return ColumnDecision.model_validate({
            "table": wanted.table, "column": wanted.column, "type": wanted.type,
            "source": wanted.source, "action": action, "reason": reason, **extra,
        })  # fmt: skip

    table = live.tables.get(wanted.table)
    if table is None:
        return decision("missing_table", f"table '{wanted.table}' does not exist")
    labels = seen if seen is not None else Counter(dict.fromkeys(wanted.choices, 0))
    exact = table.columns.get(wanted.column)
    if exact is not None and wanted.type not in _HOLDS.get(exact.type, frozenset()):
        reason = f"exists as {exact.type}, which cannot hold {wanted.type}"
        return decision("type_conflict", reason, existing=exact.name)
    found = (exact, 1.0) if exact is not None else _fitting_column(table, wanted, prefix)
    if found is None and not wanted.custom:
        reason = "a standard column is missing: check the edition or the describe() scope"
        return decision("missing_standard", reason)
    if found is None:
        reason = f"no {wanted.type} column like '{wanted.column}' exists"
        return decision("create_column", reason, options=_options(labels, None))
    column, score = found
    options = _options(labels, column) if wanted.type in ("choice", "multichoice") else []
    how = "exists" if score == 1.0 else f"'{column.name}' fits ({round(score * 100)}%)"
    missing = [o for o in options if not o.exists]
    if missing:
        reason = f"{how}; lacks {len(missing)} option(s) the export uses"
        return decision("add_options", reason, existing=column.name, options=options)
    return decision("reuse", f"{how} as {column.type}", existing=column.name, options=options)


def propose_destination_map(
    wanted: Sequence[WantedColumn],
    live: MetadataLike,
    proposal: ColumnsProposal,
    *,
    object_table: str,
    prefix: str = "new_",
    suffix: str = "",
) -> DestinationMapProposal:
    """Checks the default map's columns and the proposal's custom fields against live metadata.

    Args:
        wanted: Columns the pair's default map writes for this object.
        live: The destination's metadata (`describe()`).
        proposal: The confirmed-to-be column proposal (custom fields, value maps).
        object_table: The destination table the object lands in ('contact').
        prefix: Publisher prefix for new custom columns (Dataverse 'new_').
        suffix: Suffix for new custom columns (Salesforce '__c').
    """
    seen = _canonical_counts(proposal)
    feeders: dict[str, str] = {}
    for column in proposal.columns:
        if column.field:
            feeders[column.field] = column.column
            root = column.field.removesuffix(".date").removesuffix(".time")
            if root != column.field:  # 'start.date' and 'start.time' together feed 'start'
                feeders[root] = (
                    f"{feeders[root]} + {column.column}" if root in feeders else column.column
                )
    decisions = []
    for want in wanted:
        counts = _as_labels(seen[want.source], want.labels) if want.source in seen else None
        decision = decide_column(want, live, counts, prefix)
        decisions.append(decision.model_copy(update={"fed_by": feeders.get(want.source)}))
    for column in proposal.columns:
        custom = column.custom_field
        if custom is None:
            continue
        counts = Counter(dict(zip(custom.options or [], custom.counts or [], strict=False)))
        want = WantedColumn(table=object_table, column=f"{prefix}{custom.name}{suffix}",
                            type=_CUSTOM_TYPES[custom.type], source=column.column,
                            choices=custom.options or [])  # fmt: skip
        decision = decide_column(want, live, counts or None, prefix)
        decisions.append(decision.model_copy(update={"fed_by": column.column}))
    return DestinationMapProposal(decisions=decisions)


def _as_labels(canonical: Counter[str], labels: Mapping[str, str]) -> Counter[str]:
    """Canonical value counts as the destination's option labels (unmapped values keep theirs)."""
    found: Counter[str] = Counter()
    for value, count in canonical.items():
        found[labels.get(value, value)] += count
    return found


def _canonical_counts(proposal: ColumnsProposal) -> dict[str, Counter[str]]:
    """Canonical field -> canonical values with how many export rows carry each."""
    found: dict[str, Counter[str]] = {}
    for value_map in proposal.value_maps:
        counter = found.setdefault(value_map.field, Counter())
        for entry in value_map.entries:
            if entry.canonical is not None:
                counter[entry.canonical] += entry.count
    return found
