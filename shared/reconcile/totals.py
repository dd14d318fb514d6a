"""Field totals a clinic checks after a run, declared in YAML beside the maps (mappings/totals/).

A total names a map entry and either sums a source path against a destination column, or counts
records per value of a destination column (source side: the value the map sends). They live in
their own file, not in the map, so confirmed maps keep their hash: totals only read, they never
change what is written. Entries a map does not have are reported as not applicable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

TOTALS_ROOT = Path(__file__).resolve().parents[2] / "mappings" / "totals"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SumTotal(_Strict):
    """Source path summed vs destination column summed (money, fees, bytes)."""

    kind: Literal["sum"] = "sum"
    name: str
    label: str
    entry: str
    source: str = Field(description="path on the canonical record, e.g. total")
    column: str = Field(description="destination column, e.g. new_amount")
    computed: bool = Field(
        default=False, description="the destination computes the column (annotation filesize)"
    )


class CountByTotal(_Strict):
    """Records per value of a destination column (status, location, owner)."""

    kind: Literal["count_by"] = "count_by"
    name: str
    label: str
    entry: str
    column: str = Field(description="payload column (a lookup is `<nav>@odata.bind`)")


Total = Annotated[SumTotal | CountByTotal, Field(discriminator="kind")]


class TotalsFile(_Strict):
    """One destination's (or pair's) totals."""

    totals: list[Total]


def load_totals(path: Path | str) -> list[SumTotal | CountByTotal]:
    """Reads and validates a totals file; errors name the file and the path inside it.

    Raises:
        ValueError: the file is not a valid totals declaration.
    """
    path = Path(path)
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        return list(TotalsFile.model_validate(document).totals)
    except ValidationError as error:
        where = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise ValueError(f"{path}: {where}") from None


def totals_path(destination: str, source_system: str | None = None) -> Path:
    """The pair's totals file when there is one, else the destination's default."""
    pair = TOTALS_ROOT / destination / f"{source_system}.yaml"
    return pair if source_system and pair.exists() else TOTALS_ROOT / destination / "default.yaml"
