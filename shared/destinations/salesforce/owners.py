"""Owner resolution: source staff e-mails matched to active Salesforce Users, with a fallback."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.destinations.base import OwnerMatch, OwnerReport
from shared.destinations.errors import TerminalError
from shared.destinations.salesforce import soql
from shared.destinations.salesforce.client import SalesforceClient
from shared.destinations.salesforce.writer import query_all


async def users_by_email(
    client: SalesforceClient, emails: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """Users per lowered e-mail (several users may share one address)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for part in soql.chunks(sorted(set(emails))):
        text = soql.select("User", ["Id", "Email", "IsActive"], f"Email IN {soql.in_list(part)}")
        for user in await query_all(client, text):
            found.setdefault(str(user["Email"]).lower(), []).append(user)
    return found


async def resolve_owners(
    client: SalesforceClient, emails: Sequence[str], fallback_email: str
) -> OwnerReport:
    """Match e-mails to Users; disabled and unknown ones go to the (active) fallback owner.

    Raises:
        TerminalError: the fallback owner is missing or inactive (no record may land ownerless).
    """
    wanted = sorted({e.strip().lower() for e in emails if e and e.strip()})
    fallback = fallback_email.strip().lower()
    users = await users_by_email(client, [*wanted, fallback])
    fallback_user = next((u for u in users.get(fallback, []) if u.get("IsActive")), None)
    if fallback_user is None:
        raise TerminalError("fallback_owner_not_active", destination="salesforce", table="User")
    matches = []
    for email in wanted:
        candidates = users.get(email, [])
        active = next((u for u in candidates if u.get("IsActive")), None)
        if active is not None:
            matches.append(
                OwnerMatch(
                    email=email, status="matched", user_id=active["Id"], owner_id=active["Id"]
                )
            )
        elif candidates:
            matches.append(
                OwnerMatch(
                    email=email,
                    status="disabled",
                    user_id=candidates[0]["Id"],
                    owner_id=fallback_user["Id"],
                )
            )
        else:
            matches.append(
                OwnerMatch(email=email, status="unmatched", owner_id=fallback_user["Id"])
            )
    return OwnerReport(
        fallback_owner_email=fallback, fallback_owner_id=fallback_user["Id"], matches=matches
    )
