"""The Azure OpenAI re-ranker: one chat-completions call to a deployment in the customer's tenant.

Off unless configured (AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_DEPLOYMENT). Authenticates with an
API key when one is set, else with an Entra ID token for Cognitive Services.
"""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError, field_validator

from shared.mapping.proposer.reranker import (
    RerankAnswer,
    RerankerError,
    RerankReply,
    RerankRequest,
)

DEFAULT_API_VERSION = "2024-10-21"
ENTRA_SCOPE = "https://cognitiveservices.azure.com/.default"
SYSTEM_PROMPT = (
    "You map columns of a clinic's data export to canonical fields. For each column you get its "
    "header, an inferred type, detector kinds and masked value shapes (letters as A/a, digits as "
    "9); you never see values. Choose one field path from `fields` per column, or null when none "
    "fits; never give the same field to two columns. Answer only with JSON: "
    '{"columns": [{"key": "...", "field": "... or null", "confidence": 0.0-1.0, '
    '"reason": "one short sentence"}]}.'
)


class AzureOpenAISettings(BaseModel):
    """Where the deployment is and how to authenticate."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    endpoint: str
    deployment: str
    api_version: str = DEFAULT_API_VERSION
    api_key: SecretStr | None = None
    timeout_s: float = 30.0

    @field_validator("endpoint")
    @classmethod
    def _https_or_loopback(cls, endpoint: str) -> str:
        parts = urlsplit(endpoint)
        if parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(parts.hostname)):
            return endpoint.rstrip("/")
        raise ValueError("endpoint must be https (plain http only on a loopback address)")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AzureOpenAISettings | None:
        """Settings from AZURE_OPENAI_* variables, or None when the assist is not configured."""
        env = os.environ if env is None else env
        endpoint, deployment = env.get("AZURE_OPENAI_ENDPOINT"), env.get("AZURE_OPENAI_DEPLOYMENT")
        if not endpoint or not deployment:
            return None
        key = env.get("AZURE_OPENAI_API_KEY")
        return cls(
            endpoint=endpoint, deployment=deployment,
            api_version=env.get("AZURE_OPENAI_API_VERSION", DEFAULT_API_VERSION),
            api_key=SecretStr(key) if key else None,
        )  # fmt: skip


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _entra_token() -> str:
    from azure.identity import DefaultAzureCredential  # only when no key is configured

    return str(DefaultAzureCredential().get_token(ENTRA_SCOPE).token)


class AzureOpenAIReranker:
    """Re-ranks low-confidence columns with a chat-completions deployment."""

    def __init__(
        self,
        settings: AzureOpenAISettings,
        client: httpx.Client | None = None,
        token_provider: Callable[[], str] = _entra_token,
    ) -> None:
        self._settings = settings
        self._client = client or httpx.Client(timeout=settings.timeout_s)
        self._token_provider = token_provider

    def _headers(self) -> dict[str, str]:
        if self._settings.api_key is not None:
            return {"api-key": self._settings.api_key.get_secret_value()}
        return {"Authorization": f"Bearer {self._token_provider()}"}

    def rerank(self, request: RerankRequest) -> list[RerankAnswer]:
        """Sends the request (names, types, shapes only) and parses the model's JSON answer.

        Raises:
            RerankerError: transport failure, non-2xx status, or an answer that is not the JSON
                asked for. The message names the cause, never the content.
        """
        s = self._settings
        url = f"{s.endpoint}/openai/deployments/{s.deployment}/chat/completions"
        body = {
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": request.model_dump_json()},
            ],
            "temperature": 0,
            "response_format": {"type": "json_object"},
        }
        try:
            response = self._client.post(
                url, params={"api-version": s.api_version}, json=body, headers=self._headers()
            )
        except httpx.HTTPError as error:
            raise RerankerError(f"request failed: {type(error).__name__}") from None
        if response.status_code >= 400:
            raise RerankerError(f"deployment answered HTTP {response.status_code}")
        try:
            content = response.json()["choices"][0]["message"]["content"]
            return RerankReply.model_validate(json.loads(content)).columns
        except (KeyError, IndexError, TypeError, ValueError, ValidationError):
            raise RerankerError("answer is not the JSON asked for") from None
