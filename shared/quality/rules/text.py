"""Free text that a spreadsheet would run as a formula: flagged; writers neutralise it on output."""

from __future__ import annotations

import types
from typing import Union, get_args, get_origin

from shared.model import OBJECT_KINDS, CanonicalRecord
from shared.quality.formulas import FORMULA_TRIGGERS, looks_like_formula
from shared.quality.rules.base import RowCheck, RowRule, RowSink

# Text fields that hold codes or machine values, not free text a person typed.
_NOT_FREE_TEXT = frozenset(
    {
        "source_id", "currency", "default_currency", "mime_type", "sha256", "source_path",
        "timezone", "language", "country", "default_locale", "email", "calendar_colour",
    }
)  # fmt: skip


def _is_text(annotation: object) -> bool:
    """str, str | None, list[str] and list[str] | None."""
    if annotation is str:
        return True
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return any(_is_text(arg) for arg in get_args(annotation) if arg is not type(None))
    return origin is list and get_args(annotation) == (str,)


def free_text_fields(object_kind: str) -> tuple[str, ...]:
    """Top-level fields of a kind that carry free text (names, notes, titles, raw values)."""
    model = OBJECT_KINDS[object_kind]
    return tuple(
        name
        for name, info in model.model_fields.items()
        if _is_text(info.annotation)
        and name not in _NOT_FREE_TEXT
        and not name.endswith(("_id", "_ids"))
    )


class FormulaText(RowRule):
    """Flags `formula_injection` on free text starting like a spreadsheet formula."""

    name = "formula_text"

    def for_kind(self, object_kind: str) -> RowCheck | None:
        if object_kind not in OBJECT_KINDS:
            return None
        fields = free_text_fields(object_kind)
        if not fields:
            return None
        severity, triggers = self.severity, FORMULA_TRIGGERS

        def check(record: CanonicalRecord, sink: RowSink) -> None:
            for name in fields:
                value = getattr(record, name)
                if not value:
                    continue
                texts = (value,) if isinstance(value, str) else value
                for text in texts:
                    if text[:1] in triggers and looks_like_formula(text):
                        sink.flag("formula_injection", name, severity)
                        break

        return check
