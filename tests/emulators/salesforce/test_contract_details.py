"""Smaller contract points: id checksums, polymorphic prefixes, job listing, upload and daily
record limits, ambiguous external ids, the InProgress state."""

from __future__ import annotations

import time

from emulators.salesforce.ids import IdFactory, to18
from tests.emulators.salesforce.helpers import results, run_job
from tests.fixtures.salesforce_emulator import SalesforceEmulator


def test_18_character_ids_carry_the_case_safe_checksum() -> None:
    assert to18("001D000000IqhSL") == "001D000000IqhSLIAZ"
    issued = IdFactory().new("003")
    assert issued.startswith("003") and len(issued) == 18 and to18(issued[:15]) == issued


def test_a_type_prefix_on_a_non_polymorphic_relationship_fails_the_row(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    with fresh_salesforce.client() as client:
        account = client.post("sobjects/Account", json={"Name": "A"}).json()["id"]
        info = run_job(
            client, {"object": "Contact", "operation": "insert"},
            f"LastName,Account:Account.Id\nA,{account}\n",
        )  # fmt: skip
        failed = results(client, info["id"], "failedResults")
        event = run_job(
            client, {"object": "Event", "operation": "insert"},
            f"Subject,DurationInMinutes,StartDateTime,Account:What.Id\nVisit,30,"
            f"2024-07-01T09:00:00Z,{account}\n",
        )  # fmt: skip
    assert failed[0]["sf__Error"].startswith("INVALID_FIELD:Polymorphic type prefix")
    assert event["numberRecordsFailed"] == 0
    assert fresh_salesforce.records("Event")[0]["WhatId"] == account


def test_jobs_are_listed_and_uploads_past_the_limit_are_refused(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    fresh_salesforce.settings(limits={"max_upload_bytes": 20})
    with fresh_salesforce.client() as client:
        job = client.post("jobs/ingest", json={"object": "Account", "operation": "insert"}).json()
        big = client.put(f"jobs/ingest/{job['id']}/batches", content=b"Name\n" + b"A\n" * 20,
                         headers={"Content-Type": "text/csv"})  # fmt: skip
        listing = client.get("jobs/ingest").json()
    assert big.status_code == 400 and big.json()[0]["errorCode"] == "ClientInputError"
    assert listing["done"] is True and [j["id"] for j in listing["records"]] == [job["id"]]


def test_the_daily_bulk_record_limit_fails_the_job(fresh_salesforce: SalesforceEmulator) -> None:
    fresh_salesforce.settings(limits={"bulk_daily_records": 3, "bulk_chunk_size": 2})
    with fresh_salesforce.client() as client:
        info = run_job(client, {"object": "Account", "operation": "insert"}, "Name\nA\nB\nC\nD\n")
        unprocessed = results(client, info["id"], "unprocessedrecords")
    assert info["state"] == "Failed" and info["errorMessage"].startswith("ExceededQuota")
    assert info["numberRecordsProcessed"] == 2 and [r["Name"] for r in unprocessed] == ["C", "D"]


def test_a_job_is_seen_in_progress_while_it_runs(fresh_salesforce: SalesforceEmulator) -> None:
    fresh_salesforce.settings(limits={"bulk_chunk_size": 1})
    rows = "Name\n" + "".join(f"A{i}\n" for i in range(3000))
    with fresh_salesforce.client() as client:
        job_id = client.post(
            "jobs/ingest", json={"object": "Account", "operation": "insert"}
        ).json()["id"]
        client.put(f"jobs/ingest/{job_id}/batches", content=rows.encode(),
                   headers={"Content-Type": "text/csv"})  # fmt: skip
        client.patch(f"jobs/ingest/{job_id}", json={"state": "UploadComplete"})
        seen = set()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = client.get(f"jobs/ingest/{job_id}").json()["state"]
            seen.add(state)
            if state == "JobComplete":
                break
    assert {"InProgress", "JobComplete"} <= seen


def test_rest_upsert_on_an_ambiguous_external_id_is_300(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    with fresh_salesforce.client() as client:
        for _ in range(2):  # Email is an idLookup field, not unique
            client.post("sobjects/Contact", json={"LastName": "A", "Email": "twin@x.example"})
        response = client.patch("sobjects/Contact/Email/twin@x.example", json={"LastName": "B"})
    assert response.status_code == 300 and len(response.json()) == 2
