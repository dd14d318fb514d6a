"""Subprocess for the crash test: runs (or resumes) `durable_steps` on a task hub to the end."""

from __future__ import annotations

import json
import sys

from cli.durable_host import DurableHost
from tests.cli.durable_host.sample_app import app

INSTANCE_ID = "crash-run"
CHAIN, FAN_OUT = 6, 8
TOTAL_STEPS = CHAIN + FAN_OUT + 1  # the chain, the fan-out, the sub-orchestration's step


def main(hub: str, marker_dir: str) -> int:
    with DurableHost(app, hub) as host:
        if host.get_status(INSTANCE_ID) is None:
            request = {"dir": marker_dir, "chain": CHAIN, "fan_out": FAN_OUT, "sleep": 0.05}
            host.start_new("durable_steps", request, instance_id=INSTANCE_ID)
        status = host.wait_for(INSTANCE_ID, timeout=120)
        print(json.dumps({"status": str(status.runtime_status), "output": status.output}))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
