"""The quarantine list: one JSON line per quarantined row, naming where and why, never values.

Line shape: {"object_kind", "file", "sheet", "row", "findings": [{"reason", "severity",
"column"}]}. The source id is left out on purpose: some practices key patients by NHS number or
T.C. Kimlik No, so an id can be an identifier.
"""

from __future__ import annotations

import json
from typing import TextIO

from shared.quality.findings import RowOutcome


def quarantine_line(object_kind: str, outcome: RowOutcome) -> str:
    """The JSON line (with trailing newline) describing one quarantined row.

    Args:
        object_kind: the row's object kind.
        outcome: the profiled row.

    Returns:
        One line of JSON.
    """
    ref = outcome.source_ref
    entry = {
        "object_kind": object_kind,
        "file": ref.file,
        "sheet": ref.sheet,
        "row": ref.row,
        "findings": [
            {"reason": f.reason, "severity": f.severity, "column": f.column}
            for f in outcome.findings
        ],
    }
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"


class QuarantineWriter:
    """Writes quarantine lines to a text stream the caller opened (a file, a blob buffer, ...)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.rows_written = 0

    def write(self, object_kind: str, outcome: RowOutcome) -> None:
        """Append one quarantined row."""
        self._stream.write(quarantine_line(object_kind, outcome))
        self.rows_written += 1
