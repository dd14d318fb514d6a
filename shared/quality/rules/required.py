"""Required fields: the canonical model's required text fields, plus any the run adds, not blank."""

from __future__ import annotations

from shared.model import OBJECT_KINDS, CanonicalRecord
from shared.quality.rules.base import RowCheck, RowRule, RowSink, is_blank


def model_required_text_fields(object_kind: str) -> tuple[str, ...]:
    """Required `str` fields of a kind's model: pydantic lets "" through, the destination won't."""
    model = OBJECT_KINDS[object_kind]
    return tuple(
        name
        for name, info in model.model_fields.items()
        if info.is_required() and info.annotation is str
    )


class RequiredFields(RowRule):
    """Flags `missing_required` for each required field that is empty or whitespace."""

    name = "required_fields"

    def for_kind(self, object_kind: str) -> RowCheck | None:
        if object_kind not in OBJECT_KINDS:
            return None
        text_fields = model_required_text_fields(object_kind)
        extra = tuple(
            name
            for name in self.config.required_fields.get(object_kind, [])
            if name not in text_fields
        )
        severity = self.severity

        def check(record: CanonicalRecord, sink: RowSink) -> None:
            for name in text_fields:
                text = getattr(record, name)
                if not text or text.isspace():
                    sink.flag("missing_required", name, severity)
            for name in extra:
                if is_blank(getattr(record, name)):
                    sink.flag("missing_required", name, severity)

        return check
