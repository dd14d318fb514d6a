"""Per-column converters, built once per map: value maps, text formats, type conversion.

A converter takes a non-None source value and returns the destination value (None to write an
empty value) or raises `InvalidValue` with a reason code; it never puts the value in the error.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.mapping.spec import ChoiceValue, Destination, FieldRule, Target, ValueMap

Converter = Callable[[Any], Any]
_UNMAPPED = object()
_TAGS = re.compile(r"<[^>]+>")
_BREAKS = re.compile(r"<\s*(br|/p|/div|/li)\s*/?>", re.IGNORECASE)


class InvalidValue(ValueError):
    """A value the column cannot take; `reason` is a mapping reason code."""

    def __init__(self, reason: str, policy: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.policy = policy


def value_lookup(value_map: ValueMap) -> Converter:
    """Source value -> mapped target; unmapped values follow the map's `on_unmapped`."""

    folding = not value_map.case_sensitive
    exact: dict[str, Target] = {e.source: e.target for e in value_map.entries}
    folded = {e.source.strip().lower(): e.target for e in value_map.entries} if folding else exact
    mode, default = value_map.on_unmapped, value_map.default

    def lookup(value: Any) -> Any:
        if value.__class__ is str:
            text = value
        elif isinstance(value, bool):
            text = "true" if value else "false"
        else:
            text = str(value)
        found = exact.get(text, _UNMAPPED)
        if found is _UNMAPPED and folding:
            found = folded.get(text.strip().lower(), _UNMAPPED)
        if found is not _UNMAPPED:
            return found
        if mode == "use_default":
            return default
        if mode == "pass_through":
            return value
        raise InvalidValue("value_not_in_value_map", mode)

    return lookup


def choice_resolver(options: Mapping[ChoiceValue, str]) -> Converter:
    """Option label or value -> option value; anything else is invalid."""
    by_label = {label.strip().lower(): value for value, label in options.items()}
    by_value = {str(value): value for value in options}

    def resolve(value: Any) -> ChoiceValue:
        text = str(value)
        if text in by_value:
            return by_value[text]
        found = by_label.get(text.strip().lower())
        if found is None:
            raise InvalidValue("value_not_in_options")
        return found

    return resolve


def _format_step(name: str) -> Callable[[str], str]:
    steps: dict[str, Callable[[str], str]] = {
        "strip": str.strip,
        "upper": str.upper,
        "lower": str.lower,
        "title": str.title,
        "html_to_text": lambda s: html.unescape(_TAGS.sub("", _BREAKS.sub("\n", s))).strip(),
        "text_to_html": lambda s: html.escape(s).replace("\n", "<br>"),
    }
    return steps[name]


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def build_converter(rule: FieldRule, destination: Destination, zone: tzinfo) -> Converter | None:
    """Compose the converter for one column (None when the value passes through untouched).

    Args:
        rule: the column's field rule (value maps already resolved to ValueMap objects).
        destination: decides multi-select rendering (Dataverse `1,2`, Salesforce `a;b`).
        zone: the time zone naive source datetimes are in.
    """
    steps: list[Converter] = []
    separator = rule.join if rule.join is not None else "; "
    if rule.type != "multichoice" and rule.format:
        # Lists become delimited text before a text format sees them.
        steps.append(_joiner(separator))
    if isinstance(rule.value_map, ValueMap):
        lookup = value_lookup(rule.value_map)
        if rule.type == "multichoice":
            steps.append(lambda v: [lookup(i) for i in v] if isinstance(v, list) else lookup(v))
        else:
            steps.append(lookup)
    for name in rule.format:
        fmt = _format_step(name)
        steps.append(_on_text(fmt))
    steps.append(_typed(rule, destination, zone))
    if len(steps) == 1:
        return steps[0]
    if len(steps) == 2:
        first, second = steps

        def convert_two(value: Any) -> Any:
            value = first(value)
            return None if value is None else second(value)

        return convert_two

    def convert(value: Any) -> Any:
        for step in steps:
            if value is None:
                return None
            value = step(value)
        return value

    return convert


def _on_text(step: Callable[[str], str]) -> Converter:
    return lambda value: step(value) if isinstance(value, str) else value


def _joiner(separator: str) -> Converter:
    def join(value: Any) -> Any:
        if isinstance(value, list):
            items = [_as_text(v) for v in value if v not in (None, "")]
            return separator.join(items) or None
        return value

    return join


def text_limit(rule: FieldRule) -> int | None:
    """The length limit when a column is plain text (the generated fast path handles it)."""
    if rule.type not in ("string", "memo") or rule.value_map is not None or rule.format:
        return None
    if rule.join is not None:
        return None
    return rule.max_length or (100 if rule.type == "string" else 100_000)


def _typed(rule: FieldRule, destination: Destination, zone: tzinfo) -> Converter:
    kind = rule.type
    if kind in ("string", "memo"):
        limit = rule.max_length or (100 if kind == "string" else 100_000)
        return _text(limit, rule.truncate, rule.join if rule.join is not None else "; ")
    if kind == "integer":
        return _integer
    if kind in ("decimal", "money"):
        return _number(rule.precision if rule.precision is not None else 2)
    if kind == "datetime":
        return _datetime(zone)
    if kind == "dateonly":
        return _dateonly
    if kind == "boolean":
        return _boolean
    assert rule.options is not None
    resolve = choice_resolver(rule.options)
    if kind == "choice":
        return resolve
    separator = "," if destination == "dataverse" else ";"

    def multichoice(value: Any) -> str | None:
        values = value if isinstance(value, list) else [value]
        resolved = [str(resolve(v)) for v in values if v is not None]
        return separator.join(dict.fromkeys(resolved)) or None

    return multichoice


def _text(max_length: int, truncate: bool, separator: str) -> Converter:
    def text(value: Any) -> str | None:
        if value.__class__ is str:
            result = value.strip()
        elif isinstance(value, list):
            result = separator.join(_as_text(v) for v in value if v not in (None, "")).strip()
        else:
            result = _as_text(value).strip()
        if len(result) > max_length:
            if not truncate:
                raise InvalidValue("value_too_long")
            result = result[:max_length].rstrip()
        return result or None

    return text


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise InvalidValue("not_a_number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise InvalidValue("not_a_number") from None
    if number != number.to_integral_value():
        raise InvalidValue("not_a_whole_number")
    return int(number)


def _number(precision: int) -> Converter:
    quantum = Decimal(1).scaleb(-precision)

    def number(value: Any) -> float:
        if isinstance(value, bool):
            raise InvalidValue("not_a_number")
        try:
            exact = value if isinstance(value, Decimal) else Decimal(str(value).strip())
            return float(exact.quantize(quantum))
        except InvalidOperation:
            raise InvalidValue("not_a_number") from None

    return number


def _datetime(zone: tzinfo) -> Converter:
    offsets: dict[tuple[int, int, int, int], timedelta] = {}

    def offset_of(value: datetime) -> timedelta:
        # A zone's offset only changes at transitions: cache it per local hour, except for
        # an hour that contains a transition (then ask the zone for this exact moment).
        key = (value.year, value.month, value.day, value.hour)
        found = offsets.get(key)
        if found is None:
            start = value.replace(minute=0, second=0, microsecond=0, tzinfo=zone)
            found = start.utcoffset() or timedelta(0)
            end = start + timedelta(minutes=59, seconds=59)
            if (end.utcoffset() or timedelta(0)) != found:
                return value.replace(tzinfo=zone).utcoffset() or timedelta(0)
            if len(offsets) < 100_000:
                offsets[key] = found
        return found

    def to_utc(value: Any) -> str:
        if value.__class__ is datetime and value.tzinfo is None:
            return (value - offset_of(value)).isoformat(timespec="seconds") + "Z"
        if isinstance(value, datetime):
            moment = value if value.tzinfo else value.replace(tzinfo=zone)
        elif isinstance(value, date):
            moment = datetime(value.year, value.month, value.day, tzinfo=zone)
        elif isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value.strip())
            except ValueError:
                raise InvalidValue("not_a_date") from None
            moment = parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
        else:
            raise InvalidValue("not_a_date")
        return moment.astimezone(UTC).isoformat(timespec="seconds")[:-6] + "Z"

    return to_utc


def _dateonly(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:  # ISO text (untyped custom field values); other formats are the reader's job
            return date.fromisoformat(value.strip()[:10]).isoformat()
        except ValueError:
            raise InvalidValue("not_a_date") from None
    raise InvalidValue("not_a_date")


_TRUE = frozenset({"true", "yes", "y", "1", "t"})
_FALSE = frozenset({"false", "no", "n", "0", "f"})


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidValue("not_a_boolean")
