"""Azurite fixture: the real Blob and Table clients work against it."""

from __future__ import annotations

import uuid

import pytest
from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient

pytestmark = pytest.mark.integration


def test_blob_round_trip(storage_connection_string: str) -> None:
    service = BlobServiceClient.from_connection_string(storage_connection_string)
    container = service.get_container_client(f"t{uuid.uuid4().hex[:12]}")
    container.create_container()
    container.upload_blob("page-0001.jsonl.gz", b"payload")
    assert container.download_blob("page-0001.jsonl.gz").readall() == b"payload"


def test_table_round_trip(storage_connection_string: str) -> None:
    service = TableServiceClient.from_connection_string(storage_connection_string)
    table = service.create_table_if_not_exists(f"t{uuid.uuid4().hex[:12]}")
    table.upsert_entity({"PartitionKey": "run-1", "RowKey": "contact:42", "operation": "created"})
    assert table.get_entity("run-1", "contact:42")["operation"] == "created"
