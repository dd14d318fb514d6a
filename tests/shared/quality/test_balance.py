"""Every row read ends accepted, quarantined or merged exactly once, per object kind."""

from __future__ import annotations

import io
from collections import Counter

from shared.quality import QualityConfig, QualityProfiler
from tests.fixtures.quality import AS_OF, synthetic_clinic


def test_accepted_quarantined_merged_add_up_to_rows_read_per_object() -> None:
    stream = synthetic_clinic(patients=1_500, seed=3)
    read = Counter(kind for kind, _ in stream)
    quarantine = io.StringIO()
    profiler = QualityProfiler(QualityConfig(as_of=AS_OF), quarantine=quarantine)
    statuses = Counter((kind, profiler.profile_row(kind, row).status) for kind, row in stream)
    report = profiler.finish()

    assert {p.object_kind: p.rows_read for p in report.objects} == dict(read)
    for profile in report.objects:
        kind = profile.object_kind
        assert profile.accepted + profile.quarantined + profile.merged == profile.rows_read
        assert (profile.accepted, profile.quarantined, profile.merged) == (
            statuses[(kind, "accepted")],
            statuses[(kind, "quarantined")],
            statuses[(kind, "merged")],
        )
    assert report.balanced
    patients = report.object("patient")
    assert patients is not None
    # The sprinkled defects really happened: some merges, some quarantines, mostly accepted.
    assert 10 < patients.merged < 60
    assert 30 < patients.quarantined < 120
    assert patients.accepted > 0.9 * patients.rows_read
    assert len(quarantine.getvalue().splitlines()) == report.quarantine_rows
