"""Benchmark: a delta pass's change detection on a ~1,000,000-row export drop, against Azurite.

Generates two drops of one AeronaClinic export (every object kind): drop 1, and drop 2 with ~1%
of its records new, changed or deleted (new patients bring their appointments, invoices, ...;
deleted patients take theirs along). Starts Azurite, runs the full run's `extract_export` on
drop 1 (the baseline: pages + content-hash snapshots), then `detect_changes` on drop 2, each in
a fresh process so CPU time and peak RSS are that step's own. Checks that the staged and deleted
records are exactly the rows a CSV diff of the two drops finds new, changed or gone (per file,
by the row's id), less new patients the profiler merges as duplicates, and exits 1 when they
differ. Ends with one `RESULT name=value ...` line.

    .venv/bin/python bench/delta.py                    # 43,460 patients: ~1,000,000 rows
    .venv/bin/python bench/delta.py --patients 2000    # a quick run (~46,000 rows)
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from azure.storage.blob import BlobServiceClient  # noqa: E402

from cli.azurite import start_azurite  # noqa: E402
from cli.synthetic.changes import ChangePlan  # noqa: E402
from cli.synthetic.generator import GenerateOptions, generate_export  # noqa: E402
from shared.ledger import BlobStaging  # noqa: E402
from shared.ledger.runs import DeltaWindow  # noqa: E402
from shared.pipeline.messages import PassJob, StartRun, deleted_scope  # noqa: E402

SEED = 1
PASS_ID = "delta-001"  # noqa: S105 - a pass's name, not a secret
DEFAULT_PATIENTS = 43_460  # x ~23.0 rows per patient = ~1,000,000 rows over 13 object kinds
# At 43,460 patients: ~20 rows per new or deleted patient, 2 per paid invoice (the invoice and
# its new payment), 1 per moved appointment or changed e-mail: ~10,000 records, 1%.
CHANGES = {"new_patients": 150, "deleted_patients": 150, "moved_appointments": 1500,
           "paid_invoices": 600, "changed_emails": 1200}  # fmt: skip


def scaled_changes(patients: int) -> dict[str, int]:
    """The change counts scaled to the export, so ~1% of its records change at any size."""
    return {k: max(1, round(n * patients / DEFAULT_PATIENTS)) for k, n in CHANGES.items()}


def ensure_drops(folder: Path, patients: int, changes: dict[str, int]) -> tuple[Path, Path]:
    """Generates drop 1 and drop 2 into `folder` unless it already holds these two."""
    stamp = folder / "stamp.json"
    wanted = {"source": "aerona", "patients": patients, "seed": SEED, "changes": changes}
    drops = folder / "drop1", folder / "drop2"
    if stamp.exists() and json.loads(stamp.read_text()) == wanted:
        return drops
    shutil.rmtree(folder, ignore_errors=True)
    for number, out in enumerate(drops, start=1):
        plan = ChangePlan.draw(changes, patients, SEED) if number > 1 else None
        print(f"generating drop {number} ({patients:,} patients) into {out} ...", flush=True)
        generate_export(GenerateOptions("aerona", patients, SEED, out, drop=number, changes=plan))
    stamp.write_text(json.dumps(wanted))
    return drops


def manifest_rows(drop: Path) -> int:
    """Rows the generator wrote into a drop's files."""
    files = json.loads((drop / "_manifest.json").read_text())["files"]
    return sum(info["rows"] for info in files.values())


def csv_rows(path: Path) -> dict[str, list[str]]:
    """A CSV file's rows by their first column (the record's id), header skipped.

    Latin-1 maps every byte to one character, so cells compare byte for byte whatever the
    file's encoding (UTF-8 with BOM, or cp1252 for the treatment codes).
    """
    with path.open(newline="", encoding="latin-1") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        return {row[0]: row for row in reader if row}


def csv_diff(old: Path, new: Path) -> dict[str, dict[str, set[str]]]:
    """Per object kind (from the manifest), the ids of rows new, changed and gone in `new`."""
    files = json.loads((old / "_manifest.json").read_text())["files"]
    diff = {}
    for name, info in files.items():
        before, after = csv_rows(old / name), csv_rows(new / name)
        diff[info["kind"]] = {
            "new": set(after) - set(before),
            "changed": {i for i in set(before) & set(after) if before[i] != after[i]},
            "gone": set(before) - set(after),
        }
    return diff


class TimedStaging(BlobStaging):
    """BlobStaging that adds up the seconds and calls spent in each of its Blob operations."""

    def __init__(self, service: BlobServiceClient) -> None:
        super().__init__(service)
        self.timings: dict[str, list[float]] = {}
        for name in ("list_export", "download_export", "read_bytes", "write_bytes",
                     "write_jsonl", "list_names"):  # fmt: skip
            setattr(self, name, self._timed(name, getattr(self, name)))

    def _timed(self, name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                entry = self.timings.setdefault(name, [0.0, 0])
                entry[0] += time.perf_counter() - began
                entry[1] += 1

        return timed


def upload_drop(staging_connection: str, folder: Path, prefix: str) -> int:
    """Uploads a drop (CSVs and document files) with 16 uploads in flight: setup, not measured."""
    container = BlobServiceClient.from_connection_string(staging_connection).get_container_client(
        "staging"
    )
    paths = sorted(p for p in folder.rglob("*") if p.is_file())

    def upload(path: Path) -> None:
        with path.open("rb") as handle:
            container.upload_blob(f"{prefix}/{path.relative_to(folder).as_posix()}", handle,
                                  overwrite=True)  # fmt: skip

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(upload, paths))
    return len(paths)


def memory_mb(field: str) -> float:
    """VmHWM (peak) or VmRSS (now) of this process from /proc, in MiB.

    Not ru_maxrss: Linux carries it across exec, so a child spawned by a large parent would
    report the parent's peak.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _measured(step: Callable[[TimedStaging], dict[str, Any]], connection: str) -> dict[str, Any]:
    staging = TimedStaging(BlobServiceClient.from_connection_string(connection))
    rss_before = memory_mb("VmRSS")
    cpu, wall = time.process_time(), time.perf_counter()
    result = step(staging)
    result["cpu_s"] = time.process_time() - cpu
    result["wall_s"] = time.perf_counter() - wall
    result["peak_rss_mb"] = memory_mb("VmHWM")
    result["rss_before_mb"] = rss_before
    result["blob_io"] = {k: (round(s, 2), n) for k, (s, n) in staging.timings.items()}
    return result


def start_message(run_id: str) -> StartRun:
    return StartRun.model_validate({
        "run_id": run_id, "source_system": "aerona", "export": {"prefix": f"exports/{run_id}"},
        "mode": "full", "started_by": "bench",
    })  # fmt: skip


def run_extract(connection: str, run_id: str) -> dict[str, Any]:
    """Step (1), in its own process: the full run's extract of drop 1."""
    from shared.pipeline.extract import extract_export

    def step(staging: TimedStaging) -> dict[str, Any]:
        result = extract_export(start_message(run_id), staging)
        objects = result.objects.values()
        return {"read": sum(o.read for o in objects), "staged": sum(o.staged for o in objects)}

    return _measured(step, connection)


def run_detect(connection: str, run_id: str, job: PassJob) -> dict[str, Any]:
    """Step (2), in its own process: `detect_changes` on drop 2 against the full run's hashes."""
    from shared.pipeline.delta import detect_changes

    now = datetime.now(UTC)
    window = DeltaWindow(opened_at=now, ends_at=now + timedelta(hours=48), next_due_at=now,
                         drop_prefix=f"drops/{run_id}")  # fmt: skip

    def step(staging: TimedStaging) -> dict[str, Any]:
        selection = detect_changes(job, start_message(run_id), window, staging)
        return {
            "read": sum(o.read for o in selection.extract.objects.values()),
            "changes": {k: c.model_dump() for k, c in selection.changes.items()},
            "merged": sum(o.merged for o in selection.extract.objects.values()),
        }

    return _measured(step, connection)


def in_fresh_process(call: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        return pool.submit(call, *args).result()


def staged_ids(staging: BlobStaging, scope: str, kind: str) -> set[str]:
    """The source ids in an object kind's pages under `scope`, read back from Azurite."""
    return {r["source_id"] for page in staging.list_pages(scope, kind)
            for r in staging.read_jsonl(page)}  # fmt: skip


def merged_duplicates(drop: Path, ids: set[str]) -> set[str]:
    """Those of `ids` whose patient row repeats an earlier row's name and date of birth.

    The quality profiler merges such a patient into the earlier one (rule duplicate_patient),
    so the pass neither stages it nor counts it as new: the CSV diff's principled excess.
    """
    first_seen: dict[tuple[str, ...], str] = {}
    duplicates = set()
    for source_id, row in csv_rows(drop / "Patients.csv").items():
        key = (row[2].strip().casefold(), row[4].strip().casefold(), row[6].strip())
        if key in first_seen and source_id in ids:
            duplicates.add(source_id)
        first_seen.setdefault(key, source_id)
    return duplicates


def compare(staging: BlobStaging, job: PassJob, diff: dict[str, dict[str, set[str]]],
            changes: dict[str, dict[str, int]], drop2: Path) -> dict[str, Any]:  # fmt: skip
    """Prints detected vs CSV-diffed records per kind and returns the totals and mismatches."""
    totals = {"detected": 0, "csv_diff": 0, "merged": 0}
    mismatches = []
    print(f"{'kind':<16}{'new':>7}{'changed':>9}{'deleted':>9}   csv: {'new':>6}{'changed':>9}"
          f"{'gone':>7}")  # fmt: skip
    for kind in sorted(set(diff) | set(changes)):
        counts = changes.get(kind, {})
        want = diff.get(kind, {"new": set(), "changed": set(), "gone": set()})
        staged = staged_ids(staging, job.page_scope, kind)
        deleted = staged_ids(staging, deleted_scope(job.page_scope), kind)
        merged = merged_duplicates(drop2, want["new"] - staged) if kind == "patient" else set()
        totals["detected"] += len(staged) + len(deleted)
        totals["csv_diff"] += sum(len(ids) for ids in want.values())
        totals["merged"] += len(merged)
        print(f"{kind:<16}{counts.get('new', 0):>7,}{counts.get('changed', 0):>9,}"
              f"{counts.get('deleted', 0):>9,}   csv: {len(want['new']):>6,}"
              f"{len(want['changed']):>9,}{len(want['gone']):>7,}"
              f"{f'  ({len(merged)} new merged as duplicates)' if merged else ''}")  # fmt: skip
        expected = (want["new"] | want["changed"]) - merged
        if staged != expected or deleted != want["gone"]:
            extra = len(staged - expected) + len(deleted - want["gone"])
            missing = len(expected - staged) + len(want["gone"] - deleted)
            mismatches.append(f"{kind}: {extra} staged/deleted not in the diff, {missing} missed")
    totals["mismatches"] = mismatches
    return totals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=DEFAULT_PATIENTS)
    parser.add_argument("--data", type=Path, help="drops folder (default .local/bench/delta-N)")
    args = parser.parse_args()
    changes = scaled_changes(args.patients)
    folder = args.data or ROOT / ".local" / "bench" / f"delta-{args.patients}"
    drop1, drop2 = ensure_drops(folder, args.patients, changes)
    print(f"changes asked: {changes}")
    began = time.perf_counter()
    diff = csv_diff(drop1, drop2)
    print(f"CSV diff of the two drops: {time.perf_counter() - began:.1f} s")

    azurite = start_azurite()
    node = psutil.Process(azurite.process.pid)
    try:
        connection = azurite.connection_string
        staging = BlobStaging(BlobServiceClient.from_connection_string(connection))
        run_id = f"bench-{uuid.uuid4().hex[:8]}"
        began = time.perf_counter()
        files = upload_drop(connection, drop1, f"exports/{run_id}")
        print(f"drop 1: {files:,} blobs uploaded in {time.perf_counter() - began:.1f} s")
        node_cpu = sum(node.cpu_times()[:2])
        full = in_fresh_process(run_extract, connection, run_id)
        full["azurite_cpu_s"] = sum(node.cpu_times()[:2]) - node_cpu
        print(f"(1) extract_export, full: {full}", flush=True)

        upload_drop(connection, drop2, f"drops/{run_id}")
        job = PassJob(run_id=run_id, pass_id=PASS_ID, kind="delta", operator="bench")
        node_cpu = sum(node.cpu_times()[:2])
        delta = in_fresh_process(run_detect, connection, run_id, job)
        delta["azurite_cpu_s"] = sum(node.cpu_times()[:2]) - node_cpu
        printable = {k: v for k, v in delta.items() if k != "changes"}
        print(f"(2) detect_changes on drop 2: {printable}", flush=True)
        check = compare(staging, job, diff, delta["changes"], drop2)
        azurite_rss = node.memory_info().rss / 2**20
    finally:
        azurite.stop()

    kinds = delta["changes"].values()
    new, changed = sum(c["new"] for c in kinds), sum(c["changed"] for c in kinds)
    deleted = sum(c["deleted"] for c in kinds)
    detected, expected, merged = check["detected"], check["csv_diff"], check["merged"]
    print(f"detected (staged + deleted pages): {detected:,}; CSV diff (new + changed + gone): "
          f"{expected:,}, of which {merged} new patient(s) merged as duplicates; "
          f"Azurite RSS at the end {azurite_rss:,.0f} MB")  # fmt: skip
    for line in check["mismatches"]:
        print(f"MISMATCH {line}")
    ok = detected == expected - merged and not check["mismatches"]
    print(
        f"RESULT patients={args.patients} rows_drop1={manifest_rows(drop1)} "
        f"rows_drop2={manifest_rows(drop2)} records_read_drop2={delta['read']} "
        f"extract_wall_s={full['wall_s']:.1f} extract_cpu_s={full['cpu_s']:.1f} "
        f"extract_records_per_s={full['read'] / full['wall_s']:.0f} "
        f"extract_peak_rss_mb={full['peak_rss_mb']:.0f} "
        f"delta_wall_s={delta['wall_s']:.1f} delta_cpu_s={delta['cpu_s']:.1f} "
        f"delta_records_per_s={delta['read'] / delta['wall_s']:.0f} "
        f"delta_peak_rss_mb={delta['peak_rss_mb']:.0f} "
        f"new={new} changed={changed} deleted={deleted} detected={detected} "
        f"csv_diff={expected} merged_duplicates={merged} match={str(ok).lower()}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
