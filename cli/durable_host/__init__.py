"""In-process Durable Functions host: the app's real orchestrators, replayed by the SDK itself."""

from __future__ import annotations

from cli.durable_host.host import DurableHost
from cli.durable_host.metrics import HostMetrics
from cli.durable_host.protocol import ReplaySchema, RuntimeStatus
from cli.durable_host.status import InstanceGoneError, InstanceNotFoundError, InstanceStatus

__all__ = [
    "DurableHost",
    "HostMetrics",
    "InstanceGoneError",
    "InstanceNotFoundError",
    "InstanceStatus",
    "ReplaySchema",
    "RuntimeStatus",
]
