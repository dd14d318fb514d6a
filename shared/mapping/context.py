"""What a run supplies to a compiled map: run id, owners, destination references, PHI opt-outs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from shared.mapping.spec import PhiCategory


def _today() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class RunContext:
    """Run-specific inputs, fixed for the whole run so a replayed batch gives the same payloads.

    Attributes:
        run_id: written to every row's run-id provenance column.
        run_date: "today" for expressions (e.g. invoices overdue as of the run).
        owners: staff source id -> destination user id (systemuser GUID / Salesforce User Id),
            from owner resolution. Unmatched staff are absent.
        fallback_owner: the user that owns rows whose staff member did not resolve.
        references: destination records the map points at but does not create, by name
            (`price_list`, `unit`, `unit_group`): Dataverse bind paths such as
            `/pricelevels(<guid>)`, Salesforce record ids.
        exclude_phi: PHI categories the operator opted out of; those columns and tables are
            not written.
    """

    run_id: str
    run_date: date = field(default_factory=_today)
    owners: Mapping[str, str] = field(default_factory=dict)
    fallback_owner: str | None = None
    references: Mapping[str, str] = field(default_factory=dict)
    exclude_phi: frozenset[PhiCategory] = frozenset()

    def owner_for(self, staff_id: str | None) -> str | None:
        """The destination user for a staff member, else the fallback owner."""
        if staff_id is not None:
            found = self.owners.get(staff_id)
            if found is not None:
                return found
        return self.fallback_owner
