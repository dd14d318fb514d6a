"""Drop 2 of an export differs from drop 1 by exactly the changes its manifest lists."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from cli.synthetic.changes import ChangePlan
from cli.synthetic.generator import GenerateOptions, generate_export
from cli.synthetic.readback import iter_rows, load_manifest

COUNTS = {
    "new_patients": 4,
    "deleted_patients": 2,
    "moved_appointments": 3,
    "paid_invoices": 3,
    "changed_emails": 2,
}


def _by_id(export: Path, name: str, column: str) -> dict[str, dict[str, str]]:
    return {row[column]: row for row in iter_rows(export, name)}


def test_drop_two_carries_exactly_the_planned_changes(tmp_path: Path) -> None:
    one, two = tmp_path / "drop1", tmp_path / "drop2"
    generate_export(GenerateOptions("aerona", 90, 6, one))
    plan = ChangePlan.draw(COUNTS, 90, 6)
    generate_export(GenerateOptions("aerona", 90, 6, two, drop=2, changes=plan))
    changes = load_manifest(two)["changes"]
    done = Counter(c["change"] for c in changes)
    assert done == {
        "new_patient": 4,
        "deleted_patient": 2,
        "moved_appointment": 3,
        "paid_invoice": 3,
        "changed_email": 2,
    }
    ids = {c["change"]: set() for c in changes}
    for change in changes:
        ids[change["change"]].add(change["source_id"])

    patients1 = _by_id(one, "Patients.csv", "Patient ID")
    patients2 = _by_id(two, "Patients.csv", "Patient ID")
    assert set(patients2) == set(patients1) - ids["deleted_patient"] | ids["new_patient"]
    for patient_id, row in patients1.items():
        if patient_id in ids["deleted_patient"]:
            continue
        if patient_id in ids["changed_email"]:
            assert patients2[patient_id]["Email"] != row["Email"]
        else:
            assert patients2[patient_id] == row

    linked = {r["Linked Patient ID"] for r in iter_rows(two, "PatientContacts.csv")} - {""}
    assert linked <= set(patients2)  # deleting a patient orphans nothing else

    appointments1 = _by_id(one, "Appointments.csv", "Appointment ID")
    appointments2 = _by_id(two, "Appointments.csv", "Appointment ID")
    deleted = ids["deleted_patient"] | ids["new_patient"]
    for appointment_id, row in appointments2.items():
        if row["Patient ID"] in deleted:
            continue
        before = appointments1[appointment_id]
        moved = appointment_id in ids["moved_appointment"]
        assert (before["Date"] != row["Date"]) == moved
        assert {k: v for k, v in before.items() if k not in ("Date", "Start Time")} == {
            k: v for k, v in row.items() if k not in ("Date", "Start Time")
        }

    invoices1 = _by_id(one, "Invoices.csv", "Invoice No")
    invoices2 = _by_id(two, "Invoices.csv", "Invoice No")
    received: Counter[str] = Counter()
    for payment in iter_rows(two, "Payments.csv"):
        received[payment["Invoice No"]] += round(float(payment["Amount"]) * 100)
    for invoice_id in ids["paid_invoice"]:
        number = f"INV{invoice_id}"
        assert invoices1[number]["Status"] != "Paid"
        assert (invoices2[number]["Status"], invoices2[number]["Amount Due"]) == ("Paid", "0.00")
        assert received[number] == round(float(invoices2[number]["Amount"]) * 100)


def test_drop_one_ignores_a_change_plan(tmp_path: Path) -> None:
    plan = ChangePlan.draw(COUNTS, 30, 2)
    generate_export(GenerateOptions("generic", 30, 2, tmp_path, changes=plan))
    assert load_manifest(tmp_path)["changes"] == []


@pytest.mark.parametrize("patients", [31, 32, 33, 34, 35])
def test_new_patients_never_change_earlier_rows(patients: int, tmp_path: Path) -> None:
    # Whatever family the first drop ends in the middle of, drop 2 continues it unchanged.
    plan = ChangePlan.draw({"new_patients": 6}, patients, 8)
    kinds = frozenset({"patient"})
    generate_export(GenerateOptions("drdentes", patients, 8, tmp_path / "1", objects=kinds))
    generate_export(
        GenerateOptions("drdentes", patients, 8, tmp_path / "2", objects=kinds, drop=2,
                        changes=plan)
    )  # fmt: skip
    before = _by_id(tmp_path / "1", "hastalar.csv", "Hasta No")
    after = _by_id(tmp_path / "2", "hastalar.csv", "Hasta No")
    assert len(after) == len(before) + 6
    assert all(after[key] == row for key, row in before.items())
