"""Short-lived, read-only download links (SAS) for one blob in a private container.

On Azure the app has no account key (shared keys are disabled), so links are signed with a *user
delegation key* that the app's identity obtains from Entra ID: the link can do no more than the
identity could, expires with the key, and every key can be revoked at once. An account-key SAS is
used only against Azurite (a connection string on a loopback address), where no identity exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

from azure.storage.blob import BlobSasPermissions, BlobServiceClient, generate_blob_sas

CLOCK_SKEW = timedelta(minutes=5)
MAX_VALIDITY = timedelta(hours=1)


@dataclass(frozen=True)
class DownloadLink:
    """A signed URL for one blob, and when it stops working."""

    url: str
    expires_at: datetime


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def signed_download_link(
    service: BlobServiceClient,
    container: str,
    blob_name: str,
    *,
    valid_for: timedelta,
    filename: str | None = None,
    content_type: str | None = None,
    now: datetime | None = None,
) -> DownloadLink:
    """A read-only SAS URL for `container/blob_name`, valid from now for `valid_for`.

    Args:
        service: the app's Blob service client (identity on Azure, a connection string locally).
        container: the private container holding the blob.
        blob_name: the blob; the signature covers this one blob only.
        valid_for: how long the link works, at most `MAX_VALIDITY`.
        filename: sent back as `Content-Disposition: attachment` so browsers download, not render.
        content_type: the `Content-Type` the download is served with.
        now: the signing time (tests); the current time by default.

    Returns:
        The URL and its expiry.

    Raises:
        ValueError: the validity is out of range, or the client holds an account key for a
            storage account that is not a local emulator (links must be signed by identity).
    """
    if not timedelta(0) < valid_for <= MAX_VALIDITY:
        raise ValueError(f"a link may be valid for more than 0 and at most {MAX_VALIDITY}")
    signed_at = now or datetime.now(UTC)
    start, expiry = signed_at - CLOCK_SKEW, signed_at + valid_for
    blob = service.get_blob_client(container, blob_name)
    account_name = service.account_name or ""
    options: dict[str, Any] = {
        "account_name": account_name,
        "container_name": container,
        "blob_name": blob_name,
        "permission": BlobSasPermissions(read=True),
        "start": start,
        "expiry": expiry,
        "content_disposition": f'attachment; filename="{filename}"' if filename else None,
        "content_type": content_type,
    }
    account_key = getattr(service.credential, "account_key", None)
    if account_key:
        if not _is_loopback(service.url):
            raise ValueError("report links are signed by identity; account keys are for Azurite")
        token = generate_blob_sas(account_key=account_key, **options)
    else:
        key = service.get_user_delegation_key(key_start_time=start, key_expiry_time=expiry)
        token = generate_blob_sas(user_delegation_key=key, protocol="https", **options)
    return DownloadLink(url=f"{blob.url.split('?', 1)[0]}?{token}", expires_at=expiry)
