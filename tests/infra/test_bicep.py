"""The deployment templates parse and keep the security settings a clinic's DPO will ask about."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pycep import BicepParser

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "infra"
SECRET_NAME = re.compile(r"SECRET|PASSWORD|_KEY$|CONNECTION_STRING|DATAVERSE_USERS", re.IGNORECASE)
KEY_VAULT_REFERENCE = re.compile(r"^@Microsoft\.KeyVault\((VaultName=[^;]+;SecretName=|SecretUri=)")


def parse(relative: str) -> dict[str, Any]:
    return dict(BicepParser().parse(file_path=INFRA / relative))


@pytest.mark.parametrize(
    "path", sorted(p.relative_to(INFRA).as_posix() for p in INFRA.rglob("*.bicep"))
)
def test_every_template_parses(path: str) -> None:
    assert parse(path)["resources"] or parse(path)["outputs"]


def test_storage_is_identity_only_https_and_tls12() -> None:
    props = parse("app/storage.bicep")["resources"]["account"]["config"]["properties"]
    assert props["allowSharedKeyAccess"] is False
    assert props["allowBlobPublicAccess"] is False
    assert props["supportsHttpsTrafficOnly"] is True
    assert props["minimumTlsVersion"] == "TLS1_2"


def test_staging_and_reports_are_private_with_retention() -> None:
    storage = parse("app/storage.bicep")["resources"]
    containers = storage["containers"]["config"]
    assert containers["loop_type"]["detail"]["array_name"] == ["staging", "reports", "app-package"]
    assert containers["config"]["properties"]["publicAccess"] == "None"
    rules = storage["lifecycle"]["config"]["properties"]["policy"]["rules"]
    assert {r["name"] for r in rules} == {"delete-staging", "delete-reports"}


def test_function_app_is_https_only_tls12_with_identity_storage() -> None:
    template = parse("app/function.bicep")
    app = template["resources"]["app"]["config"]
    assert app["properties"]["httpsOnly"] is True
    assert app["properties"]["siteConfig"]["minTlsVersion"] == "1.2"
    assert app["properties"]["siteConfig"]["ftpsState"] == "Disabled"
    assert app["identity"]["type"] == "UserAssigned"
    settings = template["variables"]["appSettings"]["value"]
    assert "AzureWebJobsStorage" not in settings  # no connection string: identity-based only
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"
    assert "AzureWebJobsStorage__accountName" in settings


def test_housekeeping_and_report_link_settings_are_set() -> None:
    settings = parse("app/function.bicep")["variables"]["appSettings"]["value"]
    schedule = settings["CLINICFERRY_HOUSEKEEPING_SCHEDULE"]
    assert len(schedule.split()) == 6  # NCRONTAB has a seconds field
    assert settings["CLINICFERRY_REPORT_LINK_MINUTES"] == "15"
    assert "CLINICFERRY_RETENTION_DAYS" in settings
    params = parse("main.bicep")["modules"]["functionApp"]["config"]["params"]
    assert params["retentionDays"] == "stagingRetentionDays"


def test_no_secret_in_app_settings_only_key_vault_references() -> None:
    settings = parse("app/function.bicep")["variables"]["appSettings"]["value"]
    secret_like = {k: v for k, v in settings.items() if SECRET_NAME.search(k)}
    assert secret_like, "expected destination credentials among the settings"
    for name, value in secret_like.items():
        if name == "APPLICATIONINSIGHTS_CONNECTION_STRING":
            continue  # not a secret: ingestion is authenticated with Entra ID (local auth off)
        assert KEY_VAULT_REFERENCE.match(value), f"{name} must be a Key Vault reference"


def test_key_vault_uses_rbac_and_purge_protection() -> None:
    props = parse("app/keyvault.bicep")["resources"]["vault"]["config"]["properties"]
    assert props["enableRbacAuthorization"] is True
    assert props["enablePurgeProtection"] is True


def test_telemetry_rejects_key_based_ingestion() -> None:
    resources = parse("app/monitoring.bicep")["resources"]
    assert resources["appInsights"]["config"]["properties"]["DisableLocalAuth"] is True


def test_host_json_keeps_payloads_out_of_traces_and_pins_the_bundle() -> None:
    host = json.loads((REPO / "host.json").read_text())
    durable = host["extensions"]["durableTask"]
    assert durable["tracing"]["traceInputsAndOutputs"] is False
    assert durable["hubName"] == "%DURABLE_TASK_HUB_NAME%"
    assert host["extensionBundle"]["version"] == "[4.30.0, 5.0.0)"
    assert (
        durable["maxConcurrentActivityFunctions"] == durable["maxConcurrentOrchestratorFunctions"]
    )


def test_azd_layout_is_complete() -> None:
    for relative in ("azure.yaml", "infra/main.bicep", "infra/main.parameters.json",
                     "infra/abbreviations.json"):  # fmt: skip
        assert (REPO / relative).is_file(), relative
    parameters = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    declared = parse("main.bicep")["parameters"]
    assert set(parameters) <= set(declared)


def test_app_service_authentication_requires_entra_sign_in_when_configured() -> None:
    template = parse("app/function.bicep")
    auth = template["resources"]["auth"]["config"]
    props = auth["config"]["properties"] if "config" in auth else auth["properties"]
    assert props["globalValidation"]["requireAuthentication"] is True
    assert props["globalValidation"]["unauthenticatedClientAction"] == "Return401"
    assert props["httpSettings"]["requireHttps"] is True
    settings = template["variables"]["appSettings"]["value"]
    assert "CLINICFERRY_REQUIRE_PRINCIPAL" in settings
