"""Per-run settings of the quality rules: what each rule does, windows, limits, phone region.

A run's `QualityConfig` comes from defaults, or from a YAML file validated into it; errors name
the file and the path inside it (`quality.yaml: rules.email_syntax: ...`). Every rule is
`quarantine` (the row is held back), `warning` (the row moves, the finding is reported) or `off`.
For `duplicate_patient`, `warning` merges the duplicate into its first-seen survivor and
`quarantine` holds it for review instead.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

import phonenumbers
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from shared.model import OBJECT_KINDS, SourceSystem
from shared.quality.findings import REASONS, Severity

RuleName = Literal[
    "required_fields",
    "date_of_birth_plausible",
    "event_date_window",
    "identifier_check_digits",
    "email_syntax",
    "phone_e164",
    "formula_text",
    "document_size",
    "document_file_present",
    "duplicate_source_id",
    "orphan_reference",
    "unresolved_reference",
    "duplicate_patient",
]
RuleSetting = Literal["quarantine", "warning", "off"]

DEFAULT_RULES: dict[RuleName, RuleSetting] = {
    "required_fields": "quarantine",
    "date_of_birth_plausible": "quarantine",
    "event_date_window": "warning",
    "identifier_check_digits": "warning",
    "email_syntax": "warning",
    "phone_e164": "warning",
    "formula_text": "warning",
    "document_size": "quarantine",
    "document_file_present": "quarantine",
    "duplicate_source_id": "quarantine",
    "orphan_reference": "quarantine",
    "unresolved_reference": "warning",
    "duplicate_patient": "warning",
}

# Where a source's phone numbers are dialled from when they carry no "+" (clinic-sources.md §1).
DEFAULT_PHONE_REGIONS: dict[SourceSystem, str] = {
    "aerona": "GB",
    "drdentes": "TR",
    "core_practice": "AU",
    "open_dental": "US",
}

# Dataverse `organization.maxuploadfilesize` default (dataverse-web-api.md §9), measured on base64.
DATAVERSE_NOTE_MAX_BYTES = 5_242_880


class QualityConfigError(ValueError):
    """A quality settings file that cannot be used; the message names the file and the path."""


class QualityConfig(BaseModel):
    """The rules' settings for one run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: dict[RuleName, RuleSetting] = Field(default_factory=lambda: dict(DEFAULT_RULES))
    # Severity overrides for findings the readers report (e.g. malformed_date -> warning).
    reader_reasons: dict[str, Severity] = Field(default_factory=dict)
    as_of: date = Field(default_factory=lambda: datetime.now(UTC).date())
    earliest_birth_date: date = date(1900, 1, 1)
    earliest_event_date: date = date(1950, 1, 1)
    # How far ahead bookable things (appointments, recalls, coverage starts) may lie.
    max_days_ahead: int = Field(default=3 * 366, ge=0)
    # Extra required fields per object kind, on top of the canonical model's required text fields.
    required_fields: dict[str, list[str]] = Field(default_factory=dict)
    # ISO region for numbers without "+"; None uses the source system's default region.
    phone_region: str | None = None
    document_max_bytes: int = Field(default=DATAVERSE_NOTE_MAX_BYTES, gt=0)
    # Dataverse applies its note limit to the base64 text; Salesforce multipart to the raw bytes.
    document_size_measured_on: Literal["base64", "raw"] = "base64"
    max_examples: int = Field(default=5, ge=0, le=100)

    @field_validator("rules", mode="before")
    @classmethod
    def _yaml_off(cls, rules: object) -> object:
        """YAML 1.1 reads an unquoted `off` as false; in a rule setting it means "off"."""
        if isinstance(rules, dict):
            return {name: "off" if value is False else value for name, value in rules.items()}
        return rules

    @field_validator("rules")
    @classmethod
    def _fill_defaults(cls, rules: dict[RuleName, RuleSetting]) -> dict[RuleName, RuleSetting]:
        """A file that names only some rules keeps the defaults for the others."""
        return {**DEFAULT_RULES, **rules}

    @field_validator("reader_reasons")
    @classmethod
    def _known_reasons(cls, overrides: dict[str, Severity]) -> dict[str, Severity]:
        unknown = sorted(set(overrides) - set(REASONS))
        if unknown:
            raise ValueError(f"unknown reason codes: {', '.join(unknown)}")
        return overrides

    @field_validator("phone_region")
    @classmethod
    def _known_region(cls, region: str | None) -> str | None:
        if region is not None and region.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"unknown phone region {region!r} (ISO 3166 alpha-2, e.g. GB)")
        return region.upper() if region else None

    @field_validator("required_fields")
    @classmethod
    def _known_fields(cls, required: dict[str, list[str]]) -> dict[str, list[str]]:
        for kind, names in required.items():
            model = OBJECT_KINDS.get(kind)
            if model is None:
                raise ValueError(f"unknown object kind {kind!r}")
            missing = [name for name in names if name not in model.model_fields]
            if missing:
                raise ValueError(f"{kind} has no field(s) {', '.join(missing)}")
        return required

    def setting(self, rule: RuleName) -> RuleSetting:
        """What a rule does in this run."""
        return self.rules[rule]


def load_quality_config(path: Path) -> QualityConfig:
    """Read and validate a YAML settings file.

    Args:
        path: the YAML file; an empty file means all defaults.

    Returns:
        The validated settings.

    Raises:
        QualityConfigError: the file is not YAML or a setting is invalid (file and path named).
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise QualityConfigError(f"{path}: cannot read YAML ({type(error).__name__})") from error
    if not isinstance(data, dict):
        raise QualityConfigError(f"{path}: expected a mapping at the top level")
    try:
        return QualityConfig.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc']) or '(root)'}: {issue['msg']}"
            for issue in error.errors()
        )
        raise QualityConfigError(f"{path}: {problems}") from error
