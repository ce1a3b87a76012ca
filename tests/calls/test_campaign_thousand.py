"""A campaign of 1,000 callees with mixed outcomes, scripted in the Retell simulator (busy, no answer,
a voicemail Retell detects, one it only reports after the call, a failed line, answered, no answer
then answered, a callback asked for): each callee is dialled exactly when and as often as its
outcome's rule says, each callback once at the time asked inside the callee's hours, the totals count
each outcome apart, re-calling the voicemail segment dials exactly those callees, and every call's
money is right (the wallet's captures against the calls, the callees and the balance). Time moves by
the harness's fake clock, so hours of retries take seconds."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from enum import StrEnum
from math import ceil

import asyncpg

from services.calls.callbacks import CallbackOffer, callback_time
from services.calls.calling_window import inside_window
from services.calls.phone_numbers import timezones_of
from services.sandbox.retell_scenarios import Delivery, KeyPress, Scenario
from speechcue.calls.v1 import calls_pb2
from tests.calls.conftest import CallsHarness
from tests.calls.test_callbacks_placed import callback_flow
from tests.calls.test_campaign_voicemail import rules
from tests.calls.test_campaigns import numbers, unlimited, wait_for_status

PRICE_PER_MINUTE = 15  # the wallet's default price, in cents
START_CENTS = 100_000
RULES = {"busy": (3, 10), "no_answer": (2, 60), "voicemail": (2, 240), "failed": (2, 30)}


class Kind(StrEnum):
    ANSWERS = "answers"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"
    LATE_VOICEMAIL = "late_voicemail"  # Retell's detection misses it; call_analyzed says so afterwards
    FAILED = "failed"
    ANSWERS_SECOND_TIME = "answers_second_time"  # no answer, then answers the retry
    CALLBACK = "callback"  # presses the flow's callback key: called back once, at the time asked


# Of every 40 callees: 32 answer, 2 reach a voicemail, one is of each other kind: 1,225 calls in all.
# Every call costs the test's own process (the calls service, the wallet and the simulator) tens of
# milliseconds of CPU, so each kind has 25 callees rather than a share that would only add calls.
PATTERN = ([Kind.ANSWERS] * 32 + [Kind.VOICEMAIL] * 2
           + [Kind.BUSY, Kind.NO_ANSWER, Kind.LATE_VOICEMAIL, Kind.FAILED, Kind.ANSWERS_SECOND_TIME, Kind.CALLBACK])
# Minutes after the start at which each kind is dialled, by the rules above.
DIALLED_AT = {Kind.ANSWERS: [0], Kind.BUSY: [0, 10, 20], Kind.NO_ANSWER: [0, 60], Kind.VOICEMAIL: [0, 240],
              Kind.LATE_VOICEMAIL: [0, 240], Kind.FAILED: [0, 30], Kind.ANSWERS_SECOND_TIME: [0, 60]}
# A callback is placed at the time the callee asked, in its own calling hours: checked apart.
CALLBACK_DELAY_MINUTES = 60
# What each kind ends as: the callee's status and its row's outcome.
ENDS_AS = {Kind.ANSWERS: ("answered", "user_hangup"), Kind.BUSY: ("failed", "dial_busy"),
           Kind.NO_ANSWER: ("failed", "dial_no_answer"), Kind.VOICEMAIL: ("failed", "voicemail_reached"),
           Kind.LATE_VOICEMAIL: ("failed", "voicemail_reached"), Kind.FAILED: ("failed", "dial_failed"),
           Kind.ANSWERS_SECOND_TIME: ("answered", "user_hangup"), Kind.CALLBACK: ("answered", "agent_hangup")}
RING_MS = 300
ANSWERED = Scenario(duration_ms=20_000, ring_ms=RING_MS)
SCRIPTS = {
    Kind.ANSWERS: ANSWERED,
    Kind.BUSY: Scenario(outcome="busy", ring_ms=RING_MS),
    Kind.NO_ANSWER: Scenario(outcome="no_answer", ring_ms=RING_MS),
    Kind.VOICEMAIL: Scenario(outcome="voicemail", ring_ms=RING_MS),  # the flow hangs up on it: 3 s, a minute billed
    # Two seconds at the sandbox's time scale: the call is settled (as answered) before its analysis.
    Kind.LATE_VOICEMAIL: Scenario(outcome="voicemail", voicemail_detected=False, duration_ms=10_000,
                                  delivery=Delivery(analysis_delay_ms=200_000), ring_ms=RING_MS),
    Kind.FAILED: Scenario(outcome="failed", ring_ms=RING_MS),
    Kind.ANSWERS_SECOND_TIME: Scenario(outcome="no_answer", ring_ms=RING_MS),
    # Every call to it presses 8, the callback too: a campaign calls a callee back once.
    Kind.CALLBACK: Scenario(duration_ms=20_000, keys=[KeyPress(digit="8", at_ms=4_000)], ring_ms=RING_MS),
}


async def asyncpg_fetch(url: str, query: str, *arguments: object) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url)
    try:
        return list(await connection.fetch(query, *arguments))
    finally:
        await connection.close()


def calls_to(kind: Kind) -> int:
    return 2 if kind is Kind.CALLBACK else len(DIALLED_AT[kind])


async def settled_at(calls: CallsHarness, campaign_id: str, stalled_after: float = 120.0) -> None:
    """Waits until nothing of the campaign moves at the clock's present time: no callee being dialled
    or due, every call ended, settled and (if it connected) analysed. Fails when the campaign stops
    moving: `stalled_after` seconds in which no callee or call changed its status. Not on the total
    time: on a machine shared with other test processes a wave of 1,000 calls can take minutes, and
    a bound on the total would measure the machine, not the campaign."""
    loop = asyncio.get_running_loop()
    connection = await asyncpg.connect(calls.database_url)
    try:
        seen: tuple[object, ...] = ()
        moved_at = loop.time()
        while True:
            busy = await connection.fetchval(
                "SELECT (SELECT count(*) FROM campaign_callees WHERE campaign_id = $1 AND (status = 'dialing' OR "
                "(status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= $2)))) + "
                "(SELECT count(*) FROM calls WHERE campaign_id = $1 AND (settlement <> 'settled' OR "
                "(status = 'ended' AND analyzed_at IS NULL)))", campaign_id, calls.clock.now)
            if busy == 0:
                return
            callees = await connection.fetch(
                "SELECT status, wait_reason, count(*) FROM campaign_callees WHERE campaign_id = $1 "
                "GROUP BY 1, 2 ORDER BY 1, 2", campaign_id)
            placed = await connection.fetch(
                "SELECT status, settlement, count(*), count(analyzed_at) FROM calls WHERE campaign_id = $1 "
                "GROUP BY 1, 2 ORDER BY 1, 2", campaign_id)
            now = (busy, *map(tuple, callees), *map(tuple, placed))
            if now != seen:
                seen, moved_at = now, loop.time()
            elif loop.time() - moved_at > stalled_after:
                raise AssertionError(f"{busy} callees or calls stopped moving at {calls.clock.now}: callees "
                                     f"{[tuple(row) for row in callees]}, calls {[tuple(row) for row in placed]}")
            await asyncio.sleep(0.25)
    finally:
        await connection.close()


async def test_a_thousand_callees_are_each_dialled_as_their_rules_say_and_billed_right(calls: CallsHarness) -> None:
    calls.retell.concurrency_limit = 102  # 100 in flight after the reserve: the customer's cap
    customer = await calls.customer_with_money(START_CENTS)
    await unlimited(calls, customer)
    callees = numbers(1000)
    kind_of = {number: PATTERN[index % len(PATTERN)] for index, number in enumerate(callees)}
    for number, kind in kind_of.items():
        calls.retell.scenarios.by_number[number] = SCRIPTS[kind]
    flow = await calls.flow(customer, callback_flow(delay_minutes=CALLBACK_DELAY_MINUTES))
    created = await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=customer, name="A thousand", flow_id=flow.id,
        list="\n".join(callees).encode(), retry=rules(**RULES)))
    assert created.totals.callees == len(callees)
    start = calls.clock.now
    await calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(
        idempotency_key=calls.key("go"), customer_id=customer, campaign_id=created.id))

    await settled_at(calls, created.id)
    for number, kind in kind_of.items():  # the second call finds someone at home
        if kind is Kind.ANSWERS_SECOND_TIME:
            calls.retell.scenarios.by_number[number] = ANSWERED
    for minutes in (10, 20, 30, 60):
        calls.clock.now = start + timedelta(minutes=minutes)
        await settled_at(calls, created.id)
        running = await calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                            campaign_id=created.id))
        assert running.status == calls_pb2.CAMPAIGN_STATUS_RUNNING  # the voicemails' retries are still due
    calls.clock.now = start + timedelta(minutes=240)
    await settled_at(calls, created.id)
    # Only the callbacks are left: each at the time its callee asked, moved into its calling hours. The
    # time runs from the call's end as Retell reported it (the simulator's real clock, days after the
    # harness's), so the clock moves there last.
    connection = await asyncpg.connect(calls.database_url)
    try:
        waiting = await connection.fetch(
            "SELECT cc.number, cc.status, cc.wait_reason, cc.next_attempt_at, cc.callback_at, c.ended_at "
            "FROM campaign_callees cc JOIN calls c ON c.id = cc.last_call_id WHERE cc.campaign_id = $1 "
            "AND cc.status = 'pending'", created.id)
    finally:
        await connection.close()
    assert {row["number"] for row in waiting} == {number for number, kind in kind_of.items() if kind is Kind.CALLBACK}
    for row in waiting:
        asked = callback_time(CallbackOffer("8", CALLBACK_DELAY_MINUTES), row["ended_at"], timezones_of(row["number"]))
        assert (row["wait_reason"], row["next_attempt_at"], row["callback_at"]) == ("callback", asked, asked)
        assert asked is not None and inside_window(asked, timezones_of(row["number"]))
    calls.clock.now = max(row["callback_at"] for row in waiting)
    await wait_for_status(calls, customer, created.id, calls_pb2.CAMPAIGN_STATUS_COMPLETED, timeout=240)
    await settled_at(calls, created.id)  # the last late voicemails' analyses may come after the completion
    done = await calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=customer, campaign_id=created.id))

    # Each callee dialled exactly when and as often as its rule says.
    connection = await asyncpg.connect(calls.database_url)
    try:
        placed = await connection.fetch(
            "SELECT id, to_number, created_at, status, duration_seconds, cost_cents FROM calls "
            "WHERE campaign_id = $1", created.id)
        rows = await connection.fetch(
            "SELECT number, status, outcome, attempts, cost_cents FROM campaign_callees WHERE campaign_id = $1",
            created.id)
    finally:
        await connection.close()
    dialled: dict[str, list[datetime]] = defaultdict(list)
    for call in placed:
        dialled[call["to_number"]].append(call["created_at"])
    assert {number: sorted(dialled[number]) for number, kind in kind_of.items() if kind is not Kind.CALLBACK} == {
        number: [start + timedelta(minutes=minutes) for minutes in DIALLED_AT[kind]]
        for number, kind in kind_of.items() if kind is not Kind.CALLBACK}
    for row in waiting:  # called back once, not before the time asked (the clock went to the last of them)
        first, again = sorted(dialled[row["number"]])
        assert first == start and row["callback_at"] <= again <= calls.clock.now
    simulated = Counter(call.record["to_number"] for call in calls.retell.calls.values())
    assert simulated == Counter({number: calls_to(kind) for number, kind in kind_of.items()})
    ended = {row["number"]: (row["status"], row["outcome"]) for row in rows}
    assert ended == {number: ENDS_AS[kind] for number, kind in kind_of.items()}
    assert {row["number"]: row["attempts"] for row in rows} == {
        number: calls_to(kind) for number, kind in kind_of.items()}

    kinds = Counter(kind_of.values())
    assert (done.totals.answered, done.totals.voicemail, done.totals.failed, done.totals.not_called) == (
        kinds[Kind.ANSWERS] + kinds[Kind.ANSWERS_SECOND_TIME] + kinds[Kind.CALLBACK],
        kinds[Kind.VOICEMAIL] + kinds[Kind.LATE_VOICEMAIL],
        kinds[Kind.BUSY] + kinds[Kind.NO_ANSWER] + kinds[Kind.FAILED], 0)
    assert done.totals.callbacks == kinds[Kind.CALLBACK]
    assert done.totals.attempts == len(placed) == sum(calls_to(kind) for kind in kind_of.values())

    # Re-calling a segment: the voicemail segment is exactly the callees whose last call reached one
    # (detected or only analysed), and a new campaign of it dials exactly them, once each.
    segments = {segment.code: segment.callees for segment in (await calls.stub.CampaignSegments(
        calls_pb2.GetCampaignRequest(customer_id=customer, campaign_id=created.id))).segments}
    assert (segments["voicemail"], segments["no_answer"], segments["busy"]) == (
        kinds[Kind.VOICEMAIL] + kinds[Kind.LATE_VOICEMAIL], kinds[Kind.NO_ANSWER], kinds[Kind.BUSY])
    machines = {number for number, kind in kind_of.items() if kind in (Kind.VOICEMAIL, Kind.LATE_VOICEMAIL)}
    recall = await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("recall"), customer_id=customer, name="Voicemails again", flow_id=flow.id,
        from_campaign_id=created.id, segment="voicemail"))
    assert recall.totals.callees == len(machines)
    await calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(
        idempotency_key=calls.key("go"), customer_id=customer, campaign_id=recall.id))
    await wait_for_status(calls, customer, recall.id, calls_pb2.CAMPAIGN_STATUS_COMPLETED, timeout=240)
    await settled_at(calls, recall.id)
    dialled_again = Counter(call.record["to_number"] for call in calls.retell.calls.values()) - simulated
    assert dialled_again == Counter(dict.fromkeys(machines, 1))
    recalled = await calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                         campaign_id=recall.id))
    assert (recalled.totals.voicemail, recalled.totals.attempts) == (len(machines), len(machines))

    # Money per call: each connected call costs its started minutes, one that never connected nothing;
    # the wallet captured exactly that for each call, the callees add up their calls, and the balance
    # is what is left.
    wallet = await asyncpg.connect(calls.wallet.database_url)
    try:
        billed = await asyncpg_fetch(
            calls.database_url, "SELECT id, status, duration_seconds, cost_cents FROM calls WHERE customer_id = $1",
            customer)
        captured = dict(await wallet.fetch(
            "SELECT cause_id, sum(amount_cents) FROM transfers WHERE kind = 'capture' AND customer_id = $1 "
            "GROUP BY cause_id", customer))
        holds_open = await wallet.fetchval(
            "SELECT count(*) FROM holds WHERE customer_id = $1 AND resolved_at IS NULL", customer)
    finally:
        await wallet.close()
    assert len(billed) == len(placed) + len(machines)
    for call in billed:
        expected = PRICE_PER_MINUTE * ceil(call["duration_seconds"] / 60) if call["status"] == "ended" else 0
        assert (call["cost_cents"], captured.get(call["id"], 0)) == (expected, expected), dict(call)
    assert holds_open == 0
    by_callee: Counter[str] = Counter()
    for call in placed:
        by_callee[call["to_number"]] += call["cost_cents"]
    assert {row["number"]: row["cost_cents"] for row in rows} == {number: by_callee[number] for number in callees}
    connected = (kinds[Kind.ANSWERS] + 2 * kinds[Kind.VOICEMAIL] + 2 * kinds[Kind.LATE_VOICEMAIL]
                 + kinds[Kind.ANSWERS_SECOND_TIME] + 2 * kinds[Kind.CALLBACK])
    assert sum(call["cost_cents"] for call in placed) == done.totals.cost_cents == PRICE_PER_MINUTE * connected
    total = sum(call["cost_cents"] for call in billed)
    assert total == done.totals.cost_cents + recalled.totals.cost_cents == PRICE_PER_MINUTE * (
        connected + len(machines))
    assert (await calls.wallet.balance(customer)).available_cents == START_CENTS - total

