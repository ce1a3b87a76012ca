"""The Retell simulator's state and call lifecycle: agents, LLMs, conversation flows, phone
numbers, voices, calls and their webhooks. In memory: the sandbox keeps nothing durable.

A call moves registered → ongoing (call_started) → ended (call_ended) → call_analyzed, or
registered → not_connected → ended without call_started when nobody answers, as Retell reports it.
Key presses are `dtmf` entries of `transcript_with_tool_calls` for every agent; `node_transition`
entries only for conversation-flow agents (Retell LLM agents have no nodes). Keys reach a flow as the
inputs the agent's `user_dtmf_options` make of them (digit limit, termination key, timeout).
A callee asking not to be called again ends the call as `user_requested_dnc`, and marks the contact
do-not-call, only when the agent was created with `enable_dnc_detection`; a later create-phone-call
with `honor_internal_dnc` to that contact is refused with a 400.
Time runs `time_scale` times real time, so a scripted 20-second call takes 0.2 s at 0.01.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import phonenumbers

from services.sandbox.retell_analysis import call_summary, custom_analysis_data
from services.sandbox.retell_recordings import recording_wav
from services.sandbox.retell_scenarios import DEFAULT_SUMMARY, DISCONNECTION_BY_OUTCOME, Scenario, ScenarioBook
from services.sandbox.retell_signing import retell_signature
from services.sandbox.retell_voicemail import VoicemailLeft, detected_voicemail

log = logging.getLogger(__name__)

DEFAULT_VOICES = [
    {"voice_id": "11labs-Adrian", "voice_name": "Adrian", "provider": "elevenlabs", "gender": "male",
     "accent": "American", "age": "Young", "preview_audio_url": "https://example.invalid/voices/adrian.mp3"},
    {"voice_id": "11labs-Anna", "voice_name": "Anna", "provider": "elevenlabs", "gender": "female",
     "accent": "American", "age": "Middle Aged", "preview_audio_url": "https://example.invalid/voices/anna.mp3"},
    {"voice_id": "openai-Alloy", "voice_name": "Alloy", "provider": "openai", "gender": "female",
     "accent": "American", "age": "Young", "preview_audio_url": "https://example.invalid/voices/alloy.mp3"},
    {"voice_id": "cartesia-Hugo", "voice_name": "Hugo", "provider": "cartesia", "gender": "male",
     "accent": "British", "age": "Middle Aged", "preview_audio_url": "https://example.invalid/voices/hugo.mp3"},
]


KEY_CONDITION = re.compile(r"pressed (\S) on the keypad")
# "…pressed any key (other than #) on the keypad", or "…entered digits on the keypad": any input but that key.
ANY_KEY_CONDITION = re.compile(r"pressed any key(?: other than (\S))? on the keypad|entered digits on the keypad")
DYNAMIC_VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")
# How often a manual call looks whether its flow has ended it.
MANUAL_CALL_LOOK_SECONDS = 0.2
# How long Retell's DNC detection takes to confirm a request ("…stop calling you?" "Yes.") and hang up.
DNC_CONFIRM_MS = 4000
STOP_CALLING_WORDS = "Please stop calling me."
DNC_ENTRIES: tuple[dict[str, Any], ...] = (
    {"role": "agent", "content": "Just to confirm: you would like us to stop calling you?", "words": []},
    {"role": "user", "content": "Yes.", "words": []},
    {"role": "agent", "content": "Understood. You will not be called again. Goodbye.", "words": []},
)


def reachable(phone_number: dict[str, Any], to_number: str) -> bool:
    """Whether Retell lets this number call `to_number`: its own numbers call US numbers only."""
    try:
        country = phonenumbers.region_code_for_number(phonenumbers.parse(to_number))
    except phonenumbers.NumberParseException:
        return False
    if phone_number.get("phone_number_type") != "custom" and country != "US":
        return False
    allowed = phone_number.get("allowed_outbound_country_list")
    return not allowed or country in allowed


def _key_of(condition: Any) -> str | None:
    text = condition.get("prompt", "") if isinstance(condition, dict) else str(condition or "")
    match = KEY_CONDITION.search(text)
    return match.group(1) if match else None


def _matches(condition: Any, keys: str) -> bool:
    """Whether a transition condition holds for one complete key input (Retell asks its LLM; the
    simulator reads the wording the platform writes)."""
    text = condition.get("prompt", "") if isinstance(condition, dict) else str(condition or "")
    if (one := KEY_CONDITION.search(text)) is not None:
        return keys == one.group(1)
    if (any_key := ANY_KEY_CONDITION.search(text)) is not None:
        return bool(keys) and keys != any_key.group(1)
    return False


def key_inputs(keys: list[tuple[str, int]], options: dict[str, Any] | None,
               ended_at_ms: int) -> tuple[list[str], str]:
    """The callee's keys (key, ms into the call) cut into inputs as the agent's `user_dtmf_options`
    cut them (Retell: "Digit Limit … Once this limit is reached, input is considered complete";
    "Termination Key … signals the end of input"; "Timeout … to wait after the last digit is received
    before timing out. The timer resets with each new digit"). Returns the complete inputs, and the keys
    of an input still open when the call ended, which never reached the flow. Without options each key
    is an input of its own."""
    inputs, unfinished = timed_key_inputs(keys, options, ended_at_ms)
    return [typed for typed, _ in inputs], unfinished


def timed_key_inputs(keys: list[tuple[str, int]], options: dict[str, Any] | None,
                     ended_at_ms: int) -> tuple[list[tuple[str, int]], str]:
    """key_inputs with the moment (ms into the call) each input became complete."""
    if not options:
        return list(keys), ""
    limit, end_key = int(options.get("digit_limit") or 0), str(options.get("termination_key") or "")
    timeout = options.get("timeout_ms")
    inputs: list[tuple[str, int]] = []
    current, last_at = "", 0
    for key, at_ms in keys:
        if current and timeout is not None and at_ms - last_at >= timeout:
            inputs.append((current, last_at + timeout))
            current = ""
        current, last_at = current + key, at_ms
        if key == end_key or (limit and len(current) >= limit):
            inputs.append((current, at_ms))
            current = ""
    if current and timeout is not None and last_at + timeout <= ended_at_ms:
        inputs.append((current, last_at + timeout))
        current = ""
    return inputs, current


@dataclass(frozen=True)
class SilenceRules:
    """What Retell does while the callee says and presses nothing at a node that waits for them: the
    agent's defaults (agent_create_params: `reminder_trigger_ms` "If unset, default value of 10000 ms",
    `reminder_max_count` "If unset, default value of 1", `end_call_after_silence_ms` "By default …
    600000"), which a conversation node's own reminder_* fields override "for this node only"."""

    reminder_trigger_ms: float = 10_000
    reminder_max_count: int = 1
    end_call_after_silence_ms: int = 600_000

    @classmethod
    def of_agent(cls, agent: dict[str, Any]) -> SilenceRules:
        return cls(float(agent.get("reminder_trigger_ms") or 10_000), int(agent.get("reminder_max_count", 1)),
                   int(agent.get("end_call_after_silence_ms") or 600_000))

    def at(self, node: dict[str, Any]) -> SilenceRules:
        trigger, count = node.get("reminder_trigger_ms"), node.get("reminder_max_count")
        return SilenceRules(self.reminder_trigger_ms if trigger is None else float(trigger),
                            self.reminder_max_count if count is None else int(count), self.end_call_after_silence_ms)


@dataclass(frozen=True)
class CallTiming:
    """When each complete key input reached the flow, and when the call ended (ms into the call), so
    a walk can tell the callee's silences; with the agent's silence rules."""

    input_at_ms: list[int]
    ended_at_ms: int
    silence: SilenceRules = SilenceRules()


def walk_conversation_flow(flow: dict[str, Any], keys: list[str], unfinished: str = "",
                           timing: CallTiming | None = None) -> tuple[list[dict[str, Any]], str, str]:
    """Follows a conversation flow with the callee's complete key inputs (key_inputs), one user turn
    each, as far as they go; `unfinished` keys were pressed but never made an input. With `timing`, a
    silence at a node that waits brings the node's reminders (a static text is said again) and, after
    the last one, the agent's end after silence: the call ends as `inactivity` and later keys never
    reach it."""
    nodes = {node.get("id"): node for node in flow.get("nodes", []) if isinstance(node, dict)}
    global_keys = {_key_of(node.get("global_node_setting", {}).get("condition")): node_id
                   for node_id, node in nodes.items() if node.get("global_node_setting")}
    entries: list[dict[str, Any]] = []
    pending = list(keys)
    current, previous = flow.get("start_node_id"), None
    waiting_since = 0
    for _ in range(200):
        node = nodes.get(current)
        if node is None:
            break
        if previous is not None:
            entries.append({"role": "node_transition", "former_node_id": previous,
                            "former_node_name": str(nodes[previous].get("name", previous)), "new_node_id": current,
                            "new_node_name": str(node.get("name", current)),
                            "transition_type": "global" if current in global_keys.values() else "normal"})
        instruction = node.get("instruction") or {}
        if instruction.get("type") == "static_text" and instruction.get("text"):
            entries.append({"role": "agent", "content": instruction["text"], "words": []})
        if node.get("type") == "end":
            return entries, "agent_hangup", ""
        if node.get("type") == "transfer_call":
            return entries, "call_transfer", str((node.get("transfer_destination") or {}).get("number", ""))
        previous = current
        if node.get("skip_response_edge"):
            current = node["skip_response_edge"].get("destination_node_id")
            continue
        if timing is not None:
            answered_at = timing.input_at_ms[len(keys) - len(pending)] if pending else timing.ended_at_ms
            reminders, spoke_at = _reminders(timing.silence.at(node), waiting_since, answered_at)
            if reminders and instruction.get("type") == "static_text" and instruction.get("text"):
                entries.extend({"role": "agent", "content": instruction["text"], "words": []}
                               for _ in range(reminders))
            if spoke_at + timing.silence.end_call_after_silence_ms <= answered_at:
                return entries, "inactivity", ""
            waiting_since = answered_at
        if not pending:
            break
        typed = pending.pop(0)
        entries.extend({"role": "dtmf", "digit": digit} for digit in typed)
        if typed in global_keys:
            current = global_keys[typed]
            continue
        matching = [edge for edge in node.get("edges", []) if _matches(edge.get("transition_condition"), typed)]
        fallback = node.get("else_edge") or {}
        current = (matching[0] if matching else fallback).get("destination_node_id")
    entries.extend({"role": "dtmf", "digit": digit} for digit in "".join(pending) + unfinished)
    return entries, "", ""


def _reminders(rules: SilenceRules, since_ms: int, until_ms: int) -> tuple[int, int]:
    """How many reminders a silence from `since_ms` to `until_ms` brings, and when the agent last
    spoke: one each `reminder_trigger_ms` of silence after the agent spoke, up to the count."""
    said, spoke_at = 0, since_ms
    while said < rules.reminder_max_count and rules.reminder_trigger_ms > 0 \
            and spoke_at + rules.reminder_trigger_ms < until_ms:
        spoke_at = int(spoke_at + rules.reminder_trigger_ms)
        said += 1
    return said, spoke_at


def spoken(text: str, variables: dict[str, Any]) -> str:
    """A static text as Retell speaks it: each `{{name}}` replaced by its dynamic variable, one that
    is not set left as it stands."""
    return DYNAMIC_VARIABLE.sub(lambda found: str(variables.get(found.group(1), found.group(0))), text)


def now_ms() -> int:
    return int(time.time() * 1000)


DATA_STORAGE_SETTINGS = ("everything", "everything_except_pii", "basic_attributes_only")
# What get-call leaves out of a call whose storage setting is basic_attributes_only.
UNSTORED_FIELDS = frozenset({"transcript", "transcript_object", "transcript_with_tool_calls", "recording_url",
                             "recording_multi_channel_url", "scrubbed_recording_url", "public_log_url",
                             "scrubbed_transcript_with_tool_calls", "knowledge_base_retrieved_contents_url"})


class RetellError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class SimulatedCall:
    record: dict[str, Any]
    scenario: Scenario
    webhook_url: str
    task: asyncio.Task[None] | None = None
    stop_requested: asyncio.Event = field(default_factory=asyncio.Event)
    # For manual calls driven by the callee panel.
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    pressed: list[dict[str, str]] = field(default_factory=list)
    pressed_at_ms: list[int] = field(default_factory=list)
    # The callee asked not to be called again (the panel's button, or the scenario's moment came).
    asked_to_stop: bool = False
    # When its create-phone-call arrived (time.time()): bench/customer_latency.py reads it; never sent.
    received_at: float = field(default_factory=time.time)
    # A machine answered and the agent's voicemail option acted on it (retell_voicemail.py).
    voicemail: VoicemailLeft | None = None


@dataclass
class WebhookDelivery:
    event: str
    call_id: str
    status: int
    sent_at_ms: int


class RetellSimulator:
    def __init__(self, api_key: str, *, time_scale: float = 1.0, concurrency_limit: int = 20,
                 webhook_url: str = "", phone_numbers: tuple[str, ...] = ("+14155550100", "+14155550101"),
                 imported_numbers: tuple[str, ...] = (), recording_base_url: str = "https://example.invalid") -> None:
        self.api_key = api_key
        # Where the recordings are served (retell_recordings.py): Retell's links point at its storage.
        self.recording_base_url = recording_base_url.rstrip("/")
        self.time_scale = time_scale
        self.concurrency_limit = concurrency_limit
        self.default_webhook_url = webhook_url
        self.scenarios = ScenarioBook()
        self.agents: dict[str, dict[str, Any]] = {}
        self.llms: dict[str, dict[str, Any]] = {}
        self.flows: dict[str, dict[str, Any]] = {}
        self.phone_numbers: dict[str, dict[str, Any]] = {}
        for number in phone_numbers:
            self.add_phone_number(number, "retell-twilio")
        for number in imported_numbers:
            self.add_phone_number(number, "custom")
        self.calls: dict[str, SimulatedCall] = {}
        # Contacts Retell marked do_not_call (its DNC detection heard a request to stop calling).
        self.do_not_call: set[str] = set()
        self.idempotency: dict[str, str] = {}
        self.deliveries: list[WebhookDelivery] = []
        self.create_requests = 0
        self.max_concurrent_seen = 0
        # Lines of the account in use by calls this simulator does not run (inbound calls, other API
        # keys): counted by get-concurrency and against the limit. And create-phone-calls to refuse
        # with 429 whatever the count, as when lines are taken between a client's look and its call.
        self.lines_used_elsewhere = 0
        self.busy_creates = 0
        # Fault injection: every API request answers 500 ('error'), hangs ('timeout'), or alternates
        # the two ('flaky'), while set; `failing_until` (monotonic seconds) heals it by itself.
        self.failing: str = ""
        self.failing_until: float | None = None
        self.failed_requests = 0
        self._http = httpx.AsyncClient(timeout=10.0)

    async def close(self) -> None:
        for call in self.calls.values():
            if call.task is not None:
                call.task.cancel()
        await self._http.aclose()

    def reset(self) -> None:
        for call in self.calls.values():
            if call.task is not None:
                call.task.cancel()
        self.calls.clear()
        self.do_not_call.clear()
        self.idempotency.clear()
        self.deliveries.clear()
        self.scenarios.by_number.clear()
        self.create_requests = 0
        self.max_concurrent_seen = 0
        self.lines_used_elsewhere = 0
        self.busy_creates = 0
        self.failing = ""
        self.failing_until = None
        self.failed_requests = 0

    def fail_for(self, mode: str, seconds: float | None = None) -> None:
        self.failing = mode
        self.failing_until = time.monotonic() + seconds if mode and seconds else None

    def failure(self) -> str:
        """How the next API request fails: '' (it does not), 'error' or 'timeout'."""
        if self.failing and self.failing_until is not None and time.monotonic() >= self.failing_until:
            self.fail_for("")
        if not self.failing:
            return ""
        self.failed_requests += 1
        if self.failing == "flaky":
            return "error" if self.failed_requests % 2 else "timeout"
        return self.failing

    # ---- objects -------------------------------------------------------------------------

    def create_object(self, store: dict[str, dict[str, Any]], prefix: str, id_field: str,
                      body: dict[str, Any]) -> dict[str, Any]:
        object_id = f"{prefix}_{uuid.uuid4().hex[:24]}"
        record = {**body, id_field: object_id, "version": 0, "last_modification_timestamp": now_ms()}
        store[object_id] = record
        return record

    def update_object(self, store: dict[str, dict[str, Any]], object_id: str, body: dict[str, Any]) -> dict[str, Any]:
        if object_id not in store:
            raise RetellError(404, "The requested resource was not found.")
        store[object_id].update(body)
        store[object_id]["last_modification_timestamp"] = now_ms()
        return store[object_id]

    def delete_object(self, store: dict[str, dict[str, Any]], object_id: str) -> None:
        if store.pop(object_id, None) is None:
            raise RetellError(404, "The requested resource was not found.")

    def add_phone_number(self, number: str, phone_number_type: str,
                         allowed_outbound_country_list: list[str] | None = None) -> dict[str, Any]:
        """A number bought from Retell (retell-twilio, retell-telnyx) or imported to it (custom), as
        list-phone-numbers reports it."""
        self.phone_numbers[number] = {
            "phone_number": number, "phone_number_type": phone_number_type,
            "nickname": f"Pool {len(self.phone_numbers) + 1}", "last_modification_timestamp": now_ms(),
            "outbound_agents": None, "allowed_outbound_country_list": allowed_outbound_country_list,
        }
        return self.phone_numbers[number]

    # ---- calls ---------------------------------------------------------------------------

    def concurrent_calls(self) -> int:
        return sum(1 for call in self.calls.values() if call.record["call_status"] in ("registered", "ongoing"))

    def current_concurrency(self) -> int:
        """The account's ongoing calls as get-concurrency reports them: ours and those from elsewhere."""
        return self.concurrent_calls() + self.lines_used_elsewhere

    def create_phone_call(self, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """Returns the call and whether it is new (a replayed idempotency key returns the first)."""
        self.create_requests += 1
        key = body.get("idempotency_key")
        if key and key in self.idempotency:
            return self.calls[self.idempotency[key]].record, False
        from_number, to_number = body.get("from_number"), body.get("to_number")
        if not isinstance(from_number, str) or not isinstance(to_number, str):
            raise RetellError(400, "Invalid request format, please check API reference.")
        if from_number not in self.phone_numbers:
            raise RetellError(422, "Cannot find requested asset under given api key.")
        if not reachable(self.phone_numbers[from_number], to_number):
            # Retell documents the limit ("If using a number purchased from Retell, only US numbers are
            # supported as destination"; an imported number's allowed_outbound_country_list), not its
            # error body: a 400 like its other refusals of a request.
            raise RetellError(400, "to_number cannot be called from this from_number.")
        agent_id = body.get("override_agent_id")
        if agent_id not in self.agents:
            raise RetellError(422, "Cannot find requested asset under given api key.")
        if body.get("honor_internal_dnc") is True and to_number in self.do_not_call:
            raise RetellError(400, "The contact for to_number is marked do_not_call.")
        if self.busy_creates > 0 or self.current_concurrency() >= self.concurrency_limit:
            self.busy_creates = max(self.busy_creates - 1, 0)
            raise RetellError(429, "Account rate limited, please throttle your requests.")
        agent = self.agents[agent_id]
        override = (body.get("agent_override") or {}).get("agent") or {}
        if override.get("data_storage_setting", "everything") not in DATA_STORAGE_SETTINGS:
            raise RetellError(400, "Invalid request format, please check API reference.")
        call_id = f"call_{uuid.uuid4().hex[:24]}"
        record: dict[str, Any] = {
            "call_id": call_id, "call_type": "phone_call", "agent_id": agent_id, "agent_version": agent["version"],
            "call_status": "registered", "direction": "outbound", "from_number": from_number,
            "to_number": to_number, "metadata": body.get("metadata") or {},
            "retell_llm_dynamic_variables": body.get("retell_llm_dynamic_variables") or {},
            "data_storage_setting": override.get("data_storage_setting") or agent.get("data_storage_setting")
            or "everything",
        }
        max_duration = int(override.get("max_call_duration_ms") or agent.get("max_call_duration_ms") or 3_600_000)
        call = SimulatedCall(record=record, scenario=self.scenarios.for_number(to_number),
                             webhook_url=str(agent.get("webhook_url") or self.default_webhook_url))
        self.calls[call_id] = call
        if key:
            self.idempotency[key] = call_id
        self.max_concurrent_seen = max(self.max_concurrent_seen, self.concurrent_calls())
        call.task = asyncio.get_running_loop().create_task(self._lifecycle(call, max_duration))
        return record, True

    def get_call(self, call_id: str) -> dict[str, Any]:
        call = self.calls.get(call_id)
        if call is None:
            raise RetellError(404, "The requested resource was not found.")
        if call.record.get("data_storage_setting") == "basic_attributes_only":
            # Retell documents it: "No transcripts/recordings/logs are stored; if you query the call
            # with the get call API later, you will not get these fields" (the webhooks still carry them).
            return {key: value for key, value in call.record.items() if key not in UNSTORED_FIELDS}
        return call.record

    def recording(self, call_id: str) -> bytes | None:
        """The WAV file at a call's recording_url, or None where Retell answers 404: no such call, no
        recording yet, a link that expired (`recording: gone`), or a recording Retell did not store
        (`basic_attributes_only`: its link from the webhook expires after 10 minutes; sooner here)."""
        call = self.calls.get(call_id)
        if (call is None or not call.record.get("recording_url") or call.scenario.recording == "gone"
                or call.record.get("data_storage_setting") == "basic_attributes_only"):
            return None
        return recording_wav(int(call.record.get("duration_ms") or 0))

    def stop_call(self, call_id: str) -> None:
        call = self.calls.get(call_id)
        if call is None:
            raise RetellError(404, "The requested resource was not found.")
        call.stop_requested.set()

    async def _sleep(self, milliseconds: float, call: SimulatedCall) -> bool:
        """Waits scaled time; True if the call was stopped meanwhile."""
        try:
            await asyncio.wait_for(call.stop_requested.wait(), timeout=milliseconds / 1000 * self.time_scale)
            return True
        except TimeoutError:
            return False

    async def _lifecycle(self, call: SimulatedCall, max_duration_ms: int) -> None:
        scenario, record = call.scenario, call.record
        try:
            if scenario.manual:
                await call.answered.wait()
            elif await self._sleep(scenario.ring_ms, call):
                await self._finish(call, "manual_stopped", connected=False, talked_ms=0)
                return
            if scenario.outcome in ("no_answer", "busy", "failed"):
                record["call_status"] = "not_connected"
                await self._finish(call, DISCONNECTION_BY_OUTCOME[scenario.outcome], connected=False, talked_ms=0)
                return
            record["call_status"] = "ongoing"
            record["start_timestamp"] = now_ms()
            started = dict(record)
            pending_started = self._deliver("call_started", started, call)
            if not scenario.delivery.reorder:
                await pending_started
            duration = min(scenario.duration_ms, max_duration_ms)
            reason = DISCONNECTION_BY_OUTCOME.get(scenario.outcome, scenario.hangup)
            if scenario.outcome == "voicemail":
                call.voicemail = self._voicemail(call)
                if call.voicemail is None:  # nothing detected it: the script runs into the machine
                    reason = scenario.hangup
                else:
                    duration = min(call.voicemail.talked_ms, max_duration_ms)
            if scenario.transfer_to:
                reason = "call_transfer"
            if scenario.duration_ms > max_duration_ms:
                reason = "max_duration_reached"
            detects_dnc = self._detects_dnc(call)
            stop_at = scenario.stop_calling_at_ms
            if stop_at is not None and detects_dnc and stop_at + DNC_CONFIRM_MS < duration:
                duration, reason = stop_at + DNC_CONFIRM_MS, "user_requested_dnc"
            if scenario.manual:
                await self._until_the_callee_or_the_flow_ends(call)
                talked = now_ms() - record["start_timestamp"]
                ended_by = "user_requested_dnc" if call.asked_to_stop and detects_dnc else "user_hangup"
                await self._finish(call, ended_by, connected=True, talked_ms=talked,
                                   after_end=None if not scenario.delivery.reorder else pending_started)
                return
            stopped = await self._sleep(duration, call)
            talked = duration
            if stopped:
                talked = int((now_ms() - record["start_timestamp"]) / max(self.time_scale, 1e-9))
                reason = "manual_stopped"
            await self._finish(call, reason, connected=True, talked_ms=min(talked, duration),
                               after_end=pending_started if scenario.delivery.reorder else None)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("retell simulator: call lifecycle failed")

    def _voicemail(self, call: SimulatedCall) -> VoicemailLeft | None:
        variables = call.record.get("retell_llm_dynamic_variables") or {}
        return detected_voicemail(self.agents.get(call.record["agent_id"], {}),
                                  detected=call.scenario.voicemail_detected, speak=lambda text: spoken(text, variables))

    def _detects_dnc(self, call: SimulatedCall) -> bool:
        return self.agents.get(call.record["agent_id"], {}).get("enable_dnc_detection") is True

    def _transcript(self, call: SimulatedCall, talked_ms: int) -> tuple[list[dict[str, Any]], str, str]:
        """What was said and pressed, walking the agent's conversation flow with the callee's keys
        as Retell's flow engine would: (entries, disconnection reason if the flow ended the call,
        transfer number if it transferred)."""
        scenario = call.scenario
        if call.voicemail is not None:
            return [dict(entry) for entry in call.voicemail.transcript], "", ""
        started = call.record.get("start_timestamp") or now_ms()
        timed = [(entry["digit"], int((at - started) / max(self.time_scale, 1e-9)))
                 for entry, at in zip(call.pressed, call.pressed_at_ms, strict=True)] if scenario.manual else [
            (key.digit, key.at_ms) for key in scenario.keys if key.at_ms <= talked_ms]
        keys = [digit for digit, _ in timed]
        agent = self.agents.get(call.record["agent_id"], {})
        engine = agent.get("response_engine") or {}
        flow = self.flows.get(engine.get("conversation_flow_id", ""))
        if not flow:
            entries: list[dict[str, Any]] = [{"role": "agent", "content": "Hello.", "words": []}]
            entries.extend({"role": "dtmf", "digit": digit} for digit in keys)
            flow_reason, transfer_to = "", ""
        else:
            ended_at = int((now_ms() - started) / max(self.time_scale, 1e-9)) if scenario.manual else talked_ms
            inputs, unfinished = timed_key_inputs(timed, agent.get("user_dtmf_options"), ended_at)
            timing = CallTiming([at for _, at in inputs], ended_at, SilenceRules.of_agent(agent))
            entries, flow_reason, transfer_to = walk_conversation_flow(
                flow, [typed for typed, _ in inputs], unfinished, timing)
            # The transcript has the words said: each static text with the call's dynamic variables filled in.
            variables = call.record.get("retell_llm_dynamic_variables") or {}
            entries = [{**entry, "content": spoken(entry["content"], variables)} if entry["role"] == "agent" else entry
                       for entry in entries]
        asked = call.asked_to_stop if scenario.manual else (
            scenario.stop_calling_at_ms is not None and scenario.stop_calling_at_ms <= talked_ms)
        if asked:
            entries.append({"role": "user", "content": STOP_CALLING_WORDS, "words": []})
            if self._detects_dnc(call):
                entries.extend(dict(entry) for entry in DNC_ENTRIES)
        return entries, flow_reason, transfer_to

    async def _finish(self, call: SimulatedCall, reason: str, *, connected: bool, talked_ms: int,
                      after_end: Any = None) -> None:
        record = call.record
        record["call_status"] = "ended" if connected else "not_connected"
        end = now_ms()
        record["end_timestamp"] = end
        record["start_timestamp"] = record.get("start_timestamp") or end
        record["duration_ms"] = talked_ms if connected else 0
        record["disconnection_reason"] = reason
        if connected:
            transcript, flow_reason, transfer_to = self._transcript(call, talked_ms)
            if flow_reason and reason not in ("manual_stopped", "max_duration_reached", "user_requested_dnc"):
                reason = flow_reason
                record["disconnection_reason"] = reason
            if transfer_to:
                record["transfer_destination"] = transfer_to
            record["transcript_with_tool_calls"] = transcript
            record["transcript"] = "".join(f"Agent: {e['content']}\n" for e in transcript if e["role"] == "agent")
            record["transcript_object"] = [e for e in transcript if e["role"] in ("agent", "user")]
            if reason == "user_requested_dnc":
                self.do_not_call.add(record["to_number"])
            record["recording_url"] = f"{self.recording_base_url}/recordings/{record['call_id']}.wav"
            record["public_log_url"] = f"https://example.invalid/logs/{record['call_id']}.log"
            if reason == "call_transfer" and not transfer_to:
                record["transfer_destination"] = call.scenario.transfer_to
        await self._deliver("call_ended", dict(record), call)
        if after_end is not None:
            await after_end
        if not connected:
            return
        await asyncio.sleep(call.scenario.delivery.analysis_delay_ms / 1000 * self.time_scale)
        record["call_analysis"] = {
            # Written by Retell's post-call model, in the language the agent's summary prompt asks for.
            "call_summary": call_summary(self.agents.get(call.record["agent_id"], {}), call.scenario.summary,
                                         DEFAULT_SUMMARY),
            "user_sentiment": call.scenario.sentiment,
            "call_successful": call.scenario.successful, "in_voicemail": call.scenario.outcome == "voicemail",
            "custom_analysis_data": custom_analysis_data(self.agents.get(call.record["agent_id"], {}),
                                                         call.scenario.answers),
        }
        await self._deliver("call_analyzed", dict(record), call)

    async def _deliver(self, event: str, record: dict[str, Any], call: SimulatedCall) -> None:
        delivery = call.scenario.delivery
        if event in delivery.drop or not call.webhook_url:
            return
        if delivery.delay_ms:
            await asyncio.sleep(delivery.delay_ms / 1000 * self.time_scale)
        for _ in range(1 + delivery.duplicates):
            await self.send_webhook(call.webhook_url, event, record)

    async def send_webhook(self, url: str, event: str, record: dict[str, Any], *,
                           timestamp_ms: int | None = None) -> int:
        """Posts one signed webhook as Retell does: compact JSON, retried up to 3 times."""
        body = json.dumps({"event": event, "call": record}, separators=(",", ":"), ensure_ascii=False)
        status = 0
        for attempt in range(3):
            headers = {"Content-Type": "application/json",
                       "X-Retell-Signature": retell_signature(body, self.api_key, timestamp_ms)}
            try:
                response = await self._http.post(url, content=body.encode(), headers=headers)
                status = response.status_code
            except httpx.HTTPError:
                status = 0
            if 200 <= status < 300:
                break
            await asyncio.sleep((2 ** attempt) * 0.1)
        self.deliveries.append(WebhookDelivery(event, record["call_id"], status, now_ms()))
        return status

    # ---- callee panel --------------------------------------------------------------------

    def _flow_so_far(self, call: SimulatedCall) -> tuple[list[dict[str, Any]], str]:
        """A manual call's conversation flow walked with the keys pressed so far: its entries, and
        the reason if the flow has ended the call (an end node, a transfer). No flow: nothing."""
        agent = self.agents.get(call.record["agent_id"], {})
        flow = self.flows.get((agent.get("response_engine") or {}).get("conversation_flow_id", ""))
        if not flow:
            return [], ""
        started = call.record.get("start_timestamp") or now_ms()
        scale = max(self.time_scale, 1e-9)
        timed = [(entry["digit"], int((at - started) / scale))
                 for entry, at in zip(call.pressed, call.pressed_at_ms, strict=True)]
        inputs, unfinished = key_inputs(timed, agent.get("user_dtmf_options"), int((now_ms() - started) / scale))
        entries, reason, _ = walk_conversation_flow(flow, inputs, unfinished)
        return entries, reason

    async def _until_the_callee_or_the_flow_ends(self, call: SimulatedCall) -> None:
        """A manual call lasts until the callee hangs up, the call is stopped, or the flow reaches an
        end node or a transfer with the keys pressed (an input may complete by its timeout, so the
        flow is looked at again every moment, not only on a key)."""
        while not call.stop_requested.is_set() and not self._flow_so_far(call)[1]:
            try:
                await asyncio.wait_for(call.stop_requested.wait(), timeout=MANUAL_CALL_LOOK_SECONDS)
            except TimeoutError:
                pass

    def callee_view(self, call_id: str) -> dict[str, Any]:
        """What the person playing a manual call's callee hears now: the words of the node the flow
        has reached (what the agent said since the last key, `{{variables}}` filled in as Retell
        speaks them), and why the flow ended the call, if it did."""
        call = self.calls[call_id]
        if not call.scenario.manual or call.record["call_status"] != "ongoing":
            return {"manual": call.scenario.manual, "saying": [], "flow_ended": ""}
        entries, reason = self._flow_so_far(call)
        last_key = max((i for i, entry in enumerate(entries) if entry["role"] == "dtmf"), default=-1)
        variables = call.record.get("retell_llm_dynamic_variables") or {}
        saying = [spoken(entry["content"], variables) for entry in entries[last_key + 1:] if entry["role"] == "agent"]
        return {"manual": True, "saying": saying, "flow_ended": reason}

    def answer(self, call_id: str) -> None:
        self.calls[call_id].answered.set()

    def press(self, call_id: str, digit: str) -> None:
        self.calls[call_id].pressed.append({"role": "dtmf", "digit": digit})
        self.calls[call_id].pressed_at_ms.append(now_ms())

    def say_stop_calling(self, call_id: str) -> None:
        """The callee asks not to be called again; with DNC detection on, Retell ends the call."""
        call = self.calls[call_id]
        call.asked_to_stop = True
        if self._detects_dnc(call):
            call.answered.set()
            call.stop_requested.set()

    def hang_up(self, call_id: str) -> None:
        call = self.calls[call_id]
        call.answered.set()
        call.stop_requested.set()
