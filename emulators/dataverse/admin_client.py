"""A small client for the emulator's admin surface and its token endpoint (tests, benchmarks)."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import httpx


class EmulatorAdmin:
    """Talks to /_emulator on a running emulator; never part of the product's code path."""

    def __init__(self, origin: str, ca_file: Path | None) -> None:
        self.origin = origin
        self.http = httpx.Client(
            base_url=origin,
            verify=ssl.create_default_context(cafile=str(ca_file)) if ca_file else True,
            trust_env=False,
            timeout=60,
        )

    def close(self) -> None:
        """Closes the HTTP client."""
        self.http.close()

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        response.raise_for_status()
        return response.json()

    def reset(self) -> dict[str, Any]:
        """Back to the seeded environment (custom tables and records gone, counters cleared)."""
        result: dict[str, Any] = self._json("POST", "/_emulator/reset")
        return result

    def snapshot(self, name: str) -> int:
        """Stores the whole data set under `name`; returns the record count."""
        return int(self._json("POST", f"/_emulator/snapshots/{name}")["records"])

    def diff(self, name: str, against: str | None = None) -> dict[str, Any]:
        """Created/deleted ids and changed columns per table since snapshot `name`."""
        params = {"against": against} if against else {}
        result: dict[str, Any] = self._json(
            "GET", f"/_emulator/snapshots/{name}/diff", params=params
        )
        return result

    def export(self) -> dict[str, dict[str, Any]]:
        """Every record by table and id."""
        result: dict[str, dict[str, Any]] = self._json("GET", "/_emulator/data")
        return result

    def counts(self) -> dict[str, int]:
        """Record count per table."""
        return {k: int(v) for k, v in self._json("GET", "/_emulator/counts").items()}

    def request_log(self, since: int = 0) -> list[dict[str, Any]]:
        """Requests after sequence number `since` (method, resource, status, code, cost)."""
        result: list[dict[str, Any]] = self._json(
            "GET", "/_emulator/requests", params={"since": since}
        )
        return result

    def counters(self) -> dict[str, Any]:
        """Service-protection counters per application user."""
        result: dict[str, Any] = self._json("GET", "/_emulator/counters")
        return result

    def settings(self, **patch: Any) -> dict[str, Any]:
        """Changes runtime settings (limits, chaos, time_scale, ...); returns the effective ones."""
        result: dict[str, Any] = self._json("PATCH", "/_emulator/settings", json=patch)
        return result

    def token(self, tenant_id: str, client_id: str, client_secret: str) -> str:
        """An access token by client credentials, as msal would get it."""
        body = self._json(
            "POST",
            f"/{tenant_id}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": client_secret,
                "scope": f"{self.origin}/.default",
            },
        )
        return str(body["access_token"])
