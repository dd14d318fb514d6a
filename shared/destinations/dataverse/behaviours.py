"""Table-specific rules the writer applies: appointment states and parties, note documents.

Appointments: `statecode` is not valid on create and Completed/Canceled ones are read-only, so
the state is set after the write (and a closed appointment is reopened before an update).
Notes: a document larger than the environment's limit is never sent inline; it is rejected as
`file_too_large`, or uploaded in blocks after the note exists when the operator allows it.
"""

from __future__ import annotations

import base64
from typing import Any

from shared.destinations.dataverse.client import ClientStats, DataverseClient

APPOINTMENT_STATE_COLUMNS = ("statecode", "statuscode")
OPEN_STATE = {"statecode": 0, "statuscode": 1}
ACTIVITY_PARTIES = "appointment_activity_parties"
BLOCK_BYTES = 4 * 1024 * 1024
BLOCK_MARK = "_upload_in_blocks"  # internal flag, never sent


class TableBehaviour:
    """Default: payloads go as they are."""

    extra_select: tuple[str, ...] = ()

    def create_payload(self, record: dict[str, Any]) -> dict[str, Any]:
        """What to send when the record does not exist yet."""
        return record

    def update_payload(self, record: dict[str, Any]) -> dict[str, Any]:
        """What to send when the record exists."""
        return record

    def same_state(self, record: dict[str, Any], current: dict[str, Any]) -> bool:
        """Whether table-specific state (beyond columns) already matches."""
        return True

    def prepare(
        self, record: dict[str, Any], max_upload_bytes: int | None
    ) -> tuple[dict[str, Any], str | None]:
        """The record to send, or a reason code when it cannot be sent at all."""
        return record, None

    async def before_update(
        self, client: DataverseClient, path: str, current: dict[str, Any], stats: ClientStats
    ) -> None:
        """Run before an existing record is updated."""

    async def after_write(
        self, client: DataverseClient, path: str, record: dict[str, Any], stats: ClientStats
    ) -> None:
        """Run after the record was created or updated (`path` = `<set>(<id>)`)."""


class AppointmentBehaviour(TableBehaviour):
    """Create/update without state, then set the state; parties only on create."""

    extra_select = APPOINTMENT_STATE_COLUMNS

    def create_payload(self, record: dict[str, Any]) -> dict[str, Any]:
        """Without statecode/statuscode (not valid on create)."""
        return {k: v for k, v in record.items() if k not in APPOINTMENT_STATE_COLUMNS}

    def update_payload(self, record: dict[str, Any]) -> dict[str, Any]:
        """Without state and without parties (a deep insert would add them a second time)."""
        drop = {*APPOINTMENT_STATE_COLUMNS, ACTIVITY_PARTIES}
        return {k: v for k, v in record.items() if k not in drop}

    def same_state(self, record: dict[str, Any], current: dict[str, Any]) -> bool:
        """The wanted state equals the current one (absent = leave as is)."""
        return all(
            record.get(column) in (None, current.get(column))
            for column in APPOINTMENT_STATE_COLUMNS
        )

    async def before_update(
        self, client: DataverseClient, path: str, current: dict[str, Any], stats: ClientStats
    ) -> None:
        """Reopen a Completed/Canceled appointment: closed ones are read-only."""
        if current.get("statecode") in (1, 2):
            await client.request("PATCH", path, json=OPEN_STATE, stats=stats)

    async def after_write(
        self, client: DataverseClient, path: str, record: dict[str, Any], stats: ClientStats
    ) -> None:
        """Set the wanted state with its matching status (one PATCH, as SetState)."""
        state = {k: record[k] for k in APPOINTMENT_STATE_COLUMNS if record.get(k) is not None}
        if state and state.get("statecode") != 0:
            await client.request("PATCH", path, json=state, stats=stats)


class AnnotationBehaviour(TableBehaviour):
    """Checks the document size (base64, as the service measures it) before sending."""

    def __init__(self, allow_block_upload: bool) -> None:
        self.allow_block_upload = allow_block_upload

    def prepare(
        self, record: dict[str, Any], max_upload_bytes: int | None
    ) -> tuple[dict[str, Any], str | None]:
        """Oversized bodies: `file_too_large`, or marked for a block upload when allowed."""
        body = record.get("documentbody")
        if not isinstance(body, str) or max_upload_bytes is None or len(body) <= max_upload_bytes:
            return record, None
        if not self.allow_block_upload:
            return record, "file_too_large"
        return {**record, BLOCK_MARK: True}, None

    def create_payload(self, record: dict[str, Any]) -> dict[str, Any]:
        """Oversized bodies (allowed in blocks) are left out and uploaded after the create."""
        return self._without_large_body(record)

    def update_payload(self, record: dict[str, Any]) -> dict[str, Any]:
        """As for create."""
        return self._without_large_body(record)

    def _without_large_body(self, record: dict[str, Any]) -> dict[str, Any]:
        if record.get(BLOCK_MARK):
            return {k: v for k, v in record.items() if k not in ("documentbody", BLOCK_MARK)}
        return record

    async def after_write(
        self, client: DataverseClient, path: str, record: dict[str, Any], stats: ClientStats
    ) -> None:
        """Upload a deferred document in blocks (Initialize / UploadBlock / Commit)."""
        if not record.get(BLOCK_MARK):
            return
        annotation_id = path[path.index("(") + 1 : -1]
        await upload_in_blocks(client, annotation_id, record, stats)


async def upload_in_blocks(
    client: DataverseClient, annotation_id: str, record: dict[str, Any], stats: ClientStats
) -> None:
    """Send a note's document in 4 MB blocks and commit them in order."""
    target: dict[str, Any] = {
        "@odata.type": "Microsoft.Dynamics.CRM.annotation",
        "annotationid": annotation_id,
        **{k: record[k] for k in ("subject", "filename", "mimetype") if k in record},
    }
    start = await client.request(
        "POST", "InitializeAnnotationBlocksUpload", json={"Target": target}, stats=stats
    )
    token = start.json()["FileContinuationToken"]
    data = base64.b64decode(record["documentbody"])
    block_ids: list[str] = []
    for number, offset in enumerate(range(0, len(data), BLOCK_BYTES)):
        block_id = base64.b64encode(f"block-{number:08d}".encode()).decode()
        block = base64.b64encode(data[offset : offset + BLOCK_BYTES]).decode()
        await client.request(
            "POST",
            "UploadBlock",
            json={"BlockId": block_id, "BlockData": block, "FileContinuationToken": token},
            stats=stats,
        )
        block_ids.append(block_id)
    await client.request(
        "POST",
        "CommitAnnotationBlocksUpload",
        json={"Target": target, "BlockList": block_ids, "FileContinuationToken": token},
        stats=stats,
    )


def behaviour_for(table: str, *, allow_block_upload: bool = False) -> TableBehaviour:
    """The behaviour of a table (default for most)."""
    if table == "appointment":
        return AppointmentBehaviour()
    if table == "annotation":
        return AnnotationBehaviour(allow_block_upload)
    return TableBehaviour()
