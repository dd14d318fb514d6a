"""The rollback orchestration on the local Durable host, against Azurite and the emulator."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from activities.rollback import bp as rollback_activities
from cli.durable_host import DurableHost, RuntimeStatus
from orchestrators.rollback import ROLLBACK, instance_id
from orchestrators.rollback import bp as rollback_orchestrator
from shared.ledger import RunRecord, clients
from shared.rollback import service
from shared.rollback.messages import RollbackRequest
from tests.shared.rollback.test_rollback import clean, perform_run

pytestmark = pytest.mark.integration
PATH_TO_COMPLETED = ("profiling", "awaiting_confirmation", "preparing", "loading", "reconciling",
                     "completed")  # fmt: skip


@pytest.fixture
def env(
    storage_connection_string: str, fresh_dataverse: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    settings = {
        "CLINICFERRY_STORAGE": storage_connection_string,
        "CLINICFERRY_DATAVERSE_ORG_URL": fresh_dataverse.environment_url,
        "CLINICFERRY_DATAVERSE_TENANT_ID": fresh_dataverse.tenant_id,
        "CLINICFERRY_DATAVERSE_AUTHORITY_HOST": fresh_dataverse.authority.rsplit("/", 1)[0],
        "CLINICFERRY_DATAVERSE_CA_BUNDLE": str(fresh_dataverse.ca_file),
        "CLINICFERRY_DATAVERSE_USERS": json.dumps([
            {"client_id": u.client_id, "client_secret": u.client_secret}
            for u in fresh_dataverse.users[:1]
        ]),
    }  # fmt: skip
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    clients.reset()
    yield fresh_dataverse
    clients.reset()


@pytest.fixture
def host(env: Any, durable_host_factory: Callable[..., DurableHost]) -> DurableHost:
    return durable_host_factory([rollback_orchestrator, rollback_activities], time_scale=0)


def completed_run(emulator: Any) -> tuple[str, str]:
    """A run loaded into the emulator, with its run row and load plan as a real run leaves them."""
    run_id = f"run-{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    store = clients.run_store()
    store.create(RunRecord(run_id=run_id, source_system="aerona", destination_kind="dataverse",
                           environment="default", mode="full", started_by="op@clinic.example",
                           created_at=now, updated_at=now))  # fmt: skip
    for state in PATH_TO_COMPLETED:
        store.transition(run_id, state)  # type: ignore[arg-type]
    plan = {
        "levels": [
            [{"table": "patient_contact", "destination_table": "contact"}],
            [{"table": "invoice", "destination_table": "new_patientinvoice"}],
        ]
    }
    clients.staging().write_bytes(f"{run_id}/plan.json", json.dumps(plan).encode(),
                                  container="reports")  # fmt: skip
    _, snapshot = perform_run(emulator, clients.audit_ledger(), clients.staging(), run_id)
    return run_id, snapshot


def request(run_id: str) -> str:
    return json.dumps(RollbackRequest(run_id=run_id, operator="op@clinic.example").model_dump())


def test_one_click_rollback_puts_the_environment_back(host: DurableHost, env: Any) -> None:
    run_id, snapshot = completed_run(env)

    host.start_new(ROLLBACK, instance_id=instance_id(run_id), input_json=request(run_id))
    status = host.wait_for(instance_id(run_id), timeout=120)

    assert status.runtime_status == RuntimeStatus.COMPLETED
    summary = status.output
    assert summary["state"] == "rolled_back", summary
    assert [t["table"] for t in summary["tables"]] == ["new_patientinvoice", "contact"]
    assert summary["stamped_left"] == {"new_patientinvoice": 0, "contact": 0}
    assert clean(env, snapshot) == {}
    assert clients.run_store().get(run_id).state == "rolled_back"
    page = clients.staging().read_bytes(summary["report_blob"], container="reports").decode()
    assert "Destination back to its state before the run: yes" in page


def test_a_crashed_rollback_resumes_when_started_again(
    host: DurableHost, env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id, snapshot = completed_run(env)
    real = service.rollback_unit

    def crash_on_contacts(*args: Any, **kwargs: Any) -> Any:
        if args[2].table == "contact":
            raise RuntimeError("worker lost")
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "rollback_unit", crash_on_contacts)
    host.start_new(ROLLBACK, instance_id=instance_id(run_id), input_json=request(run_id))
    failed = host.wait_for(instance_id(run_id), timeout=120)
    assert failed.runtime_status == RuntimeStatus.FAILED
    assert clients.run_store().get(run_id).state == "rolling_back"
    assert list(clean(env, snapshot)) == ["contact"]  # invoices reverted before the crash

    monkeypatch.setattr(service, "rollback_unit", real)
    host.start_new(ROLLBACK, instance_id=instance_id(run_id), input_json=request(run_id))
    status = host.wait_for(instance_id(run_id), timeout=120)

    assert status.output["state"] == "rolled_back"
    invoices = next(t for t in status.output["tables"] if t["table"] == "new_patientinvoice")
    assert (invoices["deleted"], invoices["already_done"]) == (0, 5)
    assert clean(env, snapshot) == {}
