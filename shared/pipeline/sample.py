"""Which object kinds belong to a patient, for sample selection (shared.trust.sample_policy).

Readers yield patients before anything that points at them, so a sample is fixed by the time
the first dependent row arrives.
"""

from __future__ import annotations

PATIENT = "patient"
# Kinds that belong to no patient (reference data) travel whole with any sample.
PATIENT_FREE_KINDS = frozenset(
    {"organization", "location", "staff", "payer", "procedure_code", "fee_schedule_item"}
)
