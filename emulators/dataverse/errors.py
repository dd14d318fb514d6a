"""Dataverse error bodies: `{"error":{"code","message"}}` with the codes the real service uses."""

from __future__ import annotations

from typing import Any

# Hex codes the Web API returns, named after the SDK's ErrorCodes where one exists.
RESOURCE_NOT_FOUND = "0x8006088a"
PAYLOAD_ERROR = "0x80048d19"
VALIDATION = "0x0"
OBJECT_DOES_NOT_EXIST = "0x80040217"
DUPLICATE_KEY = "0x80040237"
DUPLICATE_DETECTED = "0x80040333"
UNEXPECTED = "0x80040216"
INVALID_ARGUMENT = "0x80040203"
ATTACHMENT_TOO_BIG = "0x80044a02"
CONCURRENCY_MISMATCH = "0x80060882"
REQUESTS_LIMIT = "0x80072322"
EXECUTION_TIME_LIMIT = "0x80072321"
CONCURRENCY_LIMIT = "0x80072326"
PRIVILEGE_DENIED = "0x80040220"
USER_DISABLED = "0x80040225"


class DataverseError(Exception):
    """An error the emulator answers with, exactly as the Web API shapes it.

    Messages may name tables, columns and record ids, never a column's value.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self, annotations: bool = False) -> dict[str, Any]:
        """The JSON body; with include-annotations the CDS error-detail members are added."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if annotations:
            error["@Microsoft.PowerApps.CDS.ErrorDetails.HttpStatusCode"] = str(self.status)
            error["@Microsoft.PowerApps.CDS.HelpLink"] = (
                "http://go.microsoft.com/fwlink/?LinkID=398563&error=Microsoft.Crm.CrmException"
                f"%3a{self.code.removeprefix('0x')}&client=platform"
            )
            error["@Microsoft.PowerApps.CDS.TraceText"] = ""
        return {"error": error}


def resource_not_found(segment: str) -> DataverseError:
    """Unknown entity set or path segment (names are case-sensitive)."""
    return DataverseError(
        404, RESOURCE_NOT_FOUND, f"Resource not found for the segment '{segment}'."
    )


def no_http_resource(url: str) -> DataverseError:
    """Wrong method on a function or action, e.g. POST WhoAmI."""
    return DataverseError(
        404, "0x8006088a", f"No HTTP resource was found that matches the request URI '{url}'."
    )


def invalid_property(prop: str, table: str) -> DataverseError:
    """A body property the table does not have."""
    return DataverseError(
        400,
        VALIDATION,
        "An error occurred while validating input parameters: Microsoft.Crm.CrmException: "
        f"Invalid property '{prop}' was found in entity 'Microsoft.Dynamics.CRM.{table}'. ---> "
        "Microsoft.OData.ODataException: Does not support untyped value in non-open type.",
    )


def property_not_found(prop: str, table: str) -> DataverseError:
    """Unknown column in $select, $filter or $orderby."""
    return DataverseError(
        400,
        VALIDATION,
        f"Could not find a property named '{prop}' on type 'Microsoft.Dynamics.CRM.{table}'.",
    )


def undeclared_property(prop: str, entity_set: str) -> DataverseError:
    """An @odata.bind on a navigation property the table does not declare."""
    return DataverseError(
        400,
        PAYLOAD_ERROR,
        f"Error identified in Payload provided by the user for Entity :'{entity_set}' ----> "
        "InnerException : Microsoft.OData.ODataException: An undeclared property "
        f"'{prop}' which only has property annotations in the payload but no property value "
        "was found in the payload. In OData, only declared navigation properties and declared "
        "named streams can be represented as properties without values.",
    )


def record_not_found(table: str, record_id: str) -> DataverseError:
    """Retrieve/update/delete of an id that does not exist."""
    return DataverseError(404, "", f"{table} With Id = {record_id} Does Not Exist")


def records_not_found(table: str, ids: list[str]) -> DataverseError:
    """UpdateMultiple naming ids that do not exist."""
    return DataverseError(
        404, OBJECT_DOES_NOT_EXIST, f"{table.capitalize()} With Ids = {','.join(ids)} Do Not Exist"
    )


def record_exists() -> DataverseError:
    """`If-None-Match: *` on a record that exists."""
    return DataverseError(412, "", "A record with matching key values already exists.")


def duplicate_key() -> DataverseError:
    """An alternate-key value already used by another record of the table."""
    return DataverseError(412, DUPLICATE_KEY, "Cannot insert duplicate key.")


def version_mismatch() -> DataverseError:
    """`If-Match: W/"n"` that is not the record's current version."""
    return DataverseError(
        412,
        CONCURRENCY_MISMATCH,
        "The version of the existing record doesn't match the RowVersion property provided.",
    )


def invalid_key(table: str) -> DataverseError:
    """A key segment whose columns are not a declared (active) alternate key."""
    return DataverseError(
        400,
        VALIDATION,
        f"The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM.{table}'. "
        "Ensure that the names and number of key properties match the declared or alternate key "
        f"properties for the resource 'Microsoft.Dynamics.CRM.{table}'.",
    )


def bad_request(message: str, code: str = VALIDATION) -> DataverseError:
    """A 400 with the given message; callers keep values out of it."""
    return DataverseError(400, code, message)
