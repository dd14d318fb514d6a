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


def _text_shape(annotation: object) -> str | None:
    """ "text" for str / str | None, "list" for list[str] (| None), else None."""
    if annotation is str:
        return "text"
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        shapes = {_text_shape(arg) for arg in get_args(annotation) if arg is not type(None)}
        return shapes.pop() if len(shapes) == 1 else None
    return "list" if origin is list and get_args(annotation) == (str,) else None


def free_text_fields(object_kind: str) -> dict[str, str]:
    """Top-level fields of a kind that carry free text, with their shape ("text" / "list")."""
    model = OBJECT_KINDS[object_kind]
    fields: dict[str, str] = {}
    for name, info in model.model_fields.items():
        shape = _text_shape(info.annotation)
        if shape and name not in _NOT_FREE_TEXT and not name.endswith(("_id", "_ids")):
            fields[name] = shape
    return fields


class FormulaText(RowRule):
    """Flags `formula_injection` on free text starting like a spreadsheet formula."""

    name = "formula_text"

    def for_kind(self, object_kind: str) -> RowCheck | None:
        if object_kind not in OBJECT_KINDS:
            return None
        fields = free_text_fields(object_kind)
        texts = tuple(name for name, shape in fields.items() if shape == "text")
        lists = tuple(name for name, shape in fields.items() if shape == "list")
        if not fields:
            return None
        severity, triggers = self.severity, FORMULA_TRIGGERS

        def check(record: CanonicalRecord, sink: RowSink) -> None:
            for name in texts:
                text = getattr(record, name)
                if text and text[0] in triggers and looks_like_formula(text):
                    sink.flag("formula_injection", name, severity)
            for name in lists:
                for text in getattr(record, name) or ():
                    if text and text[0] in triggers and looks_like_formula(text):
                        sink.flag("formula_injection", name, severity)
                        break

        return check
