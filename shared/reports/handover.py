"""The hand-over checklist: what does not migrate from a source, and where the admin rebuilds it.

The lists are data (mappings/handover/<source>.yaml); this module validates them and renders
the checklist for the run's final report as Markdown (a to-do list) or plain data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

HANDOVER_ROOT = Path(__file__).resolve().parents[2] / "mappings" / "handover"
Category = Literal["workflows", "automations", "reminders", "payment integrations",
                   "clinical templates", "security roles"]  # fmt: skip


class HandoverItem(BaseModel):
    """One thing the clinic's admin must rebuild by hand."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    category: Category
    what: str
    source_place: str
    reason: str
    rebuild: dict[str, str]


class Handover(BaseModel):
    """A source system's checklist."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    label: str
    items: list[HandoverItem]


def load_handover(source_system: str, root: Path = HANDOVER_ROOT) -> Handover:
    """The checklist of a source system; errors name the file and the path inside it.

    Raises:
        KeyError: no checklist for this source.
        ValueError: the file is not a valid checklist.
    """
    path = root / f"{source_system}.yaml"
    if not path.exists():
        raise KeyError(f"no hand-over checklist for source {source_system!r}")
    try:
        return Handover.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValidationError as error:
        where = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise ValueError(f"{path}: {where}") from None


def _cell(text: str) -> str:
    return " ".join(text.replace("\\", "\\\\").replace("|", "\\|").split())


def render_handover_markdown(handover: Handover, destination: str, run_id: str) -> str:
    """A Markdown to-do list grouped by category, with the destination's place to rebuild.

    Args:
        handover: the source's checklist.
        destination: `dataverse` or `salesforce`.
        run_id: the run the checklist belongs to.

    Returns:
        Markdown with one unchecked task per item.
    """
    lines = [
        f"# Hand-over checklist: {_cell(handover.label)} -> {destination}",
        "",
        f"Run `{_cell(run_id)}`. These are not migrated; rebuild each one, then tick it.",
    ]
    categories = dict.fromkeys(item.category for item in handover.items)
    for category in categories:
        lines += ["", f"## {category.capitalize()}", ""]
        for item in (i for i in handover.items if i.category == category):
            where = item.rebuild.get(destination, "see the destination's documentation")
            lines += [
                f"- [ ] **{_cell(item.what)}** (`{item.id}`)",
                f"  - In the source: {_cell(item.source_place)}",
                f"  - Why not migrated: {_cell(item.reason)}",
                f"  - Rebuild in {destination}: {_cell(where)}",
            ]
    return "\n".join(lines) + "\n"
