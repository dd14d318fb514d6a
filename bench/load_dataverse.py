"""Benchmark: bulk-load contacts with lookups into the Dataverse emulator, against its ceiling.

Starts the emulator in its own process (HTTPS, real service-protection limits, latency = cost x
time scale), provisions keys, loads accounts, then times three loads of contacts that bind
`parentcustomerid_account` by alternate key:

1. ClinicFerry's writer (bulk, dop-hint concurrency over every application user);
2. a naive baseline in the same run: one POST per record over one connection, as a simple
   script would (time-boxed, its rate extrapolated);
3. a chaos run (20% 429, 2% 5xx, 1% dropped connections) that must land every record once.

The ceiling is what the emulator's limits and cost model allow the configured users (see
bench/README.md). Usage:

    .venv/bin/python bench/load_dataverse.py --records 100000 --users 3 --time-scale 1.0
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import msal
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emulators.dataverse.admin_client import EmulatorAdmin
from emulators.dataverse.config import Limits
from emulators.dataverse.cost import CostModel
from shared.destinations.base import WriteOptions, WriteResult
from shared.destinations.dataverse import DataverseDestination, DataverseSettings
from shared.destinations.dataverse.odata import MAX_FILTER_TERMS
from shared.destinations.errors import DestinationError
from shared.destinations.schema import SchemaNeeds, SchemaPlan, TableNeed

DOP_HINT = 8
ACCOUNTS = 1000


@dataclass
class Emulator:
    """A running emulator process and how to reach it."""

    process: subprocess.Popen[str]
    origin: str
    tenant: str
    ca_file: Path
    users: list[dict[str, str]]
    admin: EmulatorAdmin

    def stop(self) -> None:
        self.admin.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()  # uvicorn may wait for keep-alive connections
            self.process.wait(timeout=5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_emulator(users: int, time_scale: float, workdir: Path) -> Emulator:
    """`python -m emulators.dataverse` with latency on, in memory, on a free loopback port."""
    app_users = [
        {"name": f"Bench {n}", "client_id": f"bench-app-{n}", "client_secret": f"bench-secret-{n}",
         "email": f"bench{n}@emulator.local"}
        for n in range(users)
    ]  # fmt: skip
    users_file = workdir / "users.json"
    users_file.write_text(json.dumps(app_users))
    port = free_port()
    command = [
        sys.executable, "-m", "emulators.dataverse", "--port", str(port), "--in-memory",
        "--data", str(workdir), "--time-scale", str(time_scale), "--latency",
        "--users", str(users_file), "--key-activation-seconds", "0.2", "--dop-hint", str(DOP_HINT),
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: dict[str, str] = {}
    assert process.stdout is not None
    while "CA file" not in lines:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("the emulator did not start")
        key, _, value = line.strip().partition(":")
        lines[key.strip()] = value.strip()
    origin = f"https://127.0.0.1:{port}"
    authority = lines["authority"]
    ca_file = Path(lines["CA file"])
    return Emulator(
        process, origin, authority.rsplit("/", 1)[1], ca_file, app_users,
        EmulatorAdmin(origin, ca_file),
    )  # fmt: skip


def settings_for(emulator: Emulator, batch: int) -> DataverseSettings:
    """Destination settings with every configured application user."""
    return DataverseSettings(
        org_url=emulator.origin,
        tenant_id=emulator.tenant,
        authority_host=emulator.origin,
        ca_bundle=emulator.ca_file,
        users=[{"client_id": u["client_id"], "client_secret": u["client_secret"]}  # type: ignore[misc]
               for u in emulator.users],
        allow_metadata_apply=True,
        max_batch_size=batch,
        max_inline_wait_seconds=60,
        max_retry_seconds=600,
    )  # fmt: skip


def contact(n: int, prefix: str = "bench.patient") -> dict[str, Any]:
    """A synthetic contact (no real data) bound to one of the accounts by alternate key."""
    return {
        "new_sourceid": f"{prefix}.P{n:07d}",
        "new_sourcesystem": "generic_csv",
        "firstname": f"Given{n % 997}",
        "lastname": f"Family{n}",
        "birthdate": f"{1940 + n % 70}-{1 + n % 12:02d}-{1 + n % 28:02d}",
        "emailaddress1": f"patient{n}@example.invalid",
        "parentcustomerid_account@odata.bind": (
            f"/accounts(new_sourceid='bench.practice.A{n % ACCOUNTS:04d}')"
        ),
    }


@dataclass
class LoadFigures:
    """What one timed load produced."""

    records: int
    seconds: float
    created: int = 0
    rejected: int = 0
    failed_batches: int = 0
    throttled: int = 0
    retries: int = 0

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


async def load(
    destination: DataverseDestination, records: list[dict[str, Any]], run_id: str, batch: int,
    in_flight: int,
) -> LoadFigures:  # fmt: skip
    """Every record through `Destination.write`, `in_flight` batches at a time."""
    gate = asyncio.Semaphore(in_flight)
    stats = destination.client.stats
    throttled, retries = stats.throttled, stats.retries

    async def one(number: int, chunk: list[dict[str, Any]]) -> WriteResult | DestinationError:
        async with gate:
            try:
                options = WriteOptions(run_id=run_id, batch_id=f"contact.{number}", first_load=True)
                return await destination.write("contact", chunk, options)
            except DestinationError as error:
                return error

    chunks = [records[i : i + batch] for i in range(0, len(records), batch)]
    started = time.perf_counter()
    outcomes = await asyncio.gather(*(one(n, c) for n, c in enumerate(chunks)))
    figures = LoadFigures(len(records), time.perf_counter() - started)
    for outcome in outcomes:
        if isinstance(outcome, DestinationError):
            figures.failed_batches += 1
            continue
        counts = outcome.counts()
        figures.created += counts.get("created", 0)
        figures.rejected += counts.get("rejected", 0)
    figures.throttled = stats.throttled - throttled
    figures.retries = stats.retries - retries
    return figures


def naive_baseline(emulator: Emulator, max_records: int, max_seconds: float) -> LoadFigures:
    """One POST per record, one connection, sequential: what a simple script does."""
    user = emulator.users[0]
    app = msal.ConfidentialClientApplication(
        user["client_id"],
        client_credential=user["client_secret"],
        authority=f"{emulator.origin}/{emulator.tenant}",
        validate_authority=False,
        instance_discovery=False,
        http_client=_session(emulator.ca_file),
    )
    token = app.acquire_token_for_client(scopes=[f"{emulator.origin}/.default"])["access_token"]
    headers = {
        "Authorization": f"Bearer {token}",
        "OData-Version": "4.0",
        "Accept": "application/json",
    }
    created = 0
    started = time.perf_counter()
    with httpx.Client(
        base_url=f"{emulator.origin}/api/data/v9.2/",
        headers=headers,
        verify=str(emulator.ca_file),
        trust_env=False,
        limits=httpx.Limits(max_connections=1),
        timeout=120,
    ) as client:
        for n in range(max_records):
            if time.perf_counter() - started > max_seconds:
                break
            response = client.post("contacts", json=contact(n, prefix="bench.naive"))
            created += response.status_code == 204
    return LoadFigures(created, time.perf_counter() - started, created=created)


def _session(ca_file: Path) -> requests.Session:
    session = requests.Session()
    session.verify = str(ca_file)
    session.trust_env = False  # REQUESTS_CA_BUNDLE would replace the emulator's CA
    return session


def ceiling(
    records: int, users: int, batch: int, time_scale: float, dop_hint: int,
    costs: CostModel, limits: Limits, check_existing: bool = False,
) -> tuple[float, str]:  # fmt: skip
    """Fastest records/s any client following the dop hint could reach, and the binding limit.

    Per user, by real time t (window W = 300 s x time scale, n(t) = ceil(t / W) windows):
      concurrency:    d x t / (c_batch x scale / 1000) batches, d = min(dop hint, 52)
      execution time: n(t) x 1,200,000 / c_batch batches
      requests:       n(t) x 6,000 / requests_per_batch batches
    with c_batch = CreateMultiple(batch) (+ one read per 50 keys when `reads`: loads that check
    which keys exist first). The ceiling is records / t*, t* the smallest t at which
    users x min(...) x batch >= records.
    """
    reads = math.ceil(batch / MAX_FILTER_TERMS) if check_existing else 0
    c_batch = costs.charge("create_multiple", batch) + reads * costs.charge("read", 0)
    per_request = 1 + reads
    window = limits.window_s * time_scale
    concurrency = min(dop_hint, limits.max_concurrent)

    def bounds(t: float) -> dict[str, float]:
        windows = max(1, math.ceil(t / window))
        return {
            "concurrency": concurrency * t / (c_batch * time_scale / 1000) * batch,
            "execution_time": windows * limits.max_execution_ms / c_batch * batch,
            "requests": windows * limits.max_requests / per_request * batch,
        }

    low, high = 0.0, 1.0
    while users * min(bounds(high).values()) < records:
        high *= 2
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (
            (middle, high) if users * min(bounds(middle).values()) < records else (low, middle)
        )
    limits_at = bounds(high)
    return records / high, min(limits_at, key=lambda name: limits_at[name])


def provision(destination: DataverseDestination) -> None:
    needs = SchemaNeeds(tables=[TableNeed(name="account", custom=False),
                                TableNeed(name="contact", custom=False)])  # fmt: skip
    plan = asyncio.run(destination.apply_schema(SchemaPlan(destination="dataverse", needs=needs)))
    if not plan.satisfied:
        raise SystemExit(f"schema not ready: {plan.missing()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=3)
    parser.add_argument("--batch", type=int, default=250, help="records per CreateMultiple")
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--baseline-seconds", type=float, default=20.0)
    parser.add_argument("--chaos-records", type=int, default=10_000)
    parser.add_argument("--chaos-batch", type=int, default=100, help="small: many requests")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="bench-dataverse-"))
    emulator = start_emulator(args.users, args.time_scale, workdir)
    try:
        return run(args, emulator)
    finally:
        emulator.stop()


def run(args: argparse.Namespace, emulator: Emulator) -> int:
    settings = settings_for(emulator, args.batch)
    in_flight = 2 * args.users * DOP_HINT
    provision(DataverseDestination(settings))

    async def ours() -> tuple[LoadFigures, LoadFigures, int]:
        async with DataverseDestination(settings) as destination:
            accounts = [
                {"new_sourceid": f"bench.practice.A{n:04d}", "name": f"Practice {n}"}
                for n in range(ACCOUNTS)
            ]
            await destination.write("account", accounts, WriteOptions(run_id="bench"))
            records = [contact(n) for n in range(args.records)]
            figures = await load(destination, records, "bench-main", args.batch, in_flight)
            landed = await destination.count("contact", "bench-main")
            emulator.admin.settings(
                chaos={"rate_429": 0.2, "rate_5xx": 0.02, "rate_drop": 0.01, "seed": 11}
            )
            chaos_records = [contact(n, "bench.chaos") for n in range(args.chaos_records)]
            chaos = await load(
                destination, chaos_records, "bench-chaos", args.chaos_batch, in_flight
            )
            emulator.admin.settings(chaos={})
            chaos.created = await destination.count("contact", "bench-chaos")
            return figures, chaos, landed

    figures, chaos, landed = asyncio.run(ours())
    baseline = naive_baseline(emulator, args.records, args.baseline_seconds)
    stored = emulator.admin.counts().get("contact", 0)
    expected = args.records + args.chaos_records + baseline.created
    top, binding = ceiling(
        args.records, args.users, args.batch, args.time_scale, DOP_HINT, CostModel(), Limits()
    )
    ratio = figures.rate / top
    speedup = figures.rate / baseline.rate if baseline.rate else float("inf")
    print(f"machine: {platform.node()} {os.cpu_count()} cpu, python {platform.python_version()}")
    print(f"users={args.users} batch={args.batch} time_scale={args.time_scale} dop_hint={DOP_HINT}")
    print(f"ours:     {figures.records} records in {figures.seconds:.1f} s = {figures.rate:.0f}/s, "
          f"{figures.rejected} rejected, {figures.failed_batches} failed batches, "
          f"{figures.throttled} 429s retried, landed {landed}")  # fmt: skip
    print(f"ceiling:  {top:.0f}/s ({binding} bound); ratio {ratio:.2f}")
    print(f"baseline: {baseline.created} records in {baseline.seconds:.1f} s = "
          f"{baseline.rate:.1f}/s; speed-up {speedup:.0f}x")  # fmt: skip
    print(f"chaos:    {chaos.records} records in {chaos.seconds:.1f} s, {chaos.throttled} 429s "
          f"retried, {chaos.retries} retries, landed {chaos.created}, "
          f"{chaos.failed_batches} failed batches")  # fmt: skip
    print(f"stored:   {stored} contacts (expected {expected})")
    exactly_once = chaos.created == args.chaos_records and stored == expected
    print(
        f"RESULT records={figures.records} records_per_s={figures.rate:.0f} "
        f"ceiling_per_s={top:.0f} ratio={ratio:.2f} baseline_per_s={baseline.rate:.1f} "
        f"speedup={speedup:.0f} failed={figures.rejected + figures.failed_batches} "
        f"throttled_retried={figures.throttled} unretried_429={figures.failed_batches} "
        f"chaos_exactly_once={str(exactly_once).lower()} landed={landed}"
    )
    return 0 if landed == args.records and exactly_once else 1


if __name__ == "__main__":
    sys.exit(main())
