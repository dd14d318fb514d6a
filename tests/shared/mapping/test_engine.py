"""The engine: validation policies, filters, PHI opt-outs, keys and lookups as users see them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.mapping.compiler import compile_map
from shared.mapping.keys import destination_key, unescape_id
from shared.mapping.loader import default_map_path, load_map, parse_map
from shared.mapping.results import BatchFailed
from shared.model import Patient
from tests.fixtures.mapping import practice_records, run_context

PATIENT = practice_records()["patient"]


def small_map(fields: dict[str, Any], **table: Any) -> dict[str, Any]:
    return {
        "name": "small",
        "destination": "dataverse",
        "provenance": {
            "key_column": "new_SourceId",
            "source_system_column": "new_SourceSystem",
            "run_id_column": "new_MigrationRunId",
            "created_on_column": None,
        },
        "value_maps": {"sex": {"entries": {"female": "F"}, "on_unmapped": "drop_value"}},
        "tables": {"patient": {"table": "contact", "source": "patient", "fields": fields, **table}},
    }


def run(document: dict[str, Any], *records: Any) -> Any:
    compiled = compile_map(parse_map(document), run_context())
    return compiled.tables["patient"].transform(list(records))


def test_a_too_long_value_rejects_the_row_naming_column_and_reason_not_the_value() -> None:
    result = run(small_map({"lastname": {"from": "family_name", "max_length": 3}}), PATIENT)
    assert result.rows == []
    (rejection,) = result.rejected
    assert (rejection.column, rejection.reason, rejection.source_row) == (
        "lastname",
        "value_too_long",
        1,
    )
    assert rejection.message.startswith(
        "patient: patient.csv row 1, column lastname: value_too_long"
    )
    assert "Example" not in rejection.message and "Example" not in json.dumps(rejection.to_dict())


def test_truncating_columns_cut_the_text_instead() -> None:
    result = run(
        small_map({"lastname": {"from": "family_name", "max_length": 3, "truncate": True}}), PATIENT
    )
    assert result.rows[0].payload["lastname"] == "Exa"


def test_drop_value_keeps_the_row_and_records_the_dropped_column() -> None:
    male = PATIENT.model_copy(update={"sex": "male"})
    fields = {
        "gendercode": {
            "from": "sex",
            "type": "choice",
            "options": {1: "M", 2: "F"},
            "value_map": "sex",
        },
        "lastname": {"from": "family_name"},
    }
    result = run(small_map(fields), PATIENT, male)
    assert [r.payload["gendercode"] for r in result.rows] == [2, None]
    assert result.rows[1].events is not None
    assert [(e.column, e.reason) for e in result.rows[1].events] == [
        ("gendercode", "value_not_in_value_map")
    ]


def test_fail_batch_stops_the_whole_batch() -> None:
    fields = {"lastname": {"from": "family_name", "max_length": 3, "on_invalid": "fail_batch"}}
    with pytest.raises(BatchFailed) as caught:
        run(small_map(fields), PATIENT)
    assert caught.value.rejection.reason == "value_too_long"
    assert "Example" not in str(caught.value)


def test_required_values_and_lookups_reject_rows_without_them() -> None:
    no_name = PATIENT.model_copy(update={"given_name": ""})
    result = run(small_map({"firstname": {"from": "given_name", "required": True}}), no_name)
    assert [(r.column, r.reason) for r in result.rejected] == [("firstname", "missing_required")]
    compiled = compile_map(load_map(default_map_path("dataverse", "aerona")), run_context())
    orphan_note = practice_records()["clinical_note"].model_copy(update={"patient_id": ""})
    result = compiled.tables["clinical_note"].transform([orphan_note])
    assert [(r.column, r.reason) for r in result.rejected] == [
        ("new_patientid", "lookup_key_missing")
    ]


def test_controlled_substances_are_suppressed_not_written() -> None:
    compiled = compile_map(load_map(default_map_path("dataverse", "generic_csv")), run_context())
    prescription = practice_records("generic_csv")["prescription"]
    controlled = prescription.model_copy(update={"source_id": "RX2", "is_controlled": True})
    result = compiled.tables["clinic_prescription"].transform([prescription, controlled])
    assert [r.key for r in result.rows] == ["generic_csv.prescription.RX1"]
    assert result.skipped == {"controlled_substance_suppressed": 1}
    assert result.counts == {"read": 2, "accepted": 1, "rejected": 0, "skipped": 1}


def test_opting_out_of_clinical_phi_drops_clinical_tables_and_columns() -> None:
    context = run_context(exclude_phi=frozenset({"clinical"}))
    records = practice_records()
    dataverse = compile_map(load_map(default_map_path("dataverse", "aerona")), context)
    result = dataverse.tables["clinical_note"].transform([records["clinical_note"]])
    assert result.rows == [] and result.skipped == {"phi_opt_out": 1}
    appointment = dataverse.tables["appointment"].transform([records["appointment"]]).rows[0]
    assert "description" not in appointment.payload  # appointment notes are clinical
    salesforce = compile_map(load_map(default_map_path("salesforce", "aerona")), context)
    contact = salesforce.tables["patient_contact"].transform([records["patient"]]).rows[0]
    assert "Allergies__c" not in contact.payload and "Medical_Conditions__c" not in contact.payload
    assert contact.payload["LastName"] == "Example"
    assert "not written" in salesforce.tables["patient_contact"].lineage["Allergies__c"]


def test_keys_with_characters_dataverse_cannot_address_are_escaped_everywhere() -> None:
    compiled = compile_map(load_map(default_map_path("dataverse", "aerona")), run_context())
    odd = PATIENT.model_copy(update={"source_id": "12/7:A'b"})
    row = compiled.tables["patient_contact"].transform([odd]).rows[0]
    assert row.key == "aerona.patient.12~2F7~3AA~27b"
    assert unescape_id(row.key.split(".", 2)[2]) == "12/7:A'b"
    note = practice_records()["document"].model_copy(update={"patient_id": "12/7:A'b"})
    bind = (
        compiled.tables["document_note"]
        .transform([note])
        .rows[0]
        .payload["objectid_contact@odata.bind"]
    )
    key = destination_key("aerona", "patient", "12/7:A'b")
    assert bind == f"/contacts(new_sourceid='{key}')"


def test_documents_over_the_size_limit_are_flagged_for_manual_upload() -> None:
    compiled = compile_map(load_map(default_map_path("dataverse", "aerona")), run_context())
    document = practice_records()["document"]
    big = document.model_copy(update={"source_id": "D2", "size_bytes": 4_000_000})  # 5.3 MB base64
    result = compiled.tables["document_note"].transform([document, big])
    assert [r.reason for r in result.rejected] == ["oversized_document"]
    attachment = result.rows[0].attachment
    assert attachment is not None and attachment.path == "staging/run-1/files/consent.pdf"
    assert "documentbody" not in result.rows[0].payload  # bytes are the writer's job


def test_referrals_with_a_value_become_opportunities_the_rest_a_custom_table() -> None:
    compiled = compile_map(load_map(default_map_path("dataverse", "generic_csv")), run_context())
    referral = practice_records("generic_csv")["referral"]
    valued = referral.model_copy(update={"source_id": "RF2", "value": 900})
    opportunities = compiled.tables["referral_opportunity"].transform([referral, valued])
    custom = compiled.tables["clinic_referral"].transform([referral, valued])
    assert [r.key for r in opportunities.rows] == ["generic_csv.referral.RF2"]
    assert opportunities.rows[0].payload["estimatedvalue"] == 900.0
    assert [r.key for r in custom.rows] == ["generic_csv.referral.RF1"]


def test_patients_without_a_practice_get_the_individual_patient_account() -> None:
    compiled = compile_map(load_map(default_map_path("dataverse", "core_practice")), run_context())
    (static,) = compiled.static_rows()
    assert static.payload["name"] == "Individual Patient"
    solo = practice_records("core_practice")["patient"].model_copy(
        update={"home_location_id": None}
    )
    row = compiled.tables["patient_contact"].transform([solo]).rows[0]
    assert (
        row.payload["parentcustomerid_account@odata.bind"]
        == f"/accounts(new_sourceid='{static.key}')"
    )


def test_unresolved_owners_fall_back_and_no_owner_directory_means_no_owner_column() -> None:
    stranger = PATIENT.model_copy(update={"primary_practitioner_id": "S404"})
    spec = load_map(default_map_path("dataverse", "aerona"))
    row = compile_map(spec, run_context()).tables["patient_contact"].transform([stranger]).rows[0]
    assert row.payload["ownerid@odata.bind"] == "/systemusers(00000000-0000-0000-0000-0000000000ff)"
    bare = compile_map(spec, run_context(owners={}, fallback_owner=None))
    assert (
        "ownerid@odata.bind"
        not in bare.tables["patient_contact"].transform([PATIENT]).rows[0].payload
    )


def test_column_names_from_a_map_never_become_code() -> None:
    hostile = "x') or __import__('os').getcwd() or ('"
    result = run(small_map({hostile: {"from": "family_name"}}), PATIENT)
    assert result.rows[0].payload[hostile] == "Example"


def test_expression_failures_reject_the_row_with_a_reason_code() -> None:
    fields = {"nickname": {"expr": "given_name + 1"}, "lastname": {"from": "family_name"}}
    result = run(small_map(fields), PATIENT)
    assert [(r.column, r.reason) for r in result.rejected] == [("nickname", "expression_error")]


def test_field_lineage_says_which_transformation_each_column_went_through() -> None:
    compiled = compile_map(load_map(default_map_path("dataverse", "aerona")), run_context())
    lineage = compiled.tables["patient_contact"].lineage
    assert lineage["gendercode"] == "from sex -> value map gender -> choice"
    assert lineage["lastname"] == "from family_name -> string(50, truncated)"
    assert lineage["parentcustomerid"].startswith(
        "lookup by source key: home_location_id -> location_account"
    )
    values = compiled.tables["patient_contact"].source_values(PATIENT)
    assert values["gendercode"] == "female" and values["birthdate"] == PATIENT.date_of_birth


def test_model_construct_records_transform_like_validated_ones() -> None:
    constructed = Patient.model_construct(**dict(PATIENT))
    compiled = compile_map(load_map(default_map_path("dataverse", "aerona")), run_context())
    table = compiled.tables["patient_contact"]
    assert (
        table.transform([constructed]).rows[0].payload == table.transform([PATIENT]).rows[0].payload
    )


def test_explain_lists_source_value_written_value_and_transformation_per_column() -> None:
    compiled = compile_map(load_map(default_map_path("dataverse", "aerona")), run_context())
    table = compiled.tables["patient_contact"]
    row = table.transform([PATIENT]).rows[0]
    traces = {t.column: t for t in table.explain(PATIENT, row)}
    assert (traces["gendercode"].source_value, traces["gendercode"].written_value) == ("female", 2)
    assert traces["gendercode"].transformation == "from sex -> value map gender -> choice"
    parent = traces["parentcustomerid_account@odata.bind"]
    assert parent.source_value == "L2"
    assert parent.written_value == "/accounts(new_sourceid='aerona.location.L2')"


def test_expressions_evaluate_each_record_separately_across_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    fields = {"nickname": {"expr": "given_name + ' ' + family_name"}}
    table = compile_map(parse_map(small_map(fields)), run_context()).tables["patient"]
    people = [
        PATIENT.model_copy(update={"given_name": f"G{i}", "family_name": f"F{i}"})
        for i in range(400)
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda p: table.transform([p]).rows[0].payload["nickname"], people))
    assert results == [f"G{i} F{i}" for i in range(400)]
