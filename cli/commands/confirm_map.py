"""`python -m cli confirm-map PROPOSAL --by PERSON`: confirm a map proposal so writes may use it."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from shared.mapping.gate import UnconfirmedMapError, confirm_map
from shared.mapping.loader import MapError


def register(commands: Any) -> None:
    """Add the `confirm-map` command."""
    parser = commands.add_parser(
        "confirm-map",
        help="confirm a map proposal (JSON) or a YAML map; stores it with its sha256",
    )
    parser.add_argument("proposal", help="a *.proposal.json or a YAML map such as mappings/...")
    parser.add_argument("--by", required=True, help="who confirms (e-mail / UPN)")
    parser.add_argument("--output", help="confirmed file (default: <name>.confirmed.json beside)")
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME=CHOICE",
        help="a run option when confirming a YAML map, e.g. billing_target=opportunity",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Confirm, print the hash, return a shell status (2 when the map does not validate)."""
    options = dict(item.split("=", 1) for item in args.option if "=" in item)
    try:
        confirmed = confirm_map(args.proposal, args.by, output=args.output, options=options)
    except (MapError, UnconfirmedMapError) as error:
        print(f"not confirmed: {error}", file=sys.stderr)
        return 2
    print(f"confirmed {confirmed.proposal} by {confirmed.confirmed_by}: sha256 {confirmed.sha256}")
    return 0
