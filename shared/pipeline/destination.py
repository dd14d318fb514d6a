"""Opens the run's destination from the registry, with its settings from the environment.

Each worker thread keeps one event loop and one destination per run, so a run's batches reuse
tokens, pooled connections and table metadata instead of paying for them on every page (an
httpx client belongs to the loop that first used it, hence one loop per thread). Sessions are
per run so that metadata cached by one run never outlives a schema change made for the next.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from shared.destinations import registry
from shared.destinations.base import Destination
from shared.pipeline.messages import DestinationRef

T = TypeVar("T")
_local = threading.local()
_opened: list[tuple[asyncio.AbstractEventLoop, Destination]] = []
_opened_lock = threading.Lock()


SESSIONS_PER_THREAD = 2
Session = tuple[asyncio.AbstractEventLoop, Destination]


def _close(session: Session) -> None:
    with _opened_lock:
        if session in _opened:
            _opened.remove(session)
    loop, destination = session
    if not loop.is_closed():
        loop.run_until_complete(destination.aclose())
        loop.close()


def _session(ref: DestinationRef, scope: str) -> Session:
    sessions: dict[str, Session] = getattr(_local, "sessions", {})
    _local.sessions = sessions
    key = f"{ref.kind}:{ref.environment}:{scope}"
    if key in sessions and sessions[key][0].is_closed():
        del sessions[key]
    if key not in sessions:
        while len(sessions) >= SESSIONS_PER_THREAD:  # the oldest run's session goes
            _close(sessions.pop(next(iter(sessions))))
        session = (asyncio.new_event_loop(), registry.create(ref.kind))
        sessions[key] = session
        with _opened_lock:
            _opened.append(session)
    return sessions[key]


def with_destination(
    ref: DestinationRef, work: Callable[[Destination], Awaitable[T]], *, scope: str = ""
) -> T:
    """Runs `work(destination)` on this thread's session for the run (`scope` = run id)."""
    loop, destination = _session(ref, scope)
    return loop.run_until_complete(work(destination))


def close_destinations() -> None:
    """Closes every session (tests and the CLI call this when settings change or at exit)."""
    with _opened_lock:
        opened = list(_opened)
        _opened.clear()
    for session in opened:
        _close(session)
    _local.__dict__.pop("sessions", None)


def dataverse_extras(destination: Any) -> Any | None:
    """The Dataverse destination object when the run writes to Dataverse (solution zip etc.)."""
    return destination if hasattr(destination, "solution_zip") else None
