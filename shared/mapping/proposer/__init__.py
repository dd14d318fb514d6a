"""The mapping proposer: proposes a canonical field per export column for a person to confirm."""

from __future__ import annotations

from shared.mapping.proposer.matcher import MatchResult, match_columns, match_csv
from shared.mapping.proposer.models import (
    ColumnProposal,
    ColumnsProposal,
    CustomFieldProposal,
    ValueMapEntry,
    ValueMapProposal,
)

__all__ = [
    "ColumnProposal",
    "ColumnsProposal",
    "CustomFieldProposal",
    "MatchResult",
    "ValueMapEntry",
    "ValueMapProposal",
    "match_columns",
    "match_csv",
]
