"""A migration of an export carrying sentinel patient values leaks none of them.

The committed generic sample gets one patient's name, date of birth, e-mail, phone, address and
record number, and one clinical note, replaced by distinctive sentinel values. The real app then
runs on the local Durable host against Azurite and the Dataverse emulator, with the PHI filter
installed as the app installs it at start-up. Afterwards no sentinel, and neither of the
destination's client secrets, may appear in any log line, in the task hub (inputs, outputs,
custom status, history, queues), in the run's `runs` and `audit` rows, or in a report that is
meant to be value-free. As controls, the run completes, the staged pages carry the sentinels
and the sentinel patient is a contact in the CRM: the values really went through the pipeline.
"""

from __future__ import annotations

import csv
import gzip
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient

from cli.durable_host import DurableHost, RuntimeStatus
from orchestrators import names
from shared.ledger import clients
from shared.pipeline.reports import REPORT_NAMES, report_blob_name
from shared.telemetry import install_phi_filter, uninstall_phi_filter
from tests.e2e.conftest import SAMPLES, create_run
from tests.fixtures.phi import SentinelScanner

pytestmark = [pytest.mark.integration, pytest.mark.slow]

RUN_ID = "run-e2e-sentinels"
PATIENT = {
    "first_name": "Quorvanth",
    "last_name": "Zelbrikk",
    "date_of_birth": "1931-07-19",
    "email": "quorvanth.zelbrikk@example.net",
    "phone_mobile": "(201) 555-0173",
    "address_line1": "17 Xylophane Crescent",
    "mrn": "MRN77193107",
}
NOTE = "Vexillary molar hypersensitivity"
# Reports that show values by design (private container, short-lived links): the diff.
REPORTS_WITH_VALUES = {"diff.html", "diff.csv", "diff.json"}


def rewrite(path: Path, change: dict[str, str], row_index: int = 0) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows, columns = list(reader), list(reader.fieldnames or [])
    rows[row_index].update(change)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def sentinel_export(tmp_path: Path) -> Path:
    export = tmp_path / "generic"
    shutil.copytree(SAMPLES / "generic", export)
    rewrite(export / "patients.csv", PATIENT)
    rewrite(export / "encounters.csv", {"note": NOTE})
    return export


@pytest.fixture
def filtered_logging() -> Iterator[None]:
    install_phi_filter()
    yield
    uninstall_phi_filter()


def test_sentinel_patient_values_reach_no_log_history_row_or_value_free_report(
    migration_host: DurableHost,
    migration_env: Any,
    sentinel_export: Path,
    phi_scanner: SentinelScanner,
    storage_connection_string: str,
    filtered_logging: None,
) -> None:
    # The destination's client secrets are sentinels too: settings only, never history or logs.
    secrets = {f"client_secret_{i}": user.client_secret
               for i, user in enumerate(migration_env.users[:2])}  # fmt: skip
    scanner = SentinelScanner({**PATIENT, "clinical_note": NOTE, **secrets})
    scanner.log_lines = phi_scanner.log_lines  # the fixture's capture, this test's sentinels
    prefix = f"exports/{RUN_ID}"
    clients.staging().upload_folder(sentinel_export, prefix)
    create_run(RUN_ID, "generic_csv")
    start = {
        "run_id": RUN_ID, "source_system": "generic_csv", "export": {"prefix": prefix},
        "mode": "full", "started_by": "e2e@example.org",
        "options": {"auto_confirm": True, "apply_schema": True, "page_size": 200},
    }  # fmt: skip
    migration_host.start_new(names.MIGRATION, start, instance_id=RUN_ID)
    status = migration_host.wait_for(RUN_ID, timeout=600)
    assert status.runtime_status == RuntimeStatus.COMPLETED, status.output

    staged = "\n".join(
        gzip.decompress(clients.staging().read_bytes(name)).decode()
        for name in _staged_pages(storage_connection_string)
    )
    assert {"first_name", "last_name", "date_of_birth", "email"} <= set(scanner.matches(staged))

    scanner.check_logs()
    scanner.check_task_hub(migration_host.store.path)
    scanner.check_run_tables(
        TableServiceClient.from_connection_string(storage_connection_string), RUN_ID
    )
    for name in sorted(set(REPORT_NAMES) - REPORTS_WITH_VALUES):
        try:
            data = clients.staging().read_bytes(report_blob_name(RUN_ID, name), container="reports")
        except KeyError:
            continue
        scanner.check_text(f"report {name}", data.decode("utf-8", "replace"))
    assert scanner.log_lines, "no log line was captured: the capture is not working"
    scanner.assert_clean()
    # Last, so the test's own query (the sentinel in a URL) is not among the scanned log lines.
    with migration_env.client() as crm:
        query = {"$filter": f"lastname eq '{PATIENT['last_name']}'", "$select": "firstname"}
        contacts = crm.get("contacts", params=query).json()["value"]
    assert [c["firstname"] for c in contacts] == [PATIENT["first_name"]]


def _staged_pages(connection_string: str) -> list[str]:
    container = BlobServiceClient.from_connection_string(connection_string).get_container_client(
        "staging"
    )
    return [b.name for b in container.list_blobs(name_starts_with=f"{RUN_ID}/pages/")]
