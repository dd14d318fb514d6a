"""Helpers for the emulator's contract tests: create a keyed custom table and wait for its key."""

from __future__ import annotations

import time
from typing import Any

import httpx


def label(text: str) -> dict[str, Any]:
    """A Label body with one 1033 localized label."""
    return {
        "@odata.type": "Microsoft.Dynamics.CRM.Label",
        "LocalizedLabels": [
            {
                "@odata.type": "Microsoft.Dynamics.CRM.LocalizedLabel",
                "Label": text,
                "LanguageCode": 1033,
            }
        ],
    }


def string_column(schema: str, max_length: int = 100) -> dict[str, Any]:
    """A StringAttributeMetadata body."""
    return {
        "@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata",
        "SchemaName": schema,
        "AttributeType": "String",
        "AttributeTypeName": {"Value": "StringType"},
        "MaxLength": max_length,
        "FormatName": {"Value": "Text"},
        "RequiredLevel": {"Value": "None"},
        "DisplayName": label(schema),
    }


def add_key(api: httpx.Client, table: str, schema: str, columns: list[str]) -> None:
    """Creates an alternate key and waits until its index is Active."""
    response = api.post(
        f"EntityDefinitions(LogicalName='{table}')/Keys",
        json={"SchemaName": schema, "KeyAttributes": columns, "DisplayName": label(schema)},
    )
    assert response.status_code == 204, response.text
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        keys = api.get(f"EntityDefinitions(LogicalName='{table}')/Keys").json()["value"]
        status = {k["SchemaName"]: k["EntityKeyIndexStatus"] for k in keys}
        if status.get(schema) == "Active":
            return
        time.sleep(0.05)
    raise AssertionError(f"key {schema} did not become Active")


def add_source_key(api: httpx.Client, table: str = "contact") -> None:
    """Adds the `new_sourceid` column and an Active alternate key on it."""
    response = api.post(
        f"EntityDefinitions(LogicalName='{table}')/Attributes", json=string_column("new_SourceId")
    )
    assert response.status_code == 204, response.text
    add_key(api, table, "new_SourceIdKey", ["new_sourceid"])
