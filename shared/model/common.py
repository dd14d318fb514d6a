"""Addresses and contact points, shared by patients, staff, locations and related persons."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from shared.model.base import phi

ContactSystem = Literal["phone", "mobile", "fax", "email", "other"]
ContactUse = Literal["home", "work", "mobile", "other"]


class Address(BaseModel):
    """A postal address; `raw` keeps the source text when it had to be split."""

    model_config = ConfigDict(extra="forbid")

    lines: list[str] = phi("contact", default_factory=list)
    city: str | None = phi("contact", default=None)
    district: str | None = phi("contact", default=None)
    region: str | None = None
    postcode: str | None = phi("contact", default=None)
    country: str | None = None
    raw: str | None = phi("contact", default=None)


class ContactPoint(BaseModel):
    """A phone, e-mail or fax, raw and normalised (E.164 / normalised e-mail)."""

    model_config = ConfigDict(extra="forbid")

    system: ContactSystem
    use: ContactUse = "home"
    value_raw: str = phi("contact")
    value_normalised: str | None = phi("contact", default=None)
    is_valid: bool = True
    is_primary: bool = False
    opt_out: bool | None = None
