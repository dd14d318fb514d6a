"""Writers that place parsed cells into a row's field dict, including nested canonical parts.

Each factory returns a `Writer(raw, fields) -> warning | None`; the compiled closures keep the
per-cell work to a dict lookup and an append, which is the reader's hot path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shared.sources.parsers import ParseError
from shared.sources.parsers.names import PersonName

if TYPE_CHECKING:
    from pydantic import BaseModel

    from shared.sources.profile import ColumnSpec
    from shared.sources.targets import Fields, Writer

PART_SEPARATOR = "@"  # fields["start@date"] and fields["start@time"] are joined after the row


class TextWriter:
    """A plain text field; the row loop writes these inline, saving a call per cell."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, raw: str, fields: Fields) -> None:
        fields[self.name] = raw


def scalar_writer(
    name: str,
    parse: Callable[[str], Any],
    col: ColumnSpec,
    raw_field: str | None = None,
) -> Writer:
    """A top-level scalar field; `<name>_raw` keeps the source spelling when the model has it."""
    pad = col.zero_pad
    if parse is str and not pad and raw_field is None:
        return TextWriter(name)
    if raw_field is None:

        def write(raw: str, fields: Fields) -> None:
            fields[name] = parse(raw.zfill(pad) if pad and raw.isdigit() else raw)

        return write

    def write_with_raw(raw: str, fields: Fields) -> None:
        fields[raw_field] = raw
        fields[name] = parse(raw)

    return write_with_raw


def part_writer(name: str, part: str, parse: Callable[[str], Any]) -> Writer:
    """Half of a datetime split over a date column and a time column."""
    key = f"{name}{PART_SEPARATOR}{part}"

    def write(raw: str, fields: Fields) -> None:
        fields[key] = parse(raw)

    return write


def identifier_writer(name: str, system: str, attr: str, parse: Callable[[str], Any]) -> Writer:
    """identifiers.<system>[.attr]: one Identifier per system, filled by several columns."""

    def write(raw: str, fields: Fields) -> None:
        found = fields.setdefault(name, [])
        for item in found:
            if item["system"] == system:
                item[attr] = parse(raw)
                return
        found.append({"system": system, attr: parse(raw)})

    return write


def contact_writer(name: str, system: str, use: str) -> Writer:
    """contact_points.<system>[.<use>]: the first contact of each system is the primary one."""

    def write(raw: str, fields: Fields) -> None:
        found = fields.setdefault(name, [])
        primary = all(item["system"] != system for item in found)
        found.append({"system": system, "use": use, "value_raw": raw, "is_primary": primary})

    return write


def address_writer(name: str, is_list: bool, attr: str, line: int | None) -> Writer:
    """address.<part>: a single address (or the first of a list) built from several columns."""

    def write(raw: str, fields: Fields) -> None:
        if is_list:
            found = fields.setdefault(name, [])
            if not found:
                found.append({})
            address = found[0]
        else:
            address = fields.setdefault(name, {})
        if line is None:
            address[attr] = raw
            return
        lines = address.setdefault("lines", [])
        lines.extend([""] * (line + 1 - len(lines)))
        lines[line] = raw

    return write


def nested_writer(name: str, attr: str, parse: Callable[[str], Any]) -> Writer:
    """<field>.<attr> on a nested model such as code.code or appointment_type.display."""

    def write(raw: str, fields: Fields) -> None:
        fields.setdefault(name, {})[attr] = parse(raw)

    return write


def list_writer(name: str, separator: str, parse: Callable[[str], Any]) -> Writer:
    """A list field from one cell: 'Penicillin; Latex' -> ['Penicillin', 'Latex'].

    An empty separator keeps the cell as one item (a free-text alert that may contain ';')."""

    def write(raw: str, fields: Fields) -> None:
        parts = raw.split(separator) if separator else [raw]
        items = [parse(part.strip()) for part in parts if part.strip()]
        fields.setdefault(name, []).extend(items)

    return write


def allergy_writer(name: str, separator: str) -> Writer:
    """allergies from a list cell: each entry becomes an active Allergy with that substance."""

    def write(raw: str, fields: Fields) -> None:
        found = fields.setdefault(name, [])
        found.extend({"substance": p.strip()} for p in raw.split(separator) if p.strip())

    return write


def flag_writer(name: str, label: str) -> Writer:
    """flags.<label>: a practice flag whose colour is the cell (Dr.DENTES frame colours)."""

    def write(raw: str, fields: Fields) -> None:
        fields.setdefault(name, []).append({"label": label, "colour": raw})

    return write


def chairs_writer(name: str, template: str, parse_int: Callable[[str], int]) -> Writer:
    """chairs from a count cell: 3 -> Surgery 1, Surgery 2, Surgery 3 (template 'Surgery {n}')."""

    def write(raw: str, fields: Fields) -> None:
        count = parse_int(raw)
        if count < 0 or count > 500:
            raise ParseError("malformed_number")
        names = [template.replace("{n}", str(n)) for n in range(1, count + 1)]
        fields[name] = [{"id": chair, "name": chair} for chair in names]

    return write


def tooth_writer(name: str, convert: Callable[[str], tuple[str, str]]) -> Writer:
    """tooth: FDI code plus the notation and text the source used."""

    def write(raw: str, fields: Fields) -> None:
        fdi, system = convert(raw)
        fields[name] = {"fdi": fdi, "notation_raw": raw, "notation_system": system}

    return write


def name_writer(model: type[BaseModel], split: Callable[[str], PersonName]) -> Writer:
    """name: one 'Last, First' (or 'First Last') cell split into the model's name fields."""
    has_title = "title" in model.model_fields
    has_raw = "name_raw" in model.model_fields

    def write(raw: str, fields: Fields) -> None:
        name = split(raw)
        fields.setdefault("given_name", name.given)
        fields.setdefault("family_name", name.family)
        if has_title and name.title:
            fields.setdefault("title", name.title)
        if has_raw:
            fields["name_raw"] = raw

    return write


def custom_writer(key: str, label: str) -> Writer:
    """custom.<key>: a practice-defined field kept as text for the mapping to type later."""

    def write(raw: str, fields: Fields) -> None:
        fields.setdefault("custom_fields", []).append(
            {"definition_key": key, "label": label, "raw_value": raw, "typed_value": raw}
        )

    return write
