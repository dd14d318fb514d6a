"""The execution-time cost model that service protection charges every request."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Operation = Literal[
    "read",
    "create",
    "update",
    "upsert",
    "delete",
    "create_multiple",
    "update_multiple",
    "upsert_multiple",
    "delete_multiple",
    "metadata_read",
    "metadata_write",
    "whoami",
    "batch",
    "error",
    "other",
]


class CostModel(BaseModel):
    """Virtual server time in ms: `base[op] + per_record[op] * records + note_ms_per_kib * KiB`.

    The numbers are the emulator's model of a Dataverse environment without plug-ins, chosen so
    the per-user ceilings land where Microsoft's guidance puts them (single writes bound by the
    6,000-request limit, bulk writes by the 1,200 s execution-time limit). See README.md.
    """

    model_config = ConfigDict(extra="forbid")

    base_ms: dict[str, float] = {
        "read": 8.0,
        "create": 40.0,
        "update": 40.0,
        "upsert": 55.0,
        "delete": 30.0,
        "create_multiple": 60.0,
        "update_multiple": 60.0,
        "upsert_multiple": 80.0,
        "delete_multiple": 100.0,
        "metadata_read": 15.0,
        "metadata_write": 1500.0,
        "whoami": 3.0,
        "batch": 10.0,
        "error": 2.0,
        "other": 5.0,
    }
    per_record_ms: dict[str, float] = {
        "read": 0.3,
        "create_multiple": 8.0,
        "update_multiple": 10.0,
        "upsert_multiple": 14.0,
        "delete_multiple": 2.0,
    }
    note_ms_per_kib: float = 0.25

    def charge(self, operation: str, records: int = 0, document_bytes: int = 0) -> float:
        """Execution time (ms) of one operation."""
        base = self.base_ms.get(operation, self.base_ms["other"])
        per_record = self.per_record_ms.get(operation, 0.0) * records
        return base + per_record + self.note_ms_per_kib * (document_bytes / 1024)
