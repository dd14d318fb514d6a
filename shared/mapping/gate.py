"""The confirmation gate: nothing is written until a person confirms the map.

A proposal is a reviewable file: `<name>.proposal.json` (the map) beside `<name>.proposal.md` (a
readable table). Confirming it stores `<name>.confirmed.json`: the map, the sha256 of its
canonical JSON, who confirmed it and when. Every write path calls `require_confirmed`, and the
hash travels with every compiled table and transform result, so each write names it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from shared.mapping.compiler import CompiledMap, compile_map
from shared.mapping.context import RunContext
from shared.mapping.loader import MapError, load_map, parse_map
from shared.mapping.proposal_table import proposal_markdown
from shared.mapping.spec import MapSpec, map_document

PROPOSAL_FORMAT = "clinicferry.map-proposal/1"
CONFIRMED_FORMAT = "clinicferry.confirmed-map/1"


class UnconfirmedMapError(PermissionError):
    """A write was attempted with a map nobody confirmed (or one changed since)."""


class ConfirmedMap(BaseModel):
    """A map a named person confirmed, with the hash every write names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: str = CONFIRMED_FORMAT
    map: dict[str, Any]
    sha256: str
    confirmed_by: str
    confirmed_at: datetime
    proposal: str | None = None

    @property
    def spec(self) -> MapSpec:
        """The confirmed map, validated."""
        return parse_map(self.map, file=self.proposal or "<confirmed map>")


def canonical_json(document: Any) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8: the bytes a map's hash is taken of.

    Keys are made text first (as JSON would), so a map read back from its file hashes the same.
    """
    as_read = json.loads(json.dumps(document, ensure_ascii=False))
    return json.dumps(as_read, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def map_sha256(spec: MapSpec) -> str:
    """The sha256 (hex) of a map's canonical JSON."""
    return hashlib.sha256(canonical_json(map_document(spec))).hexdigest()


def read_proposal(path: Path | str, *, options: dict[str, str] | None = None) -> MapSpec:
    """A proposal (`*.json`, as written by `write_proposal` or the proposer) or a YAML map.

    Raises:
        MapError: naming the file and the path inside it.
    """
    path = Path(path)
    if path.suffix in (".yaml", ".yml"):
        return load_map(path, options=options)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise MapError(
            path, [("", f"not a readable JSON proposal ({type(error).__name__})")]
        ) from None
    if isinstance(document, dict) and document.get("format") == PROPOSAL_FORMAT:
        document = document.get("map")
    if not isinstance(document, dict):
        raise MapError(path, [("map", "a proposal holds one map object")])
    return parse_map(document, file=str(path))


def write_proposal(spec: MapSpec, stem: Path | str) -> tuple[Path, Path]:
    """Write `<stem>.proposal.json` and `<stem>.proposal.md` for review.

    Returns:
        The JSON and Markdown paths.
    """
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    json_path = stem.with_name(stem.name + ".proposal.json")
    md_path = stem.with_name(stem.name + ".proposal.md")
    body = {"format": PROPOSAL_FORMAT, "sha256": map_sha256(spec), "map": map_document(spec)}
    json_path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(proposal_markdown(spec, map_sha256(spec)), encoding="utf-8")
    return json_path, md_path


def confirm_map(
    proposal_path: Path | str,
    confirmed_by: str,
    *,
    output: Path | str | None = None,
    options: dict[str, str] | None = None,
    now: datetime | None = None,
) -> ConfirmedMap:
    """Confirm a proposal: validate it, hash it, store who confirmed it.

    Args:
        proposal_path: a proposal JSON or a YAML map.
        confirmed_by: the person confirming (e-mail or user principal name).
        output: where to store the confirmed map (default `<stem>.confirmed.json` beside it).
        options: per-run choices when confirming a YAML map directly.
        now: confirmation time (tests).

    Raises:
        MapError: the proposal does not validate.
        UnconfirmedMapError: no confirmer was named.
    """
    if not confirmed_by.strip():
        raise UnconfirmedMapError("a map is confirmed by a named person")
    proposal_path = Path(proposal_path)
    spec = read_proposal(proposal_path, options=options)
    confirmed = ConfirmedMap(
        map=map_document(spec),
        sha256=map_sha256(spec),
        confirmed_by=confirmed_by.strip(),
        confirmed_at=now or datetime.now(UTC),
        proposal=proposal_path.name,
    )
    target = Path(output) if output else _confirmed_path(proposal_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(confirmed.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return confirmed


def _confirmed_path(proposal: Path) -> Path:
    name = proposal.name
    for suffix in (".proposal.json", ".json", ".yaml", ".yml"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return proposal.with_name(name + ".confirmed.json")


def load_confirmed(path: Path | str) -> ConfirmedMap:
    """Read a stored confirmed map and check it (see `require_confirmed`)."""
    path = Path(path)
    try:
        confirmed = ConfirmedMap.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UnconfirmedMapError(f"{path}: not a confirmed map ({type(error).__name__})") from None
    return require_confirmed(confirmed)


def require_confirmed(subject: ConfirmedMap | CompiledMap | None) -> ConfirmedMap:
    """The check every write path makes before writing anything.

    Args:
        subject: the confirmed map, or the compiled map about to be written.

    Returns:
        The confirmed map whose hash the write must name.

    Raises:
        UnconfirmedMapError: no confirmation, no confirmer, or the map differs from the one
            that was confirmed.
    """
    if subject is None:
        raise UnconfirmedMapError("no confirmed map: confirm the proposal before writing")
    if isinstance(subject, CompiledMap):
        confirmed = getattr(subject, "confirmed", None)
        if subject.map_sha256 is None or not isinstance(confirmed, ConfirmedMap):
            raise UnconfirmedMapError("this compiled map is a preview; it was never confirmed")
        if map_sha256(subject.spec) != subject.map_sha256:
            raise UnconfirmedMapError("the compiled map differs from the confirmed one")
        subject = confirmed
    if not subject.confirmed_by.strip():
        raise UnconfirmedMapError("the map names nobody who confirmed it")
    actual = hashlib.sha256(canonical_json(subject.map)).hexdigest()
    if actual != subject.sha256:
        raise UnconfirmedMapError("the map was changed after it was confirmed (hash mismatch)")
    return subject


def compile_confirmed(confirmed: ConfirmedMap, context: RunContext) -> CompiledMap:
    """Compile a confirmed map for a run; the result passes `require_confirmed`."""
    require_confirmed(confirmed)
    compiled = compile_map(confirmed.spec, context, map_sha256=confirmed.sha256)
    compiled.confirmed = confirmed
    return compiled
