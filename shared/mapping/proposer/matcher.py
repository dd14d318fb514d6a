"""The column matcher: scores every column against every canonical field, then assigns one-to-one.

Columns whose best one-to-one field scores under the minimum confidence become proposed custom
fields with an inferred type. Nothing here reads or logs a cell value outside the detectors.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from shared.mapping.proposer.assignment import assign
from shared.mapping.proposer.csv_sample import read_csv_sample
from shared.mapping.proposer.custom_fields import propose_custom_field
from shared.mapping.proposer.detectors import ColumnProfile, profile_column
from shared.mapping.proposer.evidence import PairScore, name_evidence, other_party, score_pair
from shared.mapping.proposer.models import ColumnProposal, ColumnsProposal
from shared.mapping.proposer.normalise import fold, normalise_header
from shared.mapping.proposer.vocabulary import (
    MatchableSynonym,
    abbreviations,
    lexicon,
    matchable_synonyms,
    object_vocabulary,
)

DEFAULT_MIN_CONFIDENCE = 0.45
ALTERNATIVE_FLOOR = 0.3
CLOSEST_FLOOR = 0.25  # under this the closest field is noise, not worth a reviewer's time


@dataclass
class MatchResult:
    """A proposal plus what produced it: column profiles and every pair's score (for re-ranking)."""

    proposal: ColumnsProposal
    profiles: dict[str, ColumnProfile]
    scores: dict[str, dict[str, PairScore]] = field(default_factory=dict)


def unique_headers(headers: list[str]) -> list[str]:
    """Headers made unique and non-empty: a blank header becomes 'column 3', a repeat 'Tel (2)'."""
    seen: dict[str, int] = {}
    result = []
    for index, header in enumerate(headers, 1):
        name = header.strip() or f"column {index}"
        seen[name] = seen.get(name, 0) + 1
        result.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return result


def match_columns(
    headers: list[str],
    columns: list[list[str]],
    object_kind: str,
    *,
    region: str | None = None,
    source_file: str = "",
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
) -> MatchResult:
    """Proposes a canonical field (or a custom field) for every column of an export.

    Args:
        headers: Column headers in file order.
        columns: Sample values per column, aligned with `headers`.
        object_kind: The canonical object the file holds ('patient', 'appointment', ...).
        region: ISO country of the export when known (phones, day-first dates).
        source_file: File name quoted in the proposal.
        min_confidence: Below this a column becomes a proposed custom field.
    """
    vocabulary = object_vocabulary(object_kind)
    context = frozenset(fold(w) for w in vocabulary.context_words)
    names = unique_headers(headers)
    profiles = {
        name: profile_column(name, values, region)
        for name, values in zip(names, columns, strict=True)
    }
    if region is None:
        region = infer_region(profiles)
        if region is not None:  # read dates again with the region's day/month order
            for name, values in zip(names, columns, strict=True):
                if profiles[name].date_format is not None:
                    profiles[name] = profile_column(name, values, region)
    by_field: dict[str, list[MatchableSynonym]] = {}
    for synonym in matchable_synonyms(object_kind):
        by_field.setdefault(synonym.field, []).append(synonym)
    fields = list(vocabulary.fields)
    scores: dict[str, dict[str, PairScore]] = {}
    about_others: dict[str, str] = {}
    for name, raw in zip(names, headers, strict=True):
        normalised = normalise_header(raw, abbreviations(), context, lexicon())
        someone_else = other_party(normalised)
        if someone_else:
            about_others[name] = someone_else
        scores[name] = {
            path: score_pair(
                raw or name, profiles[name], spec, name_evidence(normalised, by_field[path]),
                spec.unique, someone_else,
            )
            for path, spec in vocabulary.fields.items()
        }  # fmt: skip
    # Squared confidences make the assignment favour one sure match over two middling ones.
    matrix = [
        [s.confidence**2 if s.confidence >= min_confidence else 0.0 for s in scores[n].values()]
        for n in names
    ]
    assigned = {names[r]: fields[c] for r, c in assign(matrix).items()}
    winners = {path: column for column, path in assigned.items()}
    proposals = [
        _column_proposal(
            n, assigned.get(n), scores[n], profiles[n], winners, object_kind, about_others.get(n)
        )
        for n in names
    ]
    rows = max((len(c) for c in columns), default=0)
    proposal = ColumnsProposal(
        object=object_kind, source_file=source_file, rows_sampled=rows, region=region,
        columns=proposals,
    )  # fmt: skip
    return MatchResult(proposal, profiles, scores)


def infer_region(profiles: dict[str, ColumnProfile]) -> str | None:
    """The country most phone columns dial in, when the export's region was not given."""
    votes = Counter(p.phone_region for p in profiles.values() if p.phone_region)
    return votes.most_common(1)[0][0] if votes else None


def match_csv(
    path: Path,
    object_kind: str,
    *,
    region: str | None = None,
    max_rows: int = 200,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
) -> MatchResult:
    """`match_columns` over the head of a CSV export (encoding, delimiter, title rows handled)."""
    sample = read_csv_sample(path, max_rows)
    columns = [sample.column_values(i) for i in range(len(sample.headers))]
    return match_columns(
        sample.headers, columns, object_kind, region=region, source_file=path.name,
        min_confidence=min_confidence,
    )  # fmt: skip


def _alternatives(scores: dict[str, PairScore], chosen: str | None) -> list[str]:
    ranked = sorted(scores.items(), key=lambda item: -item[1].confidence)
    return [
        f"{path} ({score.confidence:.2f})"
        for path, score in ranked
        if path != chosen and score.confidence >= ALTERNATIVE_FLOOR
    ][:3]


def _column_proposal(
    column: str,
    chosen: str | None,
    scores: dict[str, PairScore],
    profile: ColumnProfile,
    winners: dict[str, str],
    object_kind: str,
    about_other: str | None,
) -> ColumnProposal:
    alternatives = _alternatives(scores, chosen)
    if chosen is not None:
        score = scores[chosen]
        return ColumnProposal(
            column=column, field=chosen, confidence=score.confidence, reason=score.reason,
            detected=profile.detected(), alternatives=alternatives,
        )  # fmt: skip
    custom = propose_custom_field(profile)
    best_path, best = max(scores.items(), key=lambda item: item[1].confidence)
    closest = f"{best_path}, {best.confidence:.2f}"
    if best.confidence >= DEFAULT_MIN_CONFIDENCE and best_path in winners:
        why = f"'{best_path}' fits but column '{winners[best_path]}' fits it better ({closest})"
    elif best.confidence >= CLOSEST_FLOOR:
        why = f"no canonical {object_kind} field fits well (closest: {closest}: {best.reason})"
    else:
        why = f"no canonical {object_kind} field fits"
    if about_other:
        why = f"the header is about someone else ('{about_other}'): {why}"
    options = f" of {len(custom.options)} values" if custom.options else ""
    return ColumnProposal(
        column=column, field=None, confidence=round(1 - best.confidence, 3),
        reason=f"{why}; proposed as a custom {custom.type} field{options}",
        custom_field=custom, detected=profile.detected(), alternatives=alternatives,
    )  # fmt: skip
