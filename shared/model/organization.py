"""Organisations (the practice group) and locations (sites / clinics) with a parent hierarchy."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.model.base import CanonicalRecord
from shared.model.common import Address, ContactPoint


class Chair(BaseModel):
    """A chair / operatory / unit inside a location."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str


class Organization(CanonicalRecord):
    """The practice group or legal entity; `parent_id` builds multi-level hierarchies."""

    kind: ClassVar[str] = "organization"

    name: str
    legal_name: str | None = None
    parent_id: str | None = None
    tax_id: str | None = None
    tax_id_type: str | None = None
    country: str | None = None
    default_currency: str | None = None
    default_locale: str | None = None
    timezone: str | None = None


class Location(CanonicalRecord):
    """A practice site / clinic; belongs to an organization and may have a parent location."""

    kind: ClassVar[str] = "location"

    name: str
    organization_id: str | None = None
    parent_location_id: str | None = None
    abbr: str | None = None
    address: Address | None = None
    phones: list[ContactPoint] = Field(default_factory=list)
    email: str | None = None
    timezone: str | None = None
    is_active: bool = True
    chairs: list[Chair] = Field(default_factory=list)
