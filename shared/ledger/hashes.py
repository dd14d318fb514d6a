"""Content hashes per source record, the baseline a delta pass compares a new export drop with.

One snapshot per pass and object kind, kept beside the run's other staging blobs as gzip text
(`source id <TAB> hash` per line): a million records are one ~25 MB blob, read in a second,
where a table row per record would cost ten thousand transactions per pass. The snapshot a pass
compares against is named in the run's delta window, and moves only when a pass succeeds.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
from typing import Any

from shared.ledger.staging import BlobStaging

FULL_PASS = "full"  # noqa: S105 - the snapshot the full run leaves, the first delta pass's baseline
# Where a row sat in the export (file:row) moves when rows are inserted above it: not content.
IGNORED_FIELDS = frozenset({"source_ref"})


def content_hash(record: dict[str, Any]) -> bytes:
    """A 16-byte digest of a canonical record's content, stable across runs and row positions."""
    body = {k: v for k, v in record.items() if k not in IGNORED_FIELDS}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def _escape(source_id: str) -> str:
    return source_id.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), text)


def snapshot_blob_name(run_id: str, pass_id: str, kind: str) -> str:
    """The snapshot of one object kind as a pass (or the full run, pass `full`) saw it."""
    return f"{run_id}/hashes/{pass_id}/{kind}.tsv.gz"


def save_snapshot(
    staging: BlobStaging, run_id: str, pass_id: str, kind: str, hashes: dict[str, bytes]
) -> str:
    """Stores a kind's hashes, one `hash <TAB> source id` line each (the id escaped), gzip
    written in chunks so the whole text never sits in memory at once."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=5) as out:
        chunk: list[str] = []
        for source_id, digest in hashes.items():
            chunk.append(f"{digest.hex()}\t{_escape(source_id)}\n")
            if len(chunk) >= 10_000:
                out.write("".join(chunk).encode())
                chunk = []
        out.write("".join(chunk).encode())
    blob = snapshot_blob_name(run_id, pass_id, kind)
    staging.write_bytes(blob, buffer.getvalue())
    return blob


def load_snapshot(staging: BlobStaging, run_id: str, pass_id: str, kind: str) -> dict[str, bytes]:
    """A kind's hashes from a snapshot; an empty dict when that pass saw none of the kind."""
    try:
        data = staging.read_bytes(snapshot_blob_name(run_id, pass_id, kind))
    except KeyError:
        return {}
    hashes: dict[str, bytes] = {}
    for line in gzip.decompress(data).decode().split("\n"):
        if not line:
            continue
        digest, _, source_id = line.partition("\t")
        hashes[_unescape(source_id)] = bytes.fromhex(digest)
    return hashes


def snapshot_kinds(staging: BlobStaging, run_id: str, pass_id: str) -> list[str]:
    """The object kinds a snapshot holds."""
    prefix = f"{run_id}/hashes/{pass_id}/"
    return sorted(name[len(prefix) : -len(".tsv.gz")] for name in staging.list_names(prefix))
