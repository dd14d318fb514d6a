"""Schema needs: what the Dataverse schema planner reads from a map."""

from __future__ import annotations

from shared.mapping.loader import default_map_path, load_map
from shared.mapping.schema import schema_needs


def test_aerona_custom_tables_use_the_publisher_prefix_and_carry_source_keys() -> None:
    needs = schema_needs(load_map(default_map_path("dataverse", "aerona")))
    custom = sorted(t.logical_name for t in needs.tables if t.custom)
    assert custom == [
        "new_clinicalnote",
        "new_patientinvoice",
        "new_patientrelationship",
        "new_treatmentplan",
        "new_treatmentplanline",
    ]
    plan = needs.table("new_treatmentplan")
    assert plan.entity_set == "new_treatmentplans"
    assert plan.primary_name_column == "new_name"
    assert plan.alternate_keys == [["new_sourceid"]]
    assert plan.provenance_columns == ["new_sourcesystem", "new_migrationrunid"]
    status = plan.column("new_status")
    assert status is not None and status.type == "choice"
    assert status.options is not None and status.options[100000002] == "Accepted"
    patient = plan.column("new_patientid")
    assert patient is not None
    assert (patient.type, patient.lookup_target) == ("lookup", "contact")
    assert patient.navigation_property == "new_PatientId"
    assert patient.relationship == "new_contact_new_treatmentplan_new_patientid"


def test_standard_tables_are_listed_with_their_custom_columns() -> None:
    needs = schema_needs(load_map(default_map_path("dataverse", "aerona")))
    appointment = needs.table("appointment")
    assert not appointment.custom
    treatment_type = appointment.column("new_treatmenttype")
    assert treatment_type is not None and treatment_type.custom
    assert appointment.column("overriddencreatedon") is not None
    contact = needs.table("contact")
    assert contact.column("parentcustomerid") is not None
    assert sorted(contact.entries) == ["patient_contact", "related_person_contact"]


def test_lookup_by_another_key_asks_for_that_alternate_key() -> None:
    needs = schema_needs(load_map(default_map_path("dataverse", "aerona")))
    assert ["productnumber"] in needs.table("product").alternate_keys


def test_publisher_prefix_is_configurable() -> None:
    spec = load_map(default_map_path("dataverse", "aerona"), publisher_prefix="cf")
    needs = schema_needs(spec)
    assert needs.publisher_prefix == "cf"
    plan = needs.table("cf_treatmentplan")
    assert plan.key_column == "cf_sourceid"
    assert plan.primary_name_column == "cf_name"
    assert plan.column("cf_patientid") is not None
    assert not any(t.logical_name.startswith("new_") for t in needs.tables)


def test_tables_that_notes_attach_to_need_notes_enabled() -> None:
    needs = schema_needs(load_map(default_map_path("dataverse", "generic_csv")))
    assert needs.table("new_clinicencounter").has_notes
    assert needs.table("contact").has_notes
    assert not needs.table("new_clinicinsurance").has_notes


def test_every_dataverse_pair_fits_sales_professionals_15_custom_tables() -> None:
    for source in ("aerona", "generic_csv", "drdentes", "core_practice"):
        needs = schema_needs(load_map(default_map_path("dataverse", source)))
        assert 0 < needs.custom_table_count <= 15, source
        assert all(t.logical_name.startswith("new_") for t in needs.tables if t.custom)
        assert not any("msdyn_" in t.logical_name or "__c" in t.logical_name for t in needs.tables)
        for table in needs.tables:
            assert not any("__c" in c.logical_name for c in table.columns), table.logical_name
