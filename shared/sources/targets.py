"""Compile a profile column into a writer: parse the cell, put the value at its canonical path.

Writers fill a plain dict per row (nested dicts/lists for identifiers, contact points, addresses,
codings); the model is validated once per row from that dict. Parsers are chosen from the target
field's type unless the column names one, so most profile lines are just `Column: field`.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Literal, Union

from pydantic import BaseModel

from shared.model import OBJECT_KINDS, Address, ContactPoint, Identifier
from shared.sources.parsers import ParseError
from shared.sources.parsers.dates import DateTimeParser
from shared.sources.parsers.names import split_first_last, split_last_first
from shared.sources.parsers.numbers import DecimalParser
from shared.sources.parsers.teeth import to_fdi
from shared.sources.parsers.text import bool_parser, compile_value_map, enum_parser
from shared.sources.profile import ColumnSpec, Locale, SourceProfile, kind_of

Fields = dict[str, Any]
# A writer parses one non-empty cell into the row's fields; it returns a warning reason or None
# and raises ParseError for a value that quarantines the row.
Writer = Callable[[str, Fields], str | None]

_CONTACT_SYSTEMS = typing.get_args(ContactPoint.model_fields["system"].annotation)
_CONTACT_USES = typing.get_args(ContactPoint.model_fields["use"].annotation)
_ADDRESS_PARTS = {"line1": 0, "line2": 1, "line3": 2}
_ADDRESS_ATTRS = set(Address.model_fields) - {"lines"}
_IDENTIFIER_ATTRS = set(Identifier.model_fields) - {"system", "is_valid"}
_NAME_TARGET = "name"


@dataclass(frozen=True)
class FieldType:
    """What a model field holds, unwrapped from Optional."""

    base: Any
    is_list: bool
    literal: tuple[str, ...]


def field_type(model: type[BaseModel], name: str) -> FieldType | None:
    """The type of `model.name`, or None when the model has no such field."""
    info = model.model_fields.get(name)
    if info is None:
        return None
    annotation = info.annotation
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (Union, types.UnionType):
        annotation = next(a for a in args if a is not type(None))
    is_list = typing.get_origin(annotation) is list
    if is_list:
        annotation = typing.get_args(annotation)[0]
    literal: tuple[str, ...] = ()
    if typing.get_origin(annotation) is Literal:
        literal = tuple(str(v) for v in typing.get_args(annotation))
        annotation = str
    return FieldType(annotation, is_list, literal)


def check_target(key: str, col: ColumnSpec, profile: SourceProfile) -> list[tuple[str, str]]:
    """Problems with a column spec as (path inside the column, message); empty when valid."""
    try:
        compile_writer(kind_of(key), "check", col, profile.locale_for(key), profile)
    except ValueError as exc:
        return [("to", str(exc))]
    return []


class _Parsers:
    """The locale's parsers, built once per object kind."""

    def __init__(self, locale: Locale, timezone: str | None) -> None:
        self.locale = locale
        self.dates = DateTimeParser(locale.date_formats, locale.century_pivot, timezone)
        self.times = DateTimeParser(locale.time_formats)
        self.datetimes = DateTimeParser(
            locale.datetime_formats + locale.date_formats,
            locale.century_pivot,
            timezone,
            # 'date time' values split into cached halves, when every datetime pattern is a
            # date pattern of this locale followed by a space (so the halves mean the same).
            halves=(self.dates, self.times) if _splittable(locale) else None,
        )
        self.numbers = DecimalParser(
            locale.decimal_separator, locale.group_separator, locale.currency_symbols
        )
        self.booleans = bool_parser(locale.true_values, locale.false_values, locale.casefold)


def _splittable(locale: Locale) -> bool:
    return all(
        any(pattern.startswith(f"{day} ") for day in locale.date_formats)
        for pattern in locale.datetime_formats
    )


def _scalar_parser(
    col: ColumnSpec, ftype: FieldType, parsers: _Parsers, enum: Callable[[str], str] | None
) -> Callable[[str], Any]:
    parse: str = col.parse
    if parse == "auto":
        parse = {
            date: "date", datetime: "datetime", time: "time", Decimal: "decimal", int: "int",
            bool: "bool", float: "decimal",
        }.get(ftype.base, "enum" if ftype.literal or enum is not None else "text")  # fmt: skip
    if col.formats and parse in ("date", "datetime", "time"):
        custom = DateTimeParser(col.formats, parsers.locale.century_pivot, None)
        return {"date": custom.parse_date, "datetime": custom.parse_datetime}.get(
            parse, custom.parse_time
        )
    if parse == "text":
        pad = col.zero_pad
        if pad:
            return lambda raw: raw.zfill(pad) if raw.isdigit() else raw
        return str
    table: dict[str, Callable[[str], Any]] = {
        "date": parsers.dates.parse_date,
        "datetime": parsers.datetimes.parse_datetime,
        "time": parsers.times.parse_time,
        "decimal": parsers.numbers.parse,
        "int": parsers.numbers.parse_int,
        "bool": parsers.booleans,
    }
    if parse == "enum":
        if enum is None:
            raise ValueError("parse: enum needs a Literal field or a value map")
        return enum
    if parse not in table:
        raise ValueError(f"parse: {parse} does not apply to this field")
    return table[parse]


def _enum_for(
    kind: str, name: str, col: ColumnSpec, ftype: FieldType, profile: SourceProfile, loc: Locale
) -> Callable[[str], str] | None:
    map_name = col.map
    if map_name is not None and map_name not in profile.value_maps:
        raise ValueError(f"map: no value map named {map_name!r} in value_maps")
    if map_name is None:
        map_name = next((n for n in (f"{kind}.{name}", name) if n in profile.value_maps), None)
    if not ftype.literal and map_name is None:
        return None
    spellings: dict[str, list[str]] = {value: [] for value in ftype.literal}
    if map_name is not None:
        for canonical, sources in profile.value_maps[map_name].items():
            if ftype.literal and canonical not in ftype.literal:
                raise ValueError(f"value map {map_name!r}: {canonical!r} is not a {name} value")
            spellings.setdefault(canonical, []).extend(sources)
    return enum_parser(compile_value_map(spellings, loc.casefold), loc.casefold)


def _enum_writer(
    name: str, raw_field: str | None, parse: Callable[[str], str], col: ColumnSpec, ftype: FieldType
) -> Writer:
    """An enumeration; unknown spellings become 'other' (+ warning) where the model allows it.

    Fields that are plain text but have a value map (currency 'TL' -> 'TRY') keep unmapped
    values as they are.
    """
    policy = col.on_unknown or (
        "keep" if not ftype.literal else "other" if "other" in ftype.literal else "quarantine"
    )

    def write(raw: str, fields: Fields) -> str | None:
        if raw_field is not None:
            fields[raw_field] = raw
        try:
            fields[name] = parse(raw)
        except ParseError:
            if policy == "keep":  # a free-text field with a map: unmapped spellings pass through
                fields[name] = raw
                return None
            if policy == "quarantine":
                raise
            if policy == "other":
                fields[name] = "other"
            return "unknown_enum_value"
        return None

    return write


def compile_writer(
    kind: str, column: str, col: ColumnSpec, locale: Locale, profile: SourceProfile
) -> Writer:
    """The writer for one column of an object kind.

    Raises:
        ValueError: the target path, parser or value map does not fit the model.
    """
    model = OBJECT_KINDS[kind]
    parsers = _Parsers(locale, profile.defaults.timezone)
    head, _, rest = col.to.partition(".")
    writer = _compile_path(kind, model, head, rest, column, col, parsers, profile)
    if not col.also and not col.copy_to:
        return writer
    copies = [
        compile_writer(kind, column, ColumnSpec(to=path), locale, profile) for path in col.copy_to
    ]
    constants = [
        (raw, compile_writer(kind, column, ColumnSpec(to=path), locale, profile))
        for path, raw in col.also.items()
    ]

    def write_also(raw: str, fields: Fields) -> str | None:
        warning = writer(raw, fields)
        for copy in copies:
            warning = copy(raw, fields) or warning
        for constant, extra in constants:
            extra(constant, fields)
        return warning

    return write_also


def _compile_path(
    kind: str,
    model: type[BaseModel],
    head: str,
    rest: str,
    column: str,
    col: ColumnSpec,
    parsers: _Parsers,
    profile: SourceProfile,
) -> Writer:
    from shared.sources import structured

    if col.parse in ("name_last_first", "name_first_last"):
        if col.to != _NAME_TARGET:
            raise ValueError(f"parse: {col.parse} writes the name fields; use to: name")
        split = split_first_last if col.parse == "name_first_last" else split_last_first
        return structured.name_writer(model, split)
    if head == "custom":
        if not rest:
            raise ValueError("custom fields are written as custom.<key>")
        return structured.custom_writer(rest, column)
    ftype = field_type(model, head)
    if ftype is None:
        raise ValueError(f"{kind} has no field {head!r}")
    if head == "source_id":
        return structured.scalar_writer(head, str, col, parsers)
    if ftype.base is Identifier:
        system, _, attr = rest.partition(".")
        attr = attr or "value"
        if not system or attr not in _IDENTIFIER_ATTRS:
            raise ValueError(f"write identifiers.<system>[.{'|'.join(sorted(_IDENTIFIER_ATTRS))}]")
        parse = _scalar_parser(col, field_type(Identifier, attr) or ftype, parsers, None)
        return structured.identifier_writer(head, system, attr, parse)
    if ftype.base is ContactPoint:
        system, _, use = rest.partition(".")
        if system not in _CONTACT_SYSTEMS or (use and use not in _CONTACT_USES):
            raise ValueError(f"write {head}.<{'|'.join(_CONTACT_SYSTEMS)}>[.<use>]")
        default_use = "mobile" if system == "mobile" else "home"
        return structured.contact_writer(head, system, use or default_use)
    if ftype.base is Address:
        if rest not in _ADDRESS_PARTS and rest not in _ADDRESS_ATTRS:
            raise ValueError(f"write {head}.<line1|line2|line3|{'|'.join(sorted(_ADDRESS_ATTRS))}>")
        return structured.address_writer(head, ftype.is_list, rest, _ADDRESS_PARTS.get(rest))
    if isinstance(ftype.base, type) and issubclass(ftype.base, BaseModel):
        return _compile_nested(kind, head, rest, column, col, ftype, parsers)
    if rest:
        raise ValueError(f"{kind}.{head} has no parts; drop '.{rest}'")
    if col.part is not None:  # a datetime split over a date column and a time column
        part_parse = parsers.dates.parse_date if col.part == "date" else parsers.times.parse_time
        return structured.part_writer(head, col.part, part_parse)
    enum = _enum_for(kind, head, col, ftype, profile, parsers.locale)
    if ftype.is_list:
        return structured.list_writer(head, col.split, _scalar_parser(col, ftype, parsers, enum))
    parse = _scalar_parser(col, ftype, parsers, enum)
    raw_field = f"{head}_raw" if f"{head}_raw" in model.model_fields else None
    if enum is not None and parse is enum:
        return _enum_writer(head, raw_field, enum, col, ftype)
    return structured.scalar_writer(head, parse, col, parsers, raw_field)


def _compile_nested(
    kind: str,
    head: str,
    rest: str,
    column: str,
    col: ColumnSpec,
    ftype: FieldType,
    parsers: _Parsers,
) -> Writer:
    from shared.sources import structured

    nested: type[BaseModel] = ftype.base
    if nested.__name__ == "Tooth":
        notation = col.notation or parsers.locale.tooth_notation
        return structured.tooth_writer(head, lambda raw: to_fdi(raw, notation))
    if nested.__name__ == "Chair":
        template = col.template or "Chair {n}"
        return structured.chairs_writer(head, template, parsers.numbers.parse_int)
    if nested.__name__ == "Allergy":
        return structured.allergy_writer(head, col.split)
    if nested.__name__ == "Flag":
        if not rest:
            raise ValueError(f"write {head}.<label>")
        return structured.flag_writer(head, rest)
    sub = field_type(nested, rest) if rest else None
    if sub is None:
        raise ValueError(f"write {head}.<{'|'.join(nested.model_fields)}>")
    parse = _scalar_parser(col, sub, parsers, None)
    return structured.nested_writer(head, rest, parse)
