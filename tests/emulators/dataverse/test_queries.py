"""Contract tests for queries: $select, $filter, $orderby, $top, $count, paging, names (1, 2)."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from tests.fixtures.dataverse_emulator import DataverseEmulator

CONTACT = "Microsoft.Dynamics.CRM.contact"


@pytest.fixture
def patients(fresh_dataverse: DataverseEmulator) -> DataverseEmulator:
    targets = [
        {
            "@odata.type": CONTACT,
            "firstname": f"F{i:02d}",
            "lastname": "Hart" if i % 2 else "Mehta",
            "birthdate": f"19{50 + i}-01-15",
            "emailaddress1": f"p{i}@example.test" if i % 3 else None,
            "gendercode": 1 + i % 2,
        }
        for i in range(25)
    ]
    with fresh_dataverse.client() as api:
        api.post("contacts/Microsoft.Dynamics.CRM.CreateMultiple", json={"Targets": targets})
    return fresh_dataverse


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("lastname eq 'hart'", 12),
        ("lastname ne 'Hart'", 13),
        ("birthdate lt 1960-01-01", 10),
        ("birthdate ge 1960-01-01 and gendercode eq 2", 7),
        ("emailaddress1 eq null", 9),
        ("not (emailaddress1 eq null) or lastname eq 'Mehta'", 21),
        ("contains(emailaddress1,'1@')", 2),
        ("startswith(firstname,'F1') and endswith(firstname,'5')", 1),
        ("Microsoft.Dynamics.CRM.In(PropertyName='gendercode',PropertyValues=['2'])", 12),
        ("Microsoft.Dynamics.CRM.In(PropertyName='firstname',PropertyValues=['f01','F02'])", 2),
        ("Microsoft.Dynamics.CRM.NotIn(PropertyName='lastname',PropertyValues=['Hart'])", 13),
        (
            "Microsoft.Dynamics.CRM.Between(PropertyName='birthdate',"
            "PropertyValues=['1950-01-01','1954-12-31'])",
            5,
        ),
    ],
)
def test_filter_operators(patients: DataverseEmulator, expression: str, expected: int) -> None:
    with patients.client() as api:
        response = api.get("contacts", params={"$select": "contactid", "$filter": expression})
    assert response.status_code == 200, response.text
    assert len(response.json()["value"]) == expected


def test_orderby_top_and_count(patients: DataverseEmulator) -> None:
    with patients.client() as api:
        body = api.get(
            "contacts",
            params={
                "$select": "firstname",
                "$orderby": "firstname desc",
                "$top": "3",
                "$count": "true",
            },
        ).json()
    assert [r["firstname"] for r in body["value"]] == ["F24", "F23", "F22"]
    assert body["@odata.count"] == 25
    assert "@odata.nextLink" not in body


def test_paging_with_maxpagesize_follows_next_links(patients: DataverseEmulator) -> None:
    seen: list[str] = []
    pages = 0
    with patients.client() as api:
        url: str | None = "contacts?$select=firstname&$orderby=firstname"
        while url:
            response = api.get(url, headers={"Prefer": "odata.maxpagesize=10"})
            body = response.json()
            seen += [r["firstname"] for r in body["value"]]
            url = body.get("@odata.nextLink")
            pages += 1
            if url:
                assert "$skiptoken=" in url and "pagingcookie" in unquote(url)
    assert response.headers["Preference-Applied"] == "odata.maxpagesize=10"
    assert pages == 3
    assert seen == sorted(f"F{i:02d}" for i in range(25))


@pytest.mark.parametrize("query", ["$select=Lastname", "$filter=LastName eq 'x'", "$orderby=nope"])
def test_unknown_property_in_query_is_400(fresh_dataverse: DataverseEmulator, query: str) -> None:
    with fresh_dataverse.client() as api:
        response = api.get(f"contacts?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "0x0"
    assert response.json()["error"]["message"].startswith("Could not find a property named '")
    assert response.json()["error"]["message"].endswith(
        "' on type 'Microsoft.Dynamics.CRM.contact'."
    )


def test_entity_set_names_are_case_sensitive(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        response = api.get("Contacts")
        table_not_created_yet = api.post("new_treatments", json={"new_name": "x"})
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "0x8006088a", "message": "Resource not found for the segment 'Contacts'."}
    }
    assert table_not_created_yet.status_code == 404


def test_any_v9_minor_version_is_served(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        response = api.get(fresh_dataverse.api_url.replace("v9.2", "v9.0") + "/WhoAmI")
    assert response.status_code == 200


def test_apply_aggregates_and_groups(patients: DataverseEmulator) -> None:
    with patients.client() as api:
        totals = api.get(
            "contacts",
            params={"$apply": "filter(lastname eq 'Hart')/aggregate($count as patients)"},
        ).json()
        by_gender = api.get(
            "contacts", params={"$apply": "groupby((gendercode),aggregate($count as patients))"}
        ).json()
        count = api.get("contacts/$count")
        wrong = api.get("contacts", params={"$apply": "aggregate(lastname with sum as x)"})
    assert totals["value"] == [{"patients": 12}]
    assert by_gender["value"] == [
        {"gendercode": 1, "patients": 13},
        {"gendercode": 2, "patients": 12},
    ]
    assert count.text == "25"
    assert wrong.status_code == 400


def test_sum_of_money_column(fresh_dataverse: DataverseEmulator) -> None:
    with fresh_dataverse.client() as api:
        for amount in (10.5, 20.25, 100):
            api.post("opportunities", json={"name": "Implant", "estimatedvalue": amount})
        body = api.get(
            "opportunities",
            params={
                "$apply": "aggregate(estimatedvalue with sum as total,"
                "estimatedvalue with max as top)"
            },
        ).json()
    assert body["value"] == [{"total": 130.75, "top": 100}]


@pytest.mark.parametrize(
    "expression",
    ["lastname eq", "lastname eq 'x' and", "(lastname eq 'x'", "lastname like 'x'", "eq 'x'"],
)
def test_filter_syntax_errors_are_400(fresh_dataverse: DataverseEmulator, expression: str) -> None:
    with fresh_dataverse.client() as api:
        response = api.get("contacts", params={"$filter": expression})
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message"}


def test_paging_continues_after_the_last_key_when_rows_are_added(
    patients: DataverseEmulator,
) -> None:
    seen: list[str] = []
    with patients.client() as api:
        url: str | None = "contacts?$select=contactid"
        while url:
            body = api.get(url, headers={"Prefer": "odata.maxpagesize=10"}).json()
            seen += [r["contactid"] for r in body["value"]]
            url = body.get("@odata.nextLink")
            # A row that sorts before every page served so far: an offset would shift onto it.
            early_id = f"00000000-0000-0000-0000-{len(seen):012d}"
            api.patch(f"contacts({early_id})", json={"lastname": "Arrived while paging"})
    assert len(seen) == len(set(seen)) == 25, "every row once, none twice"
