"""Throughput of the local Durable host for trivial activities, and where its time goes.

Runs two shapes through `DurableHost` on a fresh SQLite task hub:
  fan-out:   N activities through sub-orchestrations of at most 200 (rule R5), in parallel;
  chain:     M activities one after another (one replay per activity, history grows).
Prints activities per second, orchestrator replays, and the share of time spent replaying.

    .venv/bin/python bench/durable_host.py --fan-out 10000 --chain 200 [--activity-ms 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import azure.durable_functions as df

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cli.durable_host import DurableHost

bp = df.Blueprint()


ACTIVITY_SECONDS = {"value": 0.0}


@bp.activity_trigger(input_name="value")
def bench_echo(value: int) -> int:
    if ACTIVITY_SECONDS["value"]:
        time.sleep(ACTIVITY_SECONDS["value"])  # stands in for an I/O-bound call
    return value


@bp.orchestration_trigger(context_name="context")
def bench_fan_out(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    total, chunk = context.get_input()
    children = [
        context.call_sub_orchestrator(
            "bench_chunk", [start, min(start + chunk, total)], f"{context.instance_id}:{n}"
        )
        for n, start in enumerate(range(0, total, chunk))
    ]
    counts = yield context.task_all(children)
    return sum(counts)


@bp.orchestration_trigger(context_name="context")
def bench_chunk(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    start, stop = context.get_input()
    results = yield context.task_all(
        [context.call_activity("bench_echo", n) for n in range(start, stop)]
    )
    return len(results)


@bp.orchestration_trigger(context_name="context")
def bench_chain(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    for n in range(context.get_input()):
        yield context.call_activity("bench_echo", n)
    return context.get_input()


def measure(name: str, orchestrator: str, payload: Any, activities: int, workers: int) -> None:
    with (
        tempfile.TemporaryDirectory() as folder,
        DurableHost(bp, Path(folder) / "hub.sqlite", max_activity_workers=workers) as host,
    ):
        started = time.perf_counter()
        instance_id = host.start_new(orchestrator, payload)
        status = host.wait_for(instance_id, timeout=3600)
        elapsed = time.perf_counter() - started
        metrics = host.metrics()
    assert status.output in (activities, payload), status.output
    print(
        f"{name:8} activities={activities:6d} seconds={elapsed:7.2f} "
        f"activities/s={activities / elapsed:8.1f} replays={metrics.orchestrator_replays:5d} "
        f"replay_s={metrics.replay_seconds:6.2f} ({metrics.replay_seconds / elapsed:4.0%} of wall) "
        f"activity_s={metrics.activity_seconds:5.2f} "
        f"max_history={max(metrics.history_length.values(), default=0)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fan-out", type=int, default=1000)
    parser.add_argument("--chunk", type=int, default=200)
    parser.add_argument("--chain", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--activity-ms", type=float, default=0.0, help="simulated I/O per call")
    args = parser.parse_args()
    ACTIVITY_SECONDS["value"] = args.activity_ms / 1000
    measure("fan-out", "bench_fan_out", [args.fan_out, args.chunk], args.fan_out, args.workers)
    measure("chain", "bench_chain", args.chain, args.chain, args.workers)


if __name__ == "__main__":
    main()
