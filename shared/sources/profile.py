"""Source profiles: the YAML in mappings/sources/<source>.yaml, validated into pydantic models.

A profile says, per canonical object kind, which files hold it, how they are encoded and laid out,
and which column feeds which canonical field with which parser. Errors name the YAML file and the
path inside it (``objects.patient.columns.DOB.parse``) so a migration engineer can fix the profile.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from shared.model import OBJECT_KINDS, SourceSystem
from shared.sources.parsers.teeth import ToothNotationHint
from shared.sources.parsers.text import DEFAULT_FALSE, DEFAULT_TRUE, CaseFolding

Delimiter = Literal["auto", ",", ";", "\t", "|"]
# "auto" picks the parser from the target field's type; the name parsers write several fields.
ParseKind = Literal[
    "auto", "text", "date", "datetime", "time", "decimal", "int", "bool", "enum",
    "name_last_first", "name_first_last",
]  # fmt: skip
OnUnknown = Literal["other", "quarantine", "warn", "keep"]

PROFILES_DIR = Path(__file__).resolve().parents[2] / "mappings" / "sources"


def kind_of(key: str) -> str:
    """The object kind of a profile's object key: 'staff' and 'staff/users' are both staff.

    A suffix lets one kind come from several differently shaped files (clinicians and users).
    """
    return key.partition("/")[0]


class ProfileError(ValueError):
    """A profile is invalid; the message names the file and the path inside it."""


class Locale(BaseModel):
    """How a file's text is encoded and how its dates, numbers and enumerations are written."""

    model_config = ConfigDict(extra="forbid")

    encoding: str = "auto"
    encoding_candidates: list[str] = Field(default_factory=lambda: ["cp1252"])
    delimiter: Delimiter = "auto"
    date_formats: list[str] = Field(default_factory=lambda: ["yyyy-MM-dd"])
    datetime_formats: list[str] = Field(default_factory=list)
    time_formats: list[str] = Field(default_factory=lambda: ["HH:mm", "HH:mm:ss"])
    century_pivot: int = Field(default=30, ge=0, le=100)
    decimal_separator: Literal[".", ","] = "."
    group_separator: Literal[",", ".", " ", "'", ""] = ","
    currency_symbols: list[str] = Field(default_factory=list)
    tooth_notation: ToothNotationHint = "auto"
    casefold: CaseFolding = "default"
    null_values: list[str] = Field(default_factory=lambda: ["NULL", "N/A", "0001-01-01"])
    true_values: list[str] = Field(default_factory=lambda: list(DEFAULT_TRUE))
    false_values: list[str] = Field(default_factory=lambda: list(DEFAULT_FALSE))


class Defaults(BaseModel):
    """Values the export does not carry per row: applied where the canonical model has the field."""

    model_config = ConfigDict(extra="forbid")

    currency: str | None = None
    country: str | None = None
    phone_region: str | None = None
    timezone: str | None = None


class ColumnSpec(BaseModel):
    """One source column and the canonical field it feeds.

    `to` is a field path on the object's model: ``given_name``, ``identifiers.gb-nhs``,
    ``identifiers.au-medicare.irn``, ``contact_points.mobile``, ``contact_points.phone.work``,
    ``address.postcode``, ``code.code``, ``custom.<key>``, ``flags.<label>``. The parser defaults to
    the field's type (date, datetime, decimal, int, bool, enumeration, list, text). `copy_to`
    sends the same cell to more fields (an id that is also a number); `also` sets constants when
    the cell is not empty (the payment method of a per-method amount column).
    """

    model_config = ConfigDict(extra="forbid")

    to: str
    parse: ParseKind = "auto"
    formats: list[str] | None = None
    map: str | None = None
    on_unknown: OnUnknown | None = None
    split: str = ";"
    zero_pad: int | None = Field(default=None, ge=1, le=20)
    part: Literal["date", "time"] | None = None
    notation: ToothNotationHint | None = None
    template: str | None = None
    copy_to: list[str] = Field(default_factory=list)
    also: dict[str, str] = Field(default_factory=dict)
    aliases: list[str] = Field(default_factory=list)
    required: bool = False


class ObjectSpec(BaseModel):
    """Where one object kind lives in the export and how its columns map."""

    model_config = ConfigDict(extra="forbid")

    files: list[str] = Field(min_length=1)
    sheet: str | None = None
    optional: bool = False
    header_row: int | Literal["auto"] = "auto"
    locale: dict[str, Any] = Field(default_factory=dict)
    source_id: str | None = None
    distinct: bool = False
    when_present: list[str] = Field(default_factory=list)
    footer_labels: list[str] = Field(default_factory=lambda: ["Total", "Totals", "Toplam"])
    # Wide exports (one row, many fields): each non-empty cell under these headers becomes its
    # own record, with the header (less the glob's prefix) in column "@key", the cell in "@value".
    unpivot: str | None = None
    defaults: dict[str, Any] = Field(default_factory=dict)
    columns: dict[str, ColumnSpec] = Field(min_length=1)

    @field_validator("columns", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        """`Column: field.path` is shorthand for `Column: {to: field.path}`."""
        if isinstance(value, dict):
            return {k: ({"to": v} if isinstance(v, str) else v) for k, v in value.items()}
        return value


class SourceProfile(BaseModel):
    """A whole source profile: locale, defaults, value maps and one spec per object kind."""

    model_config = ConfigDict(extra="forbid")

    source_system: SourceSystem
    version: int = 1
    description: str = ""
    locale: Locale = Field(default_factory=Locale)
    defaults: Defaults = Field(default_factory=Defaults)
    value_maps: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    ignore_files: list[str] = Field(default_factory=list)  # in the export, deliberately unread
    objects: dict[str, ObjectSpec]

    @field_validator("objects")
    @classmethod
    def _known_kinds(cls, value: dict[str, ObjectSpec]) -> dict[str, ObjectSpec]:
        unknown = sorted(key for key in value if kind_of(key) not in OBJECT_KINDS)
        if unknown:
            raise ValueError(f"unknown object kinds {unknown}; known: {sorted(OBJECT_KINDS)}")
        return value

    def locale_for(self, key: str) -> Locale:
        """The profile locale with the object's overrides applied (validated at load time)."""
        merged = {**self.locale.model_dump(), **self.objects[key].locale}
        return Locale.model_validate(merged)


def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _defaults_as_columns(spec: ObjectSpec) -> list[tuple[str, ColumnSpec]]:
    return [(f"defaults.{path}", ColumnSpec(to=path)) for path in spec.defaults]


def parse_profile(data: Any, origin: str) -> SourceProfile:
    """Validate a profile mapping; errors name `origin` and the path inside it.

    Raises:
        ProfileError: the structure, a value, an object kind or a field path is invalid.
    """
    try:
        profile = SourceProfile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{_where(e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ProfileError(f"{origin}: {problems}") from None
    from shared.sources.rows import ObjectRows  # late: rows and targets import this module
    from shared.sources.targets import check_target

    for key, spec in profile.objects.items():
        try:
            profile.locale_for(key)
        except ValidationError as exc:
            problems = "; ".join(
                f"objects.{key}.locale.{_where(e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise ProfileError(f"{origin}: {problems}") from None
        for column, col in [*spec.columns.items(), *_defaults_as_columns(spec)]:
            for path, problem in check_target(key, col, profile):
                raise ProfileError(f"{origin}: objects.{key}.columns.{column}.{path}: {problem}")
        try:
            ObjectRows(key, spec, profile)
        except ValueError as exc:
            raise ProfileError(f"{origin}: objects.{key}.{exc}") from None
    return profile


def load_profile(path: Path) -> SourceProfile:
    """Read and validate a profile YAML file.

    Raises:
        ProfileError: the file is missing, is not YAML, or does not validate.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read the profile ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ProfileError(f"{path}:{where} not valid YAML") from None
    return parse_profile(data, str(path))


def default_profile_path(source: str) -> Path:
    """mappings/sources/<source>.yaml in this repository."""
    return PROFILES_DIR / f"{source}.yaml"
