"""Steps 2-3 of a run: propose the pair's map for review, and confirm it (the gate).

The proposal is the pair's shipped map (per-run choices applied) written to the run's private
reports as JSON and a readable Markdown table. Confirming stores the map with its sha256 and who
confirmed it; every later write names that hash (see shared.mapping.gate).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from shared.ledger import BlobStaging
from shared.mapping.gate import (
    PROPOSAL_FORMAT,
    ConfirmedMap,
    UnconfirmedMapError,
    map_sha256,
    require_confirmed,
)
from shared.mapping.loader import default_map_path, load_map, parse_map
from shared.mapping.proposal_table import proposal_markdown
from shared.mapping.spec import map_document
from shared.pipeline.messages import MapConfirmation, ProposalResult, StartRun
from shared.pipeline.reports import REPORT_NAMES, report_blob_name

CONFIRMED_MAP = "confirmed-map.json"


def _store(staging: BlobStaging, run_id: str, name: str, data: bytes) -> str:
    blob = report_blob_name(run_id, name)
    staging.write_bytes(blob, data, container="reports", content_type=REPORT_NAMES[name])
    return blob


def propose_map(start: StartRun, staging: BlobStaging) -> ProposalResult:
    """Writes the pair's map as the run's proposal (proposal.json + proposal.md)."""
    source = "generic_csv" if start.source_system == "generic_csv" else start.source_system
    spec = load_map(default_map_path(start.destination.kind, source))
    sha = map_sha256(spec)
    body = {"format": PROPOSAL_FORMAT, "sha256": sha, "map": map_document(spec)}
    json_blob = _store(staging, start.run_id, "proposal.json",
                       json.dumps(body, indent=2, ensure_ascii=False).encode())  # fmt: skip
    md_blob = _store(staging, start.run_id, "proposal.md", proposal_markdown(spec, sha).encode())
    return ProposalResult(proposal_blob=json_blob, proposal_markdown_blob=md_blob,
                          proposal_hash=sha)  # fmt: skip


def confirm_run_map(
    run_id: str,
    staging: BlobStaging,
    confirmed_by: str,
    edited_map: dict[str, object] | None = None,
) -> MapConfirmation:
    """Confirms the run's proposal (or the reviewer's edited map) and stores it with its hash.

    Raises:
        MapError: the (edited) map does not validate; nothing is stored.
        UnconfirmedMapError: no confirmer named.
    """
    if edited_map is None:
        proposal = json.loads(staging.read_bytes(report_blob_name(run_id, "proposal.json"),
                                                 container="reports"))  # fmt: skip
        edited_map = proposal["map"]
    spec = parse_map(edited_map, file=f"{run_id}/proposal.json")
    confirmed = require_confirmed(
        ConfirmedMap(
            map=map_document(spec), sha256=map_sha256(spec), confirmed_by=confirmed_by,
            confirmed_at=datetime.now(UTC), proposal=report_blob_name(run_id, "proposal.json"),
        )
    )  # fmt: skip
    blob = _store(staging, run_id, CONFIRMED_MAP, confirmed.model_dump_json(indent=2).encode())
    return MapConfirmation(
        confirmation_id=uuid.uuid4().hex, confirmed_map_blob=blob,
        confirmed_map_hash=confirmed.sha256, confirmed_by=confirmed.confirmed_by,
    )  # fmt: skip


def load_confirmed_map(run_id: str, staging: BlobStaging, expected_hash: str) -> ConfirmedMap:
    """The run's confirmed map, refused unless it is confirmed and its hash is the one expected."""
    raw = staging.read_bytes(report_blob_name(run_id, CONFIRMED_MAP), container="reports")
    confirmed = require_confirmed(ConfirmedMap.model_validate_json(raw))
    if confirmed.sha256 != expected_hash:
        raise UnconfirmedMapError("the stored confirmed map is not the one this run confirmed")
    return confirmed
