"""Starts the Salesforce emulator in a thread (tests, demo, benchmark) or in the foreground."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from emulators.common.serve import ServerThread, serve, start_thread
from emulators.salesforce.app import build_app
from emulators.salesforce.config import EmulatorConfig
from emulators.salesforce.service import Emulator

ORGANIZATION = "ClinicFerry Salesforce emulator"


@dataclass
class RunningEmulator:
    """A started emulator and the addresses a client needs."""

    emulator: Emulator
    server: ServerThread

    @property
    def origin(self) -> str:
        """`https://127.0.0.1:<port>`: both the login host and the instance URL."""
        return self.server.origin

    @property
    def token_url(self) -> str:
        """The OAuth 2.0 token endpoint."""
        return f"{self.origin}/services/oauth2/token"

    @property
    def ca_file(self) -> Path | None:
        """The local CA's certificate (None over plain HTTP)."""
        return self.server.ca_file

    def stop(self) -> None:
        """Stops the server; safe to call twice."""
        self.server.stop(on_stopped=self.emulator.store.close)


def start_in_thread(
    config: EmulatorConfig, *, https: bool = True, cert_dir: Path | None = None
) -> RunningEmulator:
    """Starts an emulator on a free loopback port in a daemon thread."""
    emulator = Emulator(config)
    thread = start_thread(
        build_app(emulator),
        https=https,
        cert_dir=cert_dir or config.data_dir,
        organization=ORGANIZATION,
        name="salesforce-emulator",
    )
    return RunningEmulator(emulator, thread)


def serve_forever(config: EmulatorConfig, *, port: int, https: bool, cert_dir: Path | None) -> None:
    """Runs in the foreground until interrupted, printing where to connect."""
    emulator = Emulator(config)
    origin = f"{'https' if https else 'http'}://127.0.0.1:{port}"
    print(f"Salesforce emulator: {origin}  (instance URL and login URL)", flush=True)
    print(f"  token URL: {origin}/services/oauth2/token", flush=True)
    if https and cert_dir is not None:
        print(f"  CA file:   {cert_dir / 'emulator-ca.pem'}", flush=True)
    for app in config.apps:
        print(f"  app:       client id {app.client_id} runs as {app.run_as}", flush=True)
    serve(build_app(emulator), port=port, https=https, cert_dir=cert_dir, organization=ORGANIZATION)
