"""Per-source facts the generator tests check exports against (from mappings/sources/README.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from stdnum.gb import nhs
from stdnum.tr import tckimlik


def medicare_valid(value: str) -> bool:
    """Australian Medicare card number check digit (reference §3.3)."""
    weights = (1, 3, 7, 9, 1, 3, 7, 9)
    if len(value) != 10 or not value.isdigit() or value[0] not in "23456":
        return False
    return sum(int(c) * w for c, w in zip(value[:8], weights, strict=True)) % 10 == int(value[8])


def npi_valid(value: str) -> bool:
    """US NPI: Luhn over 80840 + the ten digits (reference §3.2)."""
    if len(value) != 10 or not value.isdigit() or value[0] not in "12":
        return False
    total = 0
    for index, char in enumerate(reversed("80840" + value)):
        number = int(char) * (2 if index % 2 else 1)
        total += number - 9 if number > 9 else number
    return total % 10 == 0


@dataclass(frozen=True)
class SourceFacts:
    """Where a source keeps what the tests look at."""

    patients: str
    patient_id: str
    given: str
    family: str | None  # None: one "Last, First" cell in `given`
    dob: str
    date_format: str | None  # None: Excel date cells
    email: str
    mobile: str
    region: str
    appointments: str
    appointment_patient: str
    appointment_status: str
    documents: str
    document_file: str
    document_size: str
    identifier_file: str
    identifier: str
    identifier_valid: Any

    def parse_date(self, value: Any) -> date | None:
        """The date a cell holds, or None when it is malformed."""
        if isinstance(value, datetime):
            return value.date()
        try:
            return datetime.strptime(str(value), self.date_format or "%d/%m/%Y").date()
        except ValueError:
            return None

    def name_key(self, row: dict[str, Any]) -> tuple[str, str]:
        """(given, family) of a patient row."""
        if self.family is None:
            family, _, given = str(row[self.given]).partition(",")
            return given, family
        return str(row[self.given]), str(row[self.family])


SOURCES: dict[str, SourceFacts] = {
    "aerona": SourceFacts(
        "Patients.csv", "Patient ID", "First Name", "Last Name", "Date of Birth", "%d/%m/%Y",
        "Email", "Mobile Phone", "GB", "Appointments.csv", "Patient ID", "Status",
        "Documents.csv", "File Name", "File Size", "Patients.csv", "NHS Number",
        lambda v: nhs.is_valid(v.replace(" ", "")),
    ),
    "drdentes": SourceFacts(
        "hastalar.csv", "Hasta No", "Adı", "Soyadı", "Doğum Tarihi", "%d.%m.%Y", "E-posta",
        "Cep Telefonu", "TR", "randevular.csv", "Hasta No", "Durum", "belgeler.csv",
        "Dosya Adı", "Boyut (bayt)", "hastalar.csv", "TC Kimlik No", tckimlik.is_valid,
    ),
    "core_practice": SourceFacts(
        "PatientListReport.xlsx", "Patient ID", "Patient", None, "Date of Birth", None, "Email",
        "Mobile", "AU", "AppointmentReport.xlsx", "Patient ID", "Status",
        "AttachmentReport.xlsx", "File Name", "Size (bytes)", "PatientListReport.xlsx",
        "Medicare Number", medicare_valid,
    ),
    "generic": SourceFacts(
        "patients.csv", "legacy_patient_id", "first_name", "last_name", "date_of_birth",
        "%Y-%m-%d", "email", "phone_mobile", "US", "appointments.csv", "legacy_patient_id",
        "status", "documents.csv", "file_name", "size_bytes", "practitioners.csv", "npi",
        npi_valid,
    ),
}  # fmt: skip
