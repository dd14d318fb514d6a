"""The admin surface, persistence across restarts and the command line's start-up time."""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx

from cli.azurite import free_port
from emulators.dataverse.config import EmulatorConfig
from emulators.dataverse.server import start_in_thread
from tests.emulators.dataverse.helpers import label, string_column
from tests.fixtures.dataverse_emulator import DataverseEmulator

REPO = Path(__file__).resolve().parents[3]


def _trust(ca_file: Path | None) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca_file))


def test_snapshot_diff_names_created_updated_and_deleted(
    fresh_dataverse: DataverseEmulator,
) -> None:
    with fresh_dataverse.client() as api:
        kept = api.post("contacts", json={"lastname": "Kept"}).headers["OData-EntityId"]
        gone = api.post("contacts", json={"lastname": "Gone"}).headers["OData-EntityId"]
        fresh_dataverse.snapshot("before-run")
        new = api.post("contacts", json={"lastname": "New"}).headers["OData-EntityId"]
        api.patch(kept, json={"firstname": "Changed"})
        api.delete(gone)
    diff = fresh_dataverse.diff("before-run")["tables"]["contact"]

    def ident(url: str) -> str:
        return url.rsplit("(", 1)[1].rstrip(")")

    assert diff["created"] == [ident(new)]
    assert diff["deleted"] == [ident(gone)]
    assert diff["updated"] == {ident(kept): ["firstname", "fullname"]}


def test_request_log_has_no_query_values(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        api.get("contacts?$filter=lastname eq 'Secret-Surname'")
    entry = fresh_dataverse.request_log()[-1]
    assert entry["resource"] == "contacts" and entry["status"] == 200
    assert "Secret-Surname" not in str(fresh_dataverse.request_log())


def test_data_and_custom_tables_survive_a_restart(tmp_path: Path) -> None:
    config = EmulatorConfig(data_dir=tmp_path, time_scale=0)
    first = start_in_thread(config)
    assert first.ca_file is not None
    ca_before = first.ca_file.read_bytes()
    try:
        token_url, user = first.token_url, first.users[0]
        with httpx.Client(verify=_trust(first.ca_file), trust_env=False) as http:
            token = http.post(
                token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": user.client_id,
                    "client_secret": user.client_secret,
                    "scope": f"{first.origin}/.default",
                },
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            http.post(
                f"{first.api_url}/EntityDefinitions",
                headers=headers,
                json={
                    "SchemaName": "new_Invoice",
                    "DisplayName": label("Invoice"),
                    "Attributes": [{**string_column("new_Number"), "IsPrimaryName": True}],
                },
            ).raise_for_status()
            http.post(
                f"{first.api_url}/new_invoices", headers=headers, json={"new_number": "INV-1"}
            ).raise_for_status()
    finally:
        first.stop()
    second = start_in_thread(EmulatorConfig(data_dir=tmp_path, time_scale=0))
    try:
        with httpx.Client(verify=_trust(second.ca_file), trust_env=False) as http:
            token = http.post(
                second.token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": user.client_id,
                    "client_secret": user.client_secret,
                    "scope": f"{second.origin}/.default",
                },
            ).json()["access_token"]
            rows = http.get(
                f"{second.api_url}/new_invoices?$select=new_number",
                headers={"Authorization": f"Bearer {token}"},
            ).json()["value"]
    finally:
        second.stop()
    assert [r["new_number"] for r in rows] == ["INV-1"]
    assert second.ca_file is not None
    assert second.ca_file.read_bytes() == ca_before, "clients that trust the CA keep working"


def test_command_line_starts_in_under_two_seconds(tmp_path: Path) -> None:
    port = free_port()
    started = time.monotonic()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emulators.dataverse",
            "--port",
            str(port),
            "--data",
            str(tmp_path),
            "--time-scale",
            "0",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        while time.monotonic() - started < 10:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                    break
            except OSError:
                time.sleep(0.02)
        elapsed = time.monotonic() - started
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=10)[0].decode()
    print(f"emulator start-up: {elapsed:.2f} s")
    assert elapsed < 2.0
    assert f"https://127.0.0.1:{port}/api/data/v9.2/" in output
    assert str(tmp_path / "emulator-ca.pem") in output
