"""Builds the full proposal for an export file: columns, optional re-ranking, value maps."""

from __future__ import annotations

from pathlib import Path

from shared.mapping.proposer.csv_sample import CsvSample, count_values, read_csv_sample
from shared.mapping.proposer.matcher import DEFAULT_MIN_CONFIDENCE, MatchResult, match_columns
from shared.mapping.proposer.models import ColumnsProposal
from shared.mapping.proposer.reranker import Reranker, rerank_low_confidence
from shared.mapping.proposer.value_maps import enum_key, propose_value_map


def propose_csv(
    path: Path,
    object_kind: str,
    *,
    region: str | None = None,
    sample_rows: int = 200,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    reranker: Reranker | None = None,
) -> ColumnsProposal:
    """Proposes the map of one CSV export, ready for a person to confirm.

    Columns are matched on a sample; value maps count every distinct value in the whole file.

    Args:
        path: The export file.
        object_kind: The canonical object the file holds.
        region: ISO country of the export when known.
        sample_rows: Rows the matcher samples.
        min_confidence: Below this a column becomes a proposed custom field.
        reranker: Optional language-model assist for low-confidence columns.
    """
    sample = read_csv_sample(path, sample_rows)
    columns = [sample.column_values(i) for i in range(len(sample.headers))]
    result = match_columns(
        sample.headers, columns, object_kind, region=region, source_file=path.name,
        min_confidence=min_confidence,
    )  # fmt: skip
    if reranker is not None:
        result = rerank_low_confidence(result, reranker, min_confidence)
    return with_value_maps(result, path, sample)


def with_value_maps(result: MatchResult, path: Path, sample: CsvSample) -> ColumnsProposal:
    """Adds a value map for every column mapped to an enumerated or yes/no canonical field."""
    proposal = result.proposal
    enum_columns = [
        (index, column)
        for index, column in enumerate(proposal.columns)
        if column.field and enum_key(proposal.object, column.field)
    ]
    if not enum_columns:
        return proposal
    counts = count_values(path, sample, [index for index, _ in enum_columns])
    maps = []
    for (_, column), counter in zip(enum_columns, counts, strict=True):
        value_map = propose_value_map(column.column, column.field or "", proposal.object, counter)
        if value_map is not None:
            maps.append(value_map)
    return proposal.model_copy(update={"value_maps": maps})
