"""SOQL as the product issues it, sObject Collections (allOrNone), Composite, admin snapshots."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.salesforce_emulator import SalesforceEmulator


def _query(client: httpx.Client, text: str) -> Any:
    return client.get("query", params={"q": text}).json()


def test_where_in_like_count_sum_group_by_order_limit(fresh_salesforce: SalesforceEmulator) -> None:
    with fresh_salesforce.client() as client:
        for name, stage, amount in [("A1", "Prospecting", 10.5), ("A2", "Prospecting", 20),
                                    ("B1", "Closed Won", 7.25)]:  # fmt: skip
            response = client.post(
                "sobjects/Opportunity",
                json={
                    "Name": name,
                    "StageName": stage,
                    "CloseDate": "2024-01-31",
                    "Amount": amount,
                },
            )
            assert response.status_code == 201, response.text
        some = _query(
            client, "SELECT Name FROM Opportunity WHERE Name IN ('a1','B1') ORDER BY Name"
        )
        like = _query(client, "SELECT Id FROM Opportunity WHERE Name LIKE 'A%' LIMIT 1")
        count = _query(client, "SELECT COUNT() FROM Opportunity WHERE Amount > 8")
        grouped = _query(client, "SELECT StageName, SUM(Amount) total FROM Opportunity "
                                 "GROUP BY StageName")  # fmt: skip
        dated = _query(client, "SELECT COUNT() FROM Opportunity WHERE CloseDate = 2024-01-31 "
                               "AND (StageName = 'Closed Won' OR Amount = 20)")  # fmt: skip
        bad = client.get("query", params={"q": "SELECT Id FROM Opportunity WHERE"})
    assert [r["Name"] for r in some["records"]] == ["A1", "B1"]  # string equality ignores case
    assert like["totalSize"] == 1
    assert count == {"totalSize": 2, "done": True, "records": []}
    assert {r["StageName"]: r["total"] for r in grouped["records"]} == {
        "Prospecting": 30.5, "Closed Won": 7.25}  # fmt: skip
    assert dated["totalSize"] == 2
    assert bad.status_code == 400 and bad.json()[0]["errorCode"] == "MALFORMED_QUERY"


def test_collections_are_ordered_and_all_or_none_rolls_everything_back(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    records = [{"attributes": {"type": "Account"}, "Name": "A"},
               {"attributes": {"type": "Contact"}, "FirstName": "no last name"},
               {"attributes": {"type": "Account"}, "Name": "B"}]  # fmt: skip
    with fresh_salesforce.client() as client:
        partial = client.post("composite/sobjects", json={"records": records}).json()
        atomic = client.post("composite/sobjects", json={"allOrNone": True, "records": records})
        too_many = client.post(
            "composite/sobjects",
            json={"records": [{"attributes": {"type": "Account"}, "Name": "x"}] * 201},
        )
    assert [r["success"] for r in partial] == [True, False, True]
    assert partial[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert [r["errors"][0]["statusCode"] for r in atomic.json()] == [
        "ALL_OR_NONE_OPERATION_ROLLED_BACK", "REQUIRED_FIELD_MISSING",
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"]  # fmt: skip
    assert len(fresh_salesforce.records("Account")) == 2  # only the partial request's two
    assert too_many.status_code == 400


def test_collection_delete_reports_each_id(fresh_salesforce: SalesforceEmulator) -> None:
    with fresh_salesforce.client() as client:
        account = client.post("sobjects/Account", json={"Name": "A"}).json()["id"]
        ids = f"{account},001Hn00000000ZZIAA"
        response = client.delete("composite/sobjects", params={"ids": ids}).json()
    assert [r["success"] for r in response] == [True, False]
    assert response[1]["errors"][0]["statusCode"] == "INVALID_CROSS_REFERENCE_KEY"


def test_composite_passes_references_and_counts_as_one_call(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    body = {"compositeRequest": [
        {"method": "POST", "url": "/services/data/v62.0/sobjects/Account", "referenceId": "acc",
         "body": {"Name": "Practice"}},
        {"method": "POST", "url": "/services/data/v62.0/sobjects/Contact", "referenceId": "con",
         "body": {"LastName": "A", "AccountId": "@{acc.id}"}},
    ]}  # fmt: skip
    with fresh_salesforce.client() as client:
        before = fresh_salesforce.usage()
        response = client.post("composite", json=body).json()
        used = fresh_salesforce.usage() - before
    assert [r["httpStatusCode"] for r in response["compositeResponse"]] == [201, 201]
    (contact,) = fresh_salesforce.records("Contact")
    assert contact["AccountId"] == fresh_salesforce.records("Account")[0]["Id"]
    assert used == 1


def test_snapshot_diff_shows_created_updated_and_deleted(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    with fresh_salesforce.client() as client:
        keep = client.post("sobjects/Account", json={"Name": "Keep"}).json()["id"]
        gone = client.post("sobjects/Account", json={"Name": "Gone"}).json()["id"]
        fresh_salesforce.snapshot("t0")
        client.patch(f"sobjects/Account/{keep}", json={"Phone": "1"})
        client.delete(f"sobjects/Account/{gone}")
        new = client.post("sobjects/Account", json={"Name": "New"}).json()["id"]
    diff = fresh_salesforce.diff("t0")
    assert diff["created"] == [{"object": "Account", "id": new}]
    assert diff["updated"] == [{"object": "Account", "id": keep, "fields": ["Phone"]}]
    assert diff["deleted"] == [{"object": "Account", "id": gone}]
    log = fresh_salesforce.admin.get("/_emulator/requests").json()
    assert (log[-2]["method"], log[-2]["status"]) == ("DELETE", 204)
    assert set(log[-2]) == {"seq", "method", "path", "status", "user"}  # never a body


def test_a_snapshot_of_an_empty_org_diffs_and_an_unknown_one_is_404(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    fresh_salesforce.admin.post("/_emulator/snapshots/empty").raise_for_status()
    with fresh_salesforce.client() as client:
        client.post("sobjects/Account", json={"Name": "A"})
    assert len(fresh_salesforce.diff("empty")["created"]) == 1
    assert fresh_salesforce.admin.get("/_emulator/snapshots/nope/diff").status_code == 404
