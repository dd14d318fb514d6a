"""`python -m cli dataverse plan|owners`: schema plan + solution zip, owner report (JSON + CSV).

Connection settings come from the environment (`CLINICFERRY_DATAVERSE_*`, see
shared/destinations/dataverse/settings.py); nothing here is written to the destination unless
`plan --apply` is given and the settings allow metadata changes.
"""

from __future__ import annotations

from typing import Any

from cli.destination_commands import DestinationCommand, register_destination_command
from shared.destinations.dataverse import DataverseDestination, DataverseSettings

COMMAND = DestinationCommand(
    name="dataverse",
    title="Dataverse",
    create=lambda: DataverseDestination(DataverseSettings()),  # type: ignore[call-arg]
    package_file="clinicferry-solution.zip",
    package=lambda destination, plan: destination.solution_zip(plan),
)


def register(commands: Any) -> None:
    """Adds `dataverse plan` and `dataverse owners`."""
    register_destination_command(commands, COMMAND)
