"""Canonical model: provenance keys, PHI marking, and strictness on unknown fields."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from shared.model import (
    OBJECT_KINDS,
    Appointment,
    ContactPoint,
    Identifier,
    Invoice,
    Patient,
    SourceRef,
)

REF = SourceRef(file="patients.csv", row=7)


def make_patient(**overrides: object) -> Patient:
    fields: dict[str, object] = {
        "source_system": "aerona",
        "source_id": "P001",
        "source_ref": REF,
        "given_name": "Ada",
        "family_name": "Example",
        "date_of_birth": date(1980, 2, 29),
    }
    fields.update(overrides)
    return Patient.model_validate(fields)


def test_record_key_names_system_kind_and_source_id() -> None:
    assert make_patient().record_key == "aerona:patient:P001"


def test_every_object_kind_is_registered_once() -> None:
    assert len(OBJECT_KINDS) == 23
    assert OBJECT_KINDS["appointment"] is Appointment


def test_patient_identity_and_clinical_fields_are_marked_phi() -> None:
    marked = Patient.phi_fields()
    assert marked["given_name"] == "identifying"
    assert marked["date_of_birth"] == "identifying"
    assert marked["medical_alerts"] == "clinical"
    assert "status" not in marked
    assert Invoice.phi_fields()["total"] == "financial"


def test_unknown_field_is_rejected_not_silently_dropped() -> None:
    with pytest.raises(ValidationError):
        make_patient(favourite_colour="blue")


def test_primary_contact_prefers_primary_and_normalised_values() -> None:
    patient = make_patient(
        contact_points=[
            ContactPoint(system="phone", value_raw="020 7946 0958"),
            ContactPoint(
                system="phone",
                value_raw="07400 123456",
                value_normalised="+447400123456",
                is_primary=True,
            ),
        ]
    )
    assert patient.primary_contact("phone") == "+447400123456"
    assert patient.primary_contact("email") is None


def test_identifier_lookup_and_source_ref_text() -> None:
    patient = make_patient(identifiers=[Identifier(system="gb-nhs", value="9434765870")])
    assert patient.identifier("gb-nhs") is not None
    assert str(SourceRef(file="x.xlsx", sheet="Patients", row=3)) == "x.xlsx[Patients]:3"


def test_appointment_keeps_raw_status_beside_canonical_no_show() -> None:
    appt = Appointment(
        source_system="aerona",
        source_id="A1",
        source_ref=REF,
        patient_id="P001",
        start=datetime(2024, 3, 7, 9, 30),
        status="no_show",
        status_raw="DNA",
    )
    assert (appt.status, appt.status_raw) == ("no_show", "DNA")


def test_invoice_money_is_decimal() -> None:
    invoice = Invoice(
        source_system="drdentes",
        source_id="F1",
        source_ref=REF,
        number="F1",
        patient_id="P1",
        issued_at=date(2024, 1, 2),
        total="1234.50",
        currency="TRY",
    )
    assert invoice.total == Decimal("1234.50")
