"""What the host reports about an instance: status model and management errors."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from cli.durable_host.protocol import RuntimeStatus, format_timestamp, parse_timestamp
from cli.durable_host.store import InstanceRecord


class InstanceNotFoundError(LookupError):
    """No orchestration instance has that id."""


class InstanceGoneError(RuntimeError):
    """The instance already completed, failed or was terminated."""


class InstanceStatus(BaseModel):
    """An instance's status, with the fields of the SDK's `DurableOrchestrationStatus`."""

    instance_id: str
    name: str
    runtime_status: RuntimeStatus
    input: Any = None
    output: Any = None
    custom_status: Any = None
    created_time: datetime
    last_updated_time: datetime
    history: list[dict[str, Any]] | None = None

    def to_webhook_json(self) -> dict[str, Any]:
        """The extension's status payload (what `DurableOrchestrationStatus.from_json` reads)."""
        payload: dict[str, Any] = {
            "name": self.name,
            "instanceId": self.instance_id,
            "runtimeStatus": str(self.runtime_status),
            "input": self.input,
            "customStatus": self.custom_status,
            "output": self.output,
            "createdTime": format_timestamp(self.created_time),
            "lastUpdatedTime": format_timestamp(self.last_updated_time),
        }
        if self.history is not None:
            payload["historyEvents"] = self.history
        return payload


def status_from_record(
    record: InstanceRecord, history: list[dict[str, Any]] | None, show_input: bool = True
) -> InstanceStatus:
    """The status of a stored instance (payloads parsed from their JSON text)."""
    return InstanceStatus(
        instance_id=record.instance_id,
        name=record.name,
        runtime_status=record.status,
        input=_loads(record.input) if show_input else None,
        output=_loads(record.output),
        custom_status=_loads(record.custom_status),
        created_time=parse_timestamp(record.created_at),
        last_updated_time=parse_timestamp(record.updated_at),
        history=history,
    )


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)
