"""Reference records a map binds to but never creates (price list, unit group, unit), by name."""

from __future__ import annotations

from collections.abc import Mapping

from shared.destinations.dataverse.client import DataverseClient
from shared.destinations.dataverse.odata import literal
from shared.destinations.errors import TerminalError

# Reference name -> (entity set, primary id column, name column).
REFERENCE_TABLES: dict[str, tuple[str, str, str]] = {
    "price_list": ("pricelevels", "pricelevelid", "name"),
    "unit_group": ("uomschedules", "uomscheduleid", "name"),
    "unit": ("uoms", "uomid", "name"),
}


async def resolve_references(client: DataverseClient, wanted: Mapping[str, str]) -> dict[str, str]:
    """Bind paths (`/pricelevels(<id>)`) for each wanted reference, found by its record name.

    Args:
        client: the environment's client.
        wanted: reference name (price_list, unit_group, unit) -> the record's name.

    Raises:
        TerminalError: a reference is unknown or no record has that name (the run cannot bind).
    """
    found: dict[str, str] = {}
    for reference, name in wanted.items():
        if reference not in REFERENCE_TABLES:
            raise TerminalError("unknown_reference", destination="dataverse", table=reference)
        collection, primary_id, name_column = REFERENCE_TABLES[reference]
        condition = f"{name_column} eq {literal(name)}"
        params = {"$select": primary_id, "$filter": condition, "$top": "1"}
        rows = (await client.get_json(collection, params)).get("value", [])
        if not rows:
            raise TerminalError("reference_not_found", destination="dataverse", table=collection)
        found[reference] = f"/{collection}({rows[0][primary_id]})"
    return found
