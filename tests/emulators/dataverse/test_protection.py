"""Service protection (item 18): 429 + Retry-After at the configured limits, none below; chaos."""

from __future__ import annotations

import threading

import httpx
import pytest

from tests.fixtures.dataverse_emulator import DataverseEmulator

CONTACT = "Microsoft.Dynamics.CRM.contact"


def test_request_limit_per_user(fresh_dataverse: DataverseEmulator) -> None:
    fresh_dataverse.admin.settings(time_scale=0.1, limits={"max_requests": 20})
    with fresh_dataverse.client(0) as first, fresh_dataverse.client(1) as second:
        below = [first.get("WhoAmI").status_code for _ in range(20)]
        throttled = first.get("WhoAmI")
        other_user = second.get("WhoAmI")
    assert below == [200] * 20
    assert throttled.status_code == 429
    assert 1 <= int(throttled.headers["Retry-After"]) <= 30
    assert throttled.json() == {
        "error": {
            "code": "0x80072322",
            "message": "Number of requests exceeded the limit of 20 over time window of 300 "
            "seconds.",
        }
    }
    assert other_user.status_code == 200


def test_execution_time_limit_counts_bulk_cost(fresh_dataverse: DataverseEmulator) -> None:
    fresh_dataverse.admin.settings(time_scale=0.1, limits={"max_execution_ms": 500})
    targets = [{"@odata.type": CONTACT, "lastname": f"P{i}"} for i in range(50)]
    url = "contacts/Microsoft.Dynamics.CRM.CreateMultiple"
    with fresh_dataverse.client() as api:
        first = api.post(url, json={"Targets": targets})
        second = api.post(url, json={"Targets": targets})
    assert first.status_code == 200, "60 ms + 50 x 8 ms = 460 ms is below the limit"
    assert second.status_code == 200, "the limit trips only once the window is exceeded"
    with fresh_dataverse.client() as api:
        third = api.get("WhoAmI")
    assert third.status_code == 429
    assert third.json()["error"]["code"] == "0x80072321"
    assert third.json()["error"]["message"].startswith(
        "Combined execution time of incoming requests exceeded limit of 500 milliseconds over "
        "time window of 300 seconds."
    )


def test_concurrency_limit(fresh_dataverse: DataverseEmulator) -> None:
    fresh_dataverse.admin.settings(
        time_scale=1.0, simulate_latency=True, limits={"max_concurrent": 2}
    )
    targets = [{"@odata.type": CONTACT, "lastname": f"P{i}"} for i in range(40)]
    statuses: list[int] = []
    barrier = threading.Barrier(3)

    def send() -> None:
        with fresh_dataverse.client() as api:
            barrier.wait()
            response = api.post(
                "contacts/Microsoft.Dynamics.CRM.CreateMultiple", json={"Targets": targets}
            )
            statuses.append(response.status_code)
            if response.status_code == 429:
                assert response.json()["error"]["code"] == "0x80072326"

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 200, 429]


def test_usage_headers_on_every_response(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        response = api.get("contacts?$top=1")
        counters = fresh_dataverse.counters()
    assert response.headers["x-ms-dop-hint"] == "8"
    assert "x-ms-ratelimit-burst-remaining-xrm-requests" in response.headers
    assert "x-ms-ratelimit-time-remaining-xrm-requests" in response.headers
    user = fresh_dataverse.users[0].user_id
    assert counters["users"][user]["requests_total"] >= 1


def test_chaos_injects_429_and_server_errors(fresh_dataverse: DataverseEmulator) -> None:
    fresh_dataverse.admin.settings(chaos={"rate_429": 1.0})
    with fresh_dataverse.client() as api:
        throttled = api.get("WhoAmI")
    fresh_dataverse.admin.settings(chaos={"rate_5xx": 1.0, "seed": 7})
    with fresh_dataverse.client() as api:
        failed = api.get("WhoAmI")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    assert throttled.headers["x-ms-dop-hint"] == "8"
    assert fresh_dataverse.request_log()[-1]["operation"] == "chaos_5xx"
    assert failed.status_code in (500, 502, 503, 504)


def test_chaos_drops_connections_after_the_write(fresh_dataverse: DataverseEmulator) -> None:
    fresh_dataverse.admin.settings(chaos={"rate_drop": 1.0})
    before = fresh_dataverse.admin.counts().get("contact", 0)
    with fresh_dataverse.client() as api, pytest.raises(httpx.TransportError):
        api.post("contacts", json={"lastname": "Written but not answered"})
    fresh_dataverse.admin.settings(chaos={})
    assert fresh_dataverse.admin.counts().get("contact", 0) == before + 1
