"""Practice-defined fields -> custom columns, typed by the definition (before a map is proposed).

An entry with `custom_fields:` gets one column per definition found in the export: text stays
text, numbers and money become decimal/money, dates dateonly, yes/no boolean, pick-lists a choice
column with one option per value in use, and multi-select pick-lists delimited text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from shared.mapping.spec import CustomFieldsRule, FieldRule, MapSpec
from shared.model import CanonicalRecord, CustomFieldValue

_OPTION_BASE = 100_000_000
_TURKISH = str.maketrans({"ı": "i", "İ": "I", "ş": "s", "Ş": "S", "ğ": "g", "Ğ": "G"})


class CustomFieldDefinition(BaseModel):
    """One practice-defined field as seen in the export."""

    model_config = ConfigDict(extra="forbid")

    key: str
    label: str | None = None
    data_type: str = "text"
    values: list[str] = Field(default_factory=list)


class LongFormatValue(Protocol):
    """A custom field value exported in its own file (the readers' CustomFieldRecord)."""

    entity_kind: str
    entity_id: str
    definition_key: str
    label: str | None
    data_type: str
    raw_value: str


def attach_custom_fields(
    records: Iterable[CanonicalRecord], values: Iterable[LongFormatValue]
) -> list[CanonicalRecord]:
    """Join long-format custom field values (one row per record per field) onto their records.

    Dr.DENTES exports custom fields apart from the patient; the map reads them from the
    record's `custom_fields`, so they are joined by the record's kind and source id first.
    Values whose record is not in `records` are ignored (the quality report lists orphans).
    """
    grouped: dict[tuple[str, str], list[CustomFieldValue]] = {}
    for value in values:
        grouped.setdefault((value.entity_kind, value.entity_id), []).append(
            CustomFieldValue(
                definition_key=value.definition_key,
                label=value.label,
                data_type=value.data_type,  # type: ignore[arg-type]
                raw_value=value.raw_value,
            )
        )
    joined: list[CanonicalRecord] = []
    for record in records:
        extra = grouped.get((record.kind, record.source_id))
        if extra:
            record = record.model_copy(update={"custom_fields": [*record.custom_fields, *extra]})
        joined.append(record)
    return joined


def definitions_from_records(records: Iterable[CanonicalRecord]) -> list[CustomFieldDefinition]:
    """The custom fields a batch of records uses, with pick-list values in first-seen order."""
    found: dict[str, CustomFieldDefinition] = {}
    for record in records:
        for value in record.custom_fields:
            definition = found.setdefault(
                value.definition_key,
                CustomFieldDefinition(
                    key=value.definition_key, label=value.label, data_type=value.data_type
                ),
            )
            if value.data_type in ("picklist", "multi_picklist"):
                typed = value.typed_value
                items = typed if isinstance(typed, list) else [typed or value.raw_value]
                for item in items:
                    if item not in (None, "") and str(item) not in definition.values:
                        definition.values.append(str(item))
    return list(found.values())


def column_name(key: str, rule: CustomFieldsRule) -> str:
    """A column name from a field key: `Tedavi Aşaması` -> `new_TedaviAsamasi`."""
    bare = key.removesuffix("__c").translate(_TURKISH)
    ascii_text = unicodedata.normalize("NFKD", bare).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z0-9]+", ascii_text)
    name = "".join(w[:1].upper() + w[1:] for w in words) or "Field"
    if name[0].isdigit():
        name = "F" + name
    return f"{rule.prefix}{name}{rule.suffix}"


def expand_custom_fields(
    spec: MapSpec, definitions: Mapping[str, list[CustomFieldDefinition]]
) -> MapSpec:
    """Add one column per custom field definition to the entries that ask for them.

    Args:
        spec: a loaded map.
        definitions: per canonical kind (e.g. "patient"), the definitions found in the export.

    Returns:
        A map whose entries carry explicit columns (what the reviewer confirms and the schema
        plan creates); columns already in the map are left as they are.
    """
    tables = dict(spec.tables)
    for name, entry in spec.tables.items():
        rule = entry.custom_fields
        if rule is None or entry.source is None:
            continue
        fields = dict(entry.fields)
        for definition in definitions.get(entry.source, []):
            column = column_name(definition.key, rule)
            if column in fields:
                continue
            fields[column] = _field_for(definition, rule, spec.destination)
        tables[name] = entry.model_copy(update={"fields": fields})
    return spec.model_copy(update={"tables": tables})


def _field_for(
    definition: CustomFieldDefinition, rule: CustomFieldsRule, destination: str
) -> FieldRule:
    kind = rule.type_map.get(definition.data_type, "string")
    # Typed by the reader when it could be, else the raw text (long-format exports); a value
    # that does not convert is dropped with an event rather than rejecting the whole record.
    item = f"custom_fields[definition_key={definition.key}]"
    body: dict[str, object] = {
        "from": [f"{item}.typed_value", f"{item}.raw_value"],
        "on_invalid": "drop_value",
        "type": kind,
        "label": definition.label or definition.key.removesuffix("__c"),
        "reason": f"practice-defined {definition.data_type} field",
    }
    if kind in ("string", "memo"):
        body["max_length"] = rule.max_length if kind == "string" else 4000
        body["join"] = rule.join
    if kind in ("choice", "multichoice"):
        values = definition.values or ["(none)"]
        # Dataverse option values start at the publisher's option prefix; Salesforce
        # pick-list values are the labels themselves.
        if destination == "dataverse":
            body["options"] = {_OPTION_BASE + i: value for i, value in enumerate(values)}
        else:
            body["options"] = {value: value for value in values}
    return FieldRule.model_validate(body)
