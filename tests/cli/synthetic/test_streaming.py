"""Generation streams: ten times the patients does not need more memory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
_MEASURE = """
import resource, sys
from pathlib import Path
from cli.synthetic.generator import GenerateOptions, generate_export
from cli.synthetic.faults import FAULT_KINDS, FaultConfig
faults = FaultConfig(dict.fromkeys(FAULT_KINDS, 0.01))
generate_export(GenerateOptions(sys.argv[1], int(sys.argv[2]), 1, Path(sys.argv[3]), faults,
                                frozenset({"patient", "appointment"})))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _peak_rss_kib(source: str, patients: int, out: Path) -> int:
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, source, str(patients), str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=240,
    )
    return int(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("source", ["aerona", "core_practice"])  # CSV and XLSX writers
def test_memory_stays_flat_from_500_to_20000_patients(source: str, tmp_path: Path) -> None:
    small = _peak_rss_kib(source, 500, tmp_path / "small")
    large = _peak_rss_kib(source, 20_000, tmp_path / "large")
    assert large - small < 8 * 1024, (small, large)  # KiB: under 8 MB more for 40x the rows
