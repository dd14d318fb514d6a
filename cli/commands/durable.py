"""`python -m cli durable ...`: run, resume and inspect orchestrations on the local Durable host."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from typing import Any

from azure.functions.decorators.function_app import DecoratorApi

from cli.durable_host import DurableHost, InstanceStatus, RuntimeStatus
from cli.durable_host.host import DEFAULT_STORE
from cli.durable_host.registry import UnknownFunctionError


def register(subparsers: Any) -> None:
    """Add the `durable` command and its sub-commands."""
    parser = subparsers.add_parser("durable", help="run orchestrations on the local Durable host")
    parser.add_argument("--hub", default=str(DEFAULT_STORE), help="SQLite task hub file")
    parser.add_argument("--app", default="function_app:app", help="module:attribute of the DFApp")
    actions = parser.add_subparsers(dest="action", required=True)

    run = actions.add_parser("run", help="start an orchestration and follow it to the end")
    run.add_argument("orchestrator")
    run.add_argument("--input", default="null", help="JSON input")
    run.add_argument("--instance-id")
    _host_options(run)
    run.set_defaults(run=_run)

    resume = actions.add_parser("resume", help="finish every unfinished instance in the hub")
    _host_options(resume)
    resume.set_defaults(run=_resume)

    status = actions.add_parser("status", help="list instances, or show one")
    status.add_argument("instance_id", nargs="?")
    status.set_defaults(run=_status)

    raise_event = actions.add_parser("raise", help="raise an external event")
    raise_event.add_argument("instance_id")
    raise_event.add_argument("event")
    raise_event.add_argument("--data", default="null", help="JSON event data")
    raise_event.set_defaults(run=_raise)

    purge = actions.add_parser("purge", help="delete an instance and its history")
    purge.add_argument("instance_id")
    purge.set_defaults(run=_purge)


def _host_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=int, default=4, help="maxConcurrentActivityFunctions")
    parser.add_argument(
        "--time-scale", type=float, default=0.0, help="real seconds per timer second (0: at once)"
    )
    parser.add_argument("--timeout", type=float, default=24 * 3600.0)
    parser.add_argument(
        "--check-determinism", action="store_true", help="replay every episode twice and compare"
    )


def load_app(spec: str) -> DecoratorApi:
    """Import `module:attribute` (e.g. `function_app:app`) and return the DFApp/Blueprint."""
    module_name, _, attribute = spec.partition(":")
    app = getattr(importlib.import_module(module_name), attribute or "app")
    if not isinstance(app, DecoratorApi):
        raise SystemExit(f"{spec} is not a DFApp or Blueprint")
    return app


def _open(args: argparse.Namespace, with_app: bool = True) -> DurableHost:
    app: DecoratorApi | list[DecoratorApi] = load_app(args.app) if with_app else []
    options: dict[str, Any] = {}
    if with_app:
        options = {
            "max_activity_workers": args.workers,
            "time_scale": args.time_scale,
            "check_determinism": args.check_determinism,
        }
    return DurableHost(app, args.hub, **options)


def _run(args: argparse.Namespace) -> int:
    with _open(args) as host:
        try:
            instance_id = host.start_new(
                args.orchestrator, instance_id=args.instance_id, input_json=args.input
            )
        except UnknownFunctionError as error:
            known = ", ".join(sorted(host.registry.orchestrators)) or "none"
            print(f"{error} (registered orchestrators: {known})", file=sys.stderr)
            return 2
        print(f"started {args.orchestrator} as {instance_id}")
        return _follow(host, [instance_id], args.timeout)


def _resume(args: argparse.Namespace) -> int:
    with _open(args) as host:
        unfinished = [
            s.instance_id
            for s in host.list_statuses()
            if not s.runtime_status.is_terminal and s.name in host.registry.orchestrators
        ]
        print(f"resuming {len(unfinished)} instance(s)")
        return _follow(host, unfinished, args.timeout)


def _follow(host: DurableHost, instance_ids: list[str], timeout: float) -> int:
    """Run in the background, print progress (custom status) changes, stop cleanly on Ctrl-C."""
    host.start()
    deadline = time.monotonic() + timeout
    seen: dict[str, Any] = {}
    try:
        while time.monotonic() < deadline:
            statuses = [s for i in instance_ids if (s := host.get_status(i)) is not None]
            for status in statuses:
                if seen.get(status.instance_id) != status.custom_status:
                    seen[status.instance_id] = status.custom_status
                    print(f"{status.instance_id} {status.runtime_status}: {status.custom_status}")
            if all(s.runtime_status.is_terminal for s in statuses):
                for status in statuses:
                    print(_describe(status))
                failed = [s for s in statuses if s.runtime_status != RuntimeStatus.COMPLETED]
                return 1 if failed else 0
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("stopping; run `durable resume` to continue", file=sys.stderr)
    return 1


def _status(args: argparse.Namespace) -> int:
    with _open(args, with_app=False) as host:
        if args.instance_id:
            status = host.get_status(args.instance_id, show_input=False)
            if status is None:
                print(f"no instance {args.instance_id}", file=sys.stderr)
                return 1
            print(_describe(status))
            return 0
        for status in host.list_statuses():
            print(_describe(status))
    return 0


def _raise(args: argparse.Namespace) -> int:
    with _open(args, with_app=False) as host:
        host.raise_event(args.instance_id, args.event, json.loads(args.data))
    return 0


def _purge(args: argparse.Namespace) -> int:
    with _open(args, with_app=False) as host:
        print(f"purged {host.purge(args.instance_id)} instance(s)")
    return 0


def _describe(status: InstanceStatus) -> str:
    # Ids, status and progress counters only: inputs and outputs may carry PHI.
    return (
        f"{status.instance_id}  {status.name}  {status.runtime_status}  "
        f"updated {status.last_updated_time:%Y-%m-%d %H:%M:%S}  progress={status.custom_status}"
    )
