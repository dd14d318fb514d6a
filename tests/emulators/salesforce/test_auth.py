"""OAuth 2.0 token endpoint (client credentials, JWT bearer), bearer checks and API usage."""

from __future__ import annotations

import base64

import httpx

from tests.fixtures.salesforce_emulator import (
    CLIENT_ID,
    CLIENT_SECRET,
    INTEGRATION,
    SalesforceEmulator,
)


def test_client_credentials_returns_instance_url_and_bearer_token(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    body = fresh_salesforce.token()
    assert body["instance_url"] == fresh_salesforce.origin
    assert body["token_type"] == "Bearer"
    assert body["id"].endswith(fresh_salesforce.user_id(INTEGRATION))
    assert {"access_token", "issued_at", "signature"} <= body.keys()


def test_client_credentials_also_accepts_http_basic(fresh_salesforce: SalesforceEmulator) -> None:
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    response = fresh_salesforce.admin.post(
        "/services/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200


def test_wrong_secret_is_invalid_client(fresh_salesforce: SalesforceEmulator) -> None:
    response = fresh_salesforce.admin.post(
        "/services/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": "x"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"


def test_jwt_bearer_issues_a_token_for_an_approved_user(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    response = fresh_salesforce.admin.post(
        "/services/oauth2/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": fresh_salesforce.assertion(),
        },
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    limits = httpx.get(
        fresh_salesforce.data_url + "/limits",
        headers={"Authorization": f"Bearer {token}"},
        verify=fresh_salesforce.ssl_context(),
    )
    assert limits.status_code == 200


def test_jwt_bearer_for_an_unapproved_user_is_refused(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    response = fresh_salesforce.admin.post(
        "/services/oauth2/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": fresh_salesforce.assertion("dr.jones@smile.test"),
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "user hasn't approved this consumer",
    }


def test_jwt_signed_with_another_key_is_an_invalid_assertion(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    forged = fresh_salesforce.assertion()[:-8] + "AAAAAAAA"
    response = fresh_salesforce.admin.post(
        "/services/oauth2/token",
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": forged},
    )
    assert response.json()["error"] == "invalid_grant"


def test_bad_token_is_401_invalid_session_id(fresh_salesforce: SalesforceEmulator) -> None:
    response = httpx.get(
        fresh_salesforce.data_url + "/sobjects",
        headers={"Authorization": "Bearer nope"},
        verify=fresh_salesforce.ssl_context(),
    )
    assert response.status_code == 401
    assert response.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_every_call_reports_usage_and_the_daily_limit_refuses_with_403(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    fresh_salesforce.settings(limits={"daily_api_requests": 3})
    with fresh_salesforce.client() as client:
        usage = [client.get("limits").headers["Sforce-Limit-Info"] for _ in range(3)]
        refused = client.get("limits")
    assert usage == ["api-usage=1/3", "api-usage=2/3", "api-usage=3/3"]
    assert refused.status_code == 403
    assert refused.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"


def test_the_versions_resource_needs_no_token_and_counts_nothing(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    response = fresh_salesforce.admin.get("/services/data/")
    assert {"version": "62.0", "label": "v62.0", "url": "/services/data/v62.0"} in response.json()
    assert "Sforce-Limit-Info" not in response.headers
    assert fresh_salesforce.usage() == 0
