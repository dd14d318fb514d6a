"""Loading maps: every shipped map validates; mistakes name the file and the path inside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.mapping.loader import MAPPINGS_DIR, MapError, load_map
from shared.mapping.order import load_order

SHIPPED = sorted(p for p in MAPPINGS_DIR.glob("*/*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_shipped_map_loads_and_has_a_load_order(path: Path) -> None:
    spec = load_map(path)
    order = load_order(spec)
    assert sorted(order) == sorted(spec.tables)
    for name, entry in spec.tables.items():
        for rule in entry.lookups.values():
            for candidate in rule.all_candidates():
                if candidate.to in spec.tables and candidate.to != name and not rule.deferred:
                    assert order.index(candidate.to) < order.index(name)


def _pair(tmp_path: Path, body: str) -> Path:
    base = tmp_path / "default.yaml"
    base.write_text((MAPPINGS_DIR / "dataverse" / "default.yaml").read_text())
    pair = tmp_path / "pair.yaml"
    pair.write_text("extends: default.yaml\nname: test-pair\n" + body)
    return pair


def test_a_mistake_in_a_pair_file_names_that_file_and_the_path(tmp_path: Path) -> None:
    pair = _pair(
        tmp_path, "tables:\n  patient_contact:\n    fields:\n      firstname: {type: text}\n"
    )
    with pytest.raises(MapError) as caught:
        load_map(pair)
    assert str(caught.value).startswith(f"{pair}: tables.patient_contact.fields.firstname")


def test_an_unknown_source_field_is_named_with_its_path(tmp_path: Path) -> None:
    pair = _pair(
        tmp_path, "tables:\n  patient_contact:\n    fields:\n      jobtitle: {from: job}\n"
    )
    with pytest.raises(
        MapError, match=r"tables.patient_contact.fields.jobtitle.from: Patient has no field 'job'"
    ):
        load_map(pair)


def test_a_lookup_cycle_is_refused_unless_one_side_is_deferred(tmp_path: Path) -> None:
    cycle = (
        "tables:\n  location_account:\n    lookups:\n"
        "      primarycontactid: {from: source_id, to: patient_contact}\n"
    )
    with pytest.raises(MapError, match="lookups form a cycle"):
        load_map(_pair(tmp_path, cycle))
    deferred = cycle.replace("to: patient_contact}", "to: patient_contact, deferred: true}")
    spec = load_map(_pair(tmp_path, deferred))
    assert load_order(spec).index("location_account") < load_order(spec).index("patient_contact")


def test_run_options_pick_the_variant_and_unknown_choices_are_refused() -> None:
    core = MAPPINGS_DIR / "dataverse" / "core_practice.yaml"
    assert "invoice" in load_map(core).tables
    chosen = load_map(core, options={"billing_target": "opportunity"})
    assert "billing_opportunity" in chosen.tables and "invoice" not in chosen.tables
    with pytest.raises(MapError, match=r"options\.billing_target"):
        load_map(core, options={"billing_target": "spreadsheet"})


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\ntables: [\n")
    with pytest.raises(MapError, match=r"broken.yaml: line \d+: not valid YAML"):
        load_map(broken)


def test_a_value_map_target_that_is_not_a_column_option_is_refused(tmp_path: Path) -> None:
    body = "value_maps:\n  gender:\n    entries: {female: Woman}\n"
    with pytest.raises(
        MapError, match=r"tables.patient_contact.fields.gendercode.value_map: target 'Woman'"
    ):
        load_map(_pair(tmp_path, body))


def test_waves_group_entries_that_can_load_in_parallel() -> None:
    from shared.mapping.order import load_waves

    waves = load_waves(load_map(MAPPINGS_DIR / "dataverse" / "aerona.yaml"))
    first = waves[0]
    assert "organization_account" in first and "patient_contact" not in first
    position = {name: i for i, wave in enumerate(waves) for name in wave}
    assert position["location_account"] < position["patient_contact"] < position["appointment"]
    assert position["treatment_plan"] < position["treatment_plan_line"]
