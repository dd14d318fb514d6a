"""Renders a proposal as a Markdown document a reviewer can read and confirm."""

from __future__ import annotations

from shared.mapping.proposer.destination import DestinationMapProposal
from shared.mapping.proposer.models import ColumnsProposal, ValueMapProposal


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def proposal_markdown(proposal: ColumnsProposal) -> str:
    """A Markdown table of column -> field proposals, then one table per value map."""
    lines = [
        f"# Proposed map: {proposal.source_file} ({proposal.object})",
        "",
        f"{len(proposal.columns)} columns, {proposal.rows_sampled} rows sampled, "
        f"region {proposal.region or 'unknown'}. "
        "Nothing moves until a person confirms this map.",
        "",
        f"To review ({len(proposal.to_review())}): "
        + (", ".join(proposal.to_review()) or "nothing flagged"),
        "",
        "| Column | Proposed field | Confidence | Reason |",
        "|---|---|---:|---|",
    ]
    for column in proposal.columns:
        if column.field is not None:
            target = f"`{column.field}`"
        elif column.custom_field is not None:
            custom = column.custom_field
            options = f" ({len(custom.options)} options)" if custom.options else ""
            target = f"custom `{custom.name}`: {custom.type}{options}"
        else:
            target = "(none)"
        marker = " (model-assisted)" if column.assisted else ""
        lines.append(
            f"| {_cell(column.column)} | {target}{marker} | {column.confidence:.2f} "
            f"| {_cell(column.reason)} |"
        )
    for value_map in proposal.value_maps:
        lines.extend(["", *value_map_markdown(value_map)])
    return "\n".join(lines) + "\n"


def value_map_markdown(value_map: ValueMapProposal) -> list[str]:
    """One value map as Markdown lines; unmapped values are called out for the reviewer."""
    lines = [
        f"## Values of {value_map.column} -> `{value_map.field}`",
        "",
        "| Source value | Count | Canonical value | Confidence | Reason |",
        "|---|---:|---|---:|---|",
    ]
    for entry in value_map.entries:
        canonical = f"`{entry.canonical}`" if entry.canonical else "**choose**"
        lines.append(
            f"| {_cell(entry.raw)} | {entry.count} | {canonical} | {entry.confidence:.2f} "
            f"| {_cell(entry.reason)} |"
        )
    if value_map.unmapped:
        lines.extend(["", f"{len(value_map.unmapped)} value(s) need a canonical value."])
    return lines


_DESTINATION_HEADER = "| Table | Column | Type | Fed by | Action | Reason |"


def destination_markdown(proposal: DestinationMapProposal) -> str:
    """The destination check as Markdown: what is reused, then the schema plan."""
    lines = ["# Destination check", ""]
    for title, decisions in (("Reused", proposal.reused), ("Schema plan", proposal.schema_plan)):
        lines += [f"## {title} ({len(decisions)})", "", _DESTINATION_HEADER, "|---" * 6 + "|"]
        for d in decisions:
            lines.append(
                f"| {d.table} | `{d.column}` | {d.type} | {_cell(d.fed_by or '(not in export)')} "
                f"| {d.action} | {_cell(d.reason)} |"
            )
        for d in decisions:
            missing = [f"{o.label} ({o.count})" for o in d.options if not o.exists]
            if missing:
                lines.append(f"\n`{d.column}` needs options: {_cell(', '.join(missing))}")
        lines.append("")
    return "\n".join(lines)
