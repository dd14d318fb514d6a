"""The reference table stays in step with the canonical model."""

from __future__ import annotations

from shared.model import OBJECT_KINDS
from shared.quality.rules.references import REFERENCES

# Id fields deliberately not checked while streaming, and why.
NOT_CHECKED = {
    ("organization", "parent_id"): "self reference, may point forward",
    ("organization", "tax_id"): "a tax number, not a record id",
    ("location", "parent_location_id"): "self reference, may point forward",
    ("patient", "household_id"): "a household key, not a record",
    ("patient", "guarantor_id"): "a patient or a related person, may point forward",
    ("appointment", "chair_id"): "chairs live inside a location record",
    ("appointment", "procedure_ids"): "procedures come after appointments",
    ("encounter", "appointment_id"): "sibling kind, order not guaranteed",
    ("clinical_note", "encounter_id"): "sibling kind, order not guaranteed",
    ("clinical_note", "appointment_id"): "sibling kind, order not guaranteed",
    ("procedure", "appointment_id"): "sibling kind, order not guaranteed",
    ("procedure", "treatment_plan_id"): "sibling kind, order not guaranteed",
    ("recall", "scheduled_appointment_id"): "sibling kind, order not guaranteed",
    ("coverage", "member_id"): "an insurer's member number, not a record id",
    ("invoice", "bill_to_id"): "a patient or a related person",
    ("payment", "invoice_id"): "sibling kind, order not guaranteed",
    ("claim", "coverage_id"): "sibling kind, order not guaranteed",
    ("document", "author_id"): "staff or external author",
    ("custom_field", "entity_id"): "polymorphic, kind in entity_kind",
}


def test_every_id_field_is_checked_or_deliberately_skipped() -> None:
    for kind, model in OBJECT_KINDS.items():
        checked = {ref.field for ref in REFERENCES.get(kind, ())}
        for name in model.model_fields:
            if name == "source_id" or not name.endswith(("_id", "_ids")):
                continue
            assert name in checked or (kind, name) in NOT_CHECKED, f"{kind}.{name}"


def test_references_name_real_fields_and_kinds() -> None:
    for kind, references in REFERENCES.items():
        assert kind in OBJECT_KINDS
        for reference in references:
            assert reference.field in OBJECT_KINDS[kind].model_fields, f"{kind}.{reference.field}"
            if reference.parent_kind is None:
                assert reference.kind_field in OBJECT_KINDS[kind].model_fields
            else:
                assert reference.parent_kind in OBJECT_KINDS
