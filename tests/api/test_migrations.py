"""Portal API behaviour through the local Durable host and Azurite: what a caller sees."""

from __future__ import annotations

import json
from typing import Any

import pytest

from api import dependencies
from api.responses import MAX_BODY_BYTES
from cli.durable_host import RuntimeStatus
from orchestrators import names
from tests.api.conftest import VALID_START, PortalApi, http_request
from tests.orchestrators import fake_activities

pytestmark = pytest.mark.integration

SENTINEL = "Zorblax-Quennell-1931"  # a value no message of ours could contain by chance


def start(portal: PortalApi, body: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
    req = http_request("POST", "migrations", body=body, roles=("Migration.Operator",))
    response = portal.call("start_migration", req)
    return response.status_code, json.loads(response.get_body()), dict(response.headers)


def with_export(prefix: Any, **extra: Any) -> dict[str, Any]:
    return {**VALID_START, "export": {"prefix": prefix, **extra}}


def test_start_answers_202_with_our_status_url_and_no_system_key(portal: PortalApi) -> None:
    status, body, headers = start(portal, VALID_START)
    run_id = body["id"]
    assert status == 202
    assert body == {"id": run_id, "statusUrl": f"/api/migrations/{run_id}"}
    assert headers["Location"] == f"/api/migrations/{run_id}"
    everything = json.dumps(body) + json.dumps(headers)
    assert "code=" not in everything and "runtime/webhooks" not in everything
    instance = portal.host.get_status(run_id)
    assert instance is not None and instance.runtime_status == RuntimeStatus.PENDING
    assert instance.input["started_by"] == "ana.operator@clinic.example"
    assert instance.input["export"] == {"container": "staging", "prefix": "exports/aerona-2026-11"}


def test_status_reports_the_stored_run_and_the_orchestration(portal: PortalApi) -> None:
    run_id = portal.start()
    portal.host.run_due()
    req = http_request("GET", f"migrations/{run_id}", run_id=run_id, roles=("Migration.Approver",))
    body = json.loads(portal.call("migration_status", req).get_body())
    assert (body["id"], body["state"], body["sourceSystem"]) == (run_id, "created", "aerona")
    assert body["runtimeStatus"] == "Running"
    assert body["progress"]["stage"] == "awaiting_confirmation"
    assert "code=" not in json.dumps(body)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"export": {"prefix": "exports/x"}}, "source_system"),
        ({**VALID_START, "source_system": SENTINEL}, "source_system"),
        ({**VALID_START, "patient_name": SENTINEL}, "patient_name"),
        ({**VALID_START, "options": {"sample_size": SENTINEL}}, "options.sample_size"),
        ({**VALID_START, "options": {"sample_size": 10**9}}, "options.sample_size"),
        ({**VALID_START, "destination": {"environment": SENTINEL + " prod"}},
         "destination.environment"),
        (with_export(SENTINEL + "/../.."), "export.prefix"),
    ],
)  # fmt: skip
def test_bad_bodies_name_the_fields_and_never_echo_the_values(
    portal: PortalApi, body: dict[str, Any], field: str
) -> None:
    status, answer, _ = start(portal, body)
    assert status == 400
    assert field in [f["field"] for f in answer["fields"]]
    assert SENTINEL not in json.dumps(answer) and str(10**9) not in json.dumps(answer)


@pytest.mark.parametrize("raw", [b"", b"{not json", b"[1, 2", SENTINEL.encode()])
def test_missing_or_broken_json_is_400_without_echo(portal: PortalApi, raw: bytes) -> None:
    status, answer, _ = start(portal, raw)
    assert status == 400
    assert SENTINEL not in json.dumps(answer)


@pytest.mark.parametrize(
    "prefix",
    ["../other-clinic", "exports/../../runs", "exports/..", "/etc/passwd", "/exports/x",
     "https://evil.example/export.zip", "http://169.254.169.254/metadata", "//evil.example/x",
     "\\\\fileserver\\share", "exports\\..\\x", "exports/%2e%2e/x", "~/exports", ""],
)  # fmt: skip
def test_export_prefixes_outside_the_staging_container_are_refused(
    portal: PortalApi, prefix: str
) -> None:
    status, answer, _ = start(portal, with_export(prefix))
    assert status == 400
    assert [f["field"] for f in answer["fields"]] == ["export.prefix"]
    assert portal.host.list_statuses() == []


@pytest.mark.parametrize("container", ["reports", "$logs", "azure-webjobs-hosts", "../staging"])
def test_exports_may_only_come_from_the_staging_container(
    portal: PortalApi, container: str
) -> None:
    status, answer, _ = start(portal, with_export("exports/x", container=container))
    assert status == 400
    assert [f["field"] for f in answer["fields"]] == ["export.container"]


def test_a_relative_export_folder_is_accepted(portal: PortalApi) -> None:
    status, body, _ = start(portal, with_export("exports/core-practice_2026.11/"))
    assert status == 202
    assert portal.host.get_status(body["id"]).input["export"]["prefix"] == (
        "exports/core-practice_2026.11"
    )


def test_bodies_over_the_size_limit_are_413_and_start_nothing(portal: PortalApi) -> None:
    padded = {**VALID_START, "options": {"sample_size": 50}, "pad": "x" * MAX_BODY_BYTES}
    status, answer, _ = start(portal, padded)
    assert status == 413
    assert answer == {"error": f"the body is larger than {MAX_BODY_BYTES} bytes"}
    assert portal.host.list_statuses() == []


def test_a_body_just_under_the_limit_is_read(portal: PortalApi) -> None:
    body = json.dumps({**VALID_START, "options": {"sample_size": 50}})
    raw = body[:-1] + " " * (MAX_BODY_BYTES - len(body)) + "}"
    assert len(raw.encode()) == MAX_BODY_BYTES
    assert start(portal, raw.encode())[0] == 202


def test_an_oversized_confirm_body_is_413(portal: PortalApi) -> None:
    run_id = portal.prepare_awaiting_confirmation()
    req = http_request("POST", f"migrations/{run_id}/confirm", run_id=run_id,
                       body={"map": {"pad": "x" * MAX_BODY_BYTES}})  # fmt: skip
    assert portal.call("confirm_migration_map", req).status_code == 413


@pytest.mark.parametrize(
    ("function", "method", "suffix", "extra"),
    [
        ("migration_status", "GET", "", {}),
        ("migration_proposal", "GET", "/proposal", {}),
        ("migration_report", "GET", "/reports/quality.json", {"name": "quality.json"}),
        ("migration_report_link", "GET", "/reports/quality.json/link", {"name": "quality.json"}),
        ("confirm_migration_map", "POST", "/confirm", {}),
        ("cancel_migration", "POST", "/cancel", {}),
    ],
)
@pytest.mark.parametrize(
    "run_id", ["run-0000000000000000", "..", "../reports", "run-1/../run-2", "run#1", "run?x=1",
               "a" * 2000, "run\u0000x", "O'Brien' or PartitionKey ne '"],
)  # fmt: skip
def test_unknown_runs_are_404(
    portal: PortalApi, function: str, method: str, suffix: str, extra: dict[str, str], run_id: str
) -> None:
    req = http_request(method, f"migrations/{run_id}{suffix}", run_id=run_id, **extra)
    response = portal.call(function, req)
    assert response.status_code == 404
    assert json.loads(response.get_body())["error"] == "no such migration run"


@pytest.mark.parametrize(
    "name", ["../runs", "..", "quality.json/../../staging", "QUALITY.JSON", "secrets.txt",
             "%2e%2e%2fquality.json", "quality.json ", ""],
)  # fmt: skip
@pytest.mark.parametrize("function", ["migration_report", "migration_report_link"])
def test_report_names_outside_the_fixed_list_are_refused(
    portal: PortalApi, function: str, name: str
) -> None:
    run_id = portal.prepare_awaiting_confirmation()
    req = http_request("GET", f"migrations/{run_id}/reports/{name}", run_id=run_id, name=name)
    response = portal.call(function, req)
    answer = json.loads(response.get_body())
    assert (response.status_code, answer["error"]) == (404, "no such report")
    assert "quality.json" in answer["available"]


def test_a_listed_report_not_written_yet_is_404(portal: PortalApi) -> None:
    run_id = portal.prepare_awaiting_confirmation()
    for function in ("migration_report", "migration_report_link"):
        req = http_request("GET", "r", run_id=run_id, name="diff.csv")
        answer = json.loads(portal.call(function, req).get_body())
        assert answer == {"error": "the report has not been written yet"}


def test_confirm_raises_the_event_and_the_run_goes_on(portal: PortalApi) -> None:
    run_id = portal.prepare_awaiting_confirmation()
    portal.host.run_due()
    req = http_request("POST", f"migrations/{run_id}/confirm", body={}, run_id=run_id)
    response = portal.call("confirm_migration_map", req)
    assert response.status_code == 202
    confirmed = json.loads(response.get_body())["confirmedMapHash"]
    status = portal.host.wait_for(run_id)
    assert status.runtime_status == RuntimeStatus.COMPLETED
    assert status.custom_status["stage"] == "sample_loaded"
    loads = [payload for name, payload in fake_activities.CALLS if name == names.LOAD_BATCH]
    assert loads and {payload["confirmed_map_hash"] for payload in loads} == {confirmed}


def test_confirm_is_409_unless_the_run_awaits_confirmation(portal: PortalApi) -> None:
    run_id = portal.start()
    req = http_request("POST", f"migrations/{run_id}/confirm", body={}, run_id=run_id)
    response = portal.call("confirm_migration_map", req)
    assert response.status_code == 409


def test_an_invalid_edited_map_is_400_with_paths(portal: PortalApi) -> None:
    run_id = portal.prepare_awaiting_confirmation()
    req = http_request("POST", f"migrations/{run_id}/confirm", run_id=run_id,
                       body={"map": {"version": 1, "tables": SENTINEL}})  # fmt: skip
    response = portal.call("confirm_migration_map", req)
    assert response.status_code == 400
    assert json.loads(response.get_body())["fields"]


def test_cancel_terminates_the_orchestration_and_a_second_cancel_is_409(portal: PortalApi) -> None:
    run_id = portal.start()
    req = http_request("POST", f"migrations/{run_id}/cancel", run_id=run_id)
    assert portal.call("cancel_migration", req).status_code == 202
    portal.host.run_due()
    assert portal.host.get_status(run_id).runtime_status == RuntimeStatus.TERMINATED
    assert portal.call("cancel_migration", req).status_code == 409


def test_reports_are_served_inert_and_json_is_never_sniffed(portal: PortalApi) -> None:
    run_id = portal.prepare_awaiting_confirmation()
    page = b"<html><body><td>note: <script>alert(document.cookie)</script></td></body></html>"
    dependencies.staging().write_bytes(f"{run_id}/diff.html", page, container="reports")
    req = http_request("GET", "r", run_id=run_id, name="diff.html")
    response = portal.call("migration_report", req)
    assert (response.status_code, response.get_body(), response.mimetype) == (
        200,
        page,
        "text/html",
    )
    policy = response.headers["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy and "script" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    status = portal.call("migration_status", http_request("GET", "r", run_id=run_id))
    assert status.headers["X-Content-Type-Options"] == "nosniff"
