"""Report download links against Azurite: the link reads one blob, briefly, and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from azure.storage.blob import BlobServiceClient, UserDelegationKey

from shared.ledger import BlobStaging
from shared.ledger.links import signed_download_link
from shared.ledger.staging import REPORTS_CONTAINER

pytestmark = pytest.mark.integration

DIFF = b"source,destination\nQ-1,c-1\n"


@pytest.fixture
def staging(storage_connection_string: str) -> BlobStaging:
    service = BlobServiceClient.from_connection_string(storage_connection_string)
    store = BlobStaging(service)
    store.write_bytes("run-links/diff.csv", DIFF, container=REPORTS_CONTAINER,
                      content_type="text/csv; charset=utf-8")  # fmt: skip
    store.write_bytes("run-links/owners.csv", b"other", container=REPORTS_CONTAINER)
    store.write_bytes("run-links/pages/patient/00000.jsonl.gz", b"staged")
    return store


def test_the_link_downloads_the_report_as_an_attachment(staging: BlobStaging) -> None:
    link = staging.download_link("run-links/diff.csv", valid_for=timedelta(minutes=5))
    response = httpx.get(link.url)
    assert response.status_code == 200
    assert response.content == DIFF
    assert response.headers["content-disposition"] == 'attachment; filename="diff.csv"'
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    query = parse_qs(urlsplit(link.url).query)
    assert query["sp"] == ["r"] and query["sr"] == ["b"]
    remaining = link.expires_at - datetime.now(UTC)
    assert timedelta(minutes=4) < remaining <= timedelta(minutes=5)


def test_an_expired_link_is_refused(staging: BlobStaging, storage_connection_string: str) -> None:
    service = BlobServiceClient.from_connection_string(storage_connection_string)
    signed_long_ago = datetime.now(UTC) - timedelta(hours=2)
    link = signed_download_link(service, REPORTS_CONTAINER, "run-links/diff.csv",
                                valid_for=timedelta(minutes=5), now=signed_long_ago)  # fmt: skip
    response = httpx.get(link.url)
    assert response.status_code == 403
    assert DIFF not in response.content


@pytest.mark.parametrize(
    ("container", "other"),
    [(REPORTS_CONTAINER, "run-links/owners.csv"),
     ("staging", "run-links/pages/patient/00000.jsonl.gz")],
)  # fmt: skip
def test_the_signature_does_not_open_another_blob(
    staging: BlobStaging, container: str, other: str
) -> None:
    link = staging.download_link("run-links/diff.csv", valid_for=timedelta(minutes=5))
    base, token = link.url.split("?", 1)
    account_root = base.split(f"/{REPORTS_CONTAINER}/", 1)[0]
    assert httpx.get(f"{account_root}/{container}/{other}?{token}").status_code == 403


def test_the_link_cannot_write_or_delete(staging: BlobStaging) -> None:
    link = staging.download_link("run-links/diff.csv", valid_for=timedelta(minutes=5))
    overwrite = httpx.put(link.url, content=b"tampered", headers={"x-ms-blob-type": "BlockBlob"})
    assert overwrite.status_code == 403
    assert httpx.delete(link.url).status_code == 403
    assert httpx.get(link.url).content == DIFF


def test_a_missing_blob_is_a_key_error(staging: BlobStaging) -> None:
    with pytest.raises(KeyError):
        staging.download_link("run-links/never-written.csv", valid_for=timedelta(minutes=5))


@pytest.mark.parametrize("valid_for", [timedelta(0), timedelta(minutes=-1), timedelta(hours=2)])
def test_validity_must_be_short_and_positive(
    storage_connection_string: str, valid_for: timedelta
) -> None:
    service = BlobServiceClient.from_connection_string(storage_connection_string)
    with pytest.raises(ValueError, match="valid for"):
        signed_download_link(service, REPORTS_CONTAINER, "x", valid_for=valid_for)


def test_an_account_key_for_a_real_account_is_refused() -> None:
    service = BlobServiceClient.from_connection_string(
        "DefaultEndpointsProtocol=https;AccountName=clinicdata;"
        "AccountKey=a2V5a2V5a2V5a2V5a2V5a2V5;EndpointSuffix=core.windows.net"
    )
    with pytest.raises(ValueError, match="signed by identity"):
        signed_download_link(service, REPORTS_CONTAINER, "r/diff.csv",
                             valid_for=timedelta(minutes=5))  # fmt: skip


class _IdentityService:
    """What the link code reads from a Blob client built with a token credential."""

    account_name = "clinicdata"
    url = "https://clinicdata.blob.core.windows.net/"
    credential = SimpleNamespace(get_token=lambda *scopes: None)

    def __init__(self) -> None:
        self.key_requests: list[dict[str, Any]] = []

    def get_blob_client(self, container: str, blob: str) -> Any:
        return SimpleNamespace(url=f"{self.url}{container}/{blob}")

    def get_user_delegation_key(self, **window: Any) -> UserDelegationKey:
        self.key_requests.append(window)
        key = UserDelegationKey()
        key.signed_oid, key.signed_tid = "00000000-0000-0000-0000-0000000000aa", "tenant"
        key.signed_start, key.signed_expiry = "2026-11-22T00:00:00Z", "2026-11-22T01:00:00Z"
        key.signed_service, key.signed_version = "b", "2025-01-05"
        key.value = "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5"
        return key


def test_with_identity_the_link_is_signed_by_a_user_delegation_key_over_https() -> None:
    service = _IdentityService()
    now = datetime(2026, 11, 22, 0, 10, tzinfo=UTC)
    link = signed_download_link(service, REPORTS_CONTAINER, "r/diff.csv",  # type: ignore[arg-type]
                                valid_for=timedelta(minutes=15), now=now)  # fmt: skip
    query = parse_qs(urlsplit(link.url).query)
    assert link.url.startswith("https://clinicdata.blob.core.windows.net/reports/r/diff.csv?")
    assert query["skoid"] == ["00000000-0000-0000-0000-0000000000aa"]
    assert (query["sp"], query["spr"], query["se"]) == (["r"], ["https"], ["2026-11-22T00:25:00Z"])
    assert service.key_requests == [{"key_start_time": now - timedelta(minutes=5),
                                     "key_expiry_time": now + timedelta(minutes=15)}]  # fmt: skip
