"""The one error the generator raises on purpose: options that cannot produce an export."""

from __future__ import annotations


class OptionError(ValueError):
    """A bad option (unknown source, object kind, fault kind, change kind, ...)."""
