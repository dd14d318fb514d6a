"""`_manifest.json`: rows per file and every injected fault and change, for tests to check against.

Faults are spooled to a temporary JSON Lines file while the export streams, so a two-million-row
run never holds them in memory; `finish` streams them into the manifest and removes the spool.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.synthetic.layouts.base import Layout
from cli.synthetic.model import Practice
from cli.synthetic.sinks import FileSpec

if TYPE_CHECKING:
    from cli.synthetic.generator import GenerateOptions

MANIFEST_NAME = "_manifest.json"
GENERATOR_VERSION = "1"


class ManifestWriter:
    """Collects what the generator wrote and did; writes `_manifest.json` at the end."""

    def __init__(self, options: GenerateOptions, layout: Layout, exported: datetime) -> None:
        self._options = options
        self._layout = layout
        self._exported = exported
        self._spool_path = options.out / ".faults.spool"
        self._spool = self._spool_path.open("w", encoding="utf-8")
        self._changes: list[dict[str, str]] = []

    def record_faults(self, spec: FileSpec, row: int, record: Any) -> None:
        """One manifest entry per fault the record carries, naming the column it shows in."""
        for fault, field_name in record.faults:
            entry: dict[str, Any] = {
                "fault": fault,
                "kind": spec.kind,
                "source_id": record.id,
                "file": spec.name,
                "row": row,
                "column": spec.fields.get(field_name),
            }
            if fault == "duplicate_patient":
                entry["duplicate_of"] = record.duplicate_of
            if fault == "oversized_document":
                entry["size"] = record.size
            self._spool.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def record_change(self, change: str, kind: str, source_id: str, patient_id: str) -> None:
        """A change of drop 2 relative to drop 1."""
        self._changes.append(
            {"change": change, "kind": kind, "source_id": source_id, "patient_id": patient_id}
        )

    def finish(self, rows: dict[str, int], practice: Practice) -> Path:
        """Write `_manifest.json` (faults streamed from the spool) and remove the spool."""
        self._spool.close()
        options = self._options
        head = {
            "source": self._layout.source,
            "country": self._layout.country,
            "seed": options.seed,
            "patients": options.patients,
            "drop": options.drop,
            "as_of": options.as_of.isoformat(),
            "exported_at": self._exported.isoformat(),
            "generator_version": GENERATOR_VERSION,
            "options": {
                "fault_rates": dict(sorted(options.faults.rates.items())),
                "oversize_bytes": options.faults.oversize_bytes,
                "objects": sorted(options.objects) if options.objects else None,
            },
            "organization_id": practice.organization.id,
            "files": {
                spec.name: {
                    "kind": spec.kind,
                    "rows": rows[spec.name],
                    "format": spec.format,
                    "encoding": spec.encoding if spec.format == "csv" else None,
                    "delimiter": spec.delimiter if spec.format == "csv" else None,
                    "sheet": spec.sheet,
                    "header_row": 4 if spec.title else 1,
                    "totals_row": bool(spec.totals),
                }
                for spec in self._layout.files
                if spec.name in rows
            },
        }
        path = options.out / MANIFEST_NAME
        with path.open("w", encoding="utf-8", newline="\n") as out:
            text = json.dumps(head, indent=2, ensure_ascii=False)
            out.write(text[:-2] + ',\n  "faults": [')
            with self._spool_path.open(encoding="utf-8") as spool:
                for index, line in enumerate(spool):
                    out.write(("\n    " if index == 0 else ",\n    ") + line.rstrip("\n"))
            out.write('\n  ],\n  "changes": ')
            out.write(json.dumps(self._changes, ensure_ascii=False))
            out.write("\n}\n")
        self._spool_path.unlink()
        return path
