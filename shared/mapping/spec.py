"""The map format: YAML under mappings/, validated into these models before anything compiles.

A map names, per destination object (a *table entry*), the target table, the canonical object it
reads, the key, field rules, lookups, filters and a validation policy. Names are written as the
destination spells them; Dataverse custom names use the default publisher prefix `new_`, which
the loader rewrites when a run configures another prefix.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Destination = Literal["dataverse", "salesforce"]
ColumnType = Literal[
    "string", "memo", "integer", "decimal", "money", "datetime", "dateonly", "boolean",
    "choice", "multichoice",
]  # fmt: skip
Policy = Literal["reject_row", "drop_value", "fail_batch"]
Unmapped = Literal["reject_row", "drop_value", "fail_batch", "use_default", "pass_through"]
Operation = Literal["upsert", "match", "export"]
TextFormat = Literal["strip", "upper", "lower", "title", "html_to_text", "text_to_html"]
PhiCategory = Literal["identifying", "contact", "clinical", "financial"]
PartyRole = Literal["organizer", "required_attendee", "optional_attendee"]

ChoiceValue = int | str
Target = int | str | bool | None


def _as_int(key: Any) -> Any:
    return int(key) if isinstance(key, str) and key.isdigit() else key


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ValueMapEntry(_Strict):
    """One source value and the destination value (option label or value) it becomes."""

    source: str
    target: Target
    confidence: float | None = None
    reason: str | None = None


class ValueMap(_Strict):
    """Source values -> destination values for a pick-list; what the proposer fills in.

    `entries` may be written as a YAML mapping (`DNA: No Show`) or as a list of entries with the
    proposer's confidence and reason. Matching ignores case and surrounding space unless
    `case_sensitive` is set.
    """

    entries: list[ValueMapEntry] = Field(default_factory=list)
    on_unmapped: Unmapped = "reject_row"
    default: Target = None
    case_sensitive: bool = False

    @model_validator(mode="before")
    @classmethod
    def _entries_from_mapping(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("entries"), dict):
            data = {**data}
            data["entries"] = [
                {"source": str(key), "target": value} for key, value in data["entries"].items()
            ]
        return data


class FieldRule(_Strict):
    """How one destination column is filled: from a source path, an expression or a constant."""

    source: str | list[str] | None = Field(default=None, alias="from")
    expr: str | None = None
    const: Any = None
    type: ColumnType = "string"
    label: str | None = None
    max_length: int | None = None
    precision: int | None = None
    truncate: bool = False
    join: str | None = None
    format: list[TextFormat] = Field(default_factory=list)
    options: dict[ChoiceValue, str] | None = None
    value_map: str | ValueMap | None = None
    required: bool = False
    on_invalid: Policy | None = None
    phi: PhiCategory | None = None
    confidence: float | None = None
    reason: str | None = None

    @field_validator("options", mode="before")
    @classmethod
    def _numeric_option_values(cls, value: Any) -> Any:
        # JSON turns integer keys into text; option values that are digits are integers.
        if isinstance(value, dict):
            return {_as_int(k): v for k, v in value.items()}
        return value

    def describe(self) -> str:
        """The transformation in words, for the proposal table and the field-level diff."""
        if self.expr is not None:
            steps = [f"expr {self.expr}"]
        elif isinstance(self.source, list):
            steps = [f"first of {', '.join(self.source)}"]
        elif self.source is not None:
            steps = [f"from {self.source}"]
        else:
            steps = [f"constant {self.const!r}"]
        if self.value_map is not None:
            name = self.value_map if isinstance(self.value_map, str) else "(inline)"
            steps.append(f"value map {name}")
        steps += [f"format {f}" for f in self.format]
        if self.join is not None:
            steps.append(f"join {self.join!r}")
        kind: str = self.type
        if self.max_length and kind in ("string", "memo"):
            kind += f"({self.max_length}{', truncated' if self.truncate else ''})"
        steps.append(kind)
        return " -> ".join(steps)

    @model_validator(mode="after")
    def _one_source(self) -> FieldRule:
        given = [self.source is not None, self.expr is not None, self.const is not None]
        if sum(given) != 1:
            raise ValueError("give exactly one of 'from', 'expr' or 'const'")
        if self.type in ("choice", "multichoice") and not self.options:
            raise ValueError(f"a {self.type} column needs 'options' (value -> label)")
        return self


class LookupCandidate(_Strict):
    """One way to fill a lookup: a source field holding the parent's source id, a constant
    source id, or `ref`: a destination record the run names (price list, unit group)."""

    source: str | None = Field(default=None, alias="from")
    const: str | None = None
    ref: str | None = None
    to: str | None = None
    nav: str | None = None
    by: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> LookupCandidate:
        if sum(x is not None for x in (self.source, self.const, self.ref)) != 1:
            raise ValueError("give exactly one of 'from', 'const' or 'ref'")
        if self.ref is None and self.to is None:
            raise ValueError("'from' and 'const' need 'to' (the table entry looked up)")
        return self


class LookupRule(_Strict):
    """A lookup column bound by the parent's key; the first candidate with a value wins.

    `to` is a table entry of the same map, or `user` for a destination user resolved by the
    run's owner directory. `deferred` lookups are written in a second pass (cycles, self-links).
    """

    source: str | None = Field(default=None, alias="from")
    const: str | None = None
    ref: str | None = None
    to: str | None = None
    by: str | None = None
    column: str | None = None
    label: str | None = None
    candidates: list[LookupCandidate] = Field(default_factory=list)
    required: bool = False
    deferred: bool = False

    @model_validator(mode="after")
    def _shape(self) -> LookupRule:
        if self.candidates and (self.source or self.const or self.ref or self.to):
            raise ValueError("use either 'candidates' or the single-candidate form, not both")
        if not self.candidates:
            self.candidates = [
                LookupCandidate(
                    source=self.source, const=self.const, ref=self.ref, to=self.to, by=self.by
                )
            ]
            self.source = self.const = self.ref = self.to = self.by = None
        return self

    def all_candidates(self) -> list[LookupCandidate]:
        """The candidates in the order they are tried."""
        return self.candidates


class OwnerRule(_Strict):
    """Who owns the row: the staff member in `from`, resolved to a destination user by e-mail."""

    source: str = Field(alias="from")


class PartyRule(_Strict):
    """An activity party (attendee / organizer) of a Dataverse appointment."""

    role: PartyRole
    source: str = Field(alias="from")
    to: str


class StateRule(_Strict):
    """A status that can only be set after create (Dataverse appointment statecode/statuscode)."""

    source: str = Field(alias="from")
    value_map: str | ValueMap
    columns: list[str] = Field(default_factory=lambda: ["statecode", "statuscode"])
    states: dict[str, list[int]]


class AttachmentRule(_Strict):
    """The staged file that goes with a note/document; the writer reads the bytes."""

    path: str = "source_path"
    file_name: str = "file_name"
    mime_type: str = "mime_type"
    size: str = "size_bytes"
    sha256: str = "sha256"
    max_bytes: int = 5_242_880
    measured_on: Literal["raw", "base64"] = "base64"


class FilterRule(_Strict):
    """Rows for which `when` is true are skipped (counted, not written) or rejected."""

    when: str
    action: Literal["skip", "reject"] = "skip"
    reason: str


class MatchRule(_Strict):
    """`operation: match`: the row updates an existing record found by this column."""

    column: str
    source: str = Field(alias="from")


class KeySpec(_Strict):
    """The source key: which column carries it and which record it names.

    By default a row's key is its own record's key. `from` + `kind` point the row at another
    record instead (e.g. a patient's insurance fields merged onto that patient's Contact).
    """

    column: str | None = None
    source: str | None = Field(default=None, alias="from")
    kind: str | None = None


class CustomFieldsRule(_Strict):
    """Practice-defined fields become columns; types follow the definition's data type."""

    prefix: str = "new_"
    suffix: str = ""
    type_map: dict[str, ColumnType] = Field(
        default_factory=lambda: {  # type: ignore[arg-type,return-value]
            "text": "string",
            "picklist": "choice",
            "multi_picklist": "memo",
            "date": "dateonly",
            "bool": "boolean",
            "number": "decimal",
            "currency": "money",
        }
    )
    join: str = "; "
    max_length: int = 200


class StaticRow(_Strict):
    """A row the map itself supplies (e.g. the 'Individual Patient' default account)."""

    id: str
    values: dict[str, Any]


class TableSpec(_Strict):
    """One destination object fed from one canonical object kind."""

    table: str
    entity_set: str | None = None
    display_name: str | None = None
    primary_name: str | None = None
    custom: bool | None = None
    source: str | None = None
    operation: Operation = "upsert"
    enabled: bool = True
    when_option: dict[str, str] = Field(default_factory=dict)
    key: KeySpec = Field(default_factory=KeySpec)
    match: MatchRule | None = None
    fields: dict[str, FieldRule] = Field(default_factory=dict)
    lookups: dict[str, LookupRule] = Field(default_factory=dict)
    owner: OwnerRule | None = None
    parties: list[PartyRule] = Field(default_factory=list)
    state: StateRule | None = None
    attachment: AttachmentRule | None = None
    custom_fields: CustomFieldsRule | None = None
    filters: list[FilterRule] = Field(default_factory=list)
    static_rows: list[StaticRow] = Field(default_factory=list)
    policy: Policy = "reject_row"
    created_on: str | None = "created_at_source"
    phi_category: PhiCategory | None = None
    seed_rows: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shape(self) -> TableSpec:
        if self.source is None and not self.static_rows:
            raise ValueError("a table entry needs 'source' (a canonical kind) or 'static_rows'")
        if self.operation == "match" and self.match is None:
            raise ValueError("operation 'match' needs a 'match' rule")
        return self


class RunOption(_Strict):
    """A per-run choice the operator makes (e.g. billing -> Opportunity or custom table)."""

    choices: list[str]
    default: str
    description: str = ""

    @model_validator(mode="after")
    def _default_is_a_choice(self) -> RunOption:
        if self.default not in self.choices:
            raise ValueError(f"default {self.default!r} is not one of the choices")
        return self


class ProvenanceSpec(_Strict):
    """Columns every written row carries so rollback and reconciliation can find it."""

    key_column: str
    source_system_column: str
    run_id_column: str
    created_on_column: str | None


class MapSpec(_Strict):
    """A whole destination map, after layering a pair's overrides on the destination default."""

    name: str
    destination: Destination
    source_system: str | None = None
    seed: str | None = None
    description: str = ""
    publisher_prefix: str = "new"
    timezone: str = "UTC"
    provenance: ProvenanceSpec
    options: dict[str, RunOption] = Field(default_factory=dict)
    value_maps: dict[str, ValueMap] = Field(default_factory=dict)
    tables: dict[str, TableSpec]


def map_document(spec: MapSpec) -> dict[str, Any]:
    """The map as plain JSON data (what proposals, confirmations and hashes are made of)."""
    return spec.model_dump(mode="json", by_alias=True)
