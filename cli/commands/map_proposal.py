"""`python -m cli map-proposal`: a shipped map (with run options) as a reviewable proposal."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from shared.mapping.gate import write_proposal
from shared.mapping.loader import MapError, default_map_path, load_map
from shared.mapping.schema import schema_needs


def register(commands: Any) -> None:
    """Add the `map-proposal` command."""
    parser = commands.add_parser(
        "map-proposal",
        help="write <out>/<name>.proposal.json + .md and the schema needs for a shipped map",
    )
    parser.add_argument("--destination", choices=["dataverse", "salesforce"], required=True)
    parser.add_argument("--source", required=True, help="aerona, drdentes, core_practice, ...")
    parser.add_argument("--map", type=Path, help="a map file instead of the shipped one")
    parser.add_argument("--out", type=Path, default=Path(".local/maps"))
    parser.add_argument("--prefix", help="Dataverse publisher prefix (default new)")
    parser.add_argument(
        "--option", action="append", default=[], metavar="NAME=CHOICE", help="a run option"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Write the proposal files; 2 when the map does not validate."""
    options = dict(item.split("=", 1) for item in args.option if "=" in item)
    path = args.map or default_map_path(args.destination, args.source)
    try:
        spec = load_map(path, options=options, publisher_prefix=args.prefix)
    except MapError as error:
        print(f"map-proposal: {error}", file=sys.stderr)
        return 2
    stem = args.out / f"{args.destination}-{args.source}"
    json_path, md_path = write_proposal(spec, stem)
    needs_path = stem.with_name(stem.name + ".schema-needs.json")
    needs_path.write_text(
        json.dumps(schema_needs(spec).model_dump(mode="json"), indent=2) + "\n", encoding="utf-8"
    )
    print(f"wrote {json_path}, {md_path} and {needs_path}")
    return 0
