"""Read-back, count and sum for the field-level diff and reconciliation, by key or by run id."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from shared.destinations.dataverse.client import DataverseClient
from shared.destinations.dataverse.odata import literal, or_filters
from shared.destinations.schema import TableInfo

FORMATTED = "OData.Community.Display.V1.FormattedValue,Microsoft.Dynamics.CRM.lookuplogicalname"


async def read_back(
    client: DataverseClient,
    info: TableInfo,
    key_column: str,
    keys: Sequence[str],
    columns: Sequence[str],
) -> dict[str, dict[str, Any]]:
    """Current values (with formatted-value annotations) of `columns`, per source key."""
    select = ",".join(dict.fromkeys([info.primary_id, key_column, *columns]))
    found: dict[str, dict[str, Any]] = {}
    for condition in or_filters(key_column, list(dict.fromkeys(keys))):
        rows = await client.get_all(
            info.collection, {"$select": select, "$filter": condition}, annotations=FORMATTED
        )
        found.update({str(row[key_column]): row for row in rows})
    return found


async def rows_of_run(
    client: DataverseClient, info: TableInfo, run_column: str, run_id: str, columns: Sequence[str]
) -> list[dict[str, Any]]:
    """Every record that carries this run id, paged through, with only `columns` selected."""
    select = ",".join(dict.fromkeys([info.primary_id, *columns]))
    return await client.get_all(
        info.collection, {"$select": select, "$filter": f"{run_column} eq {literal(run_id)}"}
    )


async def count_run(client: DataverseClient, info: TableInfo, run_column: str, run_id: str) -> int:
    """How many records carry the run id (paged; no 5,000-row `$count` ceiling)."""
    return len(await rows_of_run(client, info, run_column, run_id, []))


async def sum_run(
    client: DataverseClient, info: TableInfo, run_column: str, run_id: str, column: str
) -> Decimal:
    """Exact decimal total of a numeric column over the run's records (nulls skipped)."""
    rows = await rows_of_run(client, info, run_column, run_id, [column])
    return sum((Decimal(str(row[column])) for row in rows if row.get(column) is not None),
               Decimal(0))  # fmt: skip
