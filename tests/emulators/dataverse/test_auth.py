"""Entra token endpoint, msal client credentials, 401s and WhoAmI (items 1, 23)."""

from __future__ import annotations

import ssl

import httpx
import msal
import requests

from tests.fixtures.dataverse_emulator import DataverseEmulator


def _msal_token(emulator: DataverseEmulator, user: int = 0) -> dict[str, object]:
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify otherwise
    session.verify = str(emulator.ca_file)
    app = msal.ConfidentialClientApplication(
        emulator.users[user].client_id,
        client_credential=emulator.users[user].client_secret,
        authority=emulator.authority,
        http_client=session,
        instance_discovery=False,
    )
    result: dict[str, object] = app.acquire_token_for_client(
        scopes=[f"{emulator.environment_url}/.default"]
    )
    return result


def test_msal_token_names_the_application_user(fresh_dataverse: DataverseEmulator) -> None:
    result = _msal_token(fresh_dataverse, user=1)
    response = httpx.get(
        f"{fresh_dataverse.api_url}/WhoAmI",
        headers={"Authorization": f"Bearer {result['access_token']}"},
        verify=ssl.create_default_context(cafile=str(fresh_dataverse.ca_file)),
        trust_env=False,
    )
    assert result["token_type"] == "Bearer"
    assert response.status_code == 200
    assert response.json()["UserId"] == fresh_dataverse.users[1].user_id
    assert response.headers["x-ms-dop-hint"]


def test_missing_or_forged_token_is_401(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        token = api.headers["Authorization"]
        missing = api.get("contacts", headers={"Authorization": ""})
        header, payload, _ = token.removeprefix("Bearer ").split(".")
        forged = api.get("contacts", headers={"Authorization": f"Bearer {header}.{payload}.AAAA"})
    assert missing.status_code == 401
    assert forged.status_code == 401
    assert "WWW-Authenticate" in missing.headers


def test_wrong_secret_and_unknown_client(fresh_dataverse: DataverseEmulator) -> None:
    def ask(client_id: str, secret: str) -> httpx.Response:
        return fresh_dataverse.admin.http.post(
            fresh_dataverse.token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
                "scope": f"{fresh_dataverse.environment_url}/.default",
            },
        )

    wrong = ask(fresh_dataverse.client_id, "not-the-secret")
    unknown = ask("99999999-9999-9999-9999-999999999999", "x")
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert unknown.status_code == 400 and unknown.json()["error"] == "unauthorized_client"


def test_whoami_is_get_only(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        response = api.post("WhoAmI", json={})
    assert response.status_code == 404
    assert response.json()["error"]["message"].startswith(
        "No HTTP resource was found that matches the request URI '"
    )


def test_expired_token_is_401(fresh_dataverse: DataverseEmulator) -> None:
    tokens = fresh_dataverse.running.emulator.tokens
    user = fresh_dataverse.users[0]
    expired = tokens.sign(
        {"appid": user.client_id, "exp": 1_000_000, "tid": fresh_dataverse.tenant_id}
    )
    with fresh_dataverse.client() as api:
        response = api.get("WhoAmI", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert "ExpiredAuthTicket" in response.json()["error"]["message"]


def test_a_disabled_application_user_is_refused(fresh_dataverse: DataverseEmulator) -> None:
    loader = fresh_dataverse.users[1]
    with fresh_dataverse.client(0) as admin_app, fresh_dataverse.client(1) as loader_app:
        disabled = admin_app.patch(f"systemusers({loader.user_id})", json={"isdisabled": True})
        refused = loader_app.get("WhoAmI")
        still_fine = admin_app.get("WhoAmI")
    assert disabled.status_code == 204
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == (
        f"The user with SystemUserId={loader.user_id} in OrganizationContext="
        "6f1e1c4e-3f3b-4b4e-9a53-0c1e2a7b9d10 is disabled"
    )
    assert still_fine.status_code == 200
