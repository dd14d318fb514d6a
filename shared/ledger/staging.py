"""Blob staging: canonical pages (gzip JSON Lines), before-images, reports and confirmed maps.

Activities pass the blob names this module returns, never the records. Names are deterministic
(`<run>/pages/<object>/<page:05d>.jsonl.gz`), so an activity that runs twice overwrites its blob.
Containers are private; reports that show values stay in the `reports` container.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import BlobServiceClient, ContainerClient, ContentSettings

from shared.ledger.links import DownloadLink, signed_download_link

STAGING_CONTAINER = "staging"
REPORTS_CONTAINER = "reports"
CONTAINERS = (STAGING_CONTAINER, REPORTS_CONTAINER)


def page_blob_name(run_id: str, object_kind: str, page: int) -> str:
    """Where page `page` of an object kind's canonical records is staged."""
    return f"{run_id}/pages/{object_kind}/{page:05d}.jsonl.gz"


def before_image_blob_name(run_id: str, table: str, batch_id: str) -> str:
    """Where the before-images of one write batch are kept for rollback."""
    return f"{run_id}/before-images/{table}/{batch_id}.jsonl.gz"


def _encode_lines(records: Iterable[dict[str, Any]]) -> bytes:
    lines = (json.dumps(r, separators=(",", ":"), default=str) for r in records)
    # mtime=0 keeps the bytes (and so the blob's MD5) identical when a replay rewrites the page.
    return gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), compresslevel=5, mtime=0)


@dataclass(frozen=True)
class ExportListing:
    """An export folder in staging as listed once: its blobs' relative names and fingerprint."""

    prefix: str
    names: frozenset[str]
    fingerprint: str


class BlobStaging:
    """Reads and writes the run's blobs through the real Blob SDK."""

    def __init__(self, service: BlobServiceClient) -> None:
        self._service = service
        for name in CONTAINERS:
            with contextlib.suppress(ResourceExistsError):
                service.create_container(name)  # private: no public access level

    def _container(self, name: str) -> ContainerClient:
        return self._service.get_container_client(name)

    def write_jsonl(self, blob_name: str, records: Iterable[dict[str, Any]]) -> int:
        """Writes records as gzip JSON Lines; returns the number written."""
        materialised = list(records)
        self._container(STAGING_CONTAINER).upload_blob(
            blob_name,
            _encode_lines(materialised) if materialised else b"",
            overwrite=True,
            # Not Content-Encoding: gzip, or HTTP clients would silently inflate it on download.
            content_settings=ContentSettings(content_type="application/gzip"),
        )
        return len(materialised)

    def read_jsonl(self, blob_name: str) -> Iterator[dict[str, Any]]:
        """Yields the records of a staged JSON Lines blob, in order."""
        raw = self._container(STAGING_CONTAINER).download_blob(blob_name).readall()
        if not raw:
            return
        for line in gzip.decompress(raw).decode("utf-8").splitlines():
            if line:
                yield json.loads(line)

    def list_pages(self, run_id: str, object_kind: str) -> list[str]:
        """Names of an object kind's staged pages for a run, in page order."""
        prefix = f"{run_id}/pages/{object_kind}/"
        return sorted(b.name for b in self._container(STAGING_CONTAINER).list_blobs(prefix))

    def list_names(self, prefix: str) -> list[str]:
        """Names of the staging blobs under `prefix`, sorted (e.g. a table's before-images)."""
        container = self._container(STAGING_CONTAINER)
        return sorted(b.name for b in container.list_blobs(name_starts_with=prefix))

    def write_bytes(self, blob_name: str, data: bytes, *, container: str = STAGING_CONTAINER,
                    content_type: str = "application/octet-stream") -> str:  # fmt: skip
        """Stores bytes (a document, a report, a confirmed map); returns their sha256."""
        self._container(container).upload_blob(
            blob_name, data, overwrite=True,
            content_settings=ContentSettings(content_type=content_type),
        )  # fmt: skip
        return hashlib.sha256(data).hexdigest()

    def read_bytes(self, blob_name: str, *, container: str = STAGING_CONTAINER) -> bytes:
        """The blob's bytes, or KeyError naming the blob."""
        try:
            return self._container(container).download_blob(blob_name).readall()
        except ResourceNotFoundError:
            raise KeyError(f"blob {container}/{blob_name} does not exist") from None

    def download_link(self, blob_name: str, *, container: str = REPORTS_CONTAINER,
                      valid_for: timedelta) -> DownloadLink:  # fmt: skip
        """A short-lived read-only link to one existing blob, or KeyError naming the blob."""
        blob = self._container(container).get_blob_client(blob_name)
        try:
            properties = blob.get_blob_properties()
        except ResourceNotFoundError:
            raise KeyError(f"blob {container}/{blob_name} does not exist") from None
        return signed_download_link(
            self._service, container, blob_name, valid_for=valid_for,
            filename=blob_name.rsplit("/", 1)[-1],
            content_type=properties.content_settings.content_type,
        )  # fmt: skip

    def list_export(self, prefix: str) -> ExportListing:
        """Every blob under `prefix/`, listed once: relative names, and a fingerprint of names,
        sizes and ETags that changes with any upload."""
        root = prefix.rstrip("/") + "/"
        blobs = self._container(STAGING_CONTAINER).list_blobs(name_starts_with=root)
        entries = sorted((b.name[len(root) :], b.size, b.etag) for b in blobs)
        parts = "\n".join(f"{name}|{size}|{etag}" for name, size, etag in entries)
        return ExportListing(prefix=prefix.rstrip("/"), names=frozenset(n for n, _, _ in entries),
                             fingerprint=hashlib.sha256(parts.encode()).hexdigest())  # fmt: skip

    def download_export(self, listing: ExportListing, destination: Path,
                        parallel: int = 8) -> list[Path]:  # fmt: skip
        """Copies every blob of a listed export to `destination`, keeping relative paths, with
        `parallel` downloads in flight: an export is a few tables and thousands of small
        document files (readers hash them), where one request at a time is the cost."""
        container = self._container(STAGING_CONTAINER)
        root = destination.resolve()
        targets = {}
        for name in listing.names:
            target = (root / name).resolve()
            if not target.is_relative_to(root) or target == root:  # a crafted name may not escape
                raise ValueError("an export blob name points outside the export folder")
            targets[name] = target
        for folder in {target.parent for target in targets.values()}:
            folder.mkdir(parents=True, exist_ok=True)

        def download(name: str) -> Path:
            with targets[name].open("wb") as handle:
                container.download_blob(f"{listing.prefix}/{name}").readinto(handle)
            return targets[name]

        with ThreadPoolExecutor(max_workers=parallel) as pool:
            return list(pool.map(download, sorted(targets)))

    def upload_folder(self, folder: Path, prefix: str, *, replace: bool = False) -> int:
        """Uploads every file under `folder` to `prefix/` in staging (exports, for the demo);
        `replace` first removes what is there (a new export drop replaces the last one)."""
        container = self._container(STAGING_CONTAINER)
        if replace:
            for blob in container.list_blobs(name_starts_with=prefix.rstrip("/") + "/"):
                container.delete_blob(blob.name)
        count = 0
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = f"{prefix.rstrip('/')}/{path.relative_to(folder).as_posix()}"
            with path.open("rb") as handle:
                container.upload_blob(name, handle, overwrite=True)
            count += 1
        return count

    def delete_run(self, run_id: str) -> int:
        """Deletes every staged and report blob of a run (retention purge); returns the count."""
        deleted = 0
        for name in CONTAINERS:
            container = self._container(name)
            for blob in container.list_blobs(name_starts_with=f"{run_id}/"):
                container.delete_blob(blob.name)
                deleted += 1
        return deleted
