"""Practice-defined field values exported apart from their record (long format, one per row)."""

from __future__ import annotations

from typing import ClassVar, Literal

from shared.model.base import CanonicalRecord, phi

CustomDataType = Literal["text", "picklist", "multi_picklist", "date", "bool", "number", "currency"]


class CustomFieldRecord(CanonicalRecord):
    """One custom field value of a record that was exported in its own file.

    Dr.DENTES' `ozel_alanlar.csv` holds one row per patient per field; the value joins its
    record (`entity_kind` + `entity_id`, the record's source id) when the map is applied.
    """

    kind: ClassVar[str] = "custom_field"

    entity_kind: str = "patient"
    entity_id: str
    definition_key: str
    label: str | None = None
    data_type: CustomDataType = "text"
    data_type_raw: str | None = None
    raw_value: str = phi("identifying")
