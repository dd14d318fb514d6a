"""Language-model assist against a fake Azure OpenAI endpoint on 127.0.0.1: what is sent (never a
patient value), how answers are applied (one-to-one, capped, marked), and failures (ignored)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from shared.mapping.proposer.azure_openai import AzureOpenAIReranker, AzureOpenAISettings
from shared.mapping.proposer.matcher import match_csv
from shared.mapping.proposer.proposal import propose_csv
from shared.mapping.proposer.reranker import (
    MAX_ASSISTED_CONFIDENCE,
    rerank_low_confidence,
    safe_header,
)
from tests.fixtures.proposer import FakeAzureOpenAI

SENTINEL_ROWS = [
    ["Zebulonqx", "Quillbury", "9434765870", "14/02/1961", "zebulon.sentinel@example.org",
     "07400 123456", "Penicillinzz allergyzz", "Goldfinchvale"],
    ["Xanthippe", "Vortigern", "9078297816", "03/11/1984", "xanthippe.sentinel@example.org",
     "07400 654321", "Latexqq sensitivityqq", "Marrowbyfield"],
    ["Ysoldeqq", "Wrexhamby", "9432443221", "27/06/1999", "ysolde.sentinel@example.org",
     "07400 777888", "Diabetesqq mellitusqq", "Thistlewick"],
]  # fmt: skip
# A header row that is really a data row (an export saved without headers) must not leak either.
HEADERS = ["Col A", "Col B", "Ref", "When", "quentin.header@example.org", "Tel", "Memo", "Place"]


def _reranker(fake: FakeAzureOpenAI) -> AzureOpenAIReranker:
    settings = AzureOpenAISettings(
        endpoint=fake.endpoint, deployment="gpt-4o-mini", api_key="test-key"
    )
    return AzureOpenAIReranker(settings)


@pytest.fixture
def sentinel_csv(tmp_path: Path) -> Path:
    path = tmp_path / "patients.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for _ in range(4):
            writer.writerows(SENTINEL_ROWS)
    return path


def test_no_patient_value_is_ever_sent(
    fake_azure_openai: FakeAzureOpenAI, sentinel_csv: Path
) -> None:
    propose_csv(sentinel_csv, "patient", reranker=_reranker(fake_azure_openai), min_confidence=0.99)
    assert fake_azure_openai.requests, "the assist was not called"
    sent = " ".join(fake_azure_openai.bodies()).lower()
    for row in SENTINEL_ROWS:
        for value in row:
            assert value.lower() not in sent
            for word in value.replace("@", " ").replace(".", " ").split():
                if len(word) >= 4 and not word.isdigit():
                    assert word.lower() not in sent, "a word of a patient value was sent"
    assert "quentin" not in sent
    question = json.loads(json.loads(fake_azure_openai.bodies()[0])["messages"][1]["content"])
    shapes = {tuple(c["shapes"]) for c in question["columns"]}
    assert ("99/99/9999",) in shapes  # the model still learns what the dates look like


def test_request_goes_to_the_deployment_with_the_key(
    fake_azure_openai: FakeAzureOpenAI, sentinel_csv: Path
) -> None:
    propose_csv(sentinel_csv, "patient", reranker=_reranker(fake_azure_openai), min_confidence=0.99)
    request = fake_azure_openai.requests[0]
    assert request["path"].startswith("/openai/deployments/gpt-4o-mini/chat/completions?")
    assert "api-version=" in request["path"]
    assert request["headers"]["api-key"] == "test-key"


def test_answers_rerank_only_low_confidence_columns_and_are_capped(
    fake_azure_openai: FakeAzureOpenAI,
) -> None:
    result = match_csv(Path(__file__).parent / "cases" / "tr_drdentes_hastalar.csv", "patient")
    confident = {c.column: c.field for c in result.proposal.columns if c.field}
    reranked = rerank_low_confidence(result, _reranker(fake_azure_openai), threshold=0.45)
    question = json.loads(json.loads(fake_azure_openai.bodies()[0])["messages"][1]["content"])
    assert {c["header"] for c in question["columns"]} == {"Kan Grubu", "Yakınının Tel."}
    offered = {f["path"] for f in question["fields"]}
    assert not offered & set(confident.values())  # taken fields are not offered again
    changed = [c for c in reranked.proposal.columns if c.assisted]
    assert changed and all(c.confidence <= MAX_ASSISTED_CONFIDENCE for c in changed)
    assert all(c.reason.startswith("language model: ") for c in changed)
    for column in reranked.proposal.columns:
        if column.column in confident:
            assert column.field == confident[column.column]
    fields = [c.field for c in reranked.proposal.columns if c.field]
    assert len(fields) == len(set(fields))


def test_answers_naming_unknown_or_duplicate_fields_are_ignored(
    fake_azure_openai: FakeAzureOpenAI,
) -> None:
    def bad_model(question: dict) -> dict:  # type: ignore[type-arg]
        keys = [c["key"] for c in question["columns"]]
        return {"columns": [{"key": keys[0], "field": "favourite_colour", "confidence": 0.9},
                            {"key": keys[1], "field": "source_id", "confidence": 0.9}]}  # fmt: skip

    fake_azure_openai.answer = bad_model
    result = match_csv(Path(__file__).parent / "cases" / "tr_drdentes_hastalar.csv", "patient")
    reranked = rerank_low_confidence(result, _reranker(fake_azure_openai), threshold=0.45)
    assert reranked.proposal == result.proposal


@pytest.mark.parametrize("failure", ["status", "junk"])
def test_a_failing_deployment_leaves_the_local_proposal(
    fake_azure_openai: FakeAzureOpenAI, failure: str
) -> None:
    if failure == "status":
        fake_azure_openai.status = 500
    else:
        fake_azure_openai.raw_reply = '{"choices": [{"message": {"content": "not json"}}]}'
    result = match_csv(Path(__file__).parent / "cases" / "tr_drdentes_hastalar.csv", "patient")
    reranked = rerank_low_confidence(result, _reranker(fake_azure_openai), threshold=0.45)
    assert fake_azure_openai.requests
    assert reranked.proposal == result.proposal


def test_assist_is_off_unless_configured_and_only_https_or_loopback() -> None:
    assert AzureOpenAISettings.from_env({}) is None
    configured = AzureOpenAISettings.from_env(
        {
            "AZURE_OPENAI_ENDPOINT": "https://contoso.openai.azure.com/",
            "AZURE_OPENAI_DEPLOYMENT": "mapper",
        }
    )
    assert configured is not None and configured.api_key is None
    assert configured.endpoint == "https://contoso.openai.azure.com"
    with pytest.raises(ValueError, match="https"):
        AzureOpenAISettings(endpoint="http://contoso.openai.azure.com", deployment="m")


def test_entra_token_is_used_when_no_key_is_set(fake_azure_openai: FakeAzureOpenAI) -> None:
    settings = AzureOpenAISettings(endpoint=fake_azure_openai.endpoint, deployment="mapper")
    reranker = AzureOpenAIReranker(settings, token_provider=lambda: "entra-token")
    result = match_csv(Path(__file__).parent / "cases" / "tr_drdentes_hastalar.csv", "patient")
    rerank_low_confidence(result, reranker, threshold=0.45)
    assert fake_azure_openai.requests[0]["headers"]["Authorization"] == "Bearer entra-token"


def test_value_like_headers_are_masked() -> None:
    assert safe_header("Date of Birth") == "Date of Birth"
    assert safe_header("jane.doe@example.org") == "aaaa.aaa@aaaa.aaa"
    assert safe_header("14/02/1961") == "99/99/9999"
    assert safe_header("943 476 5870") == "999_999_9999"
