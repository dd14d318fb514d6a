"""The shipped AeronaClinic -> Dataverse map, checked against hand-written live metadata and the
proposal of an export: reused columns, the schema plan, and which export column feeds what."""

from __future__ import annotations

from pathlib import Path

from shared.mapping.loader import default_map_path, load_map
from shared.mapping.proposer.destination import LiveMetadata, propose_destination_map
from shared.mapping.proposer.map_check import canonical_path, wanted_columns
from shared.mapping.proposer.proposal import propose_csv

CASES = Path(__file__).parent / "cases"

# A Dynamics 365 Sales org as describe() reports it: standard contact and appointment columns,
# one custom column from an earlier project, and none of ClinicFerry's own columns yet.
LIVE_JSON = CASES / "metadata" / "dynamics_sales_org.json"
LIVE = LiveMetadata.model_validate_json(LIVE_JSON.read_bytes())


def test_map_paths_read_in_the_proposers_notation() -> None:
    assert canonical_path("primary_contact(email)") == "contact_points[email]"
    assert canonical_path("identifiers[system=gb-nhs].value") == "identifiers[gb-nhs].value"
    assert canonical_path("addresses[0].city") == "addresses[0].city"


def test_patient_map_reuses_standard_contact_columns_and_plans_custom_fields() -> None:
    spec = load_map(default_map_path("dataverse", "aerona"))
    proposal = propose_csv(CASES / "en_uk_patients.csv", "patient")
    result = propose_destination_map(
        wanted_columns(spec, "patient"), LIVE, proposal, object_table="contact"
    )
    by_column = {d.column: d for d in result.decisions}
    assert by_column["emailaddress1"].action == "reuse"
    assert by_column["emailaddress1"].fed_by == "Email"
    assert by_column["birthdate"].fed_by == "Date of Birth"
    assert by_column["gendercode"].action == "reuse"  # every sex in the export has an option
    preferred = by_column["new_preferred_contact_method"]
    assert preferred.action == "add_options"  # an earlier project's column fits; 'Letter' is new
    assert preferred.existing == "new_preferredcontactmethod"
    assert [o.label for o in preferred.options if not o.exists] == ["Letter"]
    assert {d.column for d in result.schema_plan} == {"new_preferred_contact_method"}


def test_appointment_status_options_come_from_the_value_map_with_export_counts() -> None:
    spec = load_map(default_map_path("dataverse", "aerona"))
    proposal = propose_csv(CASES / "en_appointments.csv", "appointment")
    result = propose_destination_map(
        wanted_columns(spec, "appointment"), LIVE, proposal, object_table="appointment"
    )
    by_column = {d.column: d for d in result.decisions}
    assert by_column["scheduledstart"].action == "reuse"
    assert by_column["scheduledstart"].fed_by == "Date + Time"
    status = by_column["new_appointmentstatus"]
    assert status.action == "create_column" and status.fed_by == "Status"
    labels = {o.label: o.count for o in status.options}
    assert "No Show" in labels and "Completed" in labels  # DNA/FTA and Attended, as labels
    assert sum(labels.values()) == 20
