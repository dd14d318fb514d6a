"""Renderers of the quality report: JSON for machines, a short plain-text summary for a terminal."""

from __future__ import annotations

from shared.quality.report import ObjectProfile, QualityReport, ReasonCount


def render_json(report: QualityReport) -> str:
    """The whole report as indented JSON (counts and locations only, never values)."""
    return report.model_dump_json(indent=2)


def _rows(count: int) -> str:
    return f"{count:,} row" if count == 1 else f"{count:,} rows"


def _reason_line(reason: ReasonCount, top_columns: int = 3) -> str:
    top = list(reason.columns.items())[:top_columns]
    columns = ", ".join(f"{name} {count:,}" for name, count in top)
    if len(reason.columns) > top_columns:
        columns += ", ..."
    where = f"  ({columns})" if columns else ""
    return f"    {reason.severity:<10} {reason.reason:<22} {reason.count:>9,}{where}"


def _object_lines(profile: ObjectProfile, top_reasons: int) -> list[str]:
    status = "" if profile.balanced else "  [UNBALANCED]"
    lines = [
        f"  {profile.object_kind:<18} read {profile.rows_read:>9,}  accepted {profile.accepted:>9,}"
        f"  quarantined {profile.quarantined:>7,}  merged {profile.merged:>7,}{status}"
    ]
    lines += [_reason_line(reason) for reason in profile.reasons[:top_reasons]]
    hidden = len(profile.reasons) - top_reasons
    if hidden > 0:
        lines.append(f"    ... {hidden} more reason(s) in the JSON report")
    return lines


def render_summary(report: QualityReport, *, top_reasons: int = 3) -> str:
    """A few lines per object kind with its top reasons, then the files read.

    Args:
        report: the profile.
        top_reasons: reasons shown per object kind (quarantine reasons come first).

    Returns:
        Plain text ending in a newline.
    """
    total = sum(p.rows_read for p in report.objects)
    lines = [f"Data quality as of {report.as_of.isoformat()}: {_rows(total)}"]
    for profile in report.objects:
        lines += _object_lines(profile, top_reasons)
    if report.unchecked_references:
        lines.append(
            "References not checked (parent not read): " + ", ".join(report.unchecked_references)
        )
    if report.files:
        lines.append("Files")
        for file in report.files:
            encoding = f", {file.encoding}" if file.encoding else ""
            notes = "".join(f", {r.reason}" for r in file.reasons)
            lines.append(f"  {file.file} ({_rows(file.rows)}{encoding}{notes})")
    if report.quarantine_rows:
        quarantined = _rows(report.quarantine_rows).replace("row", "quarantined row")
        lines.append(f"{quarantined}: see the quarantine list")
    return "\n".join(lines) + "\n"
