"""Retell's refusals reach the customer with Retell's own words, whichever key its error body puts
them under, and never as an empty text: the client is pointed at a loopback server that answers as
Retell's error bodies do, and as a proxy in front of it might."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from devstack.ports import free_port
from services.calls.retell_client import RetellClient, RetellRejected
from services.runtime.service_main import start_http_server


@dataclass
class Answer:
    response: Response


@pytest.fixture
async def refusing_retell() -> AsyncIterator[tuple[RetellClient, Answer]]:
    answer = Answer(JSONResponse({}, status_code=400))
    app = FastAPI()

    @app.post("/v2/create-phone-call")
    async def create_phone_call() -> Response:
        return answer.response

    port = free_port()
    server, task = await start_http_server(app, "127.0.0.1", port)
    client = RetellClient(f"http://127.0.0.1:{port}", "key_test")
    try:
        yield client, answer
    finally:
        await client.close()
        server.should_exit = True
        await task


async def refusal_text(client: RetellClient) -> str:
    with pytest.raises(RetellRejected) as refused:
        await client.create_phone_call({"from_number": "+14155550100", "to_number": "+14155550123"})
    return refused.value.message


@pytest.mark.parametrize(("response", "shown"), [
    (JSONResponse({"status": "error", "message": "Invalid request format, please check API reference."},
                  status_code=400), "Invalid request format, please check API reference."),
    (JSONResponse({"status": "error", "error_message": "Cannot find requested asset under given api key."},
                  status_code=422), "Cannot find requested asset under given api key."),
    (JSONResponse({"status": "error", "message": "", "error_message": "The contact is marked do_not_call."},
                  status_code=400), "The contact is marked do_not_call."),
    (PlainTextResponse("<html><body>Bad gateway\nupstream refused</body></html>", status_code=400),
     "<html><body>Bad gateway upstream refused</body></html>"),
    (JSONResponse({"status": "error"}, status_code=402), "HTTP 402 Payment Required"),
    (Response(b"", status_code=403), "HTTP 403 Forbidden"),
])
async def test_a_refusal_shows_retells_words_under_either_key_and_never_nothing(
        refusing_retell: tuple[RetellClient, Answer], response: Response, shown: str) -> None:
    client, answer = refusing_retell
    answer.response = response
    assert await refusal_text(client) == f"the call provider refused the request: {shown}"
