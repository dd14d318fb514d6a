"""`GET /api/migrations/{id}/reports/{name}/link`: a short-lived URL that downloads the report."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from api import dependencies
from api.report_links import LINK_MINUTES_SETTING, link_validity
from tests.api.conftest import PortalApi, http_request

pytestmark = pytest.mark.integration


def link_for(portal: PortalApi, run_id: str, name: str) -> dict[str, str]:
    req = http_request("GET", f"migrations/{run_id}/reports/{name}/link", run_id=run_id,
                       name=name, roles=("Migration.Approver",))  # fmt: skip
    response = portal.call("migration_report_link", req)
    assert response.status_code == 200, response.get_body()
    assert response.headers["Cache-Control"] == "no-store"
    return dict(json.loads(response.get_body()))


def test_the_link_downloads_the_report_until_the_configured_minutes_pass(
    portal: PortalApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(LINK_MINUTES_SETTING, "3")
    run_id = portal.prepare_awaiting_confirmation()
    answer = link_for(portal, run_id, "proposal.md")
    download = httpx.get(answer["url"])
    assert download.status_code == 200
    stored = dependencies.staging().read_bytes(f"{run_id}/proposal.md", container="reports")
    assert download.content == stored and download.content.startswith(b"# Map proposal")
    expires = datetime.fromisoformat(answer["expiresAt"])
    assert timedelta(minutes=2) < expires - datetime.now(UTC) <= timedelta(minutes=3)
    assert answer["name"] == "proposal.md" and "code=" not in answer["url"]


def test_a_link_for_one_run_does_not_open_another_runs_report(portal: PortalApi) -> None:
    first, second = portal.prepare_awaiting_confirmation(), portal.prepare_awaiting_confirmation()
    url = link_for(portal, first, "quality.json")["url"]
    assert httpx.get(url).status_code == 200
    assert httpx.get(url.replace(first, second)).status_code == 403


@pytest.mark.parametrize(("raw", "minutes"), [(None, 15), ("1", 1), ("60", 60)])
def test_link_validity_comes_from_the_setting(
    monkeypatch: pytest.MonkeyPatch, raw: str | None, minutes: int
) -> None:
    if raw is None:
        monkeypatch.delenv(LINK_MINUTES_SETTING, raising=False)
    else:
        monkeypatch.setenv(LINK_MINUTES_SETTING, raw)
    assert link_validity() == timedelta(minutes=minutes)


@pytest.mark.parametrize("raw", ["0", "61", "1440", "-5", "ten", "2.5"])
def test_out_of_range_settings_are_refused(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv(LINK_MINUTES_SETTING, raw)
    with pytest.raises(ValueError, match=LINK_MINUTES_SETTING):
        link_validity()
