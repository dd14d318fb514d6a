"""Hand-over checklists: every source has one covering the issue's categories, for both CRMs."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.reports.handover import HANDOVER_ROOT, load_handover, render_handover_markdown

SOURCES = sorted(path.stem for path in HANDOVER_ROOT.glob("*.yaml"))


def test_every_mapped_source_has_a_checklist() -> None:
    maps = Path(__file__).resolve().parents[3] / "mappings" / "dataverse"
    pairs = {p.stem for p in maps.glob("*.yaml")} - {"default"}
    assert pairs <= set(SOURCES)


@pytest.mark.parametrize("source", SOURCES)
def test_checklist_names_where_to_rebuild_on_each_destination(source: str) -> None:
    handover = load_handover(source)
    categories = {item.category for item in handover.items}
    assert {"payment integrations", "security roles"} <= categories
    assert categories & {"reminders", "workflows", "automations"}
    for item in handover.items:
        assert item.rebuild.get("dataverse") and item.rebuild.get("salesforce"), item.id

    page = render_handover_markdown(handover, "dataverse", "run-7")
    assert page.count("- [ ] ") == len(handover.items)
    assert "Rebuild in dataverse: " in page and "salesforce" not in page.split("\n", 1)[1]


def test_a_broken_checklist_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("source: x\nlabel: X\nitems: [{id: a, category: taxes}]\n")
    with pytest.raises(ValueError, match=r"x.yaml: items\.0\.category"):
        load_handover("x", tmp_path)
    with pytest.raises(KeyError):
        load_handover("nothing", tmp_path)
