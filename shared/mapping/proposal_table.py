"""The readable side of a proposal: one Markdown table per destination table entry."""

from __future__ import annotations

from shared.mapping.names import logical_name
from shared.mapping.order import load_order
from shared.mapping.spec import MapSpec, TableSpec


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def proposal_markdown(spec: MapSpec, sha256: str) -> str:
    """A reviewer's view of a map: entries in load order, each column with its transformation."""
    lines = [
        f"# Map proposal: {spec.name}",
        "",
        f"- destination: {spec.destination} (publisher prefix `{spec.publisher_prefix}_`)",
        f"- source system: {spec.source_system or 'any'}",
        f"- sha256 of the map: `{sha256}`",
        "- load order: " + ", ".join(f"`{name}`" for name in load_order(spec)),
    ]
    for name, value in sorted(spec.options.items()):
        lines.append(
            f"- run option `{name}` = `{value.default}` (choices: {', '.join(value.choices)})"
        )
    for name in load_order(spec):
        lines += ["", *_entry_table(spec, name, spec.tables[name])]
    lines.append("")
    return "\n".join(lines)


def _entry_table(spec: MapSpec, name: str, entry: TableSpec) -> list[str]:
    dest = spec.destination
    title = f"## `{name}`: {entry.source or 'map rows'} -> `{logical_name(entry.table, dest)}`"
    lines = [title, ""]
    if entry.seed_rows:
        lines += [f"Seed rows: {'; '.join(entry.seed_rows)}", ""]
    lines += [f"Operation: {entry.operation}; on invalid values: {entry.policy}", ""]
    for test in entry.filters:
        lines.append(f"- {test.action} when `{test.when}` ({test.reason})")
    lines += [
        "",
        "| column | type | transformation | confidence | reason |",
        "|---|---|---|---|---|",
    ]
    for column, rule in entry.fields.items():
        confidence = "" if rule.confidence is None else f"{rule.confidence:.2f}"
        lines.append(
            f"| `{logical_name(column, dest)}` | {rule.type} | {_cell(rule.describe())} "
            f"| {confidence} | {_cell(rule.reason or '')} |"
        )
    for nav, lookup in entry.lookups.items():
        targets = "; else ".join(
            f"{c.source or c.const or 'reference ' + str(c.ref)} -> {c.to or c.ref}"
            for c in lookup.all_candidates()
        )
        lines.append(f"| `{nav}` | lookup | {_cell(targets)} | | |")
    if entry.owner:
        lines.append(f"| owner | lookup | staff {entry.owner.source} -> user by e-mail | | |")
    return lines
