"""Settings from the environment, https enforcement, and early token renewal."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.destinations.dataverse.auth import TokenProvider
from shared.destinations.dataverse.settings import DataverseSettings
from shared.destinations.errors import TerminalError
from tests.fixtures.dataverse_fake import StaticTokens


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    users = [{"client_id": "a", "client_secret": "s1"}, {"client_id": "b", "client_secret": "s2"}]
    monkeypatch.setenv("CLINICFERRY_DATAVERSE_ORG_URL", "https://clinic.crm4.dynamics.com/")
    monkeypatch.setenv("CLINICFERRY_DATAVERSE_TENANT_ID", "contoso")
    monkeypatch.setenv("CLINICFERRY_DATAVERSE_USERS", json.dumps(users))
    monkeypatch.setenv("CLINICFERRY_DATAVERSE_PUBLISHER_PREFIX", "cf")

    settings = DataverseSettings()  # type: ignore[call-arg]

    assert settings.scope == "https://clinic.crm4.dynamics.com/.default"
    assert settings.api_url == "https://clinic.crm4.dynamics.com/api/data/v9.2"
    assert [u.client_id for u in settings.users] == ["a", "b"]
    assert settings.publisher_prefix == "cf_"
    assert "s1" not in repr(settings)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://clinic.crm.dynamics.com", True),
        ("http://127.0.0.1:8443", True),
        ("http://localhost:9000", True),
        ("http://clinic.crm.dynamics.com", False),
        ("http://10.0.0.5", False),
    ],
)
def test_plain_http_only_for_a_loopback_emulator(url: str, ok: bool) -> None:
    users = [{"client_id": "a", "client_secret": "s"}]
    if ok:
        DataverseSettings(org_url=url, tenant_id="t", users=users)  # type: ignore[arg-type]
    else:
        with pytest.raises(ValidationError, match="https"):
            DataverseSettings(org_url=url, tenant_id="t", users=users)  # type: ignore[arg-type]


def test_an_application_user_needs_exactly_one_credential() -> None:
    with pytest.raises(ValidationError):
        DataverseSettings(
            org_url="https://x.crm.dynamics.com",
            tenant_id="t",
            users=[{"client_id": "a"}],  # type: ignore[list-item]
        )
    managed = DataverseSettings(
        org_url="https://x.crm.dynamics.com",
        tenant_id="t",
        users=[{"managed_identity": True}],  # type: ignore[list-item]
    )
    assert managed.users[0].credential_kind == "managed_identity"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_tokens_are_renewed_before_they_expire() -> None:
    clock, source = Clock(), StaticTokens()
    provider = TokenProvider(source, clock=clock)

    async def at(seconds: float) -> str:
        clock.now = seconds
        return await provider.token()

    assert asyncio.run(at(0)) == "token-1"
    assert asyncio.run(at(2900)) == "token-1"  # 3600 s lifetime, renewed 600 s early
    assert asyncio.run(at(3001)) == "token-2"
    assert source.forgotten == 1


def test_a_refused_token_is_terminal_and_names_only_the_error_code() -> None:
    class Refusing(StaticTokens):
        def acquire(self) -> dict[str, str]:
            return {"error": "invalid_client", "error_description": "secret abc123 is wrong"}

    with pytest.raises(TerminalError) as caught:
        asyncio.run(TokenProvider(Refusing()).token())
    assert caught.value.service_code == "invalid_client"
    assert "abc123" not in str(caught.value.to_dict())


def test_token_sources_are_shared_per_app_registration() -> None:
    from shared.destinations.dataverse.auth import token_source

    def settings(secret: str) -> DataverseSettings:
        return DataverseSettings(
            org_url="https://clinic.crm.dynamics.com",
            tenant_id="t",
            users=[{"client_id": "app", "client_secret": secret}],  # type: ignore[list-item]
        )

    first, again, rotated = settings("s1"), settings("s1"), settings("s2")
    assert token_source(first, first.users[0]) is token_source(again, again.users[0])
    assert token_source(first, first.users[0]) is not token_source(rotated, rotated.users[0])


def test_certificate_credentials_carry_the_key_and_public_certificate(tmp_path: Path) -> None:
    import trustme

    from shared.destinations.dataverse.auth import _client_credential
    from shared.destinations.dataverse.settings import ApplicationUser

    cert = trustme.CA().issue_cert("clinicferry.example")
    pem = tmp_path / "app.pem"
    pem.write_bytes(cert.private_key_pem.bytes() + cert.cert_chain_pems[0].bytes())
    user = ApplicationUser(client_id="app", certificate_path=pem)

    credential = _client_credential(user)

    assert user.credential_kind == "certificate"
    assert "PRIVATE KEY" in credential["private_key"]
    assert credential["public_certificate"].startswith("-----BEGIN CERTIFICATE-----")
    pfx = ApplicationUser(client_id="app", certificate_path=tmp_path / "app.pfx")
    assert _client_credential(pfx)["private_key_pfx_path"].endswith("app.pfx")
