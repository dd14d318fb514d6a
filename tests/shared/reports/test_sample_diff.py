"""The sample's diff rebuilt from staged pages + ledger, after a real load into the emulator."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from shared.destinations.map_needs import needs_from_map
from shared.destinations.schema import SchemaPlan
from shared.mapping.compiler import compile_map
from shared.mapping.context import RunContext
from shared.mapping.loader import parse_map
from shared.reports.sample_diff import sample_diff
from tests.shared.reconcile.test_reconcile import (
    _closing,
    destination_for,
    run_load,
    stage,
    storage,
)
from tests.shared.reports.test_diff import MAP, sample

pytestmark = pytest.mark.integration
__all__ = ["storage"]  # the fixture, imported for this module


def test_sample_diff_from_what_the_run_left(fresh_dataverse: Any, storage: Any) -> None:
    ledger, staging = storage
    run_id = f"run-{uuid.uuid4().hex[:8]}"
    stage(staging, run_id, sample())  # includes invoice I9 whose patient is not in the sample
    the_map = compile_map(parse_map(MAP), RunContext(run_id=run_id), map_sha256="ab" * 32)
    setup = destination_for(fresh_dataverse)
    plan = SchemaPlan(destination="dataverse", needs=needs_from_map(the_map.schema_needs()))
    assert asyncio.run(_closing(setup, setup.apply_schema(plan))).satisfied
    run_load(fresh_dataverse, storage, the_map, run_id)
    destination = destination_for(fresh_dataverse)

    report = asyncio.run(
        _closing(destination, sample_diff(destination, the_map, staging, ledger, run_id))
    )

    assert {f.key for f in report.fields} >= {"aerona.patient.P4", "aerona.invoice.I3"}
    missing = {f.key for f in report.fields if f.verdict == "missing"}
    assert missing == {"aerona.invoice.I9"}
    assert all("rejected the record" in f.reason for f in report.fields if f.key in missing)
    assert report.summary()["contact"]["mismatch"] == 0
