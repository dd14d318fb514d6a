"""SQLite storage: record bodies as JSON, alternate-key values in an indexed table, snapshots."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tabledefs (logical_name TEXT PRIMARY KEY, definition TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    entity TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (entity, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS keyvalues (
    entity TEXT NOT NULL, keyname TEXT NOT NULL, value TEXT NOT NULL, id TEXT NOT NULL,
    PRIMARY KEY (entity, keyname, value)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS keyvalues_by_record ON keyvalues (entity, id);
CREATE TABLE IF NOT EXISTS snapshots (
    name TEXT NOT NULL, entity TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,
    body TEXT NOT NULL, PRIMARY KEY (name, entity, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

Record = dict[str, Any]
_ENCODE = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class Store:
    """One SQLite connection shared by the event loop; every write runs in a transaction.

    The emulator handles requests on one thread, so a single connection with WAL is both
    the simplest and the fastest design; `lock` guards the rare call from another thread.
    """

    def __init__(self, path: Path | None) -> None:
        target = ":memory:" if path is None else str(path)
        self.db = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        self.lock = threading.RLock()
        self.indexes = {
            str(row[0])
            for row in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
        self._depth = 0
        row = self.db.execute("SELECT MAX(version) FROM records").fetchone()
        self._version = int(row[0] or 1000)

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

    def next_version(self) -> int:
        """A new row version; every write gets one, so etags always change."""
        self._version += 1
        return self._version

    # --- table definitions -------------------------------------------------------------
    def load_tabledefs(self) -> dict[str, str]:
        """Stored table definitions as JSON text by logical name."""
        rows = self.db.execute("SELECT logical_name, definition FROM tabledefs")
        return {name: definition for name, definition in rows}

    def save_tabledef(self, logical_name: str, definition: str) -> None:
        """Stores (replaces) one table definition."""
        self.db.execute(
            "INSERT OR REPLACE INTO tabledefs (logical_name, definition) VALUES (?, ?)",
            (logical_name, definition),
        )

    # --- records -----------------------------------------------------------------------
    def get(self, entity: str, record_id: str) -> tuple[int, Record] | None:
        """(version, body) of one record, or None."""
        row = self.db.execute(
            "SELECT version, body FROM records WHERE entity = ? AND id = ?", (entity, record_id)
        ).fetchone()
        return None if row is None else (int(row[0]), json.loads(row[1]))

    def exists(self, entity: str, record_id: str) -> bool:
        """True when the record exists."""
        row = self.db.execute(
            "SELECT 1 FROM records WHERE entity = ? AND id = ?", (entity, record_id)
        ).fetchone()
        return row is not None

    def put_many(self, entity: str, rows: Iterable[tuple[str, int, Record]]) -> None:
        """Inserts or replaces records: (id, version, body)."""
        self.db.executemany(
            "INSERT OR REPLACE INTO records (entity, id, version, body) VALUES (?, ?, ?, ?)",
            ((entity, rid, version, _ENCODE(body)) for rid, version, body in rows),
        )

    def delete(self, entity: str, record_id: str) -> None:
        """Deletes a record and its key values."""
        self.db.execute("DELETE FROM records WHERE entity = ? AND id = ?", (entity, record_id))
        self.db.execute("DELETE FROM keyvalues WHERE entity = ? AND id = ?", (entity, record_id))

    def query(self, sql: str, params: list[Any]) -> list[tuple[str, int, Record]]:
        """Runs a SELECT id, version, body statement built by the query compiler."""
        return [(rid, int(v), json.loads(body)) for rid, v, body in self.db.execute(sql, params)]

    def scalar(self, sql: str, params: list[Any]) -> Any:
        """First column of the first row."""
        row = self.db.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def all_records(self, entity: str) -> list[tuple[str, int, Record]]:
        """Every record of a table."""
        return self.query("SELECT id, version, body FROM records WHERE entity = ?", [entity])

    # --- alternate keys ----------------------------------------------------------------
    def key_owner(self, entity: str, keyname: str, value: str) -> str | None:
        """Id of the record holding an alternate-key value, or None."""
        row = self.db.execute(
            "SELECT id FROM keyvalues WHERE entity = ? AND keyname = ? AND value = ?",
            (entity, keyname, value),
        ).fetchone()
        return None if row is None else str(row[0])

    def set_key_values(
        self, entity: str, record_id: str, values: dict[str, str], *, new: bool = False
    ) -> None:
        """Replaces the key values of one record (callers checked uniqueness first)."""
        if not new:
            self.db.execute(
                "DELETE FROM keyvalues WHERE entity = ? AND id = ?", (entity, record_id)
            )
        if not values:
            return
        self.db.executemany(
            "INSERT INTO keyvalues (entity, keyname, value, id) VALUES (?, ?, ?, ?)",
            [(entity, name, value, record_id) for name, value in values.items()],
        )

    def clear_key(self, entity: str, keyname: str) -> None:
        """Drops an alternate key's index."""
        self.db.execute("DELETE FROM keyvalues WHERE entity = ? AND keyname = ?", (entity, keyname))

    def index_column(self, entity: str, column: str, nocase: bool, lookup: bool) -> None:
        """An expression index so `$filter` on an alternate-key column is a seek, not a scan."""
        if not (_NAME.match(entity) and _NAME.match(column)):
            raise ValueError("table and column names must be logical names")
        path = f"$.{column}.id" if lookup else f"$.{column}"
        collate = " COLLATE NOCASE" if nocase else ""
        name = f"ix_{entity}_{column}"
        self.db.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" '
            f"ON records (entity, json_extract(body, '{path}'){collate})"
        )
        self.indexes.add(name)

    # --- whole data set ----------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Record count per table."""
        rows = self.db.execute("SELECT entity, COUNT(*) FROM records GROUP BY entity")
        return {entity: int(count) for entity, count in rows}

    def take_snapshot(self, name: str) -> int:
        """Copies every record under `name`; returns how many."""
        with self.transaction():
            self.db.execute("DELETE FROM snapshots WHERE name = ?", (name,))
            cursor = self.db.execute(
                "INSERT INTO snapshots SELECT ?, entity, id, version, body FROM records", (name,)
            )
        return int(cursor.rowcount)

    def snapshot_rows(self, name: str | None) -> dict[tuple[str, str], tuple[int, str]]:
        """(entity, id) -> (version, body JSON) of a snapshot, or of the live data for None."""
        if name is None:
            rows = self.db.execute("SELECT entity, id, version, body FROM records")
        else:
            rows = self.db.execute(
                "SELECT entity, id, version, body FROM snapshots WHERE name = ?", (name,)
            )
        return {(entity, rid): (int(version), body) for entity, rid, version, body in rows}

    def snapshot_names(self) -> list[str]:
        """Names of the stored snapshots."""
        return [row[0] for row in self.db.execute("SELECT DISTINCT name FROM snapshots")]
