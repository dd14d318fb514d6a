"""Contract tests for $batch (checklist item 17)."""

from __future__ import annotations

import json
import re

from tests.fixtures.dataverse_emulator import DataverseEmulator


def _part(method: str, url: str, body: dict[str, object] | None = None, cid: str = "") -> str:
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if cid:
        lines.append(f"Content-ID: {cid}")
    lines += ["", f"{method} {url} HTTP/1.1"]
    if body is not None:
        lines += ["Content-Type: application/json; type=entry", "", json.dumps(body)]
    else:
        lines += ["Accept: application/json", ""]
    return "\r\n".join(lines) + "\r\n"


def _batch(parts: list[str], boundary: str = "batch_1") -> str:
    return "".join(f"--{boundary}\r\n{p}" for p in parts) + f"--{boundary}--\r\n"


def _changeset(parts: list[str], boundary: str = "changeset_1") -> str:
    inner = "".join(f"--{boundary}\r\n{p}" for p in parts) + f"--{boundary}--\r\n"
    return f"Content-Type: multipart/mixed; boundary={boundary}\r\n\r\n{inner}"


def _statuses(text: str) -> list[int]:
    return [int(code) for code in re.findall(r"^HTTP/1\.1 (\d{3})", text, re.MULTILINE)]


def test_changeset_with_content_id_reference_and_get_after(
    fresh_dataverse: DataverseEmulator,
) -> None:
    api_url = fresh_dataverse.api_url
    body = _batch(
        [
            _changeset(
                [
                    _part("POST", f"{api_url}/accounts", {"name": "Bright Smile"}, cid="1"),
                    _part(
                        "POST",
                        f"{api_url}/contacts",
                        {"lastname": "Hart", "parentcustomerid_account@odata.bind": "$1"},
                        cid="2",
                    ),
                ]
            ),
            _part("GET", f"{api_url}/contacts?$select=lastname,_parentcustomerid_value"),
        ]
    )
    with fresh_dataverse.client() as api:
        response = api.post(
            "$batch",
            content=body,
            headers={"Content-Type": 'multipart/mixed; boundary="batch_1"'},
        )
    text = response.text
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("multipart/mixed; boundary=batchresponse_")
    assert "changesetresponse_" in text
    assert _statuses(text) == [204, 204, 200]
    assert re.search(r"^Location: .*/accounts\(", text, re.MULTILINE)
    contact = json.loads(
        text.split("HTTP/1.1 200 OK")[1].split("\r\n\r\n", 1)[1].split("\r\n--")[0]
    )
    account_id = re.search(r"OData-EntityId: .*/accounts\(([0-9a-f-]+)\)", text).group(1)  # type: ignore[union-attr]
    assert contact["value"][0]["_parentcustomerid_value"] == account_id


def test_failed_changeset_rolls_back_and_stops_the_batch(
    fresh_dataverse: DataverseEmulator,
) -> None:
    api_url = fresh_dataverse.api_url
    body = _batch(
        [
            _changeset(
                [
                    _part("POST", f"{api_url}/contacts", {"lastname": "Kept?"}, cid="1"),
                    _part("POST", f"{api_url}/contacts", {"Lastname": "bad casing"}, cid="2"),
                ]
            ),
            _part("POST", f"{api_url}/contacts", {"lastname": "After"}),
        ]
    )
    before = fresh_dataverse.admin.counts().get("contact", 0)
    with fresh_dataverse.client() as api:
        response = api.post(
            "$batch", content=body, headers={"Content-Type": "multipart/mixed;boundary=batch_1"}
        )
    assert response.status_code == 400
    assert _statuses(response.text) == [400]
    assert fresh_dataverse.admin.counts().get("contact", 0) == before


def test_continue_on_error_runs_every_request(fresh_dataverse: DataverseEmulator) -> None:
    api_url = fresh_dataverse.api_url
    body = _batch(
        [
            _part("POST", f"{api_url}/contacts", {"lastname": "One"}),
            _part("POST", f"{api_url}/contacts", {"nope": "x"}),
            _part("POST", f"{api_url}/contacts", {"lastname": "Three"}),
        ]
    )
    with fresh_dataverse.client() as api:
        response = api.post(
            "$batch",
            content=body,
            headers={
                "Content-Type": "multipart/mixed;boundary=batch_1",
                "Prefer": "odata.continue-on-error",
            },
        )
    assert response.status_code == 200
    assert _statuses(response.text) == [204, 400, 204]


def test_undeclared_content_id_reference_is_400(fresh_dataverse: DataverseEmulator) -> None:
    body = _batch([_changeset([_part("PATCH", "$1", {"lastname": "x"}, cid="2")])])
    with fresh_dataverse.client() as api:
        response = api.post(
            "$batch", content=body, headers={"Content-Type": "multipart/mixed;boundary=batch_1"}
        )
    assert "Content-ID Reference: '$1' does not exist in the batch context." in response.text


def test_batch_without_crlf_is_not_readable(fresh_dataverse: DataverseEmulator) -> None:
    body = _batch([_part("GET", "contacts")]).replace("\r\n", "\n")
    with fresh_dataverse.client() as api:
        response = api.post(
            "$batch", content=body, headers={"Content-Type": "multipart/mixed;boundary=batch_1"}
        )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "0x80048d19"
    assert "Stream was not readable." in response.json()["error"]["message"]


def test_batch_counts_as_one_request(fresh_dataverse: DataverseEmulator) -> None:
    body = _batch([_part("POST", "contacts", {"lastname": f"P{i}"}) for i in range(5)])
    with fresh_dataverse.client() as api:
        since = fresh_dataverse.request_log()[-1]["seq"] if fresh_dataverse.request_log() else 0
        api.post(
            "$batch", content=body, headers={"Content-Type": "multipart/mixed;boundary=batch_1"}
        )
    entries = fresh_dataverse.request_log(since)
    assert [(e["resource"], e["records"]) for e in entries] == [("$batch", 5)]
