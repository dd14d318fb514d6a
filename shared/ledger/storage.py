"""Connects to the run's storage account: a connection string locally (Azurite), identity on Azure.

On Azure the Function App's storage account has shared keys disabled, so clients authenticate with
the app's managed identity (`DefaultAzureCredential`, or a user-assigned identity's client id).
Locally and in tests a connection string reaches Azurite.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient

ENV_CONNECTION_STRING = "CLINICFERRY_STORAGE"
ENV_ACCOUNT_NAME = "CLINICFERRY_STORAGE_ACCOUNT"
ENV_IDENTITY_CLIENT_ID = "CLINICFERRY_STORAGE_CLIENT_ID"


@dataclass(frozen=True)
class StorageSettings:
    """Either a connection string (Azurite / development) or an account name used with identity."""

    connection_string: str | None = None
    account_name: str | None = None
    identity_client_id: str | None = None

    @classmethod
    def from_environment(cls) -> StorageSettings:
        """Reads the app settings; a connection string wins over identity when both are set."""
        settings = cls(
            connection_string=os.environ.get(ENV_CONNECTION_STRING) or None,
            account_name=os.environ.get(ENV_ACCOUNT_NAME) or None,
            identity_client_id=os.environ.get(ENV_IDENTITY_CLIENT_ID) or None,
        )
        if not settings.connection_string and not settings.account_name:
            raise ValueError(f"set {ENV_CONNECTION_STRING} or {ENV_ACCOUNT_NAME} for run storage")
        return settings

    def _credential(self) -> Any:
        from azure.identity import DefaultAzureCredential  # imported lazily: heavy, Azure only

        return DefaultAzureCredential(managed_identity_client_id=self.identity_client_id)

    def blob_service(self) -> BlobServiceClient:
        """A Blob service client for staging, before-images and reports."""
        if self.connection_string:
            return BlobServiceClient.from_connection_string(self.connection_string)
        url = f"https://{self.account_name}.blob.core.windows.net"
        return BlobServiceClient(url, credential=self._credential())

    def table_service(self) -> TableServiceClient:
        """A Table service client for the run state and the audit ledger."""
        if self.connection_string:
            return TableServiceClient.from_connection_string(self.connection_string)
        url = f"https://{self.account_name}.table.core.windows.net"
        return TableServiceClient(endpoint=url, credential=self._credential())
