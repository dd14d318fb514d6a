"""Exact one-to-one assignment (Hungarian algorithm) of columns to fields, maximising the score.

Small on purpose: matrices here are a few dozen columns by a few dozen fields, and this avoids a
SciPy dependency in the Function App for one call of `linear_sum_assignment`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def assign(scores: Sequence[Sequence[float]]) -> dict[int, int]:
    """Row -> column pairs that maximise the total score, each row and column used at most once.

    Pairs whose score is not positive are left out, so a row can stay unassigned.

    Args:
        scores: A rows x columns matrix of non-negative scores (may be rectangular).
    """
    rows = len(scores)
    cols = len(scores[0]) if rows else 0
    if not rows or not cols:
        return {}
    transposed = rows > cols
    matrix = (
        [list(r) for r in zip(*scores, strict=True)] if transposed else [list(r) for r in scores]
    )
    pairs = _hungarian_min([[-v for v in row] for row in matrix])
    result = {}
    for r, c in pairs.items():
        row, col = (c, r) if transposed else (r, c)
        if scores[row][col] > 0:
            result[row] = col
    return result


def _hungarian_min(cost: list[list[float]]) -> dict[int, int]:
    """Minimum-cost assignment of every row (n <= m) to a distinct column, O(n^2 m).

    Potentials u (rows) and v (columns) keep reduced costs non-negative; each row is added by a
    shortest augmenting path over the reduced costs (the classic e-maxx formulation, 1-based).
    """
    n, m = len(cost), len(cost[0])
    u = [0.0] * (n + 1)
    v = [0.0] * (m + 1)
    match = [0] * (m + 1)  # match[j] = row assigned to column j (1-based), 0 = free
    way = [0] * (m + 1)
    for i in range(1, n + 1):
        match[0] = i
        j0 = 0
        minv = [math.inf] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = match[j0], math.inf, 0
            for j in range(1, m + 1):
                if used[j]:
                    continue
                reduced = cost[i0 - 1][j - 1] - u[i0] - v[j]
                if reduced < minv[j]:
                    minv[j], way[j] = reduced, j0
                if minv[j] < delta:
                    delta, j1 = minv[j], j
            for j in range(m + 1):
                if used[j]:
                    u[match[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if match[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            match[j0] = match[j1]
            j0 = j1
    return {match[j] - 1: j - 1 for j in range(1, m + 1) if match[j]}
