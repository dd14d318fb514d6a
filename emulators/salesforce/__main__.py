"""`python -m emulators.salesforce`: runs the Salesforce Sales Cloud emulator on 127.0.0.1."""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from pathlib import Path

from emulators.salesforce.config import Chaos, EmulatorConfig, Limits, load_org_file, local_org
from emulators.salesforce.server import serve_forever


def build_parser() -> argparse.ArgumentParser:
    """The command-line options."""
    parser = argparse.ArgumentParser(prog="python -m emulators.salesforce", description=__doc__)
    parser.add_argument("--port", type=int, default=8444)
    parser.add_argument("--data", type=Path, help="directory for SQLite data and the CA file")
    parser.add_argument("--in-memory", action="store_true", help="keep data in memory only")
    parser.add_argument("--http", action="store_true", help="plain HTTP instead of HTTPS")
    parser.add_argument("--org", type=Path, help="YAML/JSON file with users and apps")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=0.0,
        help="scales Bulk job start delays; 0 = process at once",
    )
    parser.add_argument("--daily-api-requests", type=int, default=1_000_000)
    parser.add_argument("--bulk-chunk-size", type=int, default=10_000)
    parser.add_argument(
        "--no-audit-fields", action="store_true", help="turn off the Set Audit Fields org setting"
    )
    parser.add_argument("--chaos-5xx", type=float, default=0.0)
    parser.add_argument(
        "--chaos-lock",
        type=float,
        default=0.0,
        help="chance of UNABLE_TO_LOCK_ROW on a shared parent",
    )
    parser.add_argument("--chaos-chunk-failure", type=float, default=0.0)
    parser.add_argument("--chaos-seed", type=int)
    return parser


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    """An EmulatorConfig from parsed options."""
    users, apps = load_org_file(args.org) if args.org else local_org()
    return EmulatorConfig(
        data_dir=None if args.in_memory else (args.data or Path(".local/salesforce")),
        time_scale=args.time_scale,
        audit_fields_org_setting=not args.no_audit_fields,
        limits=Limits(
            daily_api_requests=args.daily_api_requests, bulk_chunk_size=args.bulk_chunk_size
        ),
        chaos=Chaos(
            rate_5xx=args.chaos_5xx,
            lock_contention=args.chaos_lock,
            chunk_failure=args.chaos_chunk_failure,
            seed=args.chaos_seed,
        ),
        users=users,
        apps=apps,
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = build_parser().parse_args(argv)
    config = config_from_args(args)
    cert_dir = config.data_dir
    if cert_dir is None and not args.http:
        cert_dir = Path(tempfile.mkdtemp(prefix="salesforce-emulator-"))
    with contextlib.suppress(KeyboardInterrupt):
        serve_forever(config, port=args.port, https=not args.http, cert_dir=cert_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
