"""SQLite task hub: instances, history, the control queue and the work-item queue.

Like the Azure Storage provider, an episode's outcome (new history, messages consumed, new
work items, timers, messages to other instances) is written in one transaction before any of
that work runs, and an activity's work item is deleted in the same transaction that queues its
result. A process killed at any point therefore restarts from a consistent hub: scheduled but
unacknowledged activities run again (at least once) and queued messages are delivered.
"""

from __future__ import annotations

import fcntl
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cli.durable_host.protocol import RuntimeStatus

_SCHEMA = """
CREATE TABLE IF NOT EXISTS instances (
    instance_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    status TEXT NOT NULL,
    input TEXT,
    output TEXT,
    custom_status TEXT,
    parent_instance_id TEXT,
    parent_execution_id TEXT,
    parent_task_id INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS history (
    instance_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (instance_id, position)
);
CREATE TABLE IF NOT EXISTS messages (
    message_id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL,
    execution_id TEXT,
    task_id INTEGER,
    event TEXT NOT NULL,
    due_at REAL NOT NULL,
    fire_at REAL
);
CREATE INDEX IF NOT EXISTS messages_due ON messages (due_at);
CREATE INDEX IF NOT EXISTS messages_instance ON messages (instance_id);
CREATE INDEX IF NOT EXISTS messages_fire ON messages (fire_at);
CREATE TABLE IF NOT EXISTS work_items (
    instance_id TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    task_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    input TEXT,
    PRIMARY KEY (instance_id, execution_id, task_id)
);
CREATE TABLE IF NOT EXISTS host_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class HubBusyError(RuntimeError):
    """Another process holds the task hub's dispatcher lease."""


@dataclass
class InstanceRecord:
    """One orchestration instance's row (payloads are JSON text, as the hub stores them)."""

    instance_id: str
    name: str
    execution_id: str
    status: RuntimeStatus
    created_at: str
    updated_at: str
    input: str | None = None
    output: str | None = None
    custom_status: str | None = None
    parent_instance_id: str | None = None
    parent_execution_id: str | None = None
    parent_task_id: int | None = None


@dataclass(frozen=True)
class Message:
    """A queued history event for an instance (execution_id None: for whichever runs).

    Timers carry `fire_at` (orchestration time, epoch seconds) besides `due_at` (wall clock):
    they are delivered in `fire_at` order, the earliest first, across all instances.
    """

    instance_id: str
    event: dict[str, Any]
    execution_id: str | None = None
    task_id: int | None = None
    due_at: float = 0.0
    message_id: int = 0
    fire_at: float | None = None


@dataclass(frozen=True)
class WorkItem:
    """A scheduled activity call that has not been acknowledged yet."""

    instance_id: str
    execution_id: str
    task_id: int
    name: str
    input: str | None


@dataclass
class Checkpoint:
    """Everything one orchestration episode writes, committed atomically."""

    instance: InstanceRecord
    consumed_message_ids: list[int]
    history_start: int
    appended_events: list[dict[str, Any]]
    reset_history: bool = False
    work_items: list[WorkItem] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    started_instances: list[InstanceRecord] = field(default_factory=list)
    cancelled_timer_ids: list[int] = field(default_factory=list)
    drop_pending_work: bool = False
    host_state: dict[str, str] = field(default_factory=dict)


class HistoryStore:
    """The task hub in one SQLite file (WAL, one connection guarded by a lock)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL survives a killed process (not a power cut) and keeps commits cheap.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._lease: IO[str] | None = None

    def claim_dispatch(self) -> None:
        """Take the hub's dispatcher lease (an OS file lock, freed even by kill -9).

        Raises:
            HubBusyError: another live process is dispatching this hub.
        """
        if self._lease is not None:
            return
        lease = self.path.with_name(self.path.name + ".lease").open("a+")
        try:
            fcntl.flock(lease.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lease.close()
            raise HubBusyError(f"another host is dispatching {self.path}") from None
        self._lease = lease

    def close(self) -> None:
        """Close the connection and free the lease (the file stays for the next host)."""
        with self._lock:
            self._db.close()
        if self._lease is not None:
            self._lease.close()  # closing the descriptor releases the flock
            self._lease = None

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- instances -----------------------------------------------------------------------
    def start_instance(self, record: InstanceRecord, start: Message) -> None:
        """Create (or replace) an instance and queue its ExecutionStarted message."""
        with self._transaction() as db:
            _delete_instance(db, record.instance_id)
            _insert_instance(db, record)
            _insert_messages(db, [start])

    def get_instance(self, instance_id: str) -> InstanceRecord | None:
        """The instance's row, or None if it does not exist."""
        with self._lock:
            row = self._db.execute(
                _SELECT_INSTANCES + " WHERE instance_id = ?", (instance_id,)
            ).fetchone()
        return _instance_from_row(row) if row else None

    def list_instances(self, statuses: Iterable[RuntimeStatus] = ()) -> list[InstanceRecord]:
        """All instances, optionally only those in the given statuses, oldest first."""
        wanted = [str(status) for status in statuses]
        query = _SELECT_INSTANCES
        if wanted:
            query += f" WHERE status IN ({','.join('?' * len(wanted))})"
        with self._lock:
            rows = self._db.execute(query + " ORDER BY created_at", wanted).fetchall()
        return [_instance_from_row(row) for row in rows]

    def purge(self, instance_id: str) -> int:
        """Delete an instance with its history and queued work; returns instances deleted."""
        with self._transaction() as db:
            return _delete_instance(db, instance_id)

    # -- history -------------------------------------------------------------------------
    def load_history(self, instance_id: str) -> list[dict[str, Any]]:
        """The current execution's history events, in order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT event FROM history WHERE instance_id = ? ORDER BY position",
                (instance_id,),
            ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def history_length(self, instance_id: str) -> int:
        """Number of history events of the instance's current execution."""
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM history WHERE instance_id = ?", (instance_id,)
            ).fetchone()
        return int(row[0])

    # -- queues --------------------------------------------------------------------------
    def add_messages(self, messages: list[Message]) -> None:
        """Queue messages (external events, terminations) for delivery."""
        with self._transaction() as db:
            _insert_messages(db, messages)

    def due_messages(self, now: float) -> dict[str, list[Message]]:
        """Non-timer messages whose delivery time has come, by instance, in arrival order."""
        return self._batches(_DUE_MESSAGES, now)

    def due_timers(self, now: float, orchestration_now: float) -> dict[str, list[Message]]:
        """The earliest-firing pending timers (all instances), once their wall time has come
        or orchestration time has already passed them (it jumps when scaled timers fire)."""
        return self._batches(_DUE_TIMERS, now, orchestration_now)

    def _batches(self, query: str, *params: float) -> dict[str, list[Message]]:
        with self._lock:
            rows = self._db.execute(query + " ORDER BY message_id", params).fetchall()
        batches: dict[str, list[Message]] = {}
        for message_id, instance_id, execution_id, task_id, event, due_at, fire_at in rows:
            batches.setdefault(instance_id, []).append(
                Message(
                    instance_id,
                    json.loads(event),
                    execution_id,
                    task_id,
                    due_at,
                    message_id,
                    fire_at,
                )
            )
        return batches

    def next_due_at(self) -> float | None:
        """Wall-clock time of the next deliverable message (timers: the earliest-firing)."""
        with self._lock:
            row = self._db.execute(
                "SELECT MIN(due_at) FROM messages WHERE fire_at IS NULL "
                "OR fire_at = (SELECT MIN(fire_at) FROM messages)"
            ).fetchone()
        return None if row[0] is None else float(row[0])

    def pending_work_items(self) -> list[WorkItem]:
        """Activities scheduled but not acknowledged (to run again after a restart)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT instance_id, execution_id, task_id, name, input FROM work_items "
                "ORDER BY rowid"
            ).fetchall()
        return [WorkItem(*row) for row in rows]

    def complete_work_items(self, results: list[tuple[WorkItem, dict[str, Any]]]) -> None:
        """Acknowledge activities: delete each work item and queue its result, atomically."""
        with self._transaction() as db:
            for item, event in results:
                deleted = db.execute(
                    "DELETE FROM work_items WHERE instance_id = ? AND execution_id = ? "
                    "AND task_id = ?",
                    (item.instance_id, item.execution_id, item.task_id),
                ).rowcount
                if deleted:  # a purged or restarted instance no longer wants the result
                    _insert_messages(
                        db, [Message(item.instance_id, event, item.execution_id, item.task_id)]
                    )

    # -- episodes ------------------------------------------------------------------------
    def commit(self, checkpoint: Checkpoint) -> None:
        """Write one episode's outcome in a single transaction."""
        record = checkpoint.instance
        iid = record.instance_id
        with self._transaction() as db:
            db.executemany(
                "DELETE FROM messages WHERE message_id = ?",
                [(mid,) for mid in checkpoint.consumed_message_ids],
            )
            if checkpoint.reset_history:
                db.execute("DELETE FROM history WHERE instance_id = ?", (iid,))
            db.executemany(
                "INSERT INTO history (instance_id, position, event) VALUES (?, ?, ?)",
                [
                    (iid, checkpoint.history_start + offset, json.dumps(event))
                    for offset, event in enumerate(checkpoint.appended_events)
                ],
            )
            if checkpoint.drop_pending_work:
                db.execute("DELETE FROM work_items WHERE instance_id = ?", (iid,))
                db.execute(
                    "DELETE FROM messages WHERE instance_id = ? AND execution_id IS NOT NULL",
                    (iid,),
                )
            db.executemany(
                "DELETE FROM messages WHERE instance_id = ? AND execution_id = ? AND task_id = ?",
                [(iid, record.execution_id, tid) for tid in checkpoint.cancelled_timer_ids],
            )
            _update_instance(db, record)
            for child in checkpoint.started_instances:
                _delete_instance(db, child.instance_id)
                _insert_instance(db, child)
            db.executemany(
                "INSERT INTO work_items (instance_id, execution_id, task_id, name, input) "
                "VALUES (?, ?, ?, ?, ?)",
                [
                    (w.instance_id, w.execution_id, w.task_id, w.name, w.input)
                    for w in checkpoint.work_items
                ],
            )
            _insert_messages(db, checkpoint.messages)
            for key, value in checkpoint.host_state.items():
                _set_state(db, key, value)

    def discard_messages(self, message_ids: list[int]) -> None:
        """Drop messages nobody will consume (stale executions, finished instances)."""
        with self._transaction() as db:
            db.executemany(
                "DELETE FROM messages WHERE message_id = ?", [(mid,) for mid in message_ids]
            )

    # -- host state ----------------------------------------------------------------------
    def get_state(self, key: str, default: str) -> str:
        """A persisted host setting (e.g. the virtual clock's offset)."""
        with self._lock:
            row = self._db.execute("SELECT value FROM host_state WHERE key = ?", (key,)).fetchone()
        return default if row is None else str(row[0])

    def set_state(self, key: str, value: str) -> None:
        """Persist a host setting."""
        with self._transaction() as db:
            _set_state(db, key, value)


_INSTANCE_COLUMNS = (
    "instance_id, name, execution_id, status, created_at, updated_at, input, output, "
    "custom_status, parent_instance_id, parent_execution_id, parent_task_id"
)
# Built from the constant column list above, never from input.
_SELECT_INSTANCES = f"SELECT {_INSTANCE_COLUMNS} FROM instances"  # noqa: S608
_DUE_MESSAGES = (
    "SELECT message_id, instance_id, execution_id, task_id, event, due_at, fire_at "
    "FROM messages WHERE fire_at IS NULL AND due_at <= ?"
)
_DUE_TIMERS = (
    "SELECT message_id, instance_id, execution_id, task_id, event, due_at, fire_at "
    "FROM messages WHERE fire_at = (SELECT MIN(fire_at) FROM messages) "
    "AND (due_at <= ? OR fire_at <= ?)"
)
_INSERT_INSTANCE = f"INSERT INTO instances ({_INSTANCE_COLUMNS}) VALUES ({', '.join('?' * 12)})"  # noqa: S608


def _instance_from_row(row: tuple[Any, ...]) -> InstanceRecord:
    values = list(row)
    values[3] = RuntimeStatus(values[3])
    return InstanceRecord(*values)


def _insert_instance(db: sqlite3.Connection, record: InstanceRecord) -> None:
    db.execute(
        _INSERT_INSTANCE,
        (
            record.instance_id,
            record.name,
            record.execution_id,
            str(record.status),
            record.created_at,
            record.updated_at,
            record.input,
            record.output,
            record.custom_status,
            record.parent_instance_id,
            record.parent_execution_id,
            record.parent_task_id,
        ),
    )


def _update_instance(db: sqlite3.Connection, record: InstanceRecord) -> None:
    db.execute(
        "UPDATE instances SET execution_id = ?, status = ?, updated_at = ?, input = ?, "
        "output = ?, custom_status = ? WHERE instance_id = ?",
        (
            record.execution_id,
            str(record.status),
            record.updated_at,
            record.input,
            record.output,
            record.custom_status,
            record.instance_id,
        ),
    )


def _delete_instance(db: sqlite3.Connection, instance_id: str) -> int:
    for table in ("history", "messages", "work_items"):
        db.execute(f"DELETE FROM {table} WHERE instance_id = ?", (instance_id,))  # noqa: S608
    return int(db.execute("DELETE FROM instances WHERE instance_id = ?", (instance_id,)).rowcount)


def _set_state(db: sqlite3.Connection, key: str, value: str) -> None:
    db.execute(
        "INSERT INTO host_state (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def _insert_messages(db: sqlite3.Connection, messages: list[Message]) -> None:
    db.executemany(
        "INSERT INTO messages (instance_id, execution_id, task_id, event, due_at, fire_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (m.instance_id, m.execution_id, m.task_id, json.dumps(m.event), m.due_at, m.fire_at)
            for m in messages
        ],
    )
