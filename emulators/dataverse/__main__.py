"""`python -m emulators.dataverse`: runs the Dataverse Web API emulator on 127.0.0.1."""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from pathlib import Path

from emulators.dataverse.config import Chaos, EmulatorConfig, Limits, load_users
from emulators.dataverse.server import serve_forever


def build_parser() -> argparse.ArgumentParser:
    """The command-line options."""
    parser = argparse.ArgumentParser(prog="python -m emulators.dataverse", description=__doc__)
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--data", type=Path, help="directory for SQLite data and the CA file")
    parser.add_argument("--in-memory", action="store_true", help="keep data in memory only")
    parser.add_argument("--http", action="store_true", help="plain HTTP instead of HTTPS")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="scales the 300 s window and latencies; 0 = no window, no delays",
    )
    parser.add_argument(
        "--latency",
        action="store_true",
        help="sleep cost x time-scale per request (realistic ceilings)",
    )
    parser.add_argument("--users", help="users file (YAML/JSON) or name:client_id:secret[,...]")
    parser.add_argument("--max-requests", type=int, default=6000)
    parser.add_argument("--max-execution-ms", type=float, default=1_200_000)
    parser.add_argument("--max-concurrent", type=int, default=52)
    parser.add_argument("--chaos-429", type=float, default=0.0)
    parser.add_argument("--chaos-5xx", type=float, default=0.0)
    parser.add_argument("--chaos-slow", type=float, default=0.0)
    parser.add_argument("--chaos-slow-ms", type=float, default=2000.0)
    parser.add_argument("--chaos-drop", type=float, default=0.0)
    parser.add_argument("--chaos-seed", type=int)
    parser.add_argument("--annotation-max-bytes", type=int, default=5_242_880)
    parser.add_argument("--key-activation-seconds", type=float, default=2.0)
    parser.add_argument(
        "--reject-readonly",
        action="store_true",
        help="400 on read-only columns instead of ignoring them",
    )
    parser.add_argument("--reject-disabled-owner", action="store_true")
    parser.add_argument("--dop-hint", type=int, default=8)
    return parser


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    """An EmulatorConfig from parsed options."""
    config = EmulatorConfig(
        data_dir=None if args.in_memory else (args.data or Path(".local/dataverse")),
        time_scale=args.time_scale,
        simulate_latency=args.latency,
        limits=Limits(
            max_requests=args.max_requests,
            max_execution_ms=args.max_execution_ms,
            max_concurrent=args.max_concurrent,
        ),
        chaos=Chaos(
            rate_429=args.chaos_429,
            rate_5xx=args.chaos_5xx,
            rate_slow=args.chaos_slow,
            slow_ms=args.chaos_slow_ms,
            rate_drop=args.chaos_drop,
            seed=args.chaos_seed,
        ),
        annotation_max_bytes=args.annotation_max_bytes,
        key_activation_s=args.key_activation_seconds,
        readonly_policy="reject" if args.reject_readonly else "ignore",
        reject_disabled_owner=args.reject_disabled_owner,
        dop_hint=args.dop_hint,
    )
    if args.users:
        config.users = load_users(args.users)
    return config


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = build_parser().parse_args(argv)
    config = config_from_args(args)
    cert_dir = config.data_dir
    if cert_dir is None and not args.http:
        cert_dir = args.data or Path(tempfile.mkdtemp(prefix="dataverse-emulator-"))
    with contextlib.suppress(KeyboardInterrupt):
        serve_forever(config, port=args.port, https=not args.http, cert_dir=cert_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
