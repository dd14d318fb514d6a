"""The order tables are rolled back in: the reverse of the confirmed map's load order.

The ledger keeps a run's rows per map entry (`patient_contact`, `coverage_contact`), several of
which may write one destination table (`contact`). A rollback unit is one destination table with
the entries that wrote it, so a record two entries touched is reverted once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel


class RollbackUnit(BaseModel):
    """One destination table and the ledger names (map entries) of the rows that wrote it."""

    table: str
    entries: list[str]


def rollback_units(
    load_order: Sequence[tuple[str, str]], touched: Iterable[str] = ()
) -> list[RollbackUnit]:
    """Destination tables children first, each with its entries.

    Args:
        load_order: (entry, destination table) in the order the map loads them, parents first.
        touched: ledger names the run has rows under; a name the map does not list is taken as
            its own table (and rolled back first: nothing the map loads can depend on it).

    Returns:
        Every table of the map plus the unknown touched ones, in reverse load order.
    """
    position: dict[str, int] = {}
    entries: dict[str, list[str]] = {}
    for index, (entry, table) in enumerate(load_order):
        position[table] = index
        entries.setdefault(table, []).append(entry)
    known = {entry for entry, _ in load_order}
    for name in sorted(set(touched) - known):
        entries.setdefault(name, []).append(name)
    ordered = sorted(entries, key=lambda table: (-position.get(table, len(load_order)), table))
    return [RollbackUnit(table=table, entries=entries[table]) for table in ordered]


def rollback_order(load_order: Sequence[str], touched: Iterable[str]) -> list[str]:
    """Touched destination tables in reverse load order (tables the map does not name first)."""
    pairs = [(table, table) for table in load_order]
    wanted = set(touched)
    return [unit.table for unit in rollback_units(pairs, wanted) if unit.table in wanted]
