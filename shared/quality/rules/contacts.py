"""E-mail syntax and phone numbers: normalise contact points in place, flag what does not parse.

Contact points get `value_normalised` (E.164 / normalised e-mail) and `is_valid`. A phone number
that is possible but not in an assigned range keeps its E.164 form, `is_valid=False` and an
`unverified_phone` warning: it is kept, never dropped. Plain e-mail fields (staff, locations) are
only flagged, since they have no place for a normalised value.
"""

from __future__ import annotations

from shared.model import CanonicalRecord, ContactPoint
from shared.quality.columns import contact_point_path
from shared.quality.config import DEFAULT_PHONE_REGIONS
from shared.quality.emails import normalise_email
from shared.quality.phones import RegionPhoneNormaliser, phone_normaliser
from shared.quality.rules.base import RowCheck, RowRule, RowSink

# Per kind: the list of contact points, and a plain e-mail field.
CONTACT_POINT_FIELDS: dict[str, str] = {
    "patient": "contact_points",
    "related_person": "contact_points",
    "staff": "phones",
    "location": "phones",
}
EMAIL_FIELDS: dict[str, str] = {"staff": "email", "location": "email"}
PHONE_SYSTEMS = frozenset({"phone", "mobile", "fax"})


def _points(record: CanonicalRecord, field: str) -> list[ContactPoint]:
    points: list[ContactPoint] = getattr(record, field)
    return points


class EmailSyntax(RowRule):
    """Flags `invalid_email`; sets `value_normalised` / `is_valid` on e-mail contact points."""

    name = "email_syntax"

    def for_kind(self, object_kind: str) -> RowCheck | None:
        points_field = CONTACT_POINT_FIELDS.get(object_kind)
        email_field = EMAIL_FIELDS.get(object_kind)
        if points_field is None and email_field is None:
            return None
        severity = self.severity

        def check(record: CanonicalRecord, sink: RowSink) -> None:
            if points_field is not None:
                for point in _points(record, points_field):
                    if point.system != "email" or not point.value_raw:
                        continue
                    normalised = normalise_email(point.value_raw)
                    point.value_normalised = normalised
                    if normalised is None:
                        point.is_valid = False
                        column = contact_point_path(points_field, point)
                        sink.flag("invalid_email", column, severity)
                    elif not point.is_valid:
                        point.is_valid = True
            if email_field is not None:
                address = getattr(record, email_field)
                if address and normalise_email(address) is None:
                    sink.flag("invalid_email", email_field, severity)

        return check


class PhoneE164(RowRule):
    """Normalises phone/mobile/fax contact points to E.164; flags invalid and unverified ones."""

    name = "phone_e164"

    def for_kind(self, object_kind: str) -> RowCheck | None:
        field = CONTACT_POINT_FIELDS.get(object_kind)
        if field is None:
            return None
        region = self.config.phone_region
        severity = self.severity

        def normaliser(record: CanonicalRecord) -> RegionPhoneNormaliser:
            return phone_normaliser(region or DEFAULT_PHONE_REGIONS.get(record.source_system))

        def check(record: CanonicalRecord, sink: RowSink) -> None:
            points = _points(record, field)
            if not points:
                return
            phones = normaliser(record)
            for point in points:
                if point.system not in PHONE_SYSTEMS or not point.value_raw:
                    continue
                e164, is_valid = phones.check(point.value_raw)
                point.value_normalised = e164
                if is_valid != point.is_valid:  # pydantic assignment costs; skip the default
                    point.is_valid = is_valid
                if not is_valid:
                    reason = "invalid_phone" if e164 is None else "unverified_phone"
                    sink.flag(reason, contact_point_path(field, point), severity)

        return check
