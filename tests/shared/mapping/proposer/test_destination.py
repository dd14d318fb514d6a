"""Destination map proposal against hand-written live metadata: reuse what fits, plan the rest."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from shared.mapping.proposer.destination import (
    LiveMetadata,
    WantedColumn,
    decide_column,
    propose_destination_map,
)
from shared.mapping.proposer.proposal import propose_csv

CASES = Path(__file__).parent / "cases"


# Hand-written describe() output: a contact table with an earlier project's custom columns and a
# custom appointment table whose status choice lacks some options.
LIVE = LiveMetadata.model_validate_json((CASES / "metadata" / "small_org.json").read_bytes())


def test_existing_columns_are_reused_and_missing_ones_planned() -> None:
    wanted = [
        WantedColumn(table="contact", column="firstname", type="string", source="given_name"),
        WantedColumn(table="contact", column="birthdate", type="date", source="date_of_birth"),
        WantedColumn(
            table="contact",
            column="new_nhs_number",
            type="string",
            source="identifiers[gb-nhs].value",
        ),
        WantedColumn(
            table="contact",
            column="new_medicare",
            type="string",
            source="identifiers[au-medicare].value",
        ),
        WantedColumn(table="contact", column="new_balance", type="money", source="balance"),
        WantedColumn(table="new_recall", column="new_due", type="date", source="due_date"),
    ]
    decisions = {d.column: d for d in (decide_column(w, LIVE, prefix="new_") for w in wanted)}
    assert decisions["firstname"].action == "reuse"
    assert decisions["birthdate"].action == "reuse"
    nhs = decisions["new_nhs_number"]
    assert nhs.action == "reuse" and nhs.existing == "new_NHSNumber"
    assert decisions["new_medicare"].action == "create_column"
    assert decisions["new_balance"].action == "type_conflict"
    assert decisions["new_due"].action == "missing_table"


def test_choice_options_seen_in_the_export_but_missing_live_are_planned() -> None:
    wanted = WantedColumn(table="new_appointment", column="new_status", type="choice",
                          source="status")  # fmt: skip
    seen = Counter({"completed": 12, "no_show": 4, "booked": 3, "cancelled_patient": 1})
    decision = decide_column(wanted, LIVE, seen, prefix="new_")
    assert decision.action == "add_options"
    missing = [(o.label, o.count) for o in decision.options if not o.exists]
    assert missing == [("no_show", 4)]


def test_a_whole_export_proposal_plans_custom_fields_and_value_options() -> None:
    proposal = propose_csv(CASES / "en_appointments.csv", "appointment")
    wanted = [
        WantedColumn(table="new_appointment", column="new_status", type="choice", source="status"),
        WantedColumn(table="new_appointment", column="new_start", type="datetime", source="start"),
    ]
    result = propose_destination_map(wanted, LIVE, proposal, object_table="new_appointment")
    by_column = {d.column: d for d in result.decisions}
    assert by_column["new_start"].action == "reuse"
    status = by_column["new_status"]
    assert status.action == "add_options"
    counts = {o.label: o.count for o in status.options}
    assert sum(counts.values()) == 20  # every appointment's status is accounted for
    patient_name = by_column["new_patient_name"]
    assert patient_name.action == "create_column" and patient_name.source == "Patient Name"
    assert {d.column for d in result.schema_plan} == {"new_status", "new_patient_name"}
    assert [d.column for d in result.reused] == ["new_start"]


def test_a_missing_standard_column_is_flagged_not_planned_for_creation() -> None:
    wanted = WantedColumn(
        table="contact", column="telephone1", type="string", source="contact_points[phone]",
        custom=False,
    )  # fmt: skip
    decision = decide_column(wanted, LIVE, prefix="new_")
    assert decision.action == "missing_standard"
