"""The Dataverse (Dynamics 365 Sales) destination: Web API client, schema plan, bulk writer."""

from __future__ import annotations

from shared.destinations.dataverse.destination import DataverseDestination, create_destination
from shared.destinations.dataverse.settings import ApplicationUser, DataverseSettings

__all__ = ["ApplicationUser", "DataverseDestination", "DataverseSettings", "create_destination"]
