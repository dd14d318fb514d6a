"""Opens the run's destination from the registry, with its settings from the environment."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from shared.destinations import registry
from shared.destinations.base import Destination, run_sync
from shared.pipeline.messages import DestinationRef

T = TypeVar("T")


def with_destination(ref: DestinationRef, work: Callable[[Destination], Awaitable[T]]) -> T:
    """Runs `work(destination)` on a fresh connection and closes it, from sync activity code."""

    async def session() -> T:
        destination = registry.create(ref.kind)
        try:
            return await work(destination)
        finally:
            await destination.aclose()

    return run_sync(session())


def dataverse_extras(destination: Any) -> Any | None:
    """The Dataverse destination object when the run writes to Dataverse (solution zip etc.)."""
    return destination if hasattr(destination, "solution_zip") else None
