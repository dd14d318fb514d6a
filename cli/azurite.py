"""Starts and stops Azurite (the local Azure Storage emulator from npm) on free loopback ports."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
AZURITE_BIN = REPO_ROOT / "node_modules" / ".bin" / "azurite"

# Azurite's well-known development account; public by design, never valid on Azure.
DEV_ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def free_port() -> int:
    """Returns a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"Azurite did not open port {port} in time")


@dataclass
class Azurite:
    """A running Azurite process and the connection string that reaches it."""

    process: subprocess.Popen[bytes]
    blob_port: int
    queue_port: int
    table_port: int

    @property
    def connection_string(self) -> str:
        host = "http://127.0.0.1"
        return (
            f"DefaultEndpointsProtocol=http;AccountName={DEV_ACCOUNT};AccountKey={DEV_KEY};"
            f"BlobEndpoint={host}:{self.blob_port}/{DEV_ACCOUNT};"
            f"QueueEndpoint={host}:{self.queue_port}/{DEV_ACCOUNT};"
            f"TableEndpoint={host}:{self.table_port}/{DEV_ACCOUNT};"
        )

    def stop(self) -> None:
        """Stops the process group by PID; safe to call twice."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def start_azurite(data_dir: Path | None = None, timeout_s: float = 30.0) -> Azurite:
    """Starts Azurite on free ports; in memory unless `data_dir` is given (the demo keeps its data).

    Raises:
        FileNotFoundError: Azurite is not installed (run `npm ci`, which `make` does).
    """
    if not AZURITE_BIN.exists():
        raise FileNotFoundError(f"{AZURITE_BIN} is missing: run `npm ci` (make deps does)")
    blob, queue, table = free_port(), free_port(), free_port()
    args = [
        str(AZURITE_BIN),
        "--silent",
        "--skipApiVersionCheck",
        "--disableProductStyleUrl",
        "--blobHost", "127.0.0.1", "--blobPort", str(blob),
        "--queueHost", "127.0.0.1", "--queuePort", str(queue),
        "--tableHost", "127.0.0.1", "--tablePort", str(table),
    ]  # fmt: skip
    if data_dir is None:
        args.append("--inMemoryPersistence")
    else:
        data_dir.mkdir(parents=True, exist_ok=True)
        args += ["--location", str(data_dir)]
    process = subprocess.Popen(  # noqa: S603 - fixed binary from node_modules, no shell
        args,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    azurite = Azurite(process, blob, queue, table)
    deadline = time.monotonic() + timeout_s
    try:
        for port in (blob, queue, table):
            _wait_for_port(port, deadline)
    except TimeoutError:
        azurite.stop()
        raise
    return azurite
