"""Retell's HTTP API, the subset the calls service uses. A request whose connection broke before its
answer came is sent once more, at once, as retell-sdk's client retries a connection error: a kept-alive
connection the other side has just closed looks like that. Creating a call is safe to send twice: its
body carries the call's Retell `idempotency_key` (retell-sdk: "retry the same request for up to one
hour without creating another call"). A resent create of a flow, LLM or agent leaves at worst one
unused object at Retell, and a resent stop or delete may be refused as not found (RetellNotFound),
which its callers already meet when an object is gone. A timeout is not resent: Retell is slow, not
gone, and the caller's wait would double.

Errors become domain errors: Retell down → UNAVAILABLE, Retell busy → RESOURCE_EXHAUSTED, Retell
refusing the request → FAILED_PRECONDITION with Retell's message."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

from services.runtime.errors import DependencyUnavailable, FailedPrecondition, QuotaExceeded

log = logging.getLogger(__name__)

# The connection broke before an answer came, or never opened.
BROKEN = (httpx.ConnectError, httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)


class RetellUnavailable(DependencyUnavailable):
    default_reason = "RETELL_UNAVAILABLE"


class RetellBusy(QuotaExceeded):
    default_reason = "RETELL_CONCURRENCY_FULL"


class RetellRejected(FailedPrecondition):
    default_reason = "RETELL_REJECTED"


class RetellNotFound(RetellRejected):
    default_reason = "RETELL_NOT_FOUND"


@dataclass(frozen=True)
class RetellConcurrency:
    """get-concurrency's answer, the part the dispatcher reads (retell-sdk's ConcurrencyRetrieveResponse):
    `limit` is how many calls the account may have ongoing, `current` how many it has now, ours among
    them and those we do not count (inbound, other API keys)."""

    limit: int
    current: int


class RetellClient:
    def __init__(self, base_url: str, api_key: str, *, timeout_seconds: float = 15.0) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url, timeout=timeout_seconds,
            headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
        )

    async def close(self) -> None:
        await self._http.aclose()

    async def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            try:
                response = await self._http.request(method, path, json=body)
            except BROKEN as error:
                log.info("Retell %s %s: connection broke (%s); sending it once more",
                         method, _endpoint(path), type(error).__name__)
                response = await self._http.request(method, path, json=body)
        except httpx.HTTPError as error:
            raise RetellUnavailable(f"Retell did not answer ({type(error).__name__}); try again shortly") from None
        if response.status_code == 204:
            return None
        if response.status_code == 429:
            raise RetellBusy("the calling line is busy right now; try again in a minute")
        if response.status_code >= 500:
            raise RetellUnavailable(f"Retell failed ({response.status_code}); try again shortly")
        if response.status_code == 404:
            raise RetellNotFound("Retell does not know this object")
        if response.status_code >= 400:
            message = _error_message(response)
            log.warning("Retell refused %s %s: %s %s", method, _endpoint(path), response.status_code, message)
            raise RetellRejected(f"the call provider refused the request: {message}")
        return response.json()

    async def create_conversation_flow(self, body: dict[str, Any]) -> str:
        return str((await self._request("POST", "/create-conversation-flow", body))["conversation_flow_id"])

    async def update_conversation_flow(self, flow_id: str, body: dict[str, Any]) -> None:
        await self._request("PATCH", f"/update-conversation-flow/{flow_id}", body)

    async def delete_conversation_flow(self, flow_id: str) -> None:
        await self._request("DELETE", f"/delete-conversation-flow/{flow_id}")

    async def create_retell_llm(self, body: dict[str, Any]) -> str:
        return str((await self._request("POST", "/create-retell-llm", body))["llm_id"])

    async def update_retell_llm(self, llm_id: str, body: dict[str, Any]) -> None:
        await self._request("PATCH", f"/update-retell-llm/{llm_id}", body)

    async def delete_retell_llm(self, llm_id: str) -> None:
        await self._request("DELETE", f"/delete-retell-llm/{llm_id}")

    async def create_agent(self, body: dict[str, Any]) -> str:
        return str((await self._request("POST", "/create-agent", body))["agent_id"])

    async def update_agent(self, agent_id: str, body: dict[str, Any]) -> None:
        await self._request("PATCH", f"/update-agent/{agent_id}", body)

    async def delete_agent(self, agent_id: str) -> None:
        await self._request("DELETE", f"/delete-agent/{agent_id}")

    async def list_voices(self) -> list[dict[str, Any]]:
        return list(await self._request("GET", "/list-voices"))

    async def list_phone_numbers(self) -> list[dict[str, Any]]:
        return list((await self._request("GET", "/v2/list-phone-numbers"))["items"])

    async def concurrency(self) -> RetellConcurrency:
        answer = await self._request("GET", "/get-concurrency")
        return RetellConcurrency(limit=_count(answer, "concurrency_limit"),
                                 current=_count(answer, "current_concurrency"))

    async def create_phone_call(self, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self._request("POST", "/v2/create-phone-call", body))

    async def get_call(self, call_id: str) -> dict[str, Any]:
        return dict(await self._request("GET", f"/v2/get-call/{call_id}"))

    async def stop_call(self, call_id: str) -> None:
        await self._request("POST", f"/v2/stop-call/{call_id}")


def _endpoint(path: str) -> str:
    """The endpoint's name for a log line, without the object's id: /v2/get-call/call_1 → get-call."""
    return path.removeprefix("/v2").split("/")[1]


def _count(answer: Any, key: str) -> int:
    """A count from Retell's answer; a missing, null or malformed one is 0 (every field is optional)."""
    value = answer.get(key) if isinstance(answer, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


# Retell's OpenAPI spec documents error bodies as {"status": "error", "message": …}; some of its
# refusals carry the text under `error_message` instead. Either is read, the first non-empty one wins.
ERROR_MESSAGE_KEYS = ("message", "error_message")


def _error_message(response: httpx.Response) -> str:
    """Retell's reason for refusing a request, never empty: its message, else the body as text (a
    proxy's HTML page, a bare string), else the status line."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ERROR_MESSAGE_KEYS:
            text = body.get(key)
            if isinstance(text, str) and text.strip():
                return text.strip()[:200]
    elif isinstance(body, str) and body.strip():
        return body.strip()[:200]
    text = " ".join(response.text.split())
    if text and body is None:
        return text[:200]
    return f"HTTP {response.status_code} {response.reason_phrase}".strip()
