"""Optional language-model assist: re-ranks the columns the matcher is unsure about.

What leaves the tenant's code is built here and only here: column headers (masked when a header
itself looks like a value), the inferred type, detector kinds and masked value shapes. No cell
value is ever put into a request; `build_request` is the one place to audit.
"""

from __future__ import annotations

import logging
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from shared.mapping.proposer.custom_fields import infer_type, propose_custom_field
from shared.mapping.proposer.detectors import ColumnProfile, profile_column
from shared.mapping.proposer.masking import mask_value, top_shapes
from shared.mapping.proposer.matcher import MatchResult
from shared.mapping.proposer.models import ColumnProposal, ValueKind
from shared.mapping.proposer.vocabulary import object_vocabulary

logger = logging.getLogger(__name__)

MAX_ASSISTED_CONFIDENCE = 0.75  # a model's word never outranks strong local evidence
CANDIDATES_PER_COLUMN = 5
_VALUE_LIKE_HEADER: tuple[ValueKind, ...] = (
    "email", "phone", "date", "datetime", "nhs_number", "tckn", "medicare", "npi", "money",
    "postcode", "last_first_name",
)  # fmt: skip


class FieldHint(BaseModel):
    """A canonical field the model may choose."""

    model_config = ConfigDict(extra="forbid")

    path: str
    label: str


class RerankColumn(BaseModel):
    """What the model learns about one column: never a value, only its name and shapes."""

    model_config = ConfigDict(extra="forbid")

    key: str
    header: str
    inferred_type: str
    detected_kinds: list[str]
    shapes: list[str]
    candidates: list[str]


class RerankRequest(BaseModel):
    """The whole question put to the model."""

    model_config = ConfigDict(extra="forbid")

    object: str
    fields: list[FieldHint]
    columns: list[RerankColumn]


class RerankAnswer(BaseModel):
    """The model's choice for one column (field None = keep it a custom field)."""

    model_config = ConfigDict(extra="ignore")

    key: str
    field: str | None = None
    confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    reason: str = ""


class RerankReply(BaseModel):
    """The JSON object the model answers with."""

    model_config = ConfigDict(extra="ignore")

    columns: list[RerankAnswer]


class RerankerError(RuntimeError):
    """The assist could not answer: network, status, or not the JSON asked for."""


class Reranker(Protocol):
    """Anything that answers a re-rank request (the Azure OpenAI client, or a test double)."""

    def rerank(self, request: RerankRequest) -> list[RerankAnswer]:
        """Chooses a field (or none) for each column of the request."""
        ...


def safe_header(header: str) -> str:
    """The header, or its masked shape when the header itself looks like a patient value.

    A file exported without a header row has a data row in its place: 'jane@x.org' must not be
    sent as a column name.
    """
    probe = profile_column("", [header])
    looks_like_value = any(probe.share(kind) >= 1.0 for kind in _VALUE_LIKE_HEADER)
    digits = sum(c.isdigit() for c in header)
    if looks_like_value or "@" in header or digits >= 3:
        return mask_value(header)
    return header


def build_request(result: MatchResult, threshold: float) -> RerankRequest | None:
    """The request for every column under `threshold`, offering only fields not yet taken."""
    proposal = result.proposal
    taken = {c.field for c in proposal.columns if c.field and c.confidence >= threshold}
    vocabulary = object_vocabulary(proposal.object)
    free = [path for path in vocabulary.fields if path not in taken]
    columns = []
    for index, column in enumerate(proposal.columns):
        if column.field is not None and column.confidence >= threshold:
            continue
        profile = result.profiles[column.column]
        scores = result.scores[column.column]
        ranked = sorted(free, key=lambda path: -scores[path].confidence)
        columns.append(_request_column(f"c{index}", column, profile, ranked))
    if not columns:
        return None
    fields = [FieldHint(path=p, label=vocabulary.fields[p].label) for p in free]
    return RerankRequest(object=proposal.object, fields=fields, columns=columns)


def _request_column(
    key: str, column: ColumnProposal, profile: ColumnProfile, ranked: list[str]
) -> RerankColumn:
    return RerankColumn(
        key=key,
        header=safe_header(column.column),
        inferred_type=infer_type(profile),
        detected_kinds=sorted(k for k, share in profile.shares.items() if share >= 0.5),
        shapes=[shape for shape, _ in top_shapes(profile.counts.elements())],
        candidates=ranked[:CANDIDATES_PER_COLUMN],
    )


def rerank_low_confidence(result: MatchResult, reranker: Reranker, threshold: float) -> MatchResult:
    """Asks the reranker about low-confidence columns and applies answers that keep one-to-one.

    Answers naming an unknown or already-taken field are ignored; accepted answers are capped at
    `MAX_ASSISTED_CONFIDENCE` and marked `assisted`. If the assist fails, the local proposal
    stands unchanged.
    """
    request = build_request(result, threshold)
    if request is None:
        return result
    try:
        answers = reranker.rerank(request)
    except RerankerError as error:
        logger.warning("language-model assist unavailable: %s", error)
        return result
    allowed = {f.path for f in request.fields}
    by_key = {c.key: c for c in request.columns}
    columns = list(result.proposal.columns)
    used: set[str] = set()
    for answer in sorted(answers, key=lambda a: -a.confidence):
        if answer.key not in by_key or answer.field not in allowed or answer.field in used:
            continue
        confidence = min(answer.confidence, MAX_ASSISTED_CONFIDENCE)
        if confidence < threshold:
            continue
        used.add(answer.field)
        index = int(answer.key[1:])
        local = columns[index]
        columns[index] = local.model_copy(update={
            "field": answer.field, "confidence": round(confidence, 3), "custom_field": None,
            "assisted": True,
            "reason": f"language model: {answer.reason.strip()[:200]}; locally: {local.reason}",
        })  # fmt: skip
    # A field the model gave away must leave the low-confidence column that held it.
    for index, column in enumerate(columns):
        if not column.assisted and column.field in used:
            columns[index] = column.model_copy(update={
                "field": None,
                "custom_field": propose_custom_field(result.profiles[column.column]),
                "reason": f"{column.reason}; the language model placed another column here",
            })  # fmt: skip
    proposal = result.proposal.model_copy(update={"columns": columns})
    return MatchResult(proposal, result.profiles, result.scores)
