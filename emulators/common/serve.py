"""Runs an ASGI app with uvicorn on 127.0.0.1: HTTPS with a local CA, in a thread or foreground."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trustme
import uvicorn

CA_FILE = "emulator-ca.pem"
_CA_KEY_FILE = "emulator-ca.key"
_SERVER_PEM = "emulator-server.pem"
HOST = "127.0.0.1"


def write_certificates(directory: Path, organization: str) -> tuple[Path, Path]:
    """Reuses or creates the local CA in `directory`; issues a server certificate for 127.0.0.1.

    Returns:
        (CA certificate file, server key + chain file).
    """
    directory.mkdir(parents=True, exist_ok=True)
    ca_path, key_path = directory / CA_FILE, directory / _CA_KEY_FILE
    if ca_path.exists() and key_path.exists():
        ca = trustme.CA.from_pem(ca_path.read_bytes(), key_path.read_bytes())
    else:
        ca = trustme.CA(organization_name=organization)
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

    Without TCP_NODELAY every response whose body follows its headers waits ~40 ms for the
    client's delayed ACK.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((HOST, port))
    return sock


def uvicorn_config(
    app: Any, *, port: int, https: bool, cert_dir: Path | None, organization: str
) -> tuple[uvicorn.Config, Path | None]:
    """A quiet uvicorn config for `app`, with a server certificate when `https`."""
    ca_file = None
    kwargs: dict[str, Any] = {}
    if https:
        if cert_dir is None:
            raise ValueError("HTTPS needs a directory for the CA file")
        ca_file, server_pem = write_certificates(cert_dir, organization)
        kwargs = {"ssl_certfile": str(server_pem), "ssl_keyfile": str(server_pem)}
    config = uvicorn.Config(
        app,
        host=HOST,
        port=port,
        access_log=False,
        log_level="critical",
        log_config=None,
        lifespan="off",
        **kwargs,
    )
    return config, ca_file


@dataclass
class ServerThread:
    """A uvicorn server running in a daemon thread, and where to reach it."""

    origin: str
    ca_file: Path | None
    server: uvicorn.Server
    thread: threading.Thread | None = field(default=None, repr=False)

    def stop(self, on_stopped: Callable[[], None] | None = None) -> None:
        """Stops the server (safe to call twice); `on_stopped` runs once after the thread ends."""
        self.server.should_exit = True
        self.server.force_exit = True  # don't wait for clients' keep-alive connections
        if self.thread is not None:
            self.thread.join(timeout=10)
            self.thread = None
            if on_stopped is not None:
                on_stopped()


def start_thread(
    app: Any, *, https: bool, cert_dir: Path | None, organization: str, name: str
) -> ServerThread:
    """Starts `app` on a free loopback port in a daemon thread.

    Raises:
        TimeoutError: the server did not start within 10 s.
    """
    sock = bind_socket(0)
    port = int(sock.getsockname()[1])
    config, ca_file = uvicorn_config(
        app, port=port, https=https, cert_dir=cert_dir, organization=organization
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise TimeoutError(f"{name} did not start")
        time.sleep(0.01)
    scheme = "https" if https else "http"
    return ServerThread(f"{scheme}://{HOST}:{port}", ca_file, server, thread)


def serve(app: Any, *, port: int, https: bool, cert_dir: Path | None, organization: str) -> None:
    """Runs `app` in the foreground until interrupted."""
    config, _ = uvicorn_config(
        app, port=port, https=https, cert_dir=cert_dir, organization=organization
    )
    uvicorn.Server(config).run(sockets=[bind_socket(port)])
