"""Owner resolution: source staff e-mails -> active Dataverse users, with a validated fallback."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.destinations.base import OwnerMatch, OwnerReport
from shared.destinations.dataverse.client import DataverseClient
from shared.destinations.errors import TerminalError

USER_COLUMNS = "systemuserid,internalemailaddress,isdisabled"


def normalise_email(email: str | None) -> str:
    """Trimmed and lower-cased: how both sides are compared."""
    return (email or "").strip().lower()


async def users_by_email(client: DataverseClient) -> dict[str, list[dict[str, Any]]]:
    """Every systemuser grouped by normalised e-mail.

    One paged query over all users (a practice has tens to hundreds) compares in code, so
    stray spaces and letter case in stored addresses never hide a match.
    """
    found: dict[str, list[dict[str, Any]]] = {}
    for row in await client.get_all("systemusers", {"$select": USER_COLUMNS}):
        email = normalise_email(row.get("internalemailaddress"))
        if email:
            found.setdefault(email, []).append(row)
    return found


async def resolve_owners(
    client: DataverseClient, emails: Sequence[str], fallback_email: str
) -> OwnerReport:
    """Matched / matched-but-disabled / unmatched per e-mail; the last two get the fallback.

    Raises:
        TerminalError: `fallback_owner_invalid` when the fallback is unknown or disabled.
    """
    fallback = normalise_email(fallback_email)
    found = await users_by_email(client)
    fallback_id = _active_id(found.get(fallback, []))
    if fallback_id is None:
        raise TerminalError("fallback_owner_invalid", destination="dataverse", table="systemuser")
    matches: list[OwnerMatch] = []
    for email in sorted({normalise_email(e) for e in emails if normalise_email(e)}):
        users = found.get(email, [])
        active = _active_id(users)
        if active is not None:
            matches.append(
                OwnerMatch(email=email, status="matched", user_id=active, owner_id=active)
            )
        elif users:
            disabled = str(users[0]["systemuserid"])
            matches.append(
                OwnerMatch(email=email, status="disabled", user_id=disabled, owner_id=fallback_id)
            )
        else:
            matches.append(OwnerMatch(email=email, status="unmatched", owner_id=fallback_id))
    return OwnerReport(
        fallback_owner_email=fallback, fallback_owner_id=fallback_id, matches=matches
    )


def _active_id(users: list[dict[str, Any]]) -> str | None:
    return next((str(u["systemuserid"]) for u in users if not u.get("isdisabled")), None)
