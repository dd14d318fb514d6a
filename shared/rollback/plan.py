"""Plan one table's rollback from the ledger, the before-image blobs and the destination itself.

The plan is recomputed from the destination's current state on every attempt, which makes a
rollback resumable: a record already deleted, or already back to its before-image, is counted as
done and not touched again. Records stamped with the run id that the ledger does not know are
found through the provenance column, so a lost ledger row cannot leave a record behind.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from shared.destinations.base import BeforeImage, RecordResult
from shared.ledger import AuditLedger, AuditRow, BlobStaging
from shared.rollback.models import (
    ROLLBACK_PASS,
    Conflict,
    ConflictChoice,
    ConflictReason,
    TablePlan,
    Target,
)


class RollbackDestination(Protocol):
    """The part of a destination rollback needs (Dataverse and Salesforce implement it)."""

    created_column: str  # the record's created / last-modified timestamps
    modified_column: str

    async def read_back(
        self, table: str, keys: Sequence[str], columns: Sequence[str]
    ) -> dict[str, dict[str, Any]]: ...

    async def records_of_run(
        self, table: str, run_id: str, columns: Sequence[str] = ()
    ) -> dict[str, dict[str, Any]]: ...

    async def delete(self, table: str, ids: Sequence[str]) -> list[RecordResult]: ...

    async def restore(
        self, table: str, before_images: Sequence[BeforeImage]
    ) -> list[RecordResult]: ...


@dataclass
class RollbackContext:
    """Everything one rollback needs; `choices` are the operator's per-key conflict decisions.

    Attributes:
        started_at: when the run began: an unknown stamped record created earlier existed before.
        on_conflict: what to do with a conflict that has no per-key choice: `list` leaves it for
            the operator, `skip` leaves it for good, `force` deletes / restores anyway.
        tolerance: clock skew allowed between our ledger and the destination's `modifiedon`.
    """

    destination: RollbackDestination
    ledger: AuditLedger
    staging: BlobStaging
    run_id: str
    operator: str
    started_at: datetime | None = None
    on_conflict: ConflictChoice = "list"
    choices: Mapping[str, ConflictChoice] = field(default_factory=dict)
    tolerance: timedelta = timedelta(seconds=1)

    def choice_for(self, key: str) -> ConflictChoice:
        """The operator's decision for a conflicting record."""
        return self.choices.get(key, self.on_conflict)


@dataclass
class _Touched:
    entry: str = ""
    created: bool = False
    destination_id: str | None = None
    image_blob: str | None = None
    image_at: datetime | None = None
    written_at: datetime | None = None
    map_hash: str = ""


def _ledger_view(rows: Iterable[AuditRow]) -> tuple[dict[str, _Touched], set[str]]:
    """Per source key what the run's passes did, and the keys a previous rollback finished."""
    touched: dict[str, _Touched] = {}
    finished: set[str] = set()
    for row in rows:
        if row.pass_id == ROLLBACK_PASS:
            if row.operation in ("deleted", "restored", "skipped"):
                finished.add(row.source_key)
            continue
        if row.operation not in ("created", "updated"):
            continue
        entry = touched.setdefault(
            row.source_key, _Touched(entry=row.table, map_hash=row.confirmed_map_hash)
        )
        entry.created |= row.operation == "created"
        entry.destination_id = entry.destination_id or row.destination_id
        when = row.written_at
        if when and (entry.written_at is None or when > entry.written_at):
            entry.written_at = when
        # The earliest before-image is the state before the run (a fix-back pass sees ours).
        if row.before_image_blob and (
            entry.image_at is None or (when is not None and when < entry.image_at)
        ):
            entry.image_blob, entry.image_at = row.before_image_blob, when
    return touched, finished


def read_images(staging: BlobStaging, blob_names: Iterable[str]) -> dict[str, BeforeImage]:
    """Before-images by source key from gzip JSON-lines blobs (first blob named wins)."""
    images: dict[str, BeforeImage] = {}
    for name in dict.fromkeys(blob_names):
        try:
            raw = staging.read_bytes(name)
        except KeyError:
            continue
        for line in gzip.decompress(raw).decode("utf-8").splitlines() if raw else []:
            if line.strip():
                image = BeforeImage.model_validate(json.loads(line))
                images.setdefault(image.key, image)
    return images


def _stamps(context: RollbackContext) -> tuple[str, str]:
    return context.destination.created_column, context.destination.modified_column


def read_intents(staging: BlobStaging, prefix: str) -> tuple[dict[str, BeforeImage], set[str]]:
    """Before-images and pre-existing keys from the load step's write-ahead intents.

    A batch records them before it writes; if it died before its ledger rows were written and
    never ran again, the intent is the only record of what the run found.
    """
    images: dict[str, BeforeImage] = {}
    existed: set[str] = set()
    for name in staging.list_names(prefix):
        try:
            body = json.loads(staging.read_bytes(name))
        except (KeyError, ValueError):
            continue
        existed.update(str(key) for key in body.get("existing", []))
        for raw in body.get("before_images", []):
            image = BeforeImage.model_validate(raw)
            images.setdefault(image.key, image)
    return images, existed


def _when(text: Any) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _same(left: Any, right: Any) -> bool:
    if left in (None, "") and right in (None, ""):
        return True
    if isinstance(left, bool) or isinstance(right, bool):
        return bool(left == right)
    if isinstance(left, int | float | Decimal) or isinstance(right, int | float | Decimal):
        try:
            return Decimal(str(left)) == Decimal(str(right))
        except InvalidOperation:
            return False
    return str(left) == str(right)


def plain_columns(image: BeforeImage) -> list[str]:
    """The image's columns that can be read back and compared (not lookup binds)."""
    return [name for name in image.values if "@" not in name]


def is_restored(current: Mapping[str, Any], image: BeforeImage) -> bool:
    """True when the record's plain columns hold the before-image's values again."""
    return all(_same(current.get(name), image.values[name]) for name in plain_columns(image))


async def plan_table(
    context: RollbackContext, table: str, entries: Sequence[str] = ()
) -> TablePlan:
    """What rolling back `table` takes now: deletions, restores, conflicts, what is already done.

    Args:
        context: the rollback's destination, ledger, staging and the operator's choices.
        table: a destination table the run touched.
        entries: the ledger names (map entries) that wrote it; default: the table's own name.

    Returns:
        The table's plan; conflicts already carry the operator's choice (forced ones become
        targets, skipped ones are left out and counted by the caller from `conflicts`).
    """
    names = list(dict.fromkeys(entries or [table]))
    rows = (row for name in names for row in context.ledger.rows(context.run_id, name))
    touched, finished = _ledger_view(rows)
    images = read_images(context.staging, (t.image_blob for t in touched.values() if t.image_blob))
    stamped = await context.destination.records_of_run(table, context.run_id)
    untracked = [key for key in stamped if key not in touched]
    existed: set[str] = set()
    if untracked:  # a lost ledger row: look in every before-image and intent of the table
        for name in names:
            prefix = f"{context.run_id}/before-images/{name}/"
            scanned = read_images(context.staging, context.staging.list_names(prefix))
            intended, before = read_intents(context.staging, f"{context.run_id}/intents/{name}/")
            existed |= before
            for key, image in [*scanned.items(), *intended.items()]:
                images.setdefault(key, image)
    columns = sorted({c for image in images.values() for c in plain_columns(image)})
    tracked_keys = [key for key in touched if key not in finished]
    current = (
        await context.destination.read_back(table, tracked_keys, [*_stamps(context), *columns])
        if tracked_keys
        else {}
    )
    plan = TablePlan(table=table, already_done=len(touched) - len(tracked_keys),
                     ledger_name=names[0])  # fmt: skip
    plan.map_hash = next((t.map_hash for t in touched.values() if t.map_hash), "")
    for key in tracked_keys:
        record = touched[key]
        if record.destination_id is None and key in stamped:  # e.g. a lost id on a retried batch
            record.destination_id = str(stamped[key]["id"])
        _classify(context, plan, key, record, current.get(key), images.get(key))
    for key in untracked:
        _classify_untracked(context, plan, key, stamped[key], images.get(key), key in existed)
    return plan


def _classify(
    context: RollbackContext,
    plan: TablePlan,
    key: str,
    touched: _Touched,
    current: dict[str, Any] | None,
    image: BeforeImage | None,
) -> None:
    if not touched.created and image is None:  # updated, image lost: never delete, never guess
        reason: ConflictReason = "no_before_image" if current else "deleted_after_run"
        _conflict(context, plan, key, touched.destination_id, "restore", reason,
                  entry=touched.entry)  # fmt: skip
        return
    action = "delete" if touched.created else "restore"
    if current is None:
        if action == "delete":
            plan.already_done += 1
        else:
            _conflict(context, plan, key, touched.destination_id, "restore", "deleted_after_run",
                      entry=touched.entry)  # fmt: skip
        return
    if action == "restore" and image is not None and is_restored(current, image):
        plan.already_done += 1
        return
    target = Target(
        table=plan.table,
        key=key,
        destination_id=touched.destination_id or (image.id if image else None),
        action=action,
        before_image=image.values if image and action == "restore" else None,
        written_at=touched.written_at,
        entry=touched.entry,
    )
    modified = _when(current.get(context.destination.modified_column))
    if touched.written_at and modified and modified > touched.written_at + context.tolerance:
        if _conflict(context, plan, key, target.destination_id, action, "modified_after_run",
                     current.get(context.destination.modified_column),
                     entry=touched.entry):  # fmt: skip
            _add(plan, target)
        return
    _add(plan, target)


def _classify_untracked(
    context: RollbackContext,
    plan: TablePlan,
    key: str,
    row: dict[str, Any],
    image: BeforeImage | None,
    existed: bool = False,
) -> None:
    record_id = str(row["id"])
    if image is not None:
        _add(plan, Target(table=plan.table, key=key, destination_id=record_id, action="restore",
                          before_image=image.values, tracked=False))  # fmt: skip
        return
    created = _when(row.get(context.destination.created_column))
    target = Target(table=plan.table, key=key, destination_id=record_id, action="delete",
                    tracked=False)  # fmt: skip
    started = context.started_at
    if started is not None:  # destination times have whole seconds
        started = started.replace(microsecond=0) - context.tolerance
    older = existed or (started is not None and (created is None or created < started))
    if older and not _conflict(
        context,
        plan,
        key,
        record_id,
        "delete",
        "untracked_existing",
        row.get(context.destination.modified_column),
    ):
        return
    _add(plan, target)


def _conflict(
    context: RollbackContext,
    plan: TablePlan,
    key: str,
    record_id: str | None,
    action: Any,
    reason: ConflictReason,
    modified_on: Any = None,
    *,
    entry: str = "",
) -> bool:
    """Lists the conflict; True when the operator forced the action anyway."""
    choice = context.choice_for(key)
    if choice == "force" and reason not in ("deleted_after_run", "no_before_image"):
        return True
    plan.conflicts.append(
        Conflict(table=plan.table, key=key, destination_id=record_id, action=action,
                 reason=reason, modified_on=str(modified_on) if modified_on else None,
                 entry=entry or plan.ledger_name)
    )  # fmt: skip
    return False


def _add(plan: TablePlan, target: Target) -> None:
    (plan.delete if target.action == "delete" else plan.restore).append(target)
