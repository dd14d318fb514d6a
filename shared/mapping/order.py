"""Load order derived from the lookups (parents before children), never listed by hand."""

from __future__ import annotations

from graphlib import CycleError, TopologicalSorter

from shared.mapping.spec import MapSpec


class OrderError(ValueError):
    """The map's non-deferred lookups form a cycle; one of them must be `deferred: true`."""


def dependencies(spec: MapSpec) -> dict[str, set[str]]:
    """Per enabled entry, the entries it looks up (excluding itself and deferred lookups)."""
    enabled = {name for name, table in spec.tables.items() if table.enabled}
    graph: dict[str, set[str]] = {}
    for name in sorted(enabled):
        table = spec.tables[name]
        parents: set[str] = set()
        for rule in table.lookups.values():
            if rule.deferred:
                continue
            parents.update(c.to for c in rule.all_candidates() if c.to in enabled)
        parents.update(p.to for p in table.parties if p.to in enabled)
        if table.key.kind is not None:
            parents.update(
                other
                for other in enabled
                if spec.tables[other].source == table.key.kind
                and spec.tables[other].operation == "upsert"
                and spec.tables[other].key.kind is None
                and spec.tables[other].table == table.table
            )
        parents.discard(name)
        graph[name] = parents
    return graph


def load_waves(spec: MapSpec) -> list[list[str]]:
    """Entries grouped into waves: each wave only looks up entries of earlier waves.

    Entries of one wave can load in parallel; names are sorted so the order is stable.

    Raises:
        OrderError: when non-deferred lookups form a cycle (the message names the entries).
    """
    sorter = TopologicalSorter(dependencies(spec))
    try:
        sorter.prepare()
    except CycleError as error:
        cycle = " -> ".join(error.args[1])
        raise OrderError(f"lookups form a cycle: {cycle}; mark one 'deferred: true'") from None
    waves: list[list[str]] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        waves.append(ready)
        sorter.done(*ready)
    return waves


def load_order(spec: MapSpec) -> list[str]:
    """Entries in an order where every looked-up entry comes before the entries that use it."""
    return [name for wave in load_waves(spec) for name in wave]
