"""In-process Durable Functions host: the app's real orchestrators, replayed by the SDK itself."""

from __future__ import annotations

from cli.durable_host.host import (
    DurableHost,
    InstanceGoneError,
    InstanceNotFoundError,
    InstanceStatus,
)
from cli.durable_host.metrics import HostMetrics
from cli.durable_host.protocol import ReplaySchema, RuntimeStatus

__all__ = [
    "DurableHost",
    "HostMetrics",
    "InstanceGoneError",
    "InstanceNotFoundError",
    "InstanceStatus",
    "ReplaySchema",
    "RuntimeStatus",
]
