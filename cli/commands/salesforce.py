"""`python -m cli salesforce plan|owners`: schema plan + metadata package, owner report.

Connection settings come from the environment (`CLINICFERRY_SALESFORCE_*`, see
shared/destinations/salesforce/settings.py); nothing is written to the org unless `plan --apply`
is given and the settings allow metadata changes. The package zip can instead be deployed by an
admin (`sf project deploy start --metadata-dir`, Workbench) before the run.
"""

from __future__ import annotations

from typing import Any

from cli.destination_commands import DestinationCommand, register_destination_command
from shared.destinations.salesforce import SalesforceDestination, SalesforceSettings

COMMAND = DestinationCommand(
    name="salesforce",
    title="Salesforce",
    create=lambda: SalesforceDestination(SalesforceSettings()),  # type: ignore[call-arg]
    package_file="clinicferry-metadata.zip",
    package=lambda destination, plan: destination.metadata_package(plan),
)


def register(commands: Any) -> None:
    """Adds `salesforce plan` and `salesforce owners`."""
    register_destination_command(commands, COMMAND)
