"""Benchmark: the quality profiler alone on synthetic canonical rows (rows/s, retained memory).

Usage: `.venv/bin/python -m bench.quality.profile_patients --patients 200000 [--children 0]`.
Rows are built outside the timed section, chunk by chunk, so only `profile_row` is measured (CPU
time of this process). Each patient has a mobile number, an e-mail, an identifier (NHS / TCKN), a
name and a birth date; `--children N` adds N appointments per patient (the bulk of a real export)
to show the profile cost of an average row.
"""

from __future__ import annotations

import argparse
import random
import time
import tracemalloc
from datetime import date, datetime, timedelta

from shared.model import Appointment, SourceRef
from shared.quality import QualityConfig, QualityProfiler, RowOutcome
from tests.fixtures.quality import synthetic_patient

CHUNK = 10_000
START = datetime(2024, 1, 8, 9, 0)


def _chunk(
    rng: random.Random, first: int, last: int, system: str, children: int
) -> list[tuple[str, RowOutcome]]:
    rows: list[tuple[str, RowOutcome]] = []
    for index in range(first, last):
        patient = synthetic_patient(rng, index, system)
        rows.append(("patient", RowOutcome(object_kind="patient", source_ref=patient.source_ref,
                                           record=patient)))  # fmt: skip
    for index in range(first, last):
        for n in range(children):
            number = index * children + n
            appointment = Appointment.model_construct(
                source_system=system, source_id=f"A{number}",
                source_ref=SourceRef(file="appointments.csv", row=number),
                patient_id=f"P{rng.randrange(1, last)}", start=START + timedelta(minutes=number),
                status="completed", custom_fields=[], procedure_ids=[],
            )  # fmt: skip
            rows.append(("appointment", RowOutcome(object_kind="appointment",
                                                   source_ref=appointment.source_ref,
                                                   record=appointment)))  # fmt: skip
    return rows


def run(patients: int, system: str, children: int, measure_memory: bool) -> None:
    """Profile the rows and print rows/s, per-row cost, statuses and retained memory."""
    rng = random.Random(42)
    profiler = QualityProfiler(QualityConfig(as_of=date(2026, 6, 1)))
    if measure_memory:
        tracemalloc.start()
    elapsed, rows_read = 0.0, 0
    statuses: dict[str, int] = {}
    for first in range(1, patients + 1, CHUNK):
        rows = _chunk(rng, first, min(first + CHUNK, patients + 1), system, children)
        started = time.process_time()
        for kind, row in rows:
            profiler.profile_row(kind, row)
        elapsed += time.process_time() - started
        rows_read += len(rows)
        for _, row in rows:
            statuses[row.status] = statuses.get(row.status, 0) + 1
        del rows
    report = profiler.finish()
    print(f"rows              {rows_read:,} ({patients:,} patients, {children} appointments each)")
    print(f"profile CPU time  {elapsed:.2f} s")
    print(f"rows/s            {rows_read / elapsed:,.0f}")
    print(f"per row           {elapsed / rows_read * 1e6:.2f} us")
    print(f"statuses          {statuses}")
    print(f"balanced          {report.balanced}")
    if measure_memory:
        # Rows are dropped chunk by chunk; what stays is the profiler's keys and counters.
        current, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"retained memory   {current / 2**20:.1f} MiB ({current / rows_read:.0f} B/row)")


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Quality profiler benchmark")
    parser.add_argument("--patients", type=int, default=200_000)
    parser.add_argument("--children", type=int, default=0, help="appointments per patient")
    parser.add_argument("--system", default="aerona", choices=["aerona", "drdentes"])
    parser.add_argument("--memory", action="store_true", help="trace memory (slows the run)")
    args = parser.parse_args()
    run(args.patients, args.system, args.children, args.memory)


if __name__ == "__main__":
    main()
