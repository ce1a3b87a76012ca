"""Re-calling a segment of a real campaign, and the forecast on its quote: a campaign whose callees the
Retell simulator answers, leaves unanswered, finds busy or reaches a voicemail, with keys pressed and
an opt-out; each segment's new campaign holds exactly its callees (never a do-not-call or opted-out
number, never one a paused campaign may still call); the quote's forecast uses the platform's answer
rates once there are enough calls."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid
from datetime import timedelta

import asyncpg
import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from services.calls.campaign_forecast import AnswerRate
from services.calls.forecast_inputs import AnswerRatesCache
from services.runtime.database import Database
from services.runtime.grpc_client import refusal_reason
from speechcue.calls.v1 import calls_pb2
from tests.calls.conftest import CallsHarness, menu_flow
from tests.calls.test_campaigns import numbers, unlimited, wait_for_status


async def recall(calls: CallsHarness, customer: str, source: str, segment: str,
                 flow_id: str = "") -> calls_pb2.Campaign:
    if not flow_id:
        flow_id = (await calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(
            customer_id=customer, campaign_id=source))).flow_id
    return await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("recall"), customer_id=customer, name="Again", flow_id=flow_id,
        from_campaign_id=source, segment=segment, as_draft=True))


async def callees_of(calls: CallsHarness, customer: str, campaign_id: str) -> set[str]:
    report = await calls.stub.GetCampaignReport(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                            campaign_id=campaign_id))
    return {row["number"] for row in csv.DictReader(io.StringIO(report.csv.decode()))}


async def segments(calls: CallsHarness, customer: str, campaign_id: str) -> dict[str, int]:
    answer = await calls.stub.CampaignSegments(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                           campaign_id=campaign_id))
    return {segment.code: segment.callees for segment in answer.segments}


async def test_each_segment_of_a_finished_campaign_re_calls_exactly_its_callees(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(50_000)
    await unlimited(calls, customer)
    listed = numbers(15)
    script = {
        "no_answer": listed[0:3], "busy": listed[3:5], "voicemail": listed[5:7],
        "key 1": listed[7:9], "key 2": listed[9:10], "answered": listed[10:12], "opted out": listed[12:13],
        "answered, then do-not-call": listed[13:14], "key 3": listed[14:15],
    }
    for number in script["no_answer"]:
        await calls.script_callee(number, outcome="no_answer", ring_ms=200)
    for number in script["busy"]:
        await calls.script_callee(number, outcome="busy", ring_ms=200)
    for number in script["voicemail"]:
        await calls.script_callee(number, outcome="voicemail", duration_ms=8_000)
    # Retell's post-call model answers the flow's custom field: yes for those who pressed 1, no for 2.
    for name, key, interested in (("key 1", "1", True), ("key 2", "2", False), ("opted out", "9", None),
                                  ("key 3", "3", None)):
        for number in script[name]:
            await calls.script_callee(number, duration_ms=20_000, keys=[{"digit": key, "at_ms": 6000}],
                                      answers={} if interested is None else {"interested": interested})
    for number in script["answered"] + script["answered, then do-not-call"]:
        await calls.script_callee(number, duration_ms=20_000)
    spec = menu_flow()
    spec.custom_fields.append(calls_pb2.CustomField(name="interested", type=calls_pb2.CUSTOM_FIELD_TYPE_YES_NO))
    flow = await calls.flow(customer, spec)
    source = await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=customer, name="Reminders", flow_id=flow.id,
        list=("number,name\n" + "\n".join(f"{number},Callee {index}" for index, number in enumerate(listed))).encode(),
        retry=calls_pb2.RetryPolicy(max_attempts=1)))
    with pytest.raises(grpc.aio.AioRpcError) as refused:  # a draft has no outcomes yet
        await segments(calls, customer, source.id)
    assert refusal_reason(refused.value) == "CAMPAIGN_STATE"
    await calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(idempotency_key=calls.key("go"),
                                                                   customer_id=customer, campaign_id=source.id))
    await wait_for_status(calls, customer, source.id, calls_pb2.CAMPAIGN_STATUS_COMPLETED)
    await calls.stub.AddDoNotCall(calls_pb2.AddDoNotCallRequest(
        idempotency_key=calls.key("dnc"), customer_id=customer, number=script["answered, then do-not-call"][0]))

    expected_counts = {"no_answer": 3, "busy": 2, "voicemail": 2, "answered": 2 + 1 + 2 + 1, "key:1": 2, "key:2": 1,
                       "key:3": 1, "field:interested=no": 1, "field:interested=yes": 2}
    deadline = asyncio.get_running_loop().time() + 30
    while (counted := await segments(calls, customer, source.id)) != expected_counts:  # the answers come last
        assert asyncio.get_running_loop().time() < deadline, counted
        await asyncio.sleep(0.1)
    expected = {
        "no_answer": set(script["no_answer"]), "busy": set(script["busy"]), "voicemail": set(script["voicemail"]),
        "answered": set(script["key 1"] + script["key 2"] + script["answered"] + script["key 3"]),
        "key:1": set(script["key 1"]), "key:2": set(script["key 2"]),
        "field:interested=yes": set(script["key 1"]), "field:interested=no": set(script["key 2"]),
    }
    for code, callees in expected.items():
        created = await recall(calls, customer, source.id, code)
        assert created.status == calls_pb2.CAMPAIGN_STATUS_DRAFT
        assert created.import_report.accepted == len(callees)
        assert await callees_of(calls, customer, created.id) == callees, code

    # Another flow for the same segment; a segment that holds no one now is refused.
    other = await calls.flow(customer, menu_flow("Acme Dental West"))
    again = await recall(calls, customer, source.id, "busy", flow_id=other.id)
    assert again.flow_id == other.id and await callees_of(calls, customer, again.id) == set(script["busy"])
    for code, reason in (("not_called", "SEGMENT_EMPTY"), ("key:12", "BAD_SEGMENT"), ("bogus", "BAD_SEGMENT")):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await recall(calls, customer, source.id, code)
        assert refusal_reason(refused.value) == reason

    # Someone else's campaign is no one's to re-call.
    stranger = await calls.customer_with_money(0)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await recall(calls, stranger, source.id, "no_answer", flow_id=other.id)
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND


async def test_a_cancelled_campaign_re_calls_its_uncalled_callees_and_a_paused_one_none_it_may_still_call(
        calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(10_000)
    listed = numbers(4)
    flow = await calls.flow(customer, menu_flow())
    start = Timestamp()
    start.FromDatetime(calls.clock.now + timedelta(hours=2))

    async def scheduled() -> calls_pb2.Campaign:
        return await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
            idempotency_key=calls.key("campaign"), customer_id=customer, name="Later", flow_id=flow.id,
            list=("number,name,amount\n" + "\n".join(f"{number},Ada {index},{index}0.50"
                                                      for index, number in enumerate(listed))).encode(),
            start_at=start))

    paused = await scheduled()
    await calls.stub.PauseCampaign(calls_pb2.CampaignActionRequest(idempotency_key=calls.key("pause"),
                                                                   customer_id=customer, campaign_id=paused.id))
    assert await segments(calls, customer, paused.id) == {}  # every callee waits: resuming would call them

    cancelled = await scheduled()
    await calls.stub.CancelCampaign(calls_pb2.CampaignActionRequest(idempotency_key=calls.key("cancel"),
                                                                    customer_id=customer, campaign_id=cancelled.id))
    await calls.stub.AddDoNotCall(calls_pb2.AddDoNotCallRequest(idempotency_key=calls.key("dnc"),
                                                                customer_id=customer, number=listed[0]))
    assert await segments(calls, customer, cancelled.id) == {"not_called": 3}
    created = await recall(calls, customer, cancelled.id, "not_called")
    assert await callees_of(calls, customer, created.id) == set(listed[1:])
    # Each callee keeps the name and values its list gave it: the flow's variables find them again.
    connection = await asyncpg.connect(calls.database_url)
    try:
        kept = await connection.fetch("SELECT number, name, variables FROM campaign_callees WHERE campaign_id = $1",
                                      created.id)
    finally:
        await connection.close()
    assert {(row["number"], row["name"], json.loads(row["variables"])["amount"]) for row in kept} == {
        (number, f"Ada {index}", f"{index}0.50") for index, number in enumerate(listed) if index}


async def history(calls: CallsHarness, prefix: str, *, calls_placed: int, answered: int, hour_utc: int,
                  days_ago: int = 1) -> None:
    """Other customers' calls placed `days_ago` at `hour_utc` to numbers starting `prefix` (six digits
    follow): `answered` of them answered, the rest not."""
    placed_at = (calls.clock.now - timedelta(days=days_ago)).replace(hour=hour_utc, minute=15)
    connection = await asyncpg.connect(calls.database_url)
    try:
        await connection.executemany(
            "INSERT INTO calls (id, customer_id, flow_id, to_number, caller_id, status, request_hash, usage_kind,"
            " max_minutes, disconnection_reason, placed_at, duration_seconds) VALUES"
            " ($1, 'someone-else', 'f', $2, '+14155550000', $3, '\\x00', 'call', 5, $4, $5, $6)",
            [(str(uuid.uuid4()), f"{prefix}{index:06d}", "ended" if index < answered else "failed",
              "user_hangup" if index < answered else "dial_no_answer", placed_at, 60 if index < answered else 0)
             for index in range(calls_placed)])
    finally:
        await connection.close()


async def test_the_quote_forecasts_from_the_platforms_answer_rates_once_there_are_enough_calls(
        calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(50_000)
    # 20:00 UTC is 21:00 in Paris: the list's first calls ring at 08:00 there, when 240 of the 300 calls
    # placed yesterday (07:15 UTC) were answered. Germany has 20 calls at that hour: too few; its 500
    # calls of 40 days ago are older than the rates' window.
    await history(calls, "+33612", calls_placed=300, answered=240, hour_utc=7)
    await history(calls, "+4915100", calls_placed=20, answered=20, hour_utc=7)
    await history(calls, "+4915101", calls_placed=500, answered=500, hour_utc=7, days_ago=40)
    french = [f"+336123456{index:02d}" for index in range(10)]
    german = [f"+49151234567{index:02d}" for index in range(10)]
    flow = await calls.flow(customer, menu_flow())
    campaign = await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=customer, name="Europe", flow_id=flow.id,
        list="\n".join(french + german).encode(), retry=calls_pb2.RetryPolicy(max_attempts=1),
        max_minutes_per_call=5))
    assert campaign.import_report.accepted == 20
    quote = await calls.stub.QuoteCampaign(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                       campaign_id=campaign.id))
    # 10 × 80 % (history) + 10 × 25 % (the default) = 10.5 → 11, 52.5 % → 53 %.
    assert (quote.expected_answered, quote.forecast_from_history, quote.expected_answer_percent) == (11, 10, 53)
    assert quote.likely_low_cents == int(10.5 * quote.price_per_minute_cents)
    assert quote.likely_high_cents == pytest.approx(
        10.5 * 5 * quote.price_per_minute_cents + 9.5 * quote.price_per_minute_cents, abs=1)
    assert quote.likely_high_cents <= quote.estimate_cents

    # The window's 60 missed calls all rang out (enough to count, and Germany has none of its own), so
    # each miss is tried again by the no-answer rule (2, an hour apart), not busy's (5 calls), nor as a
    # voicemail (1 call), as the default split would: 10 × (1 − 0.2²) + 10 × (1 − 0.75²) = 9.6 + 4.375 → 14.
    rules = [calls_pb2.OutcomeRetry(outcome="no_answer", max_attempts=2, spacing_minutes=60),
             calls_pb2.OutcomeRetry(outcome="busy", max_attempts=5, spacing_minutes=10)]
    retried = await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=customer, name="Europe again", flow_id=flow.id,
        list="\n".join(french + german).encode(), retry=calls_pb2.RetryPolicy(by_outcome=rules)))
    quote = await calls.stub.QuoteCampaign(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                       campaign_id=retried.id))
    assert quote.expected_answered == 14


async def test_rates_older_than_ten_minutes_are_served_at_once_and_read_again_behind(calls: CallsHarness) -> None:
    cache = AnswerRatesCache()
    database = Database(calls.database_url.replace("postgresql://", "postgresql+asyncpg://", 1))
    now = calls.clock.now
    try:
        assert await cache.get(database, now) == {}  # the first read is waited for
        await history(calls, "+33612", calls_placed=60, answered=30, hour_utc=7)
        assert await cache.get(database, now + timedelta(minutes=9)) == {}  # kept for ten minutes
        assert await cache.get(database, now + timedelta(minutes=11)) == {}  # then served, and read again
        assert cache.reading is not None
        await cache.reading
        assert (await cache.get(database, now + timedelta(minutes=12)))[("FR", 8)] == AnswerRate(60, 30, no_answer=30)
    finally:
        await database.close()
