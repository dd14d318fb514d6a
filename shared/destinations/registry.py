"""Destination registry: a name maps to a factory, so the engine never imports a package by name."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from shared.destinations.base import Destination

DestinationFactory = Callable[..., Destination]

# Built-in destinations, imported lazily so one destination's dependencies never load another's.
_BUILTIN: dict[str, str] = {
    "dataverse": "shared.destinations.dataverse.destination:create_destination",
    "salesforce": "shared.destinations.salesforce.destination:create_destination",
}
_registered: dict[str, DestinationFactory] = {}


def register(name: str, factory: DestinationFactory) -> None:
    """Add (or replace) a destination factory under `name`."""
    _registered[name] = factory


def names() -> list[str]:
    """Every destination name the registry can create."""
    return sorted({*_BUILTIN, *_registered})


def get_factory(name: str) -> DestinationFactory:
    """The factory for `name`; KeyError names the known destinations."""
    if name in _registered:
        return _registered[name]
    if name not in _BUILTIN:
        raise KeyError(f"unknown destination {name!r}; known: {', '.join(names())}")
    module_name, attribute = _BUILTIN[name].split(":")
    factory: DestinationFactory = getattr(importlib.import_module(module_name), attribute)
    return factory


def create(name: str, **settings: Any) -> Destination:
    """Create a destination by name; `settings` go to its factory (None = from the environment)."""
    return get_factory(name)(**settings)
