"""Date plausibility: birth dates between 1900 and today, event dates inside the run's window.

Sentinel dates (0001-01-01, Excel's 1899-12-30 / 1900-01-01), swapped day/month years and
typos (2202 for 2022) land outside these windows. Things that can be booked ahead
(appointments, recalls, coverage) may lie up to `max_days_ahead` in the future; things that have
happened (notes, payments, invoices, ...) may not be later than tomorrow (time-zone slack).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from shared.model import CanonicalRecord
from shared.quality.rules.base import RowCheck, RowRule, RowSink

BIRTH_DATE_KINDS = frozenset({"patient", "related_person"})

# Per kind: (field, may lie in the future).
EVENT_DATES: dict[str, tuple[tuple[str, bool], ...]] = {
    "appointment": (("start", True),),
    "recall": (("due_date", True),),
    "coverage": (("effective_from", True),),
    "encounter": (("start", False),),
    "clinical_note": (("written_at", False),),
    "procedure": (("date_completed", False),),
    "treatment_plan": (("accepted_at", False),),
    "prescription": (("written_at", False),),
    "referral": (("referred_at", False),),
    "invoice": (("issued_at", False),),
    "payment": (("received_at", False),),
    "claim": (("service_date", False),),
    "communication": (("at", False),),
}


def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


class DateOfBirthPlausible(RowRule):
    """Flags `date_out_of_range` for a birth date before `earliest_birth_date` or after today."""

    name = "date_of_birth_plausible"

    def for_kind(self, object_kind: str) -> RowCheck | None:
        if object_kind not in BIRTH_DATE_KINDS:
            return None
        earliest, latest = self.config.earliest_birth_date, self.config.as_of
        severity = self.severity

        def check(record: CanonicalRecord, sink: RowSink) -> None:
            born = getattr(record, "date_of_birth", None)
            if born is not None and not earliest <= born <= latest:
                sink.flag("date_out_of_range", "date_of_birth", severity)

        return check


class EventDateWindow(RowRule):
    """Flags `date_out_of_range` for an event date outside the run's plausible window."""

    name = "event_date_window"

    def for_kind(self, object_kind: str) -> RowCheck | None:
        fields = EVENT_DATES.get(object_kind)
        if not fields:
            return None
        config = self.config
        earliest = config.earliest_event_date
        bounds = tuple(
            (name, config.as_of + timedelta(days=config.max_days_ahead if ahead else 1))
            for name, ahead in fields
        )
        severity = self.severity

        def check(record: CanonicalRecord, sink: RowSink) -> None:
            for name, latest in bounds:
                when = getattr(record, name)
                if when is not None and not earliest <= _as_date(when) <= latest:
                    sink.flag("date_out_of_range", name, severity)

        return check
