"""The field-level diff as one self-contained HTML page: counts on top, a section per table."""

from __future__ import annotations

from collections import defaultdict

from shared.reports.diff import VERDICT_LABELS, VERDICTS, DiffReport, FieldDiff
from shared.reports.html import page, table, text

# Filters rows by verdict checkboxes and free text; no data is embedded in the script.
FILTER_SCRIPT = """
const boxes=[...document.querySelectorAll('input[data-verdict]')];
const search=document.getElementById('q');
function apply(){const on=new Set(boxes.filter(b=>b.checked).map(b=>b.dataset.verdict));
const q=search.value.toLowerCase();
for(const tr of document.querySelectorAll('tr[data-verdict]')){
tr.hidden=!on.has(tr.dataset.verdict)||(q&&!tr.textContent.toLowerCase().includes(q));}}
boxes.forEach(b=>b.addEventListener('change',apply));search.addEventListener('input',apply);
"""
COLUMNS = ("Record", "Column", "Source value", "Sent", "Read back", "Transformation",
           "Verdict", "Reason")  # fmt: skip


def _row(item: FieldDiff) -> str:
    cells = [
        f"<td>{text(item.key)}</td>",
        f"<td>{text(item.column)}</td>",
        f'<td class="v">{text(item.source_value)}</td>',
        f'<td class="v">{text(item.sent)}</td>',
        f'<td class="v">{text(item.read_back)}'
        + (f" ({text(item.read_back_label)})" if item.read_back_label else "")
        + "</td>",
        f"<td>{text(item.transformation)}</td>",
        f'<td class="verdict">{text(VERDICT_LABELS[item.verdict])}</td>',
        f"<td>{text(item.reason)}</td>",
    ]
    return f'<tr class="{item.verdict}" data-verdict="{item.verdict}">{"".join(cells)}</tr>'


def render_diff_html(report: DiffReport) -> str:
    """The diff page: summary counts, verdict filters, then one table per destination table.

    Args:
        report: the field-level diff.

    Returns:
        HTML text with no external resources; every value is escaped.
    """
    summary = report.summary()
    counts = table(
        ["Table", *(VERDICT_LABELS[v] for v in VERDICTS)],
        [[name, *(counts[v] for v in VERDICTS)] for name, counts in summary.items()],
    )
    rate = report.mismatch_rate
    verdict = "good" if rate == 0 else "bad"
    filters = "".join(
        f'<label><input type="checkbox" data-verdict="{v}" checked> {text(VERDICT_LABELS[v])}'
        "</label> "
        for v in VERDICTS
    )
    by_table: dict[str, list[FieldDiff]] = defaultdict(list)
    for item in report.fields:
        by_table[item.table].append(item)
    sections = "".join(
        f'<section id="t-{text(name)}"><h2>{text(name)}</h2><table><thead><tr>'
        + "".join(f"<th>{text(c)}</th>" for c in COLUMNS)
        + "</tr></thead><tbody>"
        + "".join(_row(item) for item in items)
        + "</tbody></table></section>"
        for name, items in by_table.items()
    )
    body = (
        f"<p>Run <code>{text(report.run_id)}</code>, map sha256 "
        f"<code>{text(report.map_sha256)}</code>.</p>"
        f'<p class="{verdict}">Mismatch rate: {rate:.2%} of {len(report.fields)} fields.</p>'
        f"{counts}"
        f'<div class="filters">{filters}<input id="q" type="search" placeholder="Filter"></div>'
        f"{sections}"
    )
    return page("Sample field-level diff", body, script=FILTER_SCRIPT)
