"""Fixtures for every test folder: Azurite on free loopback ports, stopped by PID at the end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.azurite import Azurite, start_azurite

# Each area keeps its fixtures in tests/fixtures/<area>.py (emulators, hosts); all load here.
pytest_plugins = sorted(
    f"tests.fixtures.{path.stem}"
    for path in (Path(__file__).parent / "fixtures").glob("*.py")
    if path.stem != "__init__"
)


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    """A real Azurite (blob + queue + table), in memory, for the whole test session."""
    server = start_azurite()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def storage_connection_string(azurite: Azurite) -> str:
    """Connection string for the session's Azurite, for the real azure-storage-* clients."""
    return azurite.connection_string
