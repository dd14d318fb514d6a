"""Document index rows: the file's path, name, size and SHA-256 taken from the export itself."""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath

from shared.sources.targets import Fields

_CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks (documents can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def complete_document(fields: Fields, export_dir: Path) -> None:
    """Fill source_path, file_name and sha256 from the indexed file.

    The index's own size is kept; a file missing from the export gets an empty hash, which the
    quality rules report as `missing_document_file`.
    """
    relative = fields.get("source_path") or fields.get("file_name")
    if not isinstance(relative, str):
        return
    relative = relative.replace("\\", "/")
    fields["source_path"] = relative
    fields["file_name"] = PurePosixPath(relative).name
    path = export_dir / relative
    inside = path.resolve().is_relative_to(export_dir.resolve())
    fields.setdefault("sha256", sha256_of(path) if inside and path.is_file() else "")
