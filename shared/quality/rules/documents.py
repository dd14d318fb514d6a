"""Documents: larger than the destination accepts, or whose file is not in the export."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePosixPath

from shared.model import CanonicalRecord, Document
from shared.quality.config import QualityConfig
from shared.quality.findings import Severity
from shared.quality.rules.base import RowCheck, RowRule, RowSink


def base64_size(size_bytes: int) -> int:
    """Length of the base64 text of `size_bytes` bytes (what Dataverse's note limit measures)."""
    return (size_bytes + 2) // 3 * 4


class DocumentSize(RowRule):
    """Flags `oversized_document` when the file exceeds `document_max_bytes` (base64 or raw)."""

    name = "document_size"

    def for_kind(self, object_kind: str) -> RowCheck | None:
        if object_kind != Document.kind:
            return None
        limit, severity = self.config.document_max_bytes, self.severity
        on_base64 = self.config.document_size_measured_on == "base64"

        def check(record: CanonicalRecord, sink: RowSink) -> None:
            size: int = getattr(record, "size_bytes", 0)
            if (base64_size(size) if on_base64 else size) > limit:
                sink.flag("oversized_document", "size_bytes", severity)

        return check


class DocumentFilePresent(RowRule):
    """Flags `missing_document_file` when the export has no file at the document's path."""

    name = "document_file_present"

    def __init__(
        self,
        config: QualityConfig,
        severity: Severity,
        document_exists: Callable[[str], bool] | None = None,
    ) -> None:
        super().__init__(config, severity)
        self.document_exists = document_exists

    def for_kind(self, object_kind: str) -> RowCheck | None:
        exists = self.document_exists
        if object_kind != Document.kind or exists is None:
            return None
        severity = self.severity

        def check(record: CanonicalRecord, sink: RowSink) -> None:
            path: str = getattr(record, "source_path", "")
            if not path or not exists(path):
                sink.flag("missing_document_file", "source_path", severity)

        return check


def files_under(root: Path) -> Callable[[str], bool]:
    """A `document_exists` for an export unpacked on disk: paths relative to `root`, / or \\.

    Args:
        root: the export's folder.

    Returns:
        A membership test over the relative paths of every file under `root` (listed once).
    """
    present = frozenset(
        path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()
    )

    def exists(source_path: str) -> bool:
        return PurePosixPath(source_path.replace("\\", "/")).as_posix() in present

    return exists


def names_in(names: frozenset[str]) -> Callable[[str], bool]:
    """A `document_exists` over an export's relative file names (e.g. its blob listing)."""

    def exists(source_path: str) -> bool:
        return PurePosixPath(source_path.replace("\\", "/")).as_posix() in names

    return exists
