"""Payers and coverage, invoices with lines, payments (refunds negative), claims, fee schedules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.model.base import CanonicalRecord, phi

InvoiceStatus = Literal["draft", "issued", "part_paid", "paid", "void", "written_off"]
PaymentMethod = Literal[
    "cash", "card", "eftpos", "cheque", "bank_transfer", "direct_debit", "hicaps",
    "medicare", "insurance", "finance", "voucher", "refund", "other",
]  # fmt: skip


class Payer(CanonicalRecord):
    """An insurer, health fund or public scheme."""

    kind: ClassVar[str] = "payer"

    name: str
    payer_type: Literal[
        "private_insurer", "health_fund", "government_scheme", "employer", "self_pay", "other"
    ] = "other"
    payer_identifier: str | None = None


class Coverage(CanonicalRecord):
    """A patient's insurance policy / funding with a payer."""

    kind: ClassVar[str] = "coverage"

    patient_id: str
    payer_id: str | None = None
    payer_name: str | None = None
    plan_name: str | None = None
    group_number: str | None = None
    member_id: str = phi("identifying")
    relationship_to_subscriber: Literal["self", "spouse", "child", "other"] = "self"
    order: int = 1
    effective_from: date | None = None
    effective_to: date | None = None
    annual_max: Decimal | None = None
    status: Literal["active", "ended", "unknown"] = "active"


class InvoiceLine(BaseModel):
    """A line on an invoice."""

    model_config = ConfigDict(extra="forbid")

    procedure_line_id: str | None = None
    description: str | None = None
    code: str | None = None
    quantity: Decimal = Decimal("1")
    unit_price: Decimal = Decimal("0")
    discount: Decimal = Decimal("0")
    tax: Decimal = Decimal("0")
    total: Decimal = Decimal("0")


class Invoice(CanonicalRecord):
    """An invoice / billing record; totals are financial PHI."""

    kind: ClassVar[str] = "invoice"

    number: str
    patient_id: str
    bill_to_id: str | None = None
    location_id: str | None = None
    practitioner_id: str | None = None
    issued_at: date
    due_date: date | None = None
    status: InvoiceStatus = "issued"
    status_raw: str | None = None
    lines: list[InvoiceLine] = Field(default_factory=list)
    total: Decimal = phi("financial")
    amount_paid: Decimal = phi("financial", default=Decimal("0"))
    balance: Decimal = phi("financial", default=Decimal("0"))
    currency: str


class Payment(CanonicalRecord):
    """A payment received; refunds are negative amounts (Dr.DENTES)."""

    kind: ClassVar[str] = "payment"

    patient_id: str
    invoice_id: str | None = None
    received_at: date
    amount: Decimal = phi("financial")
    method: PaymentMethod = "other"
    method_raw: str | None = None
    reference: str | None = None
    currency: str


class Claim(CanonicalRecord):
    """An insurance claim (open claims are usually re-created, exported for the billing system)."""

    kind: ClassVar[str] = "claim"

    patient_id: str
    coverage_id: str | None = None
    payer_id: str | None = None
    claim_number: str | None = None
    status: Literal[
        "draft", "sent", "received", "paid", "part_paid", "denied", "void", "on_hold"
    ] = "sent"
    service_date: date
    total_billed: Decimal = phi("financial")
    total_paid: Decimal = phi("financial", default=Decimal("0"))
    currency: str


class ProcedureCode(CanonicalRecord):
    """A treatment code in the practice's catalogue, with its standard fee (-> CRM product)."""

    kind: ClassVar[str] = "procedure_code"

    system: str
    code: str
    short_description: str
    category: str | None = None
    default_fee: Decimal | None = None
    currency: str | None = None
    nhs_band: str | None = None
    active: bool = True


class FeeScheduleItem(CanonicalRecord):
    """A fee for a code in a named fee schedule (-> CRM price list item)."""

    kind: ClassVar[str] = "fee_schedule_item"

    fee_schedule: str
    code: str
    amount: Decimal
    currency: str
    tax_inclusive: bool = True
