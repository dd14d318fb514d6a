"""Every row of the five seed pages' object-mapping tables, performed by the shipped maps.

Each case turns one canonical record of a small linked practice into the payload the
destination writer receives and checks the columns that make the seed row true.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from shared.mapping.compiler import compile_map
from shared.mapping.custom_fields import definitions_from_records, expand_custom_fields
from shared.mapping.loader import MAPPINGS_DIR, load_map
from tests.fixtures.mapping import STAFF_USER_ID, practice_records, run_context

# The seed pages live in shared/ beside the checkout (CI) or a few levels up (worktrees).
SEEDS = next(
    (
        p / "shared" / "seeds"
        for p in Path(__file__).resolve().parents[4:]
        if (p / "shared" / "seeds").is_dir()
    ),
    Path("/nonexistent"),
)
PAIRS = {
    "000_2508579d06baad69": "dataverse/aerona",
    "001_b04a83b2ffd1ffee": "dataverse/generic_csv",
    "002_7d4017f00545cea4": "salesforce/aerona",
    "003_6cff44235111face": "dataverse/drdentes",
    "004_122118dd0348b6bc": "dataverse/core_practice",
}
USER = f"/systemusers({STAFF_USER_ID})"


@dataclass(frozen=True)
class Case:
    pair: str
    row: str
    entry: str
    expected: dict[str, Any]
    options: dict[str, str] = field(default_factory=dict)
    deferred: dict[str, Any] = field(default_factory=dict)


def contact(system: str) -> str:
    return f"/contacts(new_sourceid='{system}.patient.P1')"


CASES = [
    # ---- 000 AeronaClinic -> Dynamics 365 Sales
    Case("dataverse/aerona", "Patient -> Contact", "patient_contact", {
        "new_sourceid": "aerona.patient.P1", "firstname": "Ada", "lastname": "Example",
        "birthdate": "1980-02-29", "gendercode": 2, "emailaddress1": "ada@example.test",
        "mobilephone": "+447700900123", "address1_city": "Leeds",
        "parentcustomerid_account@odata.bind": "/accounts(new_sourceid='aerona.location.L2')",
        "overriddencreatedon": "2021-03-04T09:30:00Z"}),
    Case("dataverse/aerona", "Patient -> Account", "location_account", {
        "name": "Smile Dental Leeds", "address1_postalcode": "LS1 5AB"},
        deferred={"parentaccountid@odata.bind": "/accounts(new_sourceid='aerona.location.L1')"}),
    Case("dataverse/aerona", "Appointment -> Appointment (Activity)", "appointment", {
        "scheduledstart": "2024-07-01T09:00:00Z", "scheduledend": "2024-07-01T09:30:00Z",
        "scheduleddurationminutes": 30, "new_treatmenttype": "Exam",
        "regardingobjectid_contact_appointment@odata.bind": contact("aerona"),
        "ownerid@odata.bind": USER,
        "appointment_activity_parties": [
            {"partyid_systemuser@odata.bind": USER, "participationtypemask": 7},
            {"partyid_contact@odata.bind": contact("aerona"), "participationtypemask": 5},
        ]}, deferred={"statecode": 2, "statuscode": 4}),
    Case("dataverse/aerona", "Treatment Plan -> Custom Table: TreatmentPlan", "treatment_plan", {
        "new_name": "Upper crown", "new_status": 100000002, "new_estimatedcost": 450.0,
        "new_PatientId@odata.bind": contact("aerona")}),
    Case("dataverse/aerona", "Treatment Plan -> Custom Table: TreatmentPlan", "treatment_plan_line", {
        "new_procedurecode": "D2750", "new_status": 100000000,
        "new_TreatmentPlanId@odata.bind": "/new_treatmentplans(new_sourceid='aerona.treatment_plan.TP1')"}),
    Case("dataverse/aerona", "Clinical Note -> Custom Table: ClinicalNote", "clinical_note", {
        "new_notetext": "<p>Caries <b>UR6</b></p>", "new_writtenon": "2024-07-01T09:25:00Z",
        "new_ProviderId@odata.bind": USER, "new_PatientId@odata.bind": contact("aerona")}),
    Case("dataverse/aerona", "Billing Record / Invoice -> Custom Table: PatientInvoice", "invoice", {
        "new_name": "INV-1001", "new_amount": 120.5, "new_paymentstatus": 100000003,
        "new_AccountId@odata.bind": "/accounts(new_sourceid='aerona.location.L2')",
        "new_PatientId@odata.bind": contact("aerona")}),
    Case("dataverse/aerona", "Guarantor / Emergency Contact -> Contact + Contact Relationship",
         "related_person_contact", {"firstname": "Bob", "lastname": "Example",
         "parentcustomerid_contact@odata.bind": contact("aerona")}),
    Case("dataverse/aerona", "Guarantor / Emergency Contact -> Contact + Contact Relationship",
         "patient_relationship", {"new_roles": "100000000,100000001", "new_relationship": 100000003,
         "new_RelatedContactId@odata.bind": "/contacts(new_sourceid='aerona.related_person.R1')"}),
    Case("dataverse/aerona", "Provider / Staff -> SystemUser", "staff_user",
         {"new_sourceid": "aerona.staff.S1"}),
    Case("dataverse/aerona", "Treatment Code / Fee Schedule -> Product", "product", {
        "productnumber": "D2750", "price": 450.0,
        "pricelevelid@odata.bind": "/pricelevels(00000000-0000-0000-0000-00000000b001)"}),
    Case("dataverse/aerona", "Treatment Code / Fee Schedule -> Product", "price_list_item", {
        "amount": 475.0, "productid@odata.bind": "/products(productnumber='D2750')"}),
    Case("dataverse/aerona", "Document / Attachment -> SharePoint / Note", "document_note", {
        "filename": "consent.pdf", "mimetype": "application/pdf", "isdocument": True,
        "objectid_contact@odata.bind": contact("aerona"),
        "overriddencreatedon": "2024-07-01T08:00:00Z"}),
    # ---- 001 Clinic Management Software -> Dynamics 365 Sales
    Case("dataverse/generic_csv", "Patient -> Contact", "patient_contact", {
        "new_sourceid": "generic_csv.patient.P1", "lastname": "Example"}),
    Case("dataverse/generic_csv", "Practitioner -> Contact", "practitioner_contact", {
        "new_practitionerrole": 100000000, "new_npi": "1234567893",
        "new_specialization": "Orthodontics"}),
    Case("dataverse/generic_csv", "Appointment -> Task / Custom Appointment Table",
         "clinic_appointment", {"new_status": 100000002, "new_duration": 30,
         "new_PractitionerId@odata.bind": "/contacts(new_sourceid='generic_csv.staff.S1')"}),
    Case("dataverse/generic_csv", "Encounter / Clinical Note -> Custom ClinicEncounter Table",
         "clinic_encounter", {"new_encounterstart": "2024-07-01T10:00:00Z",
         "new_PractitionerId@odata.bind": "/contacts(new_sourceid='generic_csv.staff.S1')"}),
    Case("dataverse/generic_csv", "Encounter / Clinical Note -> Custom ClinicEncounter Table",
         "clinical_note_annotation", {"notetext": "<p>Caries <b>UR6</b></p>",
         "overriddencreatedon": "2024-07-01T10:25:00Z"}),
    Case("dataverse/generic_csv", "Insurance / Payer -> Custom Insurance Table", "clinic_insurance", {
        "new_carrier": "Bupa Dental", "new_policynumber": "MEM123456", "new_groupnumber": "G-77",
        "new_eligibilitystatus": 100000000, "new_coveragestart": "2024-01-01"}),
    Case("dataverse/generic_csv", "Clinic / Location -> Account or Custom ClinicLocation Table",
         "location_account", {"name": "Smile Dental Leeds"}),
    Case("dataverse/generic_csv", "Prescription / Medication -> Custom Prescription Table",
         "clinic_prescription", {"new_medication": "Amoxicillin 500mg", "new_quantity": 21.0,
         "new_PrescriberId@odata.bind": "/contacts(new_sourceid='generic_csv.staff.S1')"}),
    Case("dataverse/generic_csv", "Billing / Claim -> CSV Export (External Billing System)",
         "claim_export", {"claim_number": "CLM-9", "total_billed": 120.5, "service_date": "2024-07-01"}),
    Case("dataverse/generic_csv", "Referral -> Opportunity / Custom Referral Table", "clinic_referral", {
        "new_referralsource": "Leeds General", "new_referraltype": 100000002, "new_status": 100000002}),
    Case("dataverse/generic_csv", "Document / Attachment -> Note / Attachment (Dataverse)",
         "document_note", {"filename": "consent.pdf", "mimetype": "application/pdf"}),
    Case("dataverse/generic_csv", "Custom Patient Property -> Custom Column on Contact",
         "patient_contact", {"new_preferredpharmacy": "Boots Leeds",
         "new_recalldate": "2025-06-01", "new_interests": "Whitening; Implants"}),
    Case("dataverse/generic_csv", "User / Staff Owner -> SystemUser / OwnerId", "staff_user",
         {"new_sourceownerstatus": "Active"}),
    # ---- 002 AeronaClinic -> Salesforce Sales Cloud
    Case("salesforce/aerona", "Patient -> Contact", "patient_contact", {
        "Source_Id__c": "aerona.patient.P1", "FirstName": "Ada", "LastName": "Example",
        "Birthdate": "1980-02-29", "Medical_Record_Number__c": "P1",
        "Practitioner__c": STAFF_USER_ID, "Account.Source_Id__c": "aerona.location.L2"}),
    Case("salesforce/aerona", "Patient → Practice Record -> Account", "location_account", {
        "Name": "Smile Dental Leeds", "BillingCity": "Leeds"},
        deferred={"Parent.Source_Id__c": "aerona.location.L1"}),
    Case("salesforce/aerona", "Appointment -> Appointment__c (Custom Object)", "appointment", {
        "Appointment_Date_Time__c": "2024-07-01T09:00:00Z", "Appointment_Type__c": "Exam",
        "Contact__r.Source_Id__c": "aerona.patient.P1", "Practitioner__c": STAFF_USER_ID}),
    Case("salesforce/aerona", "Appointment Status -> Appointment__c.Status__c", "appointment",
         {"Status__c": "No Show"}),
    Case("salesforce/aerona", "Practitioner / Clinician -> User", "staff_user",
         {"Source_Id__c": "aerona.staff.S1"}),
    Case("salesforce/aerona", "Treatment Record -> Treatment__c (Custom Object)", "treatment", {
        "Tooth_Number__c": "16", "Procedure_Code__c": "D2750", "Cost__c": 450.0,
        "Appointment__r.Source_Id__c": "aerona.appointment.A1"}),
    Case("salesforce/aerona", "Clinical Note -> Clinical_Note__c (Custom Object)", "clinical_note", {
        "Note_Type__c": "Treatment Note", "Note_Text__c": "<p>Caries <b>UR6</b></p>",
        "Original_Create_Date__c": "2024-07-01T09:25:00Z", "Practitioner__c": STAFF_USER_ID}),
    Case("salesforce/aerona", "Document / Attachment -> Document__c (Custom Object)", "document", {
        "File_URL__c": "staging/run-1/files/consent.pdf", "File_Type__c": "application/pdf",
        "Upload_Date__c": "2024-07-01T08:00:00Z", "Source_System_ID__c": "D1"}),
    Case("salesforce/aerona", "Invoice -> Invoice__c (Custom Object)", "invoice", {
        "Invoice_Number__c": "INV-1001", "Invoice_Date__c": "2024-07-01", "Amount__c": 120.5,
        "Amount_Due__c": 100.0, "Payment_Status__c": "Overdue"}),
    Case("salesforce/aerona", "Allergies / Medical Conditions -> Contact.Allergies__c / Medical_Conditions__c",
         "patient_contact", {"Allergies__c": "Penicillin; Latex", "Medical_Conditions__c": "Asthma"}),
    Case("salesforce/aerona", "Insurance / NHS Details -> Contact.NHS_Number__c / Contact.Insurance_Policy_Number__c",
         "patient_contact", {"NHS_Number__c": "9434765870"}),
    Case("salesforce/aerona", "Insurance / NHS Details -> Contact.NHS_Number__c / Contact.Insurance_Policy_Number__c",
         "coverage_contact", {"Source_Id__c": "aerona.patient.P1",
         "Insurance_Policy_Number__c": "MEM123456", "Insurance_Provider__c": "Bupa Dental"}),
    Case("salesforce/aerona", "Referral Source -> Contact.LeadSource", "patient_contact",
         {"LeadSource": "Web"}),
    # ---- 003 Dr.DENTES -> Dynamics 365 Sales
    Case("dataverse/drdentes", "Patient Record -> Contact", "patient_contact", {
        "new_sourceid": "drdentes.patient.P1", "lastname": "Example",
        "overriddencreatedon": "2021-03-04T06:30:00Z"}),
    Case("dataverse/drdentes", "Practice / Location -> Account", "location_account",
         {"name": "Smile Dental Leeds"},
         deferred={"parentaccountid@odata.bind": "/accounts(new_sourceid='drdentes.location.L1')"}),
    Case("dataverse/drdentes", "Treatment Plan -> Custom Table (new_TreatmentPlan)", "treatment_plan",
         {"new_acceptedon": "2024-07-02", "new_ProviderId@odata.bind": USER}),
    Case("dataverse/drdentes", "Procedure Line -> Custom Table (new_ProcedureLine)",
         "treatment_plan_line", {"new_tooth": "16", "new_surfaces": "MO", "new_fee": 450.0,
         "new_status": 100000000,
         "new_TreatmentPlanId@odata.bind": "/new_treatmentplans(new_sourceid='drdentes.treatment_plan.TP1')"}),
    Case("dataverse/drdentes", "Appointment Record -> Appointment (Activity)", "appointment", {
        "new_operatory": "CH2", "new_appointmenttype": "Exam",
        "scheduledstart": "2024-07-01T07:00:00Z", "ownerid@odata.bind": USER}),
    Case("dataverse/drdentes", "Insurance Payer / Policy -> Custom Table (new_InsurancePolicy) + Contact lookup",
         "insurance_policy", {"new_payername": "Bupa Dental", "new_groupnumber": "G-77",
         "new_subscriberrelationship": 100000000,
         "new_PayerAccountId@odata.bind": "/accounts(new_sourceid='drdentes.payer.PY1')"}),
    Case("dataverse/drdentes", "Clinical Note -> Annotation (Note)", "clinical_note_annotation", {
        "notetext": "<p>Caries <b>UR6</b></p>", "isdocument": False,
        "objectid_contact@odata.bind": contact("drdentes"), "ownerid@odata.bind": USER}),
    Case("dataverse/drdentes", "Billing Line / Payment -> Custom Table (new_BillingLine)",
         "billing_line", {"new_paymentamount": -20.5, "new_linetype": 100000002,
         "new_paymentdate": "2024-07-05"}),
    Case("dataverse/drdentes", "Document Attachment -> Annotation (Document)", "document_note",
         {"isdocument": True, "filename": "consent.pdf"}),
    Case("dataverse/drdentes", "Provider / Staff User -> systemuser", "staff_user",
         {"new_sourceid": "drdentes.staff.S1"}),
    Case("dataverse/drdentes", "Recall / Reminder -> Custom Table (new_PatientRecall)", "recall", {
        "new_nextrecalldate": "2025-01-01", "new_recalltype": 100000001,
        "new_lastappointmentdate": "2024-07-01"}),
    Case("dataverse/drdentes", "Custom Field (Dr.DENTES user-defined) -> Custom Column (new_*)",
         "patient_contact", {"new_preferredpharmacy": "Boots Leeds", "new_recalldate": "2025-06-01"}),
    # ---- 004 Core Practice -> Dynamics 365 Sales
    Case("dataverse/core_practice", "Patient -> Contact", "patient_contact", {
        "new_sourceid": "core_practice.patient.P1", "emailaddress1": "ada@example.test"}),
    Case("dataverse/core_practice", "Patient -> Account", "location_account",
         {"name": "Smile Dental Leeds"}),
    Case("dataverse/core_practice", "Treatment Record -> Custom Table: TreatmentHistory__c",
         "treatment_history", {"new_procedurecode": "D2750", "new_treatmentdate": "2024-07-03",
         "new_toothquadrant": "16", "new_ProviderId@odata.bind": USER}),
    Case("dataverse/core_practice", "Appointment -> Custom Table: Appointment__c",
         "clinic_appointment", {"new_scheduleddate": "2024-07-01T00:00:00Z", "new_status": 100000002,
         "new_PatientId@odata.bind": contact("core_practice")}),
    Case("dataverse/core_practice", "Billing / Invoice -> Opportunity or Custom Table: Billing__c",
         "invoice", {"new_amount": 120.5}),
    Case("dataverse/core_practice", "Billing / Invoice -> Opportunity or Custom Table: Billing__c",
         "billing_opportunity", {"actualvalue": 120.5, "stepname": "Treatment Completed",
         "customerid_contact@odata.bind": contact("core_practice")},
         options={"billing_target": "opportunity"}),
    Case("dataverse/core_practice", "Provider / Staff -> User or Contact", "staff_user",
         {"new_sourceid": "core_practice.staff.S1"}),
    Case("dataverse/core_practice", "Provider / Staff -> User or Contact", "provider_contact",
         {"lastname": "Molar", "new_contactrole": 100000001}),
    Case("dataverse/core_practice", "Patient Notes / Clinical Notes -> Annotation (Note) on Contact",
         "clinical_note_annotation", {"objectid_contact@odata.bind": contact("core_practice"),
         "overriddencreatedon": "2024-07-01T00:25:00Z", "ownerid@odata.bind": USER}),
    Case("dataverse/core_practice", "Insurance / Payer Information -> Custom Field on Contact + Account",
         "coverage_contact", {"new_sourceid": "core_practice.patient.P1",
         "new_insurancecarrier": "Bupa Dental", "new_policynumber": "MEM123456",
         "new_groupnumber": "G-77", "new_coveragetype": "Dental Plus"}),
    Case("dataverse/core_practice", "Treatment Plan -> Custom Table: TreatmentPlan__c",
         "treatment_plan_line", {"new_procedurecode": "D2750"}),
    Case("dataverse/core_practice",
         "Patient Attachments / X-Rays -> SharePoint / Dynamics 365 Attachments",
         "document_note", {"filename": "consent.pdf", "isdocument": True}),
]  # fmt: skip


def _record(case: Case) -> Any:
    system = case.pair.split("/")[1]
    records = practice_records(system)
    if case.entry == "treatment_history":
        records["procedure"] = records["procedure"].model_copy(
            update={
                "status": "completed",
                "date_completed": records["procedure"].date_planned.replace(month=7, day=3),
            }  # type: ignore[union-attr]
        )
    if case.entry == "provider_contact":
        records["staff"] = records["staff"].model_copy(update={"source_id": "S9"})
    return records


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.pair}:{c.row}:{c.entry}")
def test_seed_row_turns_a_canonical_record_into_the_expected_payload(case: Case) -> None:
    records = _record(case)
    spec = load_map(MAPPINGS_DIR / f"{case.pair}.yaml", options=case.options)
    spec = expand_custom_fields(spec, {"patient": definitions_from_records([records["patient"]])})
    assert case.row in spec.tables[case.entry].seed_rows
    table = compile_map(spec, run_context()).tables[case.entry]
    assert table.source_kind is not None
    result = table.transform([records[table.source_kind]])
    assert result.rejected == [] and not result.skipped
    (row,) = result.rows
    assert {k: row.payload.get(k) for k in case.expected} == case.expected
    assert {k: row.deferred.get(k) for k in case.deferred} == case.deferred


def _seed_table_rows(seed: str) -> list[str]:
    text = (SEEDS / f"{seed}.txt").read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[2] == "Fully supported":
            destination = re.sub(r"(1:1|many:1)$", "", cells[1]).strip()
            rows.append(f"{cells[0]} -> {destination}")
    return rows


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed pages live beside the checkout")
@pytest.mark.parametrize("seed", sorted(PAIRS))
def test_every_row_of_every_seed_page_is_performed_and_tested(seed: str) -> None:
    expected = _seed_table_rows(seed)
    spec = load_map(MAPPINGS_DIR / f"{PAIRS[seed]}.yaml")
    mapped = {row for entry in spec.tables.values() for row in entry.seed_rows}
    assert spec.seed == seed
    assert sorted(set(expected)) == sorted(mapped)
    tested = {c.row for c in CASES if c.pair == PAIRS[seed]}
    assert tested == set(expected)


def test_the_five_seed_pages_have_56_rows() -> None:
    assert len({(c.pair, c.row) for c in CASES}) == 56
