"""The order tables are rolled back in: the reverse of the confirmed map's load order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def rollback_order(load_order: Sequence[str], touched: Iterable[str]) -> list[str]:
    """Touched tables, children first.

    Args:
        load_order: destination tables in the order the map loads them (parents first); a table
            loaded by several entries counts at its last position.
        touched: tables the run has ledger rows or provenance-stamped records in.

    Returns:
        The touched tables in reverse load order; tables the map does not name come first, since
        nothing the map loads can depend on them.
    """
    position = {table: index for index, table in enumerate(load_order)}
    return sorted(set(touched), key=lambda table: (-position.get(table, len(position)), table))
