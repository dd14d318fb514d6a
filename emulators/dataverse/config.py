"""Emulator settings: application users, service-protection limits, time scale and chaos."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from emulators.dataverse.cost import CostModel
from emulators.dataverse.writes import ReadOnlyPolicy

DEFAULT_TENANT = "8a3c6b6e-0c5e-4e52-9f51-6d1a4c2b7e10"
_USER_NAMESPACE = uuid.UUID("2f5a1f0e-9d1b-4f0b-8f4e-3c1f7b6a9e21")


class AppUser(BaseModel):
    """An application user: an app registration (client id + secret) bound to a systemuser."""

    model_config = ConfigDict(extra="forbid")

    name: str
    client_id: str
    client_secret: str
    email: str = ""
    disabled: bool = False
    # prvBypassCustomBusinessLogic / prvBypassCustomPlugins: system administrators hold them.
    can_bypass_logic: bool = True

    @property
    def user_id(self) -> str:
        """The systemuserid, stable for a client id."""
        return str(uuid.uuid5(_USER_NAMESPACE, self.client_id.lower()))


DEFAULT_USERS = [
    AppUser(
        name="ClinicFerry Migration",
        client_id="0d6f3a52-8f0b-4c38-9a43-1b7e6c2d5f01",
        client_secret="emulator-secret-1",  # noqa: S106 - a fixed local emulator credential
        email="clinicferry-migration@emulator.local",
    )
]


class Limits(BaseModel):
    """Service-protection limits per user, over a sliding window (Microsoft's defaults)."""

    model_config = ConfigDict(extra="forbid")

    max_requests: int = 6000
    max_execution_ms: float = 1_200_000.0
    max_concurrent: int = 52
    window_s: float = 300.0


class Chaos(BaseModel):
    """Fault injection rates (0..1) for reliability tests; `seed` makes a run repeatable."""

    model_config = ConfigDict(extra="forbid")

    rate_429: float = 0.0
    rate_5xx: float = 0.0
    rate_slow: float = 0.0
    slow_ms: float = 2000.0
    rate_drop: float = 0.0
    seed: int | None = None

    @property
    def active(self) -> bool:
        """True when any fault can be injected."""
        return any((self.rate_429, self.rate_5xx, self.rate_slow, self.rate_drop))


class EmulatorConfig(BaseModel):
    """Everything that shapes one emulator instance."""

    model_config = ConfigDict(extra="forbid")

    data_dir: Path | None = None
    tenant_id: str = DEFAULT_TENANT
    users: list[AppUser] = Field(default_factory=lambda: list(DEFAULT_USERS))
    limits: Limits = Field(default_factory=Limits)
    time_scale: float = 1.0
    simulate_latency: bool = False
    chaos: Chaos = Field(default_factory=Chaos)
    costs: CostModel = Field(default_factory=CostModel)
    annotation_max_bytes: int = 5_242_880
    key_activation_s: float = 2.0
    readonly_policy: ReadOnlyPolicy = "ignore"
    reject_disabled_owner: bool = False
    dop_hint: int = 8
    token_lifetime_s: int = 3599

    @property
    def window_s(self) -> float | None:
        """The real-time length of the sliding window; None (no window limits) at time scale 0."""
        if self.time_scale <= 0:
            return None
        return self.limits.window_s * self.time_scale


def load_users(spec: str) -> list[AppUser]:
    """Users from a YAML/JSON file, or from `name:client_id:secret[,...]` text.

    Raises:
        ValueError: The file or text does not describe users (names the file and the path).
    """
    path = Path(spec)
    if path.is_file():
        raw = (
            yaml.safe_load(path.read_text(encoding="utf-8"))
            if path.suffix in (".yaml", ".yml")
            else json.loads(path.read_text(encoding="utf-8"))
        )
        items = raw.get("users", raw) if isinstance(raw, dict) else raw
        users = []
        for index, item in enumerate(items or []):
            try:
                users.append(AppUser.model_validate(item))
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                raise ValueError(f"{path.name}: users[{index}].{where}: {first['msg']}") from None
        return users
    users = []
    for item in spec.split(","):
        parts = item.strip().split(":")
        if len(parts) != 3:
            raise ValueError("--users expects a file or name:client_id:secret[,...]")
        users.append(AppUser(name=parts[0], client_id=parts[1], client_secret=parts[2]))
    return users
