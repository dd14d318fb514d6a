"""Benchmark: read + canonicalise + profile a large synthetic export (patients + appointments).

Generates the export once with `python -m cli generate` (reused when its manifest matches), then
streams it through the source reader and the quality profiler in this process, measuring CPU
time (rows per second per core: the pipeline is single-threaded) and peak RSS. Ends with one
`RESULT name=value ...` line.

    .venv/bin/python bench/read_profile.py                    # 1,000,000 patients (+ appointments)
    .venv/bin/python bench/read_profile.py --patients 50000   # a quick run
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shared.quality.profiler import QualityProfiler  # noqa: E402
from shared.sources.profiling import profiled_rows, quality_config_for  # noqa: E402
from shared.sources.registry import reader_for  # noqa: E402

OBJECTS = "patients,appointments"


def ensure_export(source: str, patients: int, seed: int, folder: Path) -> dict[str, int]:
    """Generate the export unless `folder` already holds this one; returns rows per file."""
    manifest = folder / "_manifest.json"
    if manifest.exists():
        data = json.loads(manifest.read_text(encoding="utf-8"))
        if (data.get("source"), data.get("patients"), data.get("seed")) == (source, patients, seed):
            return {name: info["rows"] for name, info in data["files"].items()}
    command = [
        sys.executable, "-m", "cli", "generate", "--source", source, "--patients", str(patients),
        "--seed", str(seed), "--objects", OBJECTS, "--out", str(folder), "--overwrite",
    ]  # fmt: skip
    print(f"generating {patients:,} {source} patients into {folder} ...", flush=True)
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return {name: info["rows"] for name, info in data["files"].items()}


def peak_rss_mb() -> float:
    """Peak resident set size of this process (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="aerona")
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, help="export folder (default .local/bench/...)")
    args = parser.parse_args()
    folder = args.data or ROOT / ".local" / "bench" / f"{args.source}-{args.patients}"
    expected = ensure_export(args.source, args.patients, args.seed, folder)

    baseline_rss = peak_rss_mb()
    read = reader_for(args.source).read(folder)
    profiler = QualityProfiler(quality_config_for(read, None))
    rows_by_kind: dict[str, int] = {}
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    for kind, _ in profiled_rows(read, profiler):
        rows_by_kind[kind] = rows_by_kind.get(kind, 0) + 1
    cpu = time.process_time() - cpu_start
    wall = time.perf_counter() - wall_start
    report = profiler.finish()

    rows = sum(rows_by_kind.values())
    for profile in report.objects:
        print(
            f"{profile.object_kind:<12} read {profile.rows_read:>9,}  accepted "
            f"{profile.accepted:>9,}  quarantined {profile.quarantined:>7,}  merged "
            f"{profile.merged:>7,}"
        )
    print(f"files: {', '.join(f'{n} {c:,}' for n, c in expected.items())}")
    print(f"{rows:,} rows in {cpu:.1f} s CPU ({wall:.1f} s wall): {rows / cpu:,.0f} rows/s/core")
    matches = sum(expected.values()) == rows
    print(
        f"RESULT source={args.source} patients={args.patients} rows={rows} "
        f"cpu_seconds={cpu:.1f} wall_seconds={wall:.1f} rows_per_s_per_core={rows / cpu:.0f} "
        f"peak_rss_mb={peak_rss_mb():.0f} baseline_rss_mb={baseline_rss:.0f} "
        f"balanced={str(report.balanced).lower()} rows_match_manifest={str(matches).lower()}"
    )
    return 0 if report.balanced and matches else 1


if __name__ == "__main__":
    sys.exit(main())
