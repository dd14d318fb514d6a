"""Times `propose_csv` on a large synthetic appointment export built from a test layout.

The matcher reads a fixed sample, so its time does not grow with the file; counting the distinct
values of enumerated columns (value maps) streams the whole file once.

    .venv/bin/python bench/propose_columns_bench.py --rows 200000
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

from shared.mapping.proposer.proposal import propose_csv

LAYOUT = Path(__file__).parent.parent / "tests/shared/mapping/proposer/cases/en_appointments.csv"


def build_export(rows: int, target: Path) -> None:
    """Repeats the layout's rows with fresh appointment ids until `rows` data rows exist."""
    with LAYOUT.open(encoding="utf-8", newline="") as handle:
        header, *template = list(csv.reader(handle))
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for index in range(rows):
            row = list(template[index % len(template)])
            row[0] = f"A{index:08d}"
            writer.writerow(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "appointments.csv"
        build_export(args.rows, path)
        size_mb = path.stat().st_size / 1e6
        started = time.perf_counter()
        proposal = propose_csv(path, "appointment")
        elapsed = time.perf_counter() - started
    counted = sum(e.count for m in proposal.value_maps if m.field == "status" for e in m.entries)
    print(
        f"rows={args.rows} size={size_mb:.1f} MB columns={len(proposal.columns)} "
        f"statuses counted={counted} seconds={elapsed:.2f} rows/s={args.rows / elapsed:,.0f}"
    )


if __name__ == "__main__":
    main()
