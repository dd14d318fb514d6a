"""`python -m cli profile`: read and profile an export, print a summary, write the JSON report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shared.quality.config import QualityConfigError, load_quality_config
from shared.quality.render import render_json, render_summary
from shared.sources import READERS, ProfileError
from shared.sources.profiling import ProfiledExport, profile_export


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `profile` command."""
    parser = commands.add_parser(
        "profile", help="read an export and report its data quality (nothing is written)"
    )
    parser.add_argument("--source", required=True, choices=sorted(READERS))
    parser.add_argument("--export", required=True, type=Path, help="the export folder")
    parser.add_argument("--json", type=Path, help="write the full JSON report here")
    parser.add_argument("--profile", type=Path, help="source profile YAML (default: shipped)")
    parser.add_argument("--quality", type=Path, help="quality rule settings YAML")
    parser.add_argument("--quarantine", type=Path, help="write quarantined rows (JSON lines)")
    parser.set_defaults(run=run)


def _file_lines(result: ProfiledExport) -> list[str]:
    lines = ["Read"]
    for info in result.read.files:
        where = f"[{info.sheet}]" if info.sheet else ""
        layout = ", ".join(
            part
            for part in (
                info.encoding and f"{info.encoding}{' (guessed)' if info.encoding_guessed else ''}",
                info.delimiter and f"delimiter {info.delimiter!r}",
                info.header_row is not None and f"header row {info.header_row}",
            )
            if part
        )
        kind = info.object_kind or "?"
        lines.append(f"  {info.file}{where} -> {kind}: {info.rows_read:,} rows ({layout})")
    return lines


def run(args: argparse.Namespace) -> int:
    """Profile the export; exit 0 when every object balances, 2 on unusable input."""
    try:
        config = load_quality_config(args.quality) if args.quality else None
        quarantine = args.quarantine.open("w", encoding="utf-8") if args.quarantine else None
        try:
            result = profile_export(
                args.source,
                args.export,
                profile_path=args.profile,
                config=config,
                quarantine=quarantine,
            )
        finally:
            if quarantine is not None:
                quarantine.close()
    except (ProfileError, QualityConfigError, NotADirectoryError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(render_summary(result.report), end="")
    print("\n".join(_file_lines(result)))
    if args.json:
        args.json.write_text(render_json(result.report), encoding="utf-8")
        print(f"JSON report: {args.json}")
    return 0 if result.report.balanced else 1
