"""`python -m emulators.salesforce` starts a server a client can reach (plain HTTP here)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_module_entry_point_serves_tokens_and_the_api() -> None:
    port = _free_port()
    root = Path(__file__).resolve().parents[3]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emulators.salesforce",
            "--http",
            "--in-memory",
            "--port",
            str(port),
        ],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        origin = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{origin}/services/data/", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and process.poll() is None, "did not start"
                time.sleep(0.1)
        token = httpx.post(
            f"{origin}/services/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "clinicferry-local-app",
                "client_secret": "emulator-secret",
            },
        ).json()
        users = httpx.get(
            f"{token['instance_url']}/services/data/v62.0/query",
            params={"q": "SELECT Username, IsActive FROM User ORDER BY Username"},
            headers={"Authorization": f"Bearer {token['access_token']}"},
        ).json()
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert token["instance_url"] == origin
    assert [(u["Username"], u["IsActive"]) for u in users["records"]] == [
        ("dr.jones@clinic.local", True),
        ("former@clinic.local", False),
        ("integration@clinicferry.local", True),
    ]
