"""Local stand-ins for the customer's Azure resources: Azurite and the Dataverse emulator.

`start_local_services()` starts both on free loopback ports and returns the app settings that
point the product at them, exactly as the Function App's settings point it at Azure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from cli.azurite import Azurite, start_azurite
from emulators.dataverse.config import EmulatorConfig
from emulators.dataverse.server import RunningEmulator, start_in_thread

# The emulator seeds active users with these e-mails; one of them owns unmatched records.
DEMO_FALLBACK_OWNER = "amelia.hart@brightsmile.example"


@dataclass
class LocalServices:
    """Running local services and the settings that reach them."""

    azurite: Azurite
    dataverse: RunningEmulator
    settings: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        """Stops the emulator and Azurite."""
        self.dataverse.stop()
        self.azurite.stop()


def start_local_services(
    state_dir: Path, *, time_scale: float = 0.0, keep_destination: bool = False
) -> LocalServices:
    """Starts Azurite (data under `state_dir`) and an HTTPS Dataverse emulator.

    Args:
        state_dir: where Azurite keeps its files and the emulator writes its CA certificate.
        time_scale: the emulator's service-protection time scale (0 = no throttling delays).
        keep_destination: keep the emulator's data under `state_dir` too, so a later command
            sees what an earlier one loaded (otherwise it starts empty, in memory).
    """
    azurite = start_azurite(state_dir / "azurite")
    data_dir = state_dir / "dataverse" if keep_destination else None
    config = EmulatorConfig(time_scale=time_scale, key_activation_s=0.2, data_dir=data_dir)
    dataverse = start_in_thread(config, https=True, cert_dir=state_dir / "dataverse")
    users = [{"client_id": u.client_id, "client_secret": u.client_secret}
             for u in dataverse.users]  # fmt: skip
    settings = {
        "CLINICFERRY_STORAGE": azurite.connection_string,
        "CLINICFERRY_DATAVERSE_ORG_URL": dataverse.environment_url,
        "CLINICFERRY_DATAVERSE_TENANT_ID": dataverse.tenant_id,
        "CLINICFERRY_DATAVERSE_AUTHORITY_HOST": dataverse.authority.rsplit("/", 1)[0],
        "CLINICFERRY_DATAVERSE_CA_BUNDLE": str(dataverse.ca_file),
        "CLINICFERRY_DATAVERSE_USERS": json.dumps(users),
        "CLINICFERRY_DATAVERSE_ALLOW_METADATA_APPLY": "true",
        "CLINICFERRY_FALLBACK_OWNER_EMAIL": DEMO_FALLBACK_OWNER,
    }
    return LocalServices(azurite, dataverse, settings)
