"""Column names in findings: the source's own header where the profile says which one it was.

Rules name a column by its canonical path, in the same syntax source profiles use for `to:`
(`family_name`, `identifiers.gb-nhs`, `contact_points.phone.work`). Given the profile's
(header, path) pairs, `source_column_names` builds the lookup the profiler uses to report
"NHS Number" instead of `identifiers.gb-nhs`; a path no column feeds stays canonical.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from shared.model import ContactPoint

# Paths a profile may write instead of the field a rule names (a whole name split into parts).
_WRITTEN_VIA = {"given_name": "name", "family_name": "name", "middle_name": "name"}


def contact_point_path(field: str, point: ContactPoint) -> str:
    """The profile-style path of a contact point: `contact_points.mobile`, `phones.phone.work`."""
    default_use = "mobile" if point.system == "mobile" else "home"
    if point.use == default_use:
        return f"{field}.{point.system}"
    return f"{field}.{point.system}.{point.use}"


def source_column_names(
    columns_by_kind: Mapping[str, Iterable[tuple[str, str]]],
) -> dict[str, dict[str, str]]:
    """Per object kind, canonical path -> the source header(s) that fill it.

    Args:
        columns_by_kind: per object kind, (source header, canonical path) pairs, e.g. from a
            source profile's `columns` (`{"NHS Number": "identifiers.gb-nhs", ...}.items()`).

    Returns:
        The lookup for `QualityProfiler(source_columns=...)`; several headers feeding one path
        (a date and a time column for `start`) are joined with " + ".
    """
    names: dict[str, dict[str, str]] = {}
    for kind, pairs in columns_by_kind.items():
        paths = names.setdefault(kind, {})
        for header, path in pairs:
            paths[path] = f"{paths[path]} + {header}" if path in paths else header
        for field, written_as in _WRITTEN_VIA.items():
            if field not in paths and written_as in paths:
                paths[field] = paths[written_as]
    return names
