"""SQLite storage: record bodies as JSON, expression indexes on external ids, blobs, snapshots."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objectdefs (name TEXT PRIMARY KEY, definition TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY, object TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS records_by_object ON records (object, deleted);
CREATE TABLE IF NOT EXISTS blobs (id TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (
    name TEXT NOT NULL, id TEXT NOT NULL, object TEXT NOT NULL, deleted INTEGER NOT NULL,
    body TEXT NOT NULL, PRIMARY KEY (name, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshot_names (name TEXT PRIMARY KEY);
"""
Record = dict[str, Any]
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def field_expr(field: str) -> str:
    """The SQL expression reading one field of a record body (names checked by the caller)."""
    if not _NAME.match(field):
        raise ValueError("not a field name")
    return f"json_extract(body, '$.{field}')"


class Store:
    """One SQLite connection used from the event-loop thread; writes run in transactions."""

    def __init__(self, path: Path | None) -> None:
        target = ":memory:" if path is None else str(path)
        self.db = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        self.lock = threading.RLock()
        self._depth = 0

    def close(self) -> None:
        """Closes the connection."""
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A transaction, or a savepoint inside an outer one; rolls back on any exception."""
        with self.lock:
            name = f"sp{self._depth}"
            self.db.execute("BEGIN" if self._depth == 0 else f"SAVEPOINT {name}")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self.db.execute("ROLLBACK")
                else:
                    self.db.execute(f"ROLLBACK TO {name}")
                    self.db.execute(f"RELEASE {name}")
                raise
            self._depth -= 1
            self.db.execute("COMMIT" if self._depth == 0 else f"RELEASE {name}")

    # --- object definitions ----------------------------------------------------------------
    def load_objectdefs(self) -> dict[str, str]:
        """Stored custom object definitions (JSON) by name."""
        return dict(self.db.execute("SELECT name, definition FROM objectdefs").fetchall())

    def save_objectdef(self, name: str, definition: str) -> None:
        """Stores (replaces) one object definition."""
        self.db.execute(
            "INSERT OR REPLACE INTO objectdefs (name, definition) VALUES (?, ?)", (name, definition)
        )

    def index_field(self, object_name: str, field: str) -> None:
        """An index so lookups by an external-id field are seeks (case-insensitive, as in SF)."""
        if not _NAME.match(object_name):
            raise ValueError("not an object name")
        self.db.execute(
            f'CREATE INDEX IF NOT EXISTS "ix_{object_name}_{field}" '
            f"ON records (object, {field_expr(field)} COLLATE NOCASE)"
        )

    # --- records ---------------------------------------------------------------------------
    def get(self, record_id: str) -> tuple[str, bool, Record] | None:
        """(object, deleted, body) of one record, or None."""
        row = self.db.execute(
            "SELECT object, deleted, body FROM records WHERE id = ?", (record_id,)
        ).fetchone()
        return None if row is None else (row[0], bool(row[1]), json.loads(row[2]))

    def get_many(self, ids: Sequence[str]) -> dict[str, tuple[str, bool, Record]]:
        """(object, deleted, body) by id for the ids that exist."""
        found: dict[str, tuple[str, bool, Record]] = {}
        for start in range(0, len(ids), 500):
            part = list(ids[start : start + 500])
            marks = ",".join("?" * len(part))
            rows = self.db.execute(
                f"SELECT id, object, deleted, body FROM records WHERE id IN ({marks})",  # noqa: S608
                part,
            )
            for rid, obj, deleted, body in rows:
                found[rid] = (obj, bool(deleted), json.loads(body))
        return found

    def put_many(self, object_name: str, rows: Iterable[tuple[str, Record]]) -> None:
        """Inserts or replaces live records: (id, body)."""
        self.db.executemany(
            "INSERT OR REPLACE INTO records (id, object, deleted, body) VALUES (?, ?, 0, ?)",
            ((rid, object_name, json.dumps(body, separators=(",", ":"))) for rid, body in rows),
        )

    def mark_deleted(self, record_id: str, body: Record) -> None:
        """Moves a record to the Recycle Bin (IsDeleted = true)."""
        self.db.execute(
            "UPDATE records SET deleted = 1, body = ? WHERE id = ?",
            (json.dumps(body, separators=(",", ":")), record_id),
        )

    def purge(self, record_id: str) -> None:
        """Removes a record for good (hard delete)."""
        self.db.execute("DELETE FROM records WHERE id = ?", (record_id,))
        self.db.execute("DELETE FROM blobs WHERE id = ?", (record_id,))

    def find_by(
        self, object_name: str, field: str, values: Sequence[str]
    ) -> dict[str, list[tuple[str, Record]]]:
        """Live records whose `field` equals one of `values` (case-insensitive), by value."""
        expr = field_expr(field)
        found: dict[str, list[tuple[str, Record]]] = {}
        distinct = list(dict.fromkeys(values))
        for start in range(0, len(distinct), 500):
            part = distinct[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = self.db.execute(
                f"SELECT id, body FROM records WHERE object = ? AND deleted = 0 "  # noqa: S608
                f"AND {expr} COLLATE NOCASE IN ({marks})",
                [object_name, *part],
            )
            for rid, body in rows:
                record = json.loads(body)
                found.setdefault(str(record.get(field, "")).lower(), []).append((rid, record))
        return found

    def query(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Runs a SELECT built by the SOQL compiler."""
        return self.db.execute(sql, list(params)).fetchall()

    # --- blobs -----------------------------------------------------------------------------
    def put_blob(self, record_id: str, data: bytes) -> None:
        """Stores a file body (ContentVersion.VersionData)."""
        self.db.execute("INSERT OR REPLACE INTO blobs (id, data) VALUES (?, ?)", (record_id, data))

    def get_blob(self, record_id: str) -> bytes | None:
        """A stored file body."""
        row = self.db.execute("SELECT data FROM blobs WHERE id = ?", (record_id,)).fetchone()
        return None if row is None else bytes(row[0])

    # --- whole data set --------------------------------------------------------------------
    def wipe(self) -> None:
        """Deletes everything but snapshots."""
        for table in ("records", "blobs", "objectdefs"):
            self.db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names

    def max_id_counter(self) -> list[str]:
        """Every stored id (to continue numbering after a restart)."""
        return [row[0] for row in self.db.execute("SELECT id FROM records")]

    def counts(self) -> dict[str, int]:
        """Live record count per object."""
        rows = self.db.execute(
            "SELECT object, COUNT(*) FROM records WHERE deleted = 0 GROUP BY object"
        )
        return {obj: int(count) for obj, count in rows}

    def take_snapshot(self, name: str) -> int:
        """Copies every record under `name`; returns how many."""
        with self.transaction():
            self.db.execute("DELETE FROM snapshots WHERE name = ?", (name,))
            self.db.execute("INSERT OR IGNORE INTO snapshot_names (name) VALUES (?)", (name,))
            cursor = self.db.execute(
                "INSERT INTO snapshots SELECT ?, id, object, deleted, body FROM records", (name,)
            )
        return int(cursor.rowcount)

    def snapshot_rows(self, name: str | None) -> dict[str, tuple[str, bool, str]]:
        """id -> (object, deleted, body JSON) of a snapshot, or of the live data for None."""
        if name is None:
            rows = self.db.execute("SELECT id, object, deleted, body FROM records")
        else:
            known = "SELECT 1 FROM snapshot_names WHERE name = ?"
            if not self.db.execute(known, (name,)).fetchone():
                raise KeyError(name)
            rows = self.db.execute(
                "SELECT id, object, deleted, body FROM snapshots WHERE name = ?", (name,)
            )
        return {rid: (obj, bool(deleted), body) for rid, obj, deleted, body in rows}
