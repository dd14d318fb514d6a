"""The mapping's schema needs feed the Dataverse plan: the bundled AeronaClinic map end to end."""

from __future__ import annotations

from pathlib import Path

from shared.destinations.dataverse.schema_plan import plan_schema
from shared.destinations.map_needs import needs_from_map
from shared.destinations.schema import ColumnInfo, DestinationSchema, TableInfo
from shared.mapping.loader import load_map
from shared.mapping.schema import schema_needs

AERONA = Path(__file__).parents[3] / "mappings" / "dataverse" / "aerona.yaml"


def test_the_aerona_map_plans_custom_tables_lookups_and_keys() -> None:
    needs = needs_from_map(schema_needs(load_map(AERONA)), map_hash="h1")
    names = {table.name for table in needs.tables}

    assert {"contact", "appointment", "annotation", "new_treatmentplan"} <= names
    assert "systemuser" not in names  # matched only, never written
    # Standard tables exist with their standard columns; everything prefixed is ours to add.
    standard = {
        t.name: TableInfo(
            name=t.name,
            collection=t.collection or "",
            primary_id=t.name + "id",
            columns={
                c.name: ColumnInfo(name=c.name, type=c.type, max_length=c.max_length)
                for c in t.columns
                if not c.name.startswith("new_")
            },
        )
        for t in needs.tables
        if not t.custom
    }
    plan = plan_schema(needs, DestinationSchema(tables=standard), [], "new_")
    lines = plan.missing()
    assert not [line for line in lines if "conflict" in line]
    assert "create custom table new_treatmentplan" in lines
    assert "create lookup new_treatmentplan.new_patientid -> contact" in lines
    assert "create alternate key on product.productnumber" in lines
    lookups = [a for a in plan.actions if a.kind == "create_lookup"]
    plan_lookup = next(a.column for a in lookups if a.table == "new_treatmentplan")
    assert plan_lookup is not None
    assert plan_lookup.schema_name == "new_PatientId"
