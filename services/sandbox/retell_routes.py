"""The Retell API at Retell's own paths and shapes (the subset Speechcue uses), and the sandbox's
control endpoints under /sandbox/retell for tests and the callee panel."""

from __future__ import annotations

import asyncio
import hmac
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from services.sandbox.retell_scenarios import Scenario
from services.sandbox.retell_simulator import DEFAULT_VOICES, RetellError, RetellSimulator

TIMEOUT_HANG_SECONDS = 30.0


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"status": "error", "message": message}, status_code=status)


def add_retell_routes(app: FastAPI, simulator: RetellSimulator) -> None:
    api = APIRouter()

    @app.middleware("http")
    async def retell_auth_and_faults(request: Request, call_next: Any) -> Response:
        if request.url.path.startswith("/sandbox/") or not _is_retell_path(request.url.path):
            return await call_next(request)
        header = request.headers.get("authorization", "")
        if not hmac.compare_digest(header.encode(), f"Bearer {simulator.api_key}".encode()):
            return _error(401, "API key is missing or invalid.")
        failure = simulator.failure()
        if failure == "error":
            return _error(500, "An unexpected server error occurred.")
        if failure == "timeout":
            # Then the request goes through, as a slow provider's does after the client gave up.
            await asyncio.sleep(TIMEOUT_HANG_SECONDS)
        return await call_next(request)

    async def retell_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, RetellError)
        return _error(error.status, error.message)

    app.add_exception_handler(RetellError, retell_error)

    async def body_of(request: Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise RetellError(400, "Invalid request format, please check API reference.") from None
        if not isinstance(body, dict):
            raise RetellError(400, "Invalid request format, please check API reference.")
        return body

    stores = (("agent", simulator.agents, "agent", "agent_id"),
              ("retell-llm", simulator.llms, "llm", "llm_id"),
              ("conversation-flow", simulator.flows, "conversation_flow", "conversation_flow_id"))
    for name, store, prefix, id_field in stores:
        _add_object_routes(api, name, store, prefix, id_field, simulator, body_of)

    @api.get("/list-voices")
    async def list_voices() -> list[dict[str, Any]]:
        return DEFAULT_VOICES

    @api.get("/v2/list-phone-numbers")
    async def list_phone_numbers() -> dict[str, Any]:
        return {"items": list(simulator.phone_numbers.values()), "has_more": False, "pagination_key": None}

    @api.get("/get-concurrency")
    async def get_concurrency() -> dict[str, Any]:
        return {"current_concurrency": simulator.current_concurrency(),
                "concurrency_limit": simulator.concurrency_limit,
                "base_concurrency": simulator.concurrency_limit, "purchased_concurrency": 0,
                "reserved_inbound_concurrency": 0, "concurrency_burst_enabled": False}

    @api.post("/v2/create-phone-call", status_code=201)
    async def create_phone_call(request: Request) -> Any:
        record, _ = simulator.create_phone_call(await body_of(request))
        return JSONResponse(record, status_code=201)

    @api.get("/v2/get-call/{call_id}")
    async def get_call(call_id: str) -> Any:
        return simulator.get_call(call_id)

    @app.get("/recordings/{call_id}.wav")
    async def recording(call_id: str) -> Response:
        content = simulator.recording(call_id)
        if content is None:
            return Response(status_code=404)
        return Response(content, media_type="audio/wav")

    @api.post("/v2/stop-call/{call_id}")
    async def stop_call(call_id: str) -> Any:
        simulator.stop_call(call_id)
        return Response(status_code=204)

    app.include_router(api)
    _add_control_routes(app, simulator)


def _is_retell_path(path: str) -> bool:
    retell_prefixes = ("/v2/", "/v3/", "/create-", "/get-", "/update-", "/delete-", "/list-")
    return path.startswith(retell_prefixes)


def _add_object_routes(api: APIRouter, name: str, store: dict[str, dict[str, Any]], prefix: str, id_field: str,
                       simulator: RetellSimulator, body_of: Any) -> None:
    async def create(request: Request) -> Any:
        return JSONResponse(simulator.create_object(store, prefix, id_field, await body_of(request)), status_code=201)

    async def get(object_id: str) -> Any:
        if object_id not in store:
            raise RetellError(404, "The requested resource was not found.")
        return store[object_id]

    async def update(object_id: str, request: Request) -> Any:
        return simulator.update_object(store, object_id, await body_of(request))

    async def remove(object_id: str) -> Response:
        simulator.delete_object(store, object_id)
        return Response(status_code=204)

    api.add_api_route(f"/create-{name}", create, methods=["POST"], status_code=201)
    api.add_api_route(f"/get-{name}/{{object_id}}", get, methods=["GET"])
    api.add_api_route(f"/update-{name}/{{object_id}}", update, methods=["PATCH"])
    api.add_api_route(f"/delete-{name}/{{object_id}}", remove, methods=["DELETE"], status_code=204,
                      response_model=None)


def _add_control_routes(app: FastAPI, simulator: RetellSimulator) -> None:
    control = APIRouter(prefix="/sandbox/retell")

    @control.put("/scenarios/{number}")
    async def set_scenario(number: str, scenario: Scenario) -> dict[str, str]:
        """Scripts what the callee at `number` does on the next calls."""
        simulator.scenarios.by_number[number] = scenario
        return {"number": number}

    @control.post("/reset")
    async def reset() -> dict[str, str]:
        simulator.reset()
        return {"status": "reset"}

    @control.put("/failing")
    async def set_failing(mode: str = "", seconds: float = 0.0) -> Response:
        """'' (healthy), 'error' (every API request answers 500), 'timeout' (hangs 30 s, then is served)
        or 'flaky' (the two in turn); with `seconds`, healthy again by itself after that long."""
        if mode not in ("", "error", "timeout", "flaky") or seconds < 0:
            return _error(400, "mode is one of '', error, timeout, flaky; seconds is not negative")
        simulator.fail_for(mode, seconds or None)
        return JSONResponse({"failing": mode, "seconds": seconds})

    @control.put("/lines")
    async def set_lines(used_elsewhere: int = 0, busy_creates: int = 0) -> Response:
        """Lines of the account taken by calls from elsewhere (inbound, other keys), and how many of
        the next create-phone-calls answer 429 whatever the count."""
        if used_elsewhere < 0 or busy_creates < 0:
            return _error(400, "used_elsewhere and busy_creates are not negative")
        simulator.lines_used_elsewhere, simulator.busy_creates = used_elsewhere, busy_creates
        return JSONResponse({"used_elsewhere": used_elsewhere, "busy_creates": busy_creates})

    @control.put("/webhook-url")
    async def set_webhook_url(url: str) -> dict[str, str]:
        simulator.default_webhook_url = url
        return {"url": url}

    @control.get("/calls")
    async def list_calls() -> dict[str, Any]:
        # `sandbox` is the callee panel's view of the call (what the agent is saying), not Retell's.
        # `sandbox_received_at`: when its create-phone-call arrived (time.time()), for latency benches.
        return {"calls": [{**call.record, "sandbox": simulator.callee_view(call_id),
                           "sandbox_received_at": call.received_at}
                          for call_id, call in simulator.calls.items()],
                "max_concurrent_seen": simulator.max_concurrent_seen,
                "create_requests": simulator.create_requests, "failed_requests": simulator.failed_requests,
                "deliveries": [delivery.__dict__ for delivery in simulator.deliveries]}

    @control.post("/calls/{call_id}/answer")
    async def answer(call_id: str) -> dict[str, str]:
        simulator.answer(call_id)
        return {"call_id": call_id}

    @control.post("/calls/{call_id}/press/{digit}")
    async def press(call_id: str, digit: str) -> dict[str, str]:
        simulator.press(call_id, digit)
        return {"call_id": call_id}

    @control.post("/calls/{call_id}/say-stop-calling")
    async def say_stop_calling(call_id: str) -> dict[str, str]:
        simulator.say_stop_calling(call_id)
        return {"call_id": call_id}

    @control.post("/calls/{call_id}/hang-up")
    async def hang_up(call_id: str) -> dict[str, str]:
        simulator.hang_up(call_id)
        return {"call_id": call_id}

    app.include_router(control)
