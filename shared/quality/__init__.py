"""Validation rules and the data-quality profile of an extract, before anything is written."""

from __future__ import annotations

from shared.quality.config import QualityConfig, QualityConfigError, load_quality_config
from shared.quality.findings import REASONS, Finding, RowOutcome, RowStatus, Severity
from shared.quality.formulas import (
    looks_like_formula,
    neutralise_cell,
    neutralise_formula,
    neutralising_writer,
)
from shared.quality.profiler import QualityProfiler
from shared.quality.render import render_json, render_summary
from shared.quality.report import QualityReport

__all__ = [
    "REASONS",
    "Finding",
    "QualityConfig",
    "QualityConfigError",
    "QualityProfiler",
    "QualityReport",
    "RowOutcome",
    "RowStatus",
    "Severity",
    "load_quality_config",
    "looks_like_formula",
    "neutralise_cell",
    "neutralise_formula",
    "neutralising_writer",
    "render_json",
    "render_summary",
]
