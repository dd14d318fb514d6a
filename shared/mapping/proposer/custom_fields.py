"""Custom-field proposals for columns with no canonical home: a name and an inferred type."""

from __future__ import annotations

from collections import Counter

from shared.mapping.proposer.detectors import ColumnProfile
from shared.mapping.proposer.models import CustomFieldProposal, CustomFieldType
from shared.mapping.proposer.normalise import split_words

MAX_OPTIONS = 50
_MAX_NAME = 40


def custom_field_name(header: str) -> str:
    """A destination-neutral snake_case name: 'Kan Grubu' -> 'kan_grubu', '' -> 'column'.

    The destination adds its own prefix or suffix (Dataverse 'new_', Salesforce '__c').
    """
    name = "_".join(split_words(header))[:_MAX_NAME].strip("_")
    if not name:
        return "column"
    return name if name[0].isalpha() else f"f_{name}"


def infer_type(profile: ColumnProfile) -> CustomFieldType:
    """The destination type a column's values need (text when nothing narrower fits all)."""
    if not profile.non_empty:
        return "text"
    if profile.share("boolean") >= 0.95:
        return "boolean"
    if profile.share("datetime") >= 0.9:
        return "datetime"
    if profile.share("date") >= 0.9:
        return "date"
    if profile.share("money") >= 0.9 and profile.share("decimal") >= 0.3:
        return "currency"
    is_key = profile.share("id") >= 0.9 and profile.uniqueness >= 0.9
    if not is_key and (profile.share("decimal") >= 0.9 or profile.share("integer") >= 0.95):
        return "number"
    if profile.delimiter:
        return "multi_select"
    if profile.share("enum") and not is_key:
        return "picklist"
    return "text"


def propose_custom_field(profile: ColumnProfile) -> CustomFieldProposal:
    """A custom field for the column: name, type, and the options (with sample counts) of a
    picklist or multi-select."""
    field_type = infer_type(profile)
    name = custom_field_name(profile.header)
    if field_type == "picklist":
        common = profile.counts.most_common(MAX_OPTIONS)
    elif field_type == "multi_select" and profile.delimiter:
        parts: Counter[str] = Counter()
        for value, count in profile.counts.items():
            for part in value.split(profile.delimiter):
                if part.strip():
                    parts[part.strip()] += count
        common = parts.most_common(MAX_OPTIONS)
    else:
        return CustomFieldProposal(name=name, type=field_type)
    return CustomFieldProposal(
        name=name, type=field_type, options=[v for v, _ in common], counts=[c for _, c in common]
    )
