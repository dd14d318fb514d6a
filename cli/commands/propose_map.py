"""`propose-map`: the export's column proposal checked, through the pair's default map, against
the destination's live metadata (a `describe()` result saved as JSON)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from shared.mapping.loader import MapError, default_map_path, load_map
from shared.mapping.names import logical_name
from shared.mapping.proposer.destination import LiveMetadata, propose_destination_map
from shared.mapping.proposer.map_check import wanted_columns
from shared.mapping.proposer.proposal import propose_csv
from shared.mapping.proposer.render import destination_markdown, proposal_markdown
from shared.mapping.proposer.vocabulary import VocabularyError


def register(commands: Any) -> None:
    """Adds `propose-map` to the CLI."""
    parser = commands.add_parser(
        "propose-map", help="check an export's proposal against the destination's live metadata"
    )
    parser.add_argument("--csv", type=Path, required=True, help="the export file")
    parser.add_argument("--object", required=True, help="object kind the export holds")
    parser.add_argument("--metadata", type=Path, required=True, help="describe() output (JSON)")
    parser.add_argument("--destination", choices=["dataverse", "salesforce"], default="dataverse")
    parser.add_argument("--source-system", default="generic_csv", help="selects the default map")
    parser.add_argument("--map", type=Path, help="a map file instead of the pair's default")
    parser.add_argument("--region", help="ISO country of the export (GB, IE, TR, AU, US)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Prints the column proposal and the destination check; exit 2 on bad input."""
    try:
        spec = load_map(args.map or default_map_path(args.destination, args.source_system))
        live = LiveMetadata.model_validate_json(args.metadata.read_bytes())
        proposal = propose_csv(args.csv, args.object, region=args.region)
    except (MapError, VocabularyError, OSError, ValidationError) as error:
        print(f"propose-map: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    tables = [e.table for e in spec.tables.values() if e.source == args.object and e.enabled]
    if not tables:
        print(f"propose-map: the map writes no table from '{args.object}'", file=sys.stderr)
        return 2
    dataverse = spec.destination == "dataverse"
    result = propose_destination_map(
        wanted_columns(spec, args.object), live, proposal,
        object_table=logical_name(tables[0], spec.destination),
        prefix=f"{spec.publisher_prefix}_" if dataverse else "",
        suffix="" if dataverse else "__c",
    )  # fmt: skip
    if args.json:
        document = {
            "columns": proposal.model_dump(mode="json"),
            "destination": result.model_dump(mode="json"),
        }
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(proposal_markdown(proposal) + "\n" + destination_markdown(result))
    return 0
