"""Staff members: practitioners, providers and users, with the e-mail used for owner matching."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import Field

from shared.model.base import CanonicalRecord, Coding, Identifier, phi
from shared.model.common import ContactPoint

StaffKind = Literal[
    "dentist",
    "hygienist",
    "therapist",
    "oral_health_therapist",
    "nurse",
    "assistant",
    "receptionist",
    "manager",
    "lab_technician",
    "physician",
    "other",
]


class StaffMember(CanonicalRecord):
    """A practitioner or staff user; `email` is how destination owners are resolved."""

    kind: ClassVar[str] = "staff"

    staff_kind: StaffKind = "other"
    staff_kind_raw: str | None = None
    title: str | None = None
    given_name: str = phi("identifying")
    middle_name: str | None = phi("identifying", default=None)
    family_name: str = phi("identifying")
    suffix: str | None = None
    specialty: Coding | None = None
    identifiers: list[Identifier] = Field(default_factory=list)
    email: str | None = phi("contact", default=None)
    phones: list[ContactPoint] = Field(default_factory=list)
    location_ids: list[str] = Field(default_factory=list)
    is_active: bool = True
    start_date: date | None = None
    end_date: date | None = None
    commission_percent: Decimal | None = None
    calendar_colour: str | None = None
    login_username: str | None = None
