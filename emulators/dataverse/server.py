"""Runs the emulator with uvicorn: HTTPS with a local CA by default, in a thread or foreground."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import trustme
import uvicorn

from emulators.dataverse.app import build_app
from emulators.dataverse.config import AppUser, EmulatorConfig
from emulators.dataverse.service import Emulator

CA_FILE = "emulator-ca.pem"
_CA_KEY_FILE = "emulator-ca.key"
_SERVER_PEM = "emulator-server.pem"
HOST = "127.0.0.1"


def write_certificates(directory: Path) -> tuple[Path, Path]:
    """Reuses or creates the local CA in `directory`; issues a server certificate for 127.0.0.1.

    Returns (CA certificate file, server key + chain file).
    """
    directory.mkdir(parents=True, exist_ok=True)
    ca_path, key_path = directory / CA_FILE, directory / _CA_KEY_FILE
    if ca_path.exists() and key_path.exists():
        ca = trustme.CA.from_pem(ca_path.read_bytes(), key_path.read_bytes())
    else:
        ca = trustme.CA(organization_name="ClinicFerry Dataverse emulator")
        ca.cert_pem.write_to_path(str(ca_path))
        ca.private_key_pem.write_to_path(str(key_path))
        key_path.chmod(0o600)
    server = ca.issue_cert(HOST, "localhost")
    server_path = directory / _SERVER_PEM
    server.private_key_and_cert_chain_pem.write_to_path(str(server_path))
    server_path.chmod(0o600)
    return ca_path, server_path


def bind_socket(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1 with Nagle off (port 0 = any free port).

    Accepted connections inherit TCP_NODELAY; without it every response whose body is
    written after its headers waits ~40 ms for the client's delayed ACK.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((HOST, port))
    return sock


@dataclass
class RunningEmulator:
    """A started emulator and the addresses a client needs."""

    emulator: Emulator
    origin: str
    ca_file: Path | None
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def environment_url(self) -> str:
        """The environment URL, as `https://org.crm.dynamics.com` would be."""
        return self.origin

    @property
    def api_url(self) -> str:
        """The Web API service root."""
        return f"{self.origin}/api/data/v9.2"

    @property
    def tenant_id(self) -> str:
        """The emulated Entra tenant."""
        return self.emulator.config.tenant_id

    @property
    def authority(self) -> str:
        """The msal authority (`https://login.microsoftonline.com/<tenant>` equivalent)."""
        return f"{self.origin}/{self.tenant_id}"

    @property
    def token_url(self) -> str:
        """The client-credentials token endpoint."""
        return f"{self.authority}/oauth2/v2.0/token"

    @property
    def users(self) -> list[AppUser]:
        """The configured application users."""
        return list(self.emulator.config.users)

    def stop(self) -> None:
        """Stops the server thread; safe to call twice."""
        if self._server is not None:
            self._server.should_exit = True
            self._server.force_exit = True  # don't wait for clients' keep-alive connections
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._thread is not None:
            self.emulator.store.close()
        self._thread = None


def _uvicorn_config(
    app_emulator: Emulator, https: bool, cert_dir: Path | None, port: int
) -> tuple[uvicorn.Config, Path | None]:
    ca_file = None
    kwargs: dict[str, object] = {}
    if https:
        directory = cert_dir or app_emulator.config.data_dir
        if directory is None:
            raise ValueError("HTTPS needs a directory for the CA file (--data or cert_dir)")
        ca_file, server_pem = write_certificates(directory)
        kwargs = {"ssl_certfile": str(server_pem), "ssl_keyfile": str(server_pem)}
    config = uvicorn.Config(
        build_app(app_emulator),
        host=HOST,
        port=port,
        access_log=False,
        log_level="critical",
        log_config=None,
        lifespan="off",
        **kwargs,  # type: ignore[arg-type]
    )
    return config, ca_file


def start_in_thread(
    config: EmulatorConfig, *, https: bool = True, cert_dir: Path | None = None
) -> RunningEmulator:
    """Starts an emulator on a free loopback port in a daemon thread (for tests and the demo).

    Raises:
        TimeoutError: The server did not start within 10 s.
    """
    emulator = Emulator(config)
    sock = bind_socket(0)
    port = int(sock.getsockname()[1])
    uv_config, ca_file = _uvicorn_config(emulator, https, cert_dir, port)
    server = uvicorn.Server(uv_config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="dataverse-emulator", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise TimeoutError("the Dataverse emulator did not start")
        time.sleep(0.01)
    scheme = "https" if https else "http"
    return RunningEmulator(emulator, f"{scheme}://{HOST}:{port}", ca_file, server, thread)


def serve_forever(config: EmulatorConfig, *, port: int, https: bool, cert_dir: Path | None) -> None:
    """Runs in the foreground until interrupted, printing where to connect."""
    emulator = Emulator(config)
    uv_config, ca_file = _uvicorn_config(emulator, https, cert_dir, port)
    scheme = "https" if https else "http"
    origin = f"{scheme}://{HOST}:{port}"
    print(f"Dataverse emulator: {origin}/api/data/v9.2/", flush=True)
    print(f"  authority:  {origin}/{config.tenant_id}", flush=True)
    print(f"  token URL:  {origin}/{config.tenant_id}/oauth2/v2.0/token", flush=True)
    if ca_file is not None:
        print(f"  CA file:    {ca_file}", flush=True)
    for user in config.users:
        print(f"  app user:   {user.name} (client id {user.client_id})", flush=True)
    uvicorn.Server(uv_config).run(sockets=[bind_socket(port)])
