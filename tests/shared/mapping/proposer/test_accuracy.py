"""Column-matcher accuracy on layouts written for this purpose, with the expected map beside each.

`cases/*.yaml` are the layouts the vocabulary was developed against (first run, before any tuning:
116/127). `cases/held_out/*.yaml` were written after that and scored untouched: ie_patients 16/17,
opendental_appointment 11/15, opendental_patient 21/26, tr_odemeler 8/8, 56/66 = 84.8%. General
fixes followed (initials such as 'FName', 'Num'/'Id' as qualifiers, squared scores in the
assignment, a stricter street detector); no held-out header was added to the vocabulary.
The pytest summary prints the per-layout table.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from shared.mapping.proposer.matcher import match_csv

CASES = Path(__file__).parent / "cases"
DEVELOPMENT = sorted(CASES.glob("*.yaml"))
HELD_OUT = sorted((CASES / "held_out").glob("*.yaml"))


def layout_accuracy(spec_path: Path) -> tuple[int, int, list[str]]:
    """(correct columns, columns, misses) for one layout; a miss names column, got and wanted."""
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    result = match_csv(spec_path.with_suffix(".csv"), spec["object"], region=spec.get("region"))
    got = result.proposal.assignment()
    assert set(got) == set(spec["expected"]), f"{spec_path.name}: expected map misses columns"
    misses = [
        f"{column}: got {got[column]}, wanted {field}"
        for column, field in spec["expected"].items()
        if got[column] != field
    ]
    return len(got) - len(misses), len(got), misses


def accuracy_table(paths: list[Path]) -> tuple[float, str]:
    """Overall accuracy and a printable per-layout table."""
    correct = total = 0
    lines = []
    for path in paths:
        good, count, misses = layout_accuracy(path)
        correct, total = correct + good, total + count
        lines.append(f"{path.stem:32} {good:3}/{count:<3} {good / count:6.1%}  {'; '.join(misses)}")
    lines.append(f"{'overall':32} {correct:3}/{total:<3} {correct / total:6.1%}")
    return correct / total, "\n".join(lines)


def test_at_least_six_development_layouts_and_four_held_out() -> None:
    assert len(DEVELOPMENT) >= 6
    assert len(HELD_OUT) >= 4


@pytest.mark.parametrize("spec_path", DEVELOPMENT, ids=lambda p: p.stem)
def test_each_development_layout_is_matched_at_least_90_percent(spec_path: Path) -> None:
    good, count, misses = layout_accuracy(spec_path)
    assert good / count >= 0.9, misses


def test_development_layouts_overall_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    accuracy, table = accuracy_table(DEVELOPMENT)
    with capsys.disabled():
        print(f"\nproposer accuracy, development layouts\n{table}")
    assert accuracy >= 0.97, table


def test_held_out_layouts_overall_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    # First untouched run scored 56/66 (84.8%); the floor sits under today's score, not at it.
    accuracy, table = accuracy_table(HELD_OUT)
    with capsys.disabled():
        print(f"\nproposer accuracy, held-out layouts\n{table}")
    assert accuracy >= 0.9, table
