"""Benchmark: contacts and Appointment__c through Bulk API 2.0 into the Salesforce emulator.

Starts the emulator in its own process (HTTPS, SQLite on disk), deploys the AeronaClinic ->
Salesforce map's schema with `apply_schema`, then loads through `SalesforceDestination.write`:

1. contacts (first load: CreatedDate kept, inserts guarded by the unique Source_Id__c);
2. appointments bound to their contact by `Contact__r.Source_Id__c`, owned by a clinician;
3. a re-run of the first 10,000 contacts as updates (the query-based existence check and
   before-images), to show what the update path costs.

Reports records/s, Bulk jobs used and API calls per 10,000 records, and ends with one
`RESULT name=value ...` line. Usage:

    .venv/bin/python bench/load_salesforce.py --contacts 100000 --appointments 200000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.destinations.base import WriteOptions, WriteResult
from shared.destinations.map_needs import needs_from_map
from shared.destinations.salesforce import SalesforceDestination, SalesforceSettings
from shared.mapping.loader import MAPPINGS_DIR, load_map
from shared.mapping.schema import schema_needs

RUN_ID = "bench-run-1"
STATUSES = ["Booked", "Confirmed", "Completed", "Cancelled", "No Show", "Rescheduled"]


@dataclass
class Emulator:
    """The emulator process and its admin client."""

    process: subprocess.Popen[str]
    origin: str
    ca_file: Path
    admin: httpx.Client

    def stop(self) -> None:
        self.admin.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_emulator(data_dir: Path, chunk_size: int) -> Emulator:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "emulators.salesforce",
        "--port",
        str(port),
        "--data",
        str(data_dir),
        "--bulk-chunk-size",
        str(chunk_size),
    ]
    process = subprocess.Popen(
        command,
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    ca_file = data_dir / "emulator-ca.pem"
    origin = f"https://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(
                "the emulator exited: " + (process.stdout.read() if process.stdout else "")
            )
        if ca_file.exists():
            try:
                admin = httpx.Client(
                    base_url=origin,
                    verify=ssl.create_default_context(cafile=str(ca_file)),
                    trust_env=False,
                    timeout=600,
                )
                admin.get("/services/data/").raise_for_status()
                return Emulator(process, origin, ca_file, admin)
            except httpx.HTTPError:
                pass
        if time.monotonic() > deadline:
            process.kill()
            raise TimeoutError("the emulator did not start")
        time.sleep(0.1)


def contacts(count: int, start: int = 0, last_name: str = "Patient") -> list[dict[str, Any]]:
    base = datetime(2012, 1, 1, tzinfo=UTC)
    return [
        {
            "Source_Id__c": f"aerona.patient.{n}",
            "Source_System__c": "aerona",
            "Migration_Run_Id__c": RUN_ID,
            "FirstName": "Test",
            "LastName": f"{last_name}{n}",
            "Birthdate": f"19{50 + n % 50}-0{1 + n % 9}-1{n % 10}",
            "Email": f"p{n}@example.invalid",
            "LeadSource": "Web",
            "CreatedDate": base + timedelta(minutes=n),
        }
        for n in range(start, start + count)
    ]


def appointments(count: int, patients: int, owner_id: str) -> list[dict[str, Any]]:
    base = datetime(2020, 1, 1, 9, tzinfo=UTC)
    # Sorted by patient, as Salesforce advises, so chunks rarely share a parent.
    return [
        {
            "Source_Id__c": f"aerona.appointment.{n}",
            "Source_System__c": "aerona",
            "Migration_Run_Id__c": RUN_ID,
            "Name": "Check-up",
            "Appointment_Date_Time__c": base + timedelta(hours=n),
            "Duration_Minutes__c": 30,
            "Status__c": STATUSES[n % len(STATUSES)],
            "Contact__r.Source_Id__c": f"aerona.patient.{n * patients // count}",
            "OwnerId": owner_id,
            "CreatedDate": base + timedelta(hours=n, days=-7),
        }
        for n in range(count)
    ]


async def load(
    destination: SalesforceDestination,
    table: str,
    rows: list[dict[str, Any]],
    batch: int,
    parallel: int,
    first_load: bool,
) -> tuple[float, dict[str, int]]:
    gate = asyncio.Semaphore(parallel)

    async def one(number: int, part: list[dict[str, Any]]) -> WriteResult:
        async with gate:
            options = WriteOptions(
                run_id=RUN_ID, batch_id=f"{table}.{number}", first_load=first_load
            )
            return await destination.write(table, part, options)

    started = time.perf_counter()
    results = await asyncio.gather(
        *(one(i, rows[s : s + batch]) for i, s in enumerate(range(0, len(rows), batch)))
    )
    elapsed = time.perf_counter() - started
    counts: dict[str, int] = {}
    for result in results:
        for status, number in result.counts().items():
            counts[status] = counts.get(status, 0) + number
    return elapsed, counts


async def main_async(args: argparse.Namespace, emulator: Emulator) -> dict[str, Any]:
    settings = SalesforceSettings(
        auth_flow="client_credentials",
        my_domain_url=emulator.origin,
        client_id="clinicferry-local-app",
        client_secret="emulator-secret",  # noqa: S106 - the local emulator's app
        ca_bundle=emulator.ca_file,
        allow_metadata_apply=True,
        bulk_min_records=0,
        max_batch_size=args.batch,
        poll_initial_seconds=0.05,
        poll_max_seconds=1.0,
    )
    async with SalesforceDestination(settings) as destination:
        needs = needs_from_map(schema_needs(load_map(MAPPINGS_DIR / "salesforce/aerona.yaml")))
        plan = await destination.apply_schema(await destination.plan_schema(needs))
        assert plan.satisfied, plan.missing()
        report = await destination.resolve_users(
            ["dr.jones@clinic.example"], "integration@clinicferry.local"
        )
        owner = report.owner_for("dr.jones@clinic.example")
        figures: dict[str, Any] = {}
        for table, rows, first in (
            ("Contact", contacts(args.contacts), True),
            ("Appointment__c", appointments(args.appointments, args.contacts, owner), True),
            ("Contact", contacts(min(10_000, args.contacts), last_name="Updated"), False),
        ):
            calls, jobs = destination.client.usage.requests, destination.bulk.jobs
            elapsed, counts = await load(destination, table, rows, args.batch, args.parallel, first)
            used = destination.client.usage.requests - calls
            name = table if first else "Contact_update"
            figures[name] = {
                "records": len(rows),
                "seconds": round(elapsed, 2),
                "records_per_s": round(len(rows) / elapsed),
                "counts": counts,
                "jobs": destination.bulk.jobs - jobs,
                "api_calls": used,
                "calls_per_10k": round(used * 10_000 / len(rows), 1),
            }
            print(
                f"{name:15} {len(rows):>8} records {elapsed:8.1f} s "
                f"{len(rows) / elapsed:8.0f} rec/s  jobs {figures[name]['jobs']:>3}  "
                f"API calls {used:>5} ({figures[name]['calls_per_10k']} per 10k)  {counts}",
                flush=True,
            )
        figures["org_api_usage"] = destination.client.usage.used
        return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--appointments", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=10_000, help="records per write (= per job)")
    parser.add_argument("--parallel", type=int, default=2, help="jobs in flight at once")
    parser.add_argument("--chunk-size", type=int, default=10_000, help="emulator Bulk chunk")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()} {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    with tempfile.TemporaryDirectory(prefix="sf-bench-") as directory:
        emulator = start_emulator(Path(directory), args.chunk_size)
        try:
            figures = asyncio.run(main_async(args, emulator))
            counts = emulator.admin.get("/_emulator/counts").json()
        finally:
            emulator.stop()
    contacts_ok = counts.get("Contact") == args.contacts
    appointments_ok = counts.get("Appointment__c") == args.appointments
    total = figures["Contact"]["records"] + figures["Appointment__c"]["records"]
    seconds = figures["Contact"]["seconds"] + figures["Appointment__c"]["seconds"]
    calls = figures["Contact"]["api_calls"] + figures["Appointment__c"]["api_calls"]
    jobs = figures["Contact"]["jobs"] + figures["Appointment__c"]["jobs"]
    print(
        f"RESULT contacts={args.contacts} appointments={args.appointments} "
        f"records_per_s={total / seconds:.0f} contacts_per_s={figures['Contact']['records_per_s']} "
        f"appointments_per_s={figures['Appointment__c']['records_per_s']} jobs={jobs} "
        f"api_calls={calls} calls_per_10k={calls * 10_000 / total:.1f} "
        f"update_calls_per_10k={figures['Contact_update']['calls_per_10k']} "
        f"all_landed={contacts_ok and appointments_ok}"
    )
    return 0 if contacts_ok and appointments_ok else 1


if __name__ == "__main__":
    sys.exit(main())
