"""Bulk API 2.0 ingest: job lifecycle, CSV rules, relationship columns, results, limits, chaos."""

from __future__ import annotations

import time

from tests.emulators.salesforce.helpers import prepare_org, results, run_job
from tests.fixtures.salesforce_emulator import INTEGRATION, SalesforceEmulator


def _contacts(client, n: int, start: int = 0) -> None:  # type: ignore[no-untyped-def]
    rows = "".join(f"C{i},aerona.patient.{i}\n" for i in range(start, start + n))
    info = run_job(
        client,
        {"object": "Contact", "operation": "upsert", "externalIdFieldName": "Source_Id__c"},
        "LastName,Source_Id__c\n" + rows,
    )
    assert info["state"] == "JobComplete" and info["numberRecordsFailed"] == 0


def test_job_creation_validates_and_returns_an_open_job(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    with fresh_salesforce.client() as client:
        job = client.post("jobs/ingest", json={"object": "Account", "operation": "insert"}).json()
        bad_op = client.post("jobs/ingest", json={"object": "Account", "operation": "merge"})
        no_ext = client.post("jobs/ingest", json={"object": "Account", "operation": "upsert"})
        unknown = client.get("jobs/ingest/750Hn00000000ZZIAA")
    assert job["state"] == "Open" and job["id"].startswith("750") and len(job["id"]) == 18
    assert job["contentUrl"] == f"services/data/v62.0/jobs/ingest/{job['id']}/batches"
    assert (job["columnDelimiter"], job["lineEnding"]) == ("COMMA", "LF")
    assert bad_op.status_code == 400 and no_ext.status_code == 400
    assert unknown.status_code == 404
    assert unknown.json() == [
        {"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}
    ]


def test_states_progress_asynchronously_and_results_wait_for_the_end(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    fresh_salesforce.settings(time_scale=1.0, bulk_start_delay_s=0.3)
    with fresh_salesforce.client() as client:
        job_id = client.post(
            "jobs/ingest", json={"object": "Account", "operation": "insert"}
        ).json()["id"]
        client.put(
            f"jobs/ingest/{job_id}/batches",
            content=b"Name\nA\n",
            headers={"Content-Type": "text/csv"},
        )
        closed = client.patch(f"jobs/ingest/{job_id}", json={"state": "UploadComplete"}).json()
        early = client.get(f"jobs/ingest/{job_id}/successfulResults")
        late_upload = client.put(
            f"jobs/ingest/{job_id}/batches",
            content=b"Name\nB\n",
            headers={"Content-Type": "text/csv"},
        )
        time.sleep(0.5)
        fresh_salesforce.drain()
        done = client.get(f"jobs/ingest/{job_id}").json()
    assert closed["state"] == "UploadComplete" and "contentUrl" not in closed
    assert early.status_code == 400 and early.json()[0]["errorCode"] == "InvalidJobState"
    assert late_upload.json()[0]["errorCode"] == "InvalidJobState"
    assert done["state"] == "JobComplete" and done["numberRecordsProcessed"] == 1


def test_upsert_results_say_created_or_updated_and_failures_carry_sf_error(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    with fresh_salesforce.client() as client:
        prepare_org(client, fresh_salesforce.user_id(INTEGRATION))
        _contacts(client, 2)
        info = run_job(
            client,
            {"object": "Contact", "operation": "upsert", "externalIdFieldName": "Source_Id__c"},
            'LastName,Source_Id__c,Birthdate\n"Smith, Jr",aerona.patient.0,1980-02-29\n'
            "New,aerona.patient.9,\n,aerona.patient.8,\nBad,aerona.patient.7,1980-02-29Z\n",
        )
        ok = results(client, info["id"], "successfulResults")
        failed = results(client, info["id"], "failedResults")
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (4, 2)
    assert {r["Source_Id__c"]: r["sf__Created"] for r in ok} == {
        "aerona.patient.0": "false",
        "aerona.patient.9": "true",
    }
    assert ok[0]["LastName"] in ("Smith, Jr", "New")
    errors = {r["Source_Id__c"]: r["sf__Error"] for r in failed}
    assert errors["aerona.patient.8"] == (
        "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --"
    )
    assert errors["aerona.patient.7"].startswith("INVALID_TYPE_ON_FIELD_IN_RECORD:")
    assert all(r["sf__Id"] == "" for r in failed)


def test_relationship_columns_bind_by_external_id(fresh_salesforce: SalesforceEmulator) -> None:
    with fresh_salesforce.client() as client:
        prepare_org(client, fresh_salesforce.user_id(INTEGRATION))
        _contacts(client, 1)
        info = run_job(
            client,
            {
                "object": "Appointment__c",
                "operation": "upsert",
                "externalIdFieldName": "Source_Id__c",
            },
            "Name,Source_Id__c,Contact__r.Source_Id__c,Status__c\n"
            "Exam,aerona.appointment.1,aerona.patient.0,No Show\n"
            "Exam,aerona.appointment.2,aerona.patient.404,Booked\n"
            "Exam,aerona.appointment.3,aerona.patient.0,Maybe\n",
        )
        failed = {
            r["Source_Id__c"]: r["sf__Error"] for r in results(client, info["id"], "failedResults")
        }
    contact = fresh_salesforce.records("Contact")[0]
    (appointment,) = fresh_salesforce.records("Appointment__c")
    assert appointment["Contact__c"] == contact["Id"] and appointment["Status__c"] == "No Show"
    assert failed["aerona.appointment.2"].startswith("INVALID_FIELD:Foreign key external ID")
    assert failed["aerona.appointment.3"].startswith("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")


def test_update_ignores_empty_cells_and_na_sets_null(fresh_salesforce: SalesforceEmulator) -> None:
    with fresh_salesforce.client() as client:
        created = client.post(
            "sobjects/Contact", json={"LastName": "A", "Email": "a@x.example", "Phone": "1"}
        ).json()["id"]
        info = run_job(
            client, {"object": "Contact", "operation": "update"},
            f"Id,Email,Phone\n{created},,#N/A\n",
        )  # fmt: skip
    (contact,) = fresh_salesforce.records("Contact")
    assert info["numberRecordsFailed"] == 0
    assert contact["Email"] == "a@x.example" and contact["Phone"] is None


def test_delimiters_and_crlf_follow_the_job(fresh_salesforce: SalesforceEmulator) -> None:
    with fresh_salesforce.client() as client:
        info = run_job(
            client,
            {"object": "Account", "operation": "insert", "columnDelimiter": "PIPE",
             "lineEnding": "CRLF"},
            'Name|BillingCity\r\n"A|B"|Leeds\r\n',
        )  # fmt: skip
        text = client.get(f"jobs/ingest/{info['id']}/successfulResults").text
    assert fresh_salesforce.records("Account")[0]["Name"] == "A|B"
    assert text.startswith('"sf__Id"|"sf__Created"|Name|BillingCity\r\n')


def test_audit_fields_on_insert_only(fresh_salesforce: SalesforceEmulator) -> None:
    with fresh_salesforce.client() as client:
        inserted = run_job(
            client, {"object": "Account", "operation": "insert"},
            "Name,CreatedDate\nOld,2018-01-02T03:04:05.000+01:00\n",
        )  # fmt: skip
        account_id = fresh_salesforce.records("Account")[0]["Id"]
        updated = run_job(
            client, {"object": "Account", "operation": "update"},
            f"Id,CreatedDate\n{account_id},2018-01-02T03:04:05Z\n",
        )  # fmt: skip
        failed = results(client, updated["id"], "failedResults")
    assert inserted["numberRecordsFailed"] == 0
    assert fresh_salesforce.records("Account")[0]["CreatedDate"] == "2018-01-02T02:04:05.000+0000"
    assert failed[0]["sf__Error"].startswith("INVALID_FIELD_FOR_INSERT_UPDATE:")


def test_inactive_owner_fails_the_row_not_the_job(fresh_salesforce: SalesforceEmulator) -> None:
    former = fresh_salesforce.user_id("former@smile.test")
    active = fresh_salesforce.user_id("dr.jones@smile.test")
    with fresh_salesforce.client() as client:
        info = run_job(
            client, {"object": "Account", "operation": "insert"},
            f"Name,OwnerId\nA,{former}\nB,{active}\n",
        )  # fmt: skip
        failed = results(client, info["id"], "failedResults")
    assert info["state"] == "JobComplete" and info["numberRecordsFailed"] == 1
    assert failed[0]["sf__Error"].startswith("INACTIVE_OWNER_OR_USER:")


def test_delete_and_hard_delete_take_only_an_id_column(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    with fresh_salesforce.client() as client:
        ids = [client.post("sobjects/Account", json={"Name": n}).json()["id"] for n in "AB"]
        wrong = run_job(
            client, {"object": "Account", "operation": "delete"}, f"Id,Name\n{ids[0]},A\n"
        )
        soft = run_job(client, {"object": "Account", "operation": "delete"}, f"Id\n{ids[0]}\n")
        hard = run_job(client, {"object": "Account", "operation": "hardDelete"}, f"Id\n{ids[1]}\n")
        recycle = client.get("queryAll", params={"q": "SELECT Id, IsDeleted FROM Account"}).json()
        fresh_salesforce.set_user(INTEGRATION, permissions=[])
        refused = client.post("jobs/ingest", json={"object": "Account", "operation": "hardDelete"})
    assert wrong["state"] == "Failed"
    assert soft["numberRecordsFailed"] == 0 and hard["numberRecordsFailed"] == 0
    assert [(r["Id"], r["IsDeleted"]) for r in recycle["records"]] == [(ids[0], True)]
    assert refused.json()[0]["errorCode"] == "FeatureNotEnabled"


def test_lock_contention_on_a_shared_parent_fails_rows_with_unable_to_lock_row(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    fresh_salesforce.settings(
        limits={"bulk_chunk_size": 10}, chaos={"lock_contention": 1.0, "seed": 1}
    )
    with fresh_salesforce.client() as client:
        parent = client.post("sobjects/Account", json={"Name": "Practice"}).json()["id"]
        rows = "".join(f"C{i},{parent}\n" for i in range(30))
        info = run_job(
            client, {"object": "Contact", "operation": "insert"}, "LastName,AccountId\n" + rows
        )
        failed = results(client, info["id"], "failedResults")
    assert info["numberRecordsFailed"] == 20  # every chunk after the first loses the lock
    assert {r["sf__Error"].split(":")[0] for r in failed} == {"UNABLE_TO_LOCK_ROW"}


def test_a_failing_chunk_fails_the_job_and_leaves_the_rest_unprocessed(
    fresh_salesforce: SalesforceEmulator,
) -> None:
    fresh_salesforce.settings(limits={"bulk_chunk_size": 5}, chaos={"chunk_failure": 1.0})
    with fresh_salesforce.client() as client:
        info = run_job(
            client, {"object": "Account", "operation": "insert"},
            "Name\n" + "".join(f"A{i}\n" for i in range(12)),
        )  # fmt: skip
        unprocessed = results(client, info["id"], "unprocessedRecords")
        lowercase = results(client, info["id"], "unprocessedrecords")
    assert info["state"] == "Failed" and info["errorMessage"].startswith("Timeout")
    assert len(unprocessed) == 12 and unprocessed == lowercase


def test_multipart_create_starts_upload_complete(fresh_salesforce: SalesforceEmulator) -> None:
    with fresh_salesforce.client() as client:
        response = client.post(
            "jobs/ingest",
            files={
                "job": (None, '{"object": "Account", "operation": "insert"}', "application/json"),
                "content": ("content", b"Name\nA\n", "text/csv"),
            },
        )
        fresh_salesforce.drain()
        info = client.get(f"jobs/ingest/{response.json()['id']}").json()
    assert response.json()["state"] == "UploadComplete"
    assert info["state"] == "JobComplete" and info["numberRecordsProcessed"] == 1


def test_abort_and_delete_job(fresh_salesforce: SalesforceEmulator) -> None:
    with fresh_salesforce.client() as client:
        job_id = client.post(
            "jobs/ingest", json={"object": "Account", "operation": "insert"}
        ).json()["id"]
        open_delete = client.delete(f"jobs/ingest/{job_id}")
        aborted = client.patch(f"jobs/ingest/{job_id}", json={"state": "Aborted"}).json()
        deleted = client.delete(f"jobs/ingest/{job_id}")
        again = client.get(f"jobs/ingest/{job_id}")
    assert open_delete.status_code == 400
    assert aborted["state"] == "Aborted"
    assert deleted.status_code == 204 and again.status_code == 404
