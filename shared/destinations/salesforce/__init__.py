"""Salesforce Sales Cloud destination: Bulk API 2.0 writes, metadata packages, Files."""

from shared.destinations.salesforce.destination import SalesforceDestination, create_destination
from shared.destinations.salesforce.settings import SalesforceSettings

__all__ = ["SalesforceDestination", "SalesforceSettings", "create_destination"]
