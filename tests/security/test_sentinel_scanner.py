"""The sentinel scanner catches a planted patient value in every place it watches, and only then."""

from __future__ import annotations

import gzip
import logging
import zipfile
from collections.abc import Callable, Generator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import azure.durable_functions as df
import pytest
from azure.data.tables import TableServiceClient

from cli.durable_host import DurableHost, RuntimeStatus
from shared.ledger import AuditLedger, AuditRow, RunRecord, RunStore
from shared.telemetry import install_phi_filter, uninstall_phi_filter
from tests.fixtures.phi import PATIENT_SENTINELS, SentinelScanner

NAME, NHS, EMAIL = (PATIENT_SENTINELS[k] for k in ("family_name", "nhs_number", "email"))

# -- a tiny app whose orchestration leaks the sentinel in exactly one chosen place -------------
bp = df.Blueprint()


@bp.activity_trigger(input_name="job", activity="lookup_patient")
def lookup_patient(job: dict[str, Any]) -> dict[str, Any]:
    return {"family": NAME if job["put"] == "activity_output" else "ok", "rows": 3}


@bp.orchestration_trigger(context_name="context", orchestration="leaky")
def leaky(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    job = context.get_input()
    put = job["put"]
    argument = {"put": put, "name": NAME} if put == "activity_input" else {"put": put}
    found = yield context.call_activity("lookup_patient", argument)
    context.set_custom_status({"stage": "loading", "who": NAME if put == "custom_status" else 1})
    if put == "event":
        yield context.wait_for_external_event("Confirmed")
    return {"rows": found["rows"], "last": NAME if put == "output" else None}


PLACES = ["input", "activity_input", "activity_output", "custom_status", "output", "event"]


@pytest.mark.parametrize("put", PLACES)
def test_a_sentinel_anywhere_in_the_task_hub_is_found(
    durable_host_factory: Callable[..., DurableHost], phi_scanner: SentinelScanner, put: str
) -> None:
    host = durable_host_factory(bp, time_scale=0)
    payload = {"put": put, **({"patient": NAME} if put == "input" else {})}
    instance = host.start_new("leaky", payload, instance_id="run-leak")
    host.run_until_idle()
    if put == "event":
        host.raise_event(instance, "Confirmed", {"by": NAME})
    assert host.wait_for(instance).runtime_status == RuntimeStatus.COMPLETED
    found = phi_scanner.check_task_hub(host.store.path)
    assert found and {f.sentinel for f in found} == {"family_name"}
    with pytest.raises(AssertionError, match="family_name"):
        phi_scanner.assert_clean()


def test_a_clean_orchestration_leaves_nothing_in_the_task_hub(
    durable_host_factory: Callable[..., DurableHost], phi_scanner: SentinelScanner
) -> None:
    host = durable_host_factory(bp, time_scale=0)
    host.wait_for(host.start_new("leaky", {"put": "nowhere"}, instance_id="run-clean"))
    assert phi_scanner.check_task_hub(host.store.path) == []
    phi_scanner.assert_clean()


# -- logs and exceptions -----------------------------------------------------------------------
def test_a_sentinel_in_a_log_argument_or_an_exception_is_found(
    phi_scanner: SentinelScanner,
) -> None:
    logging.getLogger("clinicferry.activities").info("owner for %s", EMAIL)
    try:
        try:
            raise LookupError(f"no patient {NHS}")
        except LookupError as inner:
            raise RuntimeError("load failed") from inner
    except RuntimeError as error:
        logging.getLogger("azure.core").exception("batch failed")
        assert {f.sentinel for f in phi_scanner.check_exception(error)} == {"nhs_number"}
    assert {(f.where, f.sentinel) for f in phi_scanner.check_logs()} == {
        ("log line 1", "email"), ("log line 1", "given_name"), ("log line 1", "family_name"),
        ("log line 2", "nhs_number")}  # fmt: skip


def test_with_the_phi_filter_installed_the_same_logging_is_clean(
    phi_scanner: SentinelScanner,
) -> None:
    install_phi_filter()
    try:
        logging.getLogger("clinicferry.activities").info("owner for %s", EMAIL)
        try:
            raise LookupError(f"no patient {NHS} ({EMAIL})")
        except LookupError:
            logging.getLogger("azure.core").exception("batch failed")
    finally:
        uninstall_phi_filter()
    assert len(phi_scanner.log_lines) == 2
    assert phi_scanner.check_logs() == []


# -- audit and run rows --------------------------------------------------------------------------
def audit_row(run_id: str, source_key: str) -> AuditRow:
    return AuditRow(
        run_id=run_id, table="contact", source_key=source_key, operation="created",
        operator="ana", confirmed_map_hash="a" * 64, batch_id="contact.00000",
    )  # fmt: skip


@pytest.mark.integration
def test_a_sentinel_in_an_audit_or_run_row_is_found(
    storage_connection_string: str, phi_scanner: SentinelScanner
) -> None:
    service = TableServiceClient.from_connection_string(storage_connection_string)
    AuditLedger(service).record([audit_row("run-leaky-audit", NHS)])
    now = datetime.now(UTC)
    run = RunRecord(
        run_id="run-leaky-audit", source_system="aerona", destination_kind="dataverse",
        environment="default", mode="full", started_by=EMAIL, created_at=now, updated_at=now,
    )  # fmt: skip
    RunStore(service).create(run)
    AuditLedger(service).record([audit_row("run-clean-audit", "P-000123")])
    found = phi_scanner.check_run_tables(service, "run-leaky-audit")
    assert {(f.where, f.sentinel) for f in found} == {
        ("table audit", "nhs_number"), ("table runs", "email"),
        ("table runs", "given_name"), ("table runs", "family_name")}  # fmt: skip
    assert phi_scanner.check_run_tables(service, "run-clean-audit") == []


# -- files -----------------------------------------------------------------------------------
def test_a_sentinel_in_a_plain_gzip_or_zip_file_is_found(
    tmp_path: Path, phi_scanner: SentinelScanner
) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "clean.log").write_text("run run-1: 200 contacts\n")
    (tmp_path / "out" / "host.log").write_text(f"dob 19/07/1931 for {NAME.upper()}\n")
    (tmp_path / "page.jsonl.gz").write_bytes(gzip.compress(b'{"phone": "07700900461"}'))
    with zipfile.ZipFile(tmp_path / "solution.zip", "w") as archive:
        archive.writestr("customizations.xml", f"<note>{PATIENT_SENTINELS['clinical_note']}</note>")
    found = phi_scanner.check_files(tmp_path)
    where = {(Path(f.where.split("!")[0].removeprefix("file ")).name, f.sentinel) for f in found}
    assert where == {
        ("host.log", "date_of_birth"), ("host.log", "family_name"),
        ("page.jsonl.gz", "phone"), ("solution.zip", "clinical_note"),
    }  # fmt: skip


# -- matching ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "kind"),
    [("TEL: 07700 900461", "phone"), ('"phone":"447700900461"', "phone"),
     ("nhs 943-476-5870", "nhs_number"), ("born 19 July 1931", "date_of_birth"),
     ("dob=19310719", "date_of_birth"), ("Zelbrikk, Quorvanth", "family_name")],
)  # fmt: skip
def test_reformatted_values_are_still_recognised(text: str, kind: str) -> None:
    assert kind in SentinelScanner().matches(text)


def test_json_escaped_non_ascii_values_are_recognised() -> None:
    scanner = SentinelScanner({"family_name": "Öztürkçü"})
    assert scanner.matches('{"family": "\\u00d6zt\\u00fcrk\\u00e7\\u00fc"}') == ["family_name"]


def test_ordinary_operational_text_matches_nothing() -> None:
    text = (
        "2026-11-22T00:37:46Z run-3f2a9c0b41d7 contact.00042 attempt 2: 1931 rows, HTTP 429 "
        "retry after 30 s, sha256 94347658aa, x-ms-dop-hint 7700, 17 tables"
    )
    assert SentinelScanner().matches(text) == []
