"""Schema plan: diff against live metadata, provenance and keys, Sales Professional limit, zip."""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree as ET

from shared.destinations.dataverse.schema_plan import plan_schema
from shared.destinations.dataverse.solution import solution_zip
from shared.destinations.schema import (
    ChoiceOption,
    ColumnInfo,
    ColumnNeed,
    DestinationSchema,
    KeyInfo,
    SchemaNeeds,
    TableInfo,
    TableNeed,
)

NEEDS = SchemaNeeds(
    map_hash="abc123",
    tables=[
        TableNeed(
            name="contact",
            custom=False,
            columns=[
                ColumnNeed(name="lastname", type="string", max_length=50),
                ColumnNeed(name="new_nhsnumber", type="string", max_length=10),
            ],
        ),
        TableNeed(
            name="new_treatmentplan",
            custom=True,
            label="Treatment plan",
            columns=[
                ColumnNeed(name="new_total", type="money"),
                ColumnNeed(
                    name="new_status",
                    type="choice",
                    choices=[
                        ChoiceOption(value=1, label="Proposed"),
                        ChoiceOption(value=2, label="Accepted"),
                    ],
                ),
                ColumnNeed(name="new_patientid", type="lookup", targets=["contact"]),
            ],
        ),
    ],
)


def live_contact(**columns: ColumnInfo) -> TableInfo:
    base = {
        "contactid": ColumnInfo(name="contactid", type="other"),
        "lastname": ColumnInfo(name="lastname", type="string", max_length=50),
        "fullname": ColumnInfo(name="fullname", type="string", max_length=160),
    }
    return TableInfo(
        name="contact",
        collection="contacts",
        primary_id="contactid",
        primary_name="fullname",
        columns={**base, **columns},
    )


def test_an_empty_environment_needs_tables_columns_lookups_and_keys() -> None:
    live = DestinationSchema(tables={"contact": live_contact()})
    plan = plan_schema(NEEDS, live, [], "new_")

    lines = plan.missing()
    assert "create custom table new_treatmentplan" in lines
    assert "add column contact.new_nhsnumber string(10)" in lines
    assert "add column contact.new_sourceid string(100)" in lines
    assert "add column contact.new_migrationrunid string(64)" in lines
    assert "create lookup new_treatmentplan.new_patientid -> contact" in lines
    assert "create alternate key on contact.new_sourceid" in lines
    assert "create alternate key on new_treatmentplan.new_sourceid" in lines
    assert not plan.satisfied
    assert "map abc123" in plan.render()
    assert plan.custom_tables_total == 1


def test_a_complete_environment_satisfies_the_plan_until_an_option_is_missing() -> None:
    plan = plan_schema(NEEDS, DestinationSchema(), [], "new_")
    live_tables = {}
    for table in plan.needs.tables:
        columns = {
            c.name: ColumnInfo(
                name=c.name,
                type=c.type,
                max_length=c.max_length,
                choices=c.choices,
                targets=c.targets,
            )
            for c in table.columns
        }
        live_tables[table.name] = TableInfo(
            name=table.name,
            collection=table.name + "s",
            primary_id=table.name + "id",
            columns=columns,
            keys=[KeyInfo(name="k", columns=["new_sourceid"], status="active")],
        )
    live = DestinationSchema(tables=live_tables)
    assert plan_schema(NEEDS, live, ["new_treatmentplan"], "new_").satisfied

    status = live.tables["new_treatmentplan"].columns["new_status"]
    status.choices = status.choices[:1]
    live.tables["contact"].keys[0].status = "pending"
    again = plan_schema(NEEDS, live, ["new_treatmentplan"], "new_")
    assert again.missing() == [
        "create alternate key on contact.new_sourceid [in_progress]",
        "add options to new_treatmentplan.new_status: 2=Accepted",
    ]


def test_conflicts_are_named_and_never_silently_accepted() -> None:
    short = ColumnInfo(name="new_nhsnumber", type="string", max_length=5)
    live = DestinationSchema(tables={"contact": live_contact(new_nhsnumber=short)})
    plan = plan_schema(NEEDS, live, [], "new_")
    conflict = next(a for a in plan.actions if a.state == "conflict")
    assert conflict.note == "live column holds 5 characters, map needs 10"
    missing_standard = SchemaNeeds(tables=[TableNeed(name="lead", custom=False)])
    assert plan_schema(missing_standard, live, [], "new_").actions[0].note == (
        "standard table is missing"
    )


def test_sales_professional_limit_is_warned() -> None:
    existing = [f"new_table{n}" for n in range(15)]
    plan = plan_schema(
        NEEDS, DestinationSchema(tables={"contact": live_contact()}), existing, "new_"
    )
    assert plan.custom_tables_total == 16
    assert any("Sales Professional allows 15" in w for w in plan.warnings)


def test_solution_zip_holds_the_three_parts_with_the_missing_items() -> None:
    plan = plan_schema(NEEDS, DestinationSchema(tables={"contact": live_contact()}), [], "new_")
    archive = zipfile.ZipFile(io.BytesIO(solution_zip(plan, "ClinicFerry", "new_")))

    assert sorted(archive.namelist()) == [
        "[Content_Types].xml",
        "customizations.xml",
        "solution.xml",
    ]
    solution = ET.fromstring(archive.read("solution.xml"))  # noqa: S314 - we wrote it
    assert solution.findtext("SolutionManifest/Publisher/CustomizationPrefix") == "new"
    custom = ET.fromstring(archive.read("customizations.xml"))  # noqa: S314
    entities = {e.findtext("Name"): e for e in custom.iter("Entity")}
    assert set(entities) == {"contact", "new_treatmentplan"}
    plan_attrs = {
        a.findtext("LogicalName") for a in entities["new_treatmentplan"].iter("attribute")
    }
    assert {"new_total", "new_status", "new_patientid", "new_sourceid"} <= plan_attrs
    keys = [k.findtext("EntityKeyAttributes/AttributeName") for k in custom.iter("EntityKey")]
    assert keys == ["new_sourceid", "new_sourceid"]
    relationship = next(custom.iter("EntityRelationship"))
    assert relationship.findtext("ReferencedEntityName") == "contact"
