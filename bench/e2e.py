"""End to end: a generated export through the real app on the local Durable host into the emulator.

Generates an AeronaClinic export of patients, appointments and clinical notes, starts Azurite and
the Dataverse emulator (each in its own process, so neither shares this one's GIL), runs a full
migration (auto-confirmed) and reports wall time, records/s, peak RSS of this process (the host
and its activities),
the share of host time spent replaying orchestrators, and the longest orchestration history
(bounded by continue-as-new however large the run). Ends with one `RESULT ...` line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.load_dataverse import start_emulator  # noqa: E402
from cli.azurite import start_azurite  # noqa: E402
from cli.commands.generate import parse_objects  # noqa: E402
from cli.durable_host import DurableHost, RuntimeStatus  # noqa: E402
from cli.local_services import DEMO_FALLBACK_OWNER  # noqa: E402
from cli.migration_runner import outcome_totals, run_to_completion  # noqa: E402
from cli.synthetic.generator import GenerateOptions, generate_export  # noqa: E402
from shared.ledger import clients  # noqa: E402
from shared.pipeline.destination import close_destinations  # noqa: E402
from shared.pipeline.messages import StartRun  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=30_000)
    parser.add_argument("--time-scale", type=float, default=0.0)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--users", type=int, default=3, help="Dataverse application users")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cf-bench-e2e-") as work:
        root = Path(work)
        export = root / "export"
        generate_export(GenerateOptions(
            source="aerona", patients=args.patients, seed=11, out=export,
            objects=parse_objects("patients,appointments,clinical_notes,locations,staff"),
        ))  # fmt: skip
        manifest = json.loads((export / "_manifest.json").read_text())
        rows = sum(info["rows"] for info in manifest["files"].values())
        azurite = start_azurite()
        emulator = start_emulator(args.users, args.time_scale, root)
        try:
            os.environ.update({
                "CLINICFERRY_STORAGE": azurite.connection_string,
                "CLINICFERRY_DATAVERSE_ORG_URL": emulator.origin,
                "CLINICFERRY_DATAVERSE_TENANT_ID": emulator.tenant,
                "CLINICFERRY_DATAVERSE_AUTHORITY_HOST": emulator.origin,
                "CLINICFERRY_DATAVERSE_CA_BUNDLE": str(emulator.ca_file),
                "CLINICFERRY_DATAVERSE_USERS": json.dumps(
                    [{"client_id": u["client_id"], "client_secret": u["client_secret"]}
                     for u in emulator.users]),
                "CLINICFERRY_DATAVERSE_ALLOW_METADATA_APPLY": "true",
                "CLINICFERRY_FALLBACK_OWNER_EMAIL": DEMO_FALLBACK_OWNER,
            })  # fmt: skip
            clients.reset()
            clients.staging().upload_folder(export, "exports/bench")
            from function_app import app

            host = DurableHost(app, store_path=root / "hub.sqlite",
                               max_activity_workers=args.parallel)  # fmt: skip
            host.start()
            start = StartRun.model_validate({
                "run_id": f"bench-{uuid.uuid4().hex[:8]}", "source_system": "aerona",
                "export": {"prefix": "exports/bench"}, "mode": "full", "started_by": "bench",
                "options": {"auto_confirm": True, "apply_schema": True,
                            "page_size": args.page_size, "parallel_batches": args.parallel},
            })  # fmt: skip
            began = time.monotonic()
            status, _ = run_to_completion(host, start, out=sys.stderr, poll_seconds=2.0)
            wall = time.monotonic() - began
            metrics = host.metrics()
            host.close()
        finally:
            close_destinations()
            emulator.stop()
            azurite.stop()
    if status.runtime_status != RuntimeStatus.COMPLETED:
        print(f"run failed: {status.output}", file=sys.stderr)
        return 1
    written = sum(n for op, n in outcome_totals(status.output).items()
                  if op in ("created", "updated", "unchanged"))  # fmt: skip
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    longest = max(metrics.history_length.values() or [0])
    print(f"{rows:,} source rows, {written:,} records written in {wall:.1f} s "
          f"({written / wall:,.0f} records/s); peak RSS {peak_mb:,.0f} MB; replay "
          f"{metrics.replay_seconds:.2f} s ({metrics.replay_share:.2%}); "
          f"longest history {longest} events; "
          f"reconciled={status.output['reconciled']}")  # fmt: skip
    print(f"RESULT source_rows={rows} records_written={written} wall_s={wall:.1f} "
          f"records_per_s={written / wall:.0f} peak_rss_mb={peak_mb:.0f} "
          f"replay_share={metrics.replay_share:.4f} replay_s={metrics.replay_seconds:.2f} "
          f"longest_history={longest} "
          f"replays={metrics.orchestrator_replays} "
          f"reconciled={status.output['reconciled']}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
