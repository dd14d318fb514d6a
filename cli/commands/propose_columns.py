"""`propose-columns`: proposes a canonical field per column of a CSV export, as JSON or Markdown."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from shared.mapping.proposer.azure_openai import AzureOpenAIReranker, AzureOpenAISettings
from shared.mapping.proposer.matcher import DEFAULT_MIN_CONFIDENCE
from shared.mapping.proposer.proposal import propose_csv
from shared.mapping.proposer.render import proposal_markdown
from shared.mapping.proposer.vocabulary import VocabularyError, supported_objects


def register(commands: Any) -> None:
    """Adds `propose-columns` to the CLI."""
    parser = commands.add_parser(
        "propose-columns",
        help="propose a canonical field (or a custom field) per column of a CSV export",
    )
    parser.add_argument("--csv", type=Path, required=True, help="the export file")
    parser.add_argument(
        "--object", required=True, help=f"object kind: {', '.join(supported_objects())}"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    parser.add_argument("--out", type=Path, help="write the proposal here instead of stdout")
    parser.add_argument("--region", help="ISO country of the export (GB, IE, TR, AU, US)")
    parser.add_argument("--sample-rows", type=int, default=200, help="rows the matcher samples")
    parser.add_argument(
        "--min-confidence", type=float, default=DEFAULT_MIN_CONFIDENCE,
        help="below this a column becomes a proposed custom field",
    )  # fmt: skip
    parser.add_argument(
        "--assist", action="store_true",
        help="re-rank low-confidence columns with the Azure OpenAI deployment in AZURE_OPENAI_*",
    )  # fmt: skip
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Prints (or writes) the proposal; exit 2 on a bad file, object kind or assist setup."""
    if not args.csv.is_file():
        print(f"propose-columns: no such file: {args.csv}", file=sys.stderr)
        return 2
    reranker = None
    if args.assist:
        settings = AzureOpenAISettings.from_env()
        if settings is None:
            print("propose-columns: --assist needs AZURE_OPENAI_ENDPOINT and "
                  "AZURE_OPENAI_DEPLOYMENT", file=sys.stderr)  # fmt: skip
            return 2
        reranker = AzureOpenAIReranker(settings)
    try:
        proposal = propose_csv(
            args.csv, args.object, region=args.region, sample_rows=args.sample_rows,
            min_confidence=args.min_confidence, reranker=reranker,
        )  # fmt: skip
    except VocabularyError as error:
        print(f"propose-columns: {error}", file=sys.stderr)
        return 2
    if not proposal.columns:
        print(f"propose-columns: {args.csv.name} has no header row", file=sys.stderr)
        return 2
    text = proposal.model_dump_json(indent=2) + "\n" if args.json else proposal_markdown(proposal)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
