"""The audit ledger: one Table Storage row per destination write, written in batch transactions.

Rows are keyed `PartitionKey = "<run>~<table>"`, `RowKey = "<pass>~<source key>"`, so a replayed
batch overwrites its own rows instead of duplicating them, and everything one run touched in one
table is a single-partition query (the unit of a table transaction, up to 100 operations).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, Literal

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, TableServiceClient, UpdateMode
from pydantic import BaseModel

from shared.ledger.keys import join_key, prefix_range, unescape_key

AUDIT_TABLE = "audit"
TRANSACTION_LIMIT = 100

Operation = Literal["created", "updated", "unchanged", "rejected", "quarantined", "deleted",
                    "restored", "skipped"]  # fmt: skip


class AuditRow(BaseModel):
    """One write (or decision not to write) for one source record. Never holds field values."""

    run_id: str
    table: str
    source_key: str
    operation: Operation
    pass_id: str = "main"  # noqa: S105 - a pass name, not a secret
    destination_id: str | None = None
    payload_hash: str | None = None
    before_image_blob: str | None = None
    reason_code: str | None = None
    status_code: int | None = None
    operator: str
    confirmed_map_hash: str
    batch_id: str
    attempt: int = 1
    written_at: datetime | None = None

    @property
    def partition_key(self) -> str:
        return join_key(self.run_id, self.table)

    @property
    def row_key(self) -> str:
        return join_key(self.pass_id, self.source_key)


def _to_entity(row: AuditRow) -> dict[str, Any]:
    entity = row.model_dump(mode="json", exclude_none=True)
    entity.setdefault("written_at", datetime.now(UTC).isoformat())
    entity["PartitionKey"] = row.partition_key
    entity["RowKey"] = row.row_key
    return entity


def _from_entity(entity: dict[str, Any]) -> AuditRow:
    fields = {k: v for k, v in entity.items() if k not in ("PartitionKey", "RowKey")}
    return AuditRow.model_validate(fields)


class AuditLedger:
    """Records writes idempotently and answers what a run touched."""

    def __init__(self, service: TableServiceClient) -> None:
        self._table: TableClient = service.create_table_if_not_exists(AUDIT_TABLE)

    def record(self, rows: Iterable[AuditRow]) -> list[AuditRow]:
        """Upserts rows in transactions of up to 100 per partition; returns the rows as stored.

        A retried batch finds its records already written ("unchanged" or "updated" the second
        time). The ledger keeps the first attempt's "created" (and its destination id) so that
        rollback still deletes what this run created.
        """
        stored = self._keep_created(list(rows))
        by_partition: dict[str, list[dict[str, Any]]] = {}
        for row in stored:
            by_partition.setdefault(row.partition_key, []).append(_to_entity(row))
        for entities in by_partition.values():
            # A transaction may not touch one RowKey twice: the last write of a key wins.
            unique = list({e["RowKey"]: e for e in entities}.values())
            for start in range(0, len(unique), TRANSACTION_LIMIT):
                chunk = unique[start : start + TRANSACTION_LIMIT]
                self._table.submit_transaction(
                    [("upsert", entity, {"mode": UpdateMode.REPLACE}) for entity in chunk]
                )
        return stored

    def _keep_created(self, rows: list[AuditRow]) -> list[AuditRow]:
        # Only a row that now says unchanged/updated can hide an earlier "created": read those
        # by key (point reads), never scan the partition, which grows with the run.
        kept = []
        for row in rows:
            if row.operation in ("unchanged", "updated"):
                try:
                    earlier = _from_entity(dict(self._table.get_entity(row.partition_key,
                                                                       row.row_key)))  # fmt: skip
                except ResourceNotFoundError:
                    earlier = None
                if earlier is not None and earlier.operation == "created":
                    row = row.model_copy(update={
                        "operation": "created",
                        "destination_id": row.destination_id or earlier.destination_id,
                        "before_image_blob": earlier.before_image_blob,
                    })  # fmt: skip
            kept.append(row)
        return kept

    def rows(self, run_id: str, table: str | None = None,
             pass_id: str | None = None) -> Iterator[AuditRow]:  # fmt: skip
        """Every audit row of a run (optionally one table, and of that one pass), partition by
        partition; one pass's rows are a RowKey range, not a scan of the partition."""
        if table is not None and pass_id is not None:
            low, high = prefix_range(join_key(pass_id))
            query = "PartitionKey eq @pk and RowKey ge @low and RowKey lt @high"
            params = {"pk": join_key(run_id, table), "low": low, "high": high}
        elif table is not None:
            query = "PartitionKey eq @pk"
            params = {"pk": join_key(run_id, table)}
        else:
            low, high = prefix_range(join_key(run_id))
            query = "PartitionKey ge @low and PartitionKey lt @high"
            params = {"low": low, "high": high}
        for entity in self._table.query_entities(query, parameters=params):
            yield _from_entity(dict(entity))

    def latest_by_key(self, run_id: str, table: str) -> dict[str, AuditRow]:
        """The newest row per source key of a run's table, across passes (delta, fix-back)."""
        latest: dict[str, AuditRow] = {}
        for row in self.rows(run_id, table):
            current = latest.get(row.source_key)
            if current is None or (row.written_at or datetime.min.replace(tzinfo=UTC)) >= (
                current.written_at or datetime.min.replace(tzinfo=UTC)
            ):
                latest[row.source_key] = row
        return latest

    def count_by_operation(self, run_id: str, table: str | None = None) -> dict[str, int]:
        """Operation counts for a run, the ledger-side figures reconciliation compares."""
        return dict(Counter(row.operation for row in self.rows(run_id, table)))

    def delete_run(self, run_id: str) -> int:
        """Deletes every audit row of a run (purge), partition by partition; returns the count."""
        low, high = prefix_range(join_key(run_id))
        by_partition: dict[str, list[dict[str, Any]]] = {}
        for entity in self._table.query_entities(
            "PartitionKey ge @low and PartitionKey lt @high",
            parameters={"low": low, "high": high}, select=["PartitionKey", "RowKey"],
        ):  # fmt: skip
            key = {"PartitionKey": entity["PartitionKey"], "RowKey": entity["RowKey"]}
            by_partition.setdefault(str(entity["PartitionKey"]), []).append(key)
        for rows in by_partition.values():
            for start in range(0, len(rows), TRANSACTION_LIMIT):
                chunk = rows[start : start + TRANSACTION_LIMIT]
                self._table.submit_transaction([("delete", row) for row in chunk])
        return sum(len(rows) for rows in by_partition.values())

    def tables_touched(self, run_id: str) -> list[str]:
        """Names of the destination tables the run has audit rows for."""
        low, high = prefix_range(join_key(run_id))
        seen: set[str] = set()
        query = "PartitionKey ge @low and PartitionKey lt @high"
        for entity in self._table.query_entities(
            query, parameters={"low": low, "high": high}, select=["PartitionKey"]
        ):
            seen.add(unescape_key(str(entity["PartitionKey"]).split("~", 1)[1]))
        return sorted(seen)
