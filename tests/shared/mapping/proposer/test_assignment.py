"""The exact one-to-one assignment agrees with brute force and leaves zero-score rows out."""

from __future__ import annotations

import itertools
import random

from shared.mapping.proposer.assignment import assign


def _best_total(scores: list[list[float]]) -> float:
    rows, cols = len(scores), len(scores[0])
    if rows <= cols:
        return max(
            sum(scores[r][p[r]] for r in range(rows))
            for p in itertools.permutations(range(cols), rows)
        )
    return max(
        sum(scores[p[c]][c] for c in range(cols)) for p in itertools.permutations(range(rows), cols)
    )


def test_assignment_is_optimal_on_random_rectangular_matrices() -> None:
    rng = random.Random(7)
    for _ in range(200):
        rows, cols = rng.randint(1, 5), rng.randint(1, 5)
        scores = [[rng.choice([0.0, rng.random()]) for _ in range(cols)] for _ in range(rows)]
        chosen = assign(scores)
        assert len(set(chosen.values())) == len(chosen)
        total = sum(scores[r][c] for r, c in chosen.items())
        assert abs(total - _best_total(scores)) < 1e-9


def test_rows_with_no_positive_score_stay_unassigned() -> None:
    assert assign([[0.9, 0.0], [0.0, 0.0]]) == {0: 0}
    assert assign([]) == {}
