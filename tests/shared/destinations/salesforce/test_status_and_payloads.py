"""The status-to-error table, Bulk error cells, and payloads rendered as CSV and sObject JSON."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from shared.destinations.errors import RecordRejected, TerminalError, TransientError
from shared.destinations.salesforce.payloads import lookup_field, parse_csv, to_csv, to_sobject
from shared.destinations.salesforce.status import error_for, parse_bulk_error


@pytest.mark.parametrize(
    ("status", "body", "kind", "reason"),
    [
        (403, [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "Ada Example"}], TransientError,
         "api_limit_exceeded"),
        (503, [{"errorCode": "SERVER_UNAVAILABLE", "message": "Ada Example"}], TransientError,
         "service_unavailable"),
        (429, None, TransientError, "service_unavailable"),
        (401, [{"errorCode": "INVALID_SESSION_ID", "message": "Ada Example"}], TerminalError,
         "session_invalid"),
        (403, [{"errorCode": "INSUFFICIENT_ACCESS", "message": "Ada Example"}], TerminalError,
         "insufficient_access"),
        (404, [{"errorCode": "NOT_FOUND", "message": "Ada Example"}], TerminalError,
         "schema_not_ready"),
        (400, [{"errorCode": "INVALID_FIELD", "message": "Ada Example"}], TerminalError,
         "schema_not_ready"),
        (400, [{"errorCode": "STRING_TOO_LONG", "message": "Ada Example"}], RecordRejected,
         "string_too_long"),
        (300, ["/services/data/v62.0/sobjects/Contact/003"], RecordRejected,
         "duplicate_external_id"),
    ],
)  # fmt: skip
def test_status_table(status: int, body: Any, kind: type, reason: str) -> None:
    error = error_for(status, body)
    assert isinstance(error, kind) and error.reason_code == reason
    assert "Ada" not in str(error.to_dict())  # the service's message is never kept


def test_daily_limit_waits_an_hour_unless_told_otherwise() -> None:
    error = error_for(403, [{"errorCode": "REQUEST_LIMIT_EXCEEDED"}])
    assert isinstance(error, TransientError) and error.retry_after == 3600


def test_bulk_error_cell_gives_code_and_fields_without_the_message() -> None:
    cell = "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --"
    assert parse_bulk_error(cell) == ("REQUIRED_FIELD_MISSING", ["LastName"])


def test_csv_keeps_missing_columns_empty_and_nulls_as_na_on_upserts() -> None:
    rows = [
        {"Source_Id__c": "a.1", "Email": None, "IsVip__c": True},
        {"Source_Id__c": "a,2", "Birthdate": date(1980, 2, 29), "Fee__c": Decimal("1E+2")},
        {"Source_Id__c": "a.3", "Start__c": datetime(2024, 7, 1, 10, 0, tzinfo=timezone(
            timedelta(hours=1)))},
    ]  # fmt: skip
    upsert = parse_csv(to_csv(rows, updates=True))
    insert = parse_csv(to_csv(rows, updates=False))
    assert upsert[0] == {"Source_Id__c": "a.1", "Email": "#N/A", "IsVip__c": "true",
                         "Birthdate": "", "Fee__c": "", "Start__c": ""}  # fmt: skip
    assert upsert[1]["Source_Id__c"] == "a,2" and upsert[1]["Fee__c"] == "100"
    assert upsert[1]["Birthdate"] == "1980-02-29"
    assert upsert[2]["Start__c"] == "2024-07-01T09:00:00.000Z"
    assert insert[0]["Email"] == ""


def test_naive_datetimes_are_taken_as_utc() -> None:
    (row,) = parse_csv(to_csv([{"At__c": datetime(2024, 1, 2, 3, 4, 5)}], updates=False))
    assert row["At__c"] == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC).strftime(
        "%Y-%m-%dT%H:%M:%S.000Z"
    )


def test_sobject_json_nests_relationship_columns() -> None:
    body = to_sobject(
        {"Name": "Exam", "Contact__r.Source_Id__c": "a.p.1", "Contact:Who.Source_Id__c": "a.p.2",
         "Account.Source_Id__c": None, "Fee__c": Decimal("12.50")},
        "Appointment__c",
    )  # fmt: skip
    assert body == {
        "attributes": {"type": "Appointment__c"},
        "Name": "Exam",
        "Contact__r": {"Source_Id__c": "a.p.1"},
        "Who": {"attributes": {"type": "Contact"}, "Source_Id__c": "a.p.2"},
        "AccountId": None,
        "Fee__c": "12.50",
    }


@pytest.mark.parametrize(
    ("column", "field"),
    [("Contact__r.Source_Id__c", "Contact__c"), ("Account.Source_Id__c", "AccountId"),
     ("Parent.Source_Id__c", "ParentId"), ("Contact:Who.Source_Id__c", "WhoId")],
)  # fmt: skip
def test_lookup_field_of_a_relationship_column(column: str, field: str) -> None:
    assert lookup_field(column) == field
