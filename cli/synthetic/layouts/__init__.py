"""Vendor export layouts: one module per source system, chosen by name."""

from __future__ import annotations

import importlib

from cli.synthetic.errors import OptionError
from cli.synthetic.layouts.base import Layout
from cli.synthetic.locales import Country

SOURCES: dict[str, tuple[str, str]] = {
    "aerona": ("cli.synthetic.layouts.aerona", "AeronaLayout"),
    "drdentes": ("cli.synthetic.layouts.drdentes", "DrDentesLayout"),
    "core_practice": ("cli.synthetic.layouts.core_practice", "CorePracticeLayout"),
    "generic": ("cli.synthetic.layouts.generic", "GenericLayout"),
}
COUNTRIES: dict[str, tuple[Country, ...]] = {
    "aerona": ("GB", "IE"),
    "drdentes": ("TR",),
    "core_practice": ("AU",),
    "generic": ("US",),
}


def make_layout(source: str, country: Country | None = None) -> Layout:
    """The layout of a source (`aerona` also takes country `IE`)."""
    if source not in SOURCES:
        raise OptionError(f"unknown source {source!r}; choose from {', '.join(SOURCES)}")
    allowed = COUNTRIES[source]
    if country is not None and country not in allowed:
        raise OptionError(f"{source} exports are {'/'.join(allowed)}, not {country}")
    module_name, class_name = SOURCES[source]
    layout_class = getattr(importlib.import_module(module_name), class_name)
    if source == "aerona":
        return layout_class(country or "GB")  # type: ignore[no-any-return]
    return layout_class()  # type: ignore[no-any-return]
