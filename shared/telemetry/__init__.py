"""Telemetry hygiene: the PHI filter every log record of the app and the CLI goes through."""

from __future__ import annotations

from shared.telemetry.phi_filter import (
    LogSafe,
    PhiFilter,
    install_phi_filter,
    is_provably_safe,
    redact_text,
    uninstall_phi_filter,
)

__all__ = [
    "LogSafe",
    "PhiFilter",
    "install_phi_filter",
    "is_provably_safe",
    "redact_text",
    "uninstall_phi_filter",
]
