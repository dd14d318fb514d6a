"""Practice-defined fields become typed custom columns before the map is proposed."""

from __future__ import annotations

from shared.mapping.custom_fields import (
    CustomFieldDefinition,
    attach_custom_fields,
    column_name,
    definitions_from_records,
    expand_custom_fields,
)
from shared.mapping.loader import default_map_path, load_map
from shared.mapping.schema import schema_needs
from shared.mapping.spec import CustomFieldsRule
from shared.model import CustomFieldValue
from tests.fixtures.mapping import practice_records


def test_column_names_are_ascii_schema_names_with_the_prefix() -> None:
    rule = CustomFieldsRule(prefix="new_")
    assert column_name("PreferredPharmacy__c", rule) == "new_PreferredPharmacy"
    assert column_name("Tedavi Aşaması", rule) == "new_TedaviAsamasi"
    assert column_name("İlk muayene tarihi", rule) == "new_IlkMuayeneTarihi"
    assert column_name("2nd phone", rule) == "new_F2ndPhone"


def test_types_are_preserved_and_pick_lists_become_option_sets() -> None:
    patient = practice_records("drdentes")["patient"]
    phase = CustomFieldValue(
        definition_key="Tedavi Aşaması", data_type="picklist", raw_value="Faz 2"
    )
    patient = patient.model_copy(update={"custom_fields": [*patient.custom_fields, phase]})
    definitions = definitions_from_records([patient])
    spec = expand_custom_fields(
        load_map(default_map_path("dataverse", "drdentes")), {"patient": definitions}
    )
    contact = schema_needs(spec).table("contact")
    columns = {c.logical_name: c for c in contact.columns if c.custom}
    assert columns["new_preferredpharmacy"].type == "string"
    assert columns["new_recalldate"].type == "dateonly"
    assert columns["new_interests"].type == "memo"
    phase_column = columns["new_tedaviasamasi"]
    assert (phase_column.type, phase_column.options) == ("choice", {100000000: "Faz 2"})


def test_salesforce_custom_fields_end_in_c_and_pick_list_values_are_the_labels() -> None:
    spec = load_map(default_map_path("salesforce", "aerona"))
    entry = spec.tables["patient_contact"].model_copy(
        update={"custom_fields": CustomFieldsRule(prefix="", suffix="__c")}
    )
    spec = spec.model_copy(update={"tables": {**spec.tables, "patient_contact": entry}})
    tier = CustomFieldDefinition(key="Tier", data_type="picklist", values=["Gold", "Silver"])
    expanded = expand_custom_fields(spec, {"patient": [tier]})
    column = expanded.tables["patient_contact"].fields["Tier__c"]
    assert (column.type, column.options) == ("choice", {"Gold": "Gold", "Silver": "Silver"})


def test_long_format_values_join_their_patient_and_bad_values_are_dropped_not_fatal() -> None:
    from dataclasses import dataclass

    from shared.mapping.compiler import compile_map
    from tests.fixtures.mapping import run_context

    @dataclass
    class LongValue:  # the readers' CustomFieldRecord shape (Dr.DENTES ozel_alanlar.csv)
        entity_id: str
        definition_key: str
        raw_value: str
        data_type: str = "text"
        label: str | None = None
        entity_kind: str = "patient"

    patient = practice_records("drdentes")["patient"].model_copy(update={"custom_fields": []})
    other = patient.model_copy(update={"source_id": "P2"})
    values = [
        LongValue("P1", "Tedavi Aşaması", "Faz 2", "picklist"),
        LongValue("P1", "Son kontrol", "2024-05-06", "date"),
        LongValue("P2", "Son kontrol", "6.05.2024", "date"),
        LongValue("P9", "Tedavi Aşaması", "Faz 1", "picklist"),
    ]
    joined = attach_custom_fields([patient, other], values)
    assert [len(r.custom_fields) for r in joined] == [2, 1]
    spec = expand_custom_fields(
        load_map(default_map_path("dataverse", "drdentes")),
        {"patient": definitions_from_records(joined)},
    )
    table = compile_map(spec, run_context()).tables["patient_contact"]
    result = table.transform(joined)
    first, second = result.rows
    assert (first.payload["new_tedaviasamasi"], first.payload["new_sonkontrol"]) == (
        100000000,
        "2024-05-06",
    )
    assert second.payload["new_sonkontrol"] is None
    assert second.events is not None
    assert [(e.column, e.reason) for e in second.events] == [("new_sonkontrol", "not_a_date")]
