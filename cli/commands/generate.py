"""`python -m cli generate`: write a synthetic practice export in a source's vendor layout."""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

from cli.synthetic.changes import CHANGE_KINDS, ChangePlan
from cli.synthetic.errors import OptionError
from cli.synthetic.faults import FAULT_KINDS, FaultConfig
from cli.synthetic.generator import DEFAULT_AS_OF, GenerateOptions, generate_export
from cli.synthetic.layouts import SOURCES
from cli.synthetic.manifest import MANIFEST_NAME

T = TypeVar("T")
DEFAULT_CHANGES = (
    "new_patients=5,deleted_patients=1,moved_appointments=5,paid_invoices=5,changed_emails=3"
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `generate` command."""
    parser = subparsers.add_parser(
        "generate",
        help="write a synthetic practice export (vendor layout + _manifest.json)",
        description="Writes a deterministic synthetic export for one source system, in the "
        "layout documented in mappings/sources/README.md, with injected faults listed in "
        "_manifest.json.",
    )
    parser.add_argument("--source", required=True, choices=sorted(SOURCES))
    parser.add_argument("--patients", type=int, default=120, help="patients (default 120)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument(
        "--fault-rate",
        action="append",
        default=[],
        metavar="KIND=RATE",
        help=f"share of patients with a fault (repeatable; KIND 'all' or one of "
        f"{', '.join(FAULT_KINDS)}; oversized_document is per document)",
    )
    parser.add_argument(
        "--oversize-bytes",
        type=int,
        default=32 * 1024 * 1024,
        help="size above which a document counts as oversized (default 32 MiB)",
    )
    parser.add_argument(
        "--objects",
        help="comma-separated object kinds to write, e.g. patients,appointments (default: all)",
    )
    parser.add_argument("--country", choices=["GB", "IE"], help="AeronaClinic only: GB or IE")
    parser.add_argument("--as-of", type=date.fromisoformat, default=DEFAULT_AS_OF)
    parser.add_argument("--drop", type=int, default=1, help="2 = the same export with changes")
    parser.add_argument(
        "--changes",
        help=f"drop 2 only: KIND=COUNT,... of {', '.join(CHANGE_KINDS)} "
        f"(default {DEFAULT_CHANGES})",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace an earlier generated export in --out"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Generate the export and print rows per file (no patient values)."""
    started = time.perf_counter()
    try:
        options = _options(args)
        _prepare_out(args.out, args.overwrite)
        rows = generate_export(options)
    except OptionError as error:
        print(f"generate: {error}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    for name, count in rows.items():
        print(f"{count:>10}  {name}")
    total = sum(rows.values())
    print(f"{total:>10}  rows in {elapsed:.1f} s ({total / max(elapsed, 1e-9):,.0f} rows/s)")
    print(f"manifest: {args.out / MANIFEST_NAME}")
    return 0


def _options(args: argparse.Namespace) -> GenerateOptions:
    if args.patients < 1 or args.patients >= 5_000_000:
        raise OptionError("--patients must be between 1 and 4,999,999")
    changes = None
    if args.drop > 1:
        counts = parse_pairs(args.changes or DEFAULT_CHANGES, int, "--changes")
        changes = ChangePlan.draw(counts, args.patients, args.seed)
    return GenerateOptions(
        source=args.source,
        patients=args.patients,
        seed=args.seed,
        out=args.out,
        faults=FaultConfig(parse_fault_rates(args.fault_rate), args.oversize_bytes),
        objects=parse_objects(args.objects),
        as_of=args.as_of,
        country=args.country,
        drop=args.drop,
        changes=changes,
    )


def parse_fault_rates(values: list[str]) -> dict[str, float]:
    """`all=0.02`, `missing_email=0.1` -> rates by fault kind (later values win)."""
    rates: dict[str, float] = {}
    for value in values:
        for kind, rate in parse_pairs(value, float, "--fault-rate").items():
            if kind != "all" and kind not in FAULT_KINDS:
                raise OptionError(f"unknown fault kind {kind!r}")
            if not 0 <= rate <= 1:
                raise OptionError(f"fault rate for {kind} must be between 0 and 1")
            for target in FAULT_KINDS if kind == "all" else (kind,):
                rates[target] = rate
    return rates


def parse_objects(value: str | None) -> frozenset[str] | None:
    """`patients,appointments` -> {'patient', 'appointment'} (plural or singular)."""
    if not value:
        return None
    kinds = set()
    for name in (part.strip() for part in value.split(",") if part.strip()):
        kinds.add(name[:-1] if name.endswith("s") and name != "staff" else name)
    return frozenset(kinds)


def parse_pairs(value: str, convert: Callable[[str], T], option: str) -> dict[str, T]:
    """`a=1,b=2` -> {'a': 1, 'b': 2}, with errors naming the option."""
    pairs: dict[str, T] = {}
    for item in (part.strip() for part in value.split(",") if part.strip()):
        key, sep, raw = item.partition("=")
        if not sep:
            raise OptionError(f"{option} expects KEY=VALUE, got {item!r}")
        try:
            pairs[key.strip()] = convert(raw.strip())
        except ValueError as error:
            raise OptionError(f"{option}: {key.strip()} has a bad value {raw!r}") from error
    return pairs


def _prepare_out(out: Path, overwrite: bool) -> None:
    """Refuse a non-empty --out unless it holds an earlier generated export and --overwrite."""
    if not out.exists() or not any(out.iterdir()):
        return
    if not overwrite:
        raise OptionError(f"{out} is not empty (pass --overwrite to replace a generated export)")
    if not (out / MANIFEST_NAME).exists():
        raise OptionError(
            f"{out} has no {MANIFEST_NAME}: not replacing a directory we did not write"
        )
    shutil.rmtree(out)
