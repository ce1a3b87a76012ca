"""Daily caps on flows, campaigns and list imports (issue 14, item 9), and one list import per customer
at a time: the pure rule with many cases, then each cap through the calls service with its real
PostgreSQL: the next action is refused with its sentence, and allowed again the next UTC day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import grpc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.calls.daily_caps import CapTable, DailyCap, cap_refusal, cap_table
from services.calls.list_imports import _IMPORT_LOCK_CLASS
from services.calls.review_policy import TrustTier
from services.calls.settings import CallsSettings
from services.runtime.daily_quota import day_start, next_reset, wait_words
from services.runtime.grpc_client import refusal_reason
from speechcue.calls.v1 import calls_pb2
from tests.calls.conftest import CallsHarness, menu_flow

TABLE: CapTable = {
    TrustTier.NEW: {DailyCap.FLOWS: 10, DailyCap.CAMPAIGNS: 5, DailyCap.LIST_IMPORTS: 10},
    TrustTier.TRUSTED: {DailyCap.FLOWS: 50, DailyCap.CAMPAIGNS: 30, DailyCap.LIST_IMPORTS: 60},
}
AFTERNOON = datetime(2026, 12, 2, 15, 43, tzinfo=UTC)


# ---- the pure rule ----------------------------------------------------------------------------

@pytest.mark.parametrize(("cap", "tier", "used", "refused"), [
    (DailyCap.FLOWS, TrustTier.NEW, 0, False),
    (DailyCap.FLOWS, TrustTier.NEW, 9, False),
    (DailyCap.FLOWS, TrustTier.NEW, 10, True),
    (DailyCap.FLOWS, TrustTier.NEW, 11, True),
    (DailyCap.FLOWS, TrustTier.TRUSTED, 10, False),
    (DailyCap.FLOWS, TrustTier.TRUSTED, 49, False),
    (DailyCap.FLOWS, TrustTier.TRUSTED, 50, True),
    (DailyCap.CAMPAIGNS, TrustTier.NEW, 4, False),
    (DailyCap.CAMPAIGNS, TrustTier.NEW, 5, True),
    (DailyCap.CAMPAIGNS, TrustTier.TRUSTED, 5, False),
    (DailyCap.CAMPAIGNS, TrustTier.TRUSTED, 30, True),
    (DailyCap.LIST_IMPORTS, TrustTier.NEW, 10, True),
    (DailyCap.LIST_IMPORTS, TrustTier.TRUSTED, 10, False),
    (DailyCap.LIST_IMPORTS, TrustTier.TRUSTED, 60, True),
])
def test_cap_refuses_from_the_limit_on(cap: DailyCap, tier: TrustTier, used: int, refused: bool) -> None:
    assert (cap_refusal(cap, tier=tier, used_today=used, now=AFTERNOON, table=TABLE) is not None) is refused


def test_refusal_says_what_was_reached_and_when_to_try_again() -> None:
    refusal = cap_refusal(DailyCap.FLOWS, tier=TrustTier.NEW, used_today=10, now=AFTERNOON, table=TABLE)
    assert refusal == ("you have made 10 new flows today, the most a new account may make in a day; "
                       "try again after 00:00 UTC (in 8 h 17 min). The limits rise once your account is trusted.")
    trusted = cap_refusal(DailyCap.CAMPAIGNS, tier=TrustTier.TRUSTED, used_today=30, now=AFTERNOON, table=TABLE)
    assert trusted == ("you have made 30 new campaigns today, the most an account may make in a day; "
                       "try again after 00:00 UTC (in 8 h 17 min).")


def test_a_cap_of_zero_refuses_the_first() -> None:
    table = {tier: {cap: 0 for cap in DailyCap} for tier in TrustTier}
    assert cap_refusal(DailyCap.LIST_IMPORTS, tier=TrustTier.TRUSTED, used_today=0, now=AFTERNOON, table=table)


def test_default_settings_give_new_customers_lower_caps_than_trusted_ones() -> None:
    table = cap_table(CallsSettings.model_construct())  # the declared defaults, nothing read from the environment
    for cap in DailyCap:
        assert 0 < table[TrustTier.NEW][cap] < table[TrustTier.TRUSTED][cap]


@pytest.mark.parametrize(("now", "words"), [
    (datetime(2026, 12, 2, 0, 0, tzinfo=UTC), "try again after 00:00 UTC (in 24 h 0 min)"),
    (datetime(2026, 12, 2, 23, 59, 30, tzinfo=UTC), "try again after 00:00 UTC (in 1 min)"),
    (datetime(2026, 12, 2, 23, 0, tzinfo=UTC), "try again after 00:00 UTC (in 1 h 0 min)"),
    (datetime(2026, 12, 2, 22, 30, 1, tzinfo=UTC), "try again after 00:00 UTC (in 1 h 30 min)"),
])
def test_wait_words(now: datetime, words: str) -> None:
    assert wait_words(now) == words


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_the_day_contains_now_and_resets_within_a_day(now: datetime) -> None:
    assert day_start(now) <= now < next_reset(now) == day_start(now) + timedelta(days=1)
    assert day_start(next_reset(now)) == next_reset(now)


@given(cap=st.sampled_from(list(DailyCap)), tier=st.sampled_from(list(TrustTier)), used=st.integers(0, 200),
       limit=st.integers(0, 100))
def test_refused_exactly_when_the_day_is_used_up(cap: DailyCap, tier: TrustTier, used: int, limit: int) -> None:
    table = {each: {kind: limit for kind in DailyCap} for each in TrustTier}
    refusal = cap_refusal(cap, tier=tier, used_today=used, now=AFTERNOON, table=table)
    assert (refusal is not None) is (used >= limit)
    if refusal is not None:
        assert "try again after 00:00 UTC" in refusal


# ---- through the service ----------------------------------------------------------------------

async def refused(attempt: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await attempt  # type: ignore[misc]
    return caught.value


def numbers_list(first: int, count: int = 3) -> bytes:
    return "\n".join(f"+1415555{index:04d}" for index in range(first, first + count)).encode()


async def create_campaign(calls: CallsHarness, customer: str, flow_id: str, data: bytes) -> calls_pb2.Campaign:
    return await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=customer, name="Reminders", flow_id=flow_id, list=data))


async def preview(calls: CallsHarness, customer: str, data: bytes) -> calls_pb2.CallListReport:
    return await calls.stub.PreviewCallList(calls_pb2.PreviewCallListRequest(customer_id=customer, list=data))


async def test_flow_cap_refuses_the_next_flow_with_its_sentence_and_resets_the_next_day(calls: CallsHarness) -> None:
    calls.settings.calls_daily_flows_new = 2
    customer = await calls.customer_with_money(0)
    await calls.flow(customer)
    await calls.flow(customer, menu_flow("Bright Smiles"))
    error = await refused(calls.flow(customer, menu_flow("Third Shop")))
    assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert refusal_reason(error) == "DAILY_CAP_REACHED"
    assert "you have made 2 new flows today" in (error.details() or "")
    assert "try again after 00:00 UTC (in 4 h 0 min)" in (error.details() or "")  # the clock reads 20:00 UTC
    other = await calls.customer_with_money(0)
    await calls.flow(other)  # the cap is the customer's own
    calls.clock.now = day_start(calls.clock.now) + timedelta(days=1, minutes=1)
    assert (await calls.flow(customer, menu_flow("Third Shop"))).id


async def test_campaign_cap_refuses_the_next_campaign_and_resets_the_next_day(calls: CallsHarness) -> None:
    calls.settings.calls_daily_campaigns_new = 1
    customer = await calls.customer_with_money(0)
    flow = await calls.flow(customer)
    await create_campaign(calls, customer, flow.id, numbers_list(100))
    error = await refused(create_campaign(calls, customer, flow.id, numbers_list(200)))
    assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert refusal_reason(error) == "DAILY_CAP_REACHED"
    assert "you have made 1 new campaigns today" in (error.details() or "")
    calls.clock.now = day_start(calls.clock.now) + timedelta(days=1)
    assert (await create_campaign(calls, customer, flow.id, numbers_list(200))).id


async def test_import_cap_counts_distinct_lists_refused_ones_too_and_resets_the_next_day(
        calls: CallsHarness) -> None:
    calls.settings.calls_daily_list_imports_new = 2
    customer = await calls.customer_with_money(0)
    flow = await calls.flow(customer)
    first = numbers_list(100)
    assert (await preview(calls, customer, first)).accepted == 3
    await create_campaign(calls, customer, flow.id, first)  # the list just previewed: not a second import
    unusable = b"not a number\nneither is this\n"
    error = await refused(create_campaign(calls, customer, flow.id, unusable))
    assert refusal_reason(error) == "LIST_UNUSABLE"  # refused, but its parse counted
    error = await refused(preview(calls, customer, numbers_list(300)))
    assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert refusal_reason(error) == "DAILY_CAP_REACHED"
    assert "you have made 2 list imports today" in (error.details() or "")
    assert (await preview(calls, customer, first)).accepted == 3  # a list counted today stays allowed
    calls.clock.now = day_start(calls.clock.now) + timedelta(days=1)
    assert (await preview(calls, customer, numbers_list(300))).accepted == 3


async def test_a_second_import_while_one_runs_is_refused_saying_one_is_in_progress(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(0)
    flow = await calls.flow(customer)
    # Another replica's import in progress holds the customer's import lock in PostgreSQL.
    replica = await asyncpg.connect(calls.database_url)
    try:
        await replica.execute("SELECT pg_advisory_lock($1, hashtext($2))", _IMPORT_LOCK_CLASS, customer)
        for attempt in (preview(calls, customer, numbers_list(100)),
                        create_campaign(calls, customer, flow.id, numbers_list(100))):
            error = await refused(attempt)
            assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
            assert refusal_reason(error) == "LIST_IMPORT_IN_PROGRESS"
            assert "another list is being imported for this account; try again when it is done" in (
                error.details() or "")
        other = await calls.customer_with_money(0)
        assert (await preview(calls, other, numbers_list(100))).accepted == 3  # only this customer waits
        await replica.execute("SELECT pg_advisory_unlock($1, hashtext($2))", _IMPORT_LOCK_CLASS, customer)
        assert (await create_campaign(calls, customer, flow.id, numbers_list(100))).totals.callees == 3
    finally:
        await replica.close()


async def test_a_refused_import_leaves_no_campaign_and_no_count(calls: CallsHarness) -> None:
    calls.settings.calls_daily_campaigns_new = 0
    calls.settings.calls_daily_list_imports_new = 1
    customer = await calls.customer_with_money(0)
    flow = await calls.flow(customer)
    error = await refused(create_campaign(calls, customer, flow.id, numbers_list(100)))
    assert refusal_reason(error) == "DAILY_CAP_REACHED"  # the campaign cap, checked before any parse
    assert (await preview(calls, customer, numbers_list(500))).accepted == 3  # the import was not counted
    listed = await calls.stub.ListCampaigns(calls_pb2.ListCampaignsRequest(customer_id=customer))
    assert not listed.campaigns


async def test_a_trusted_customer_gets_the_higher_cap(calls: CallsHarness) -> None:
    calls.settings.calls_daily_flows_new = 1
    calls.settings.calls_daily_flows_trusted = 2
    new, trusted = await calls.customer_with_money(0), await calls.customer_with_money(0)
    connection = await asyncpg.connect(calls.database_url)
    try:  # an admin's override: the tier rule itself is tested in test_review_policy.py
        await connection.execute("INSERT INTO customer_trust (customer_id, tier, set_by, note) "
                                 "VALUES ($1, 'trusted', 1, 'known business')", trusted)
    finally:
        await connection.close()
    await calls.flow(new)
    error = await refused(calls.flow(new, menu_flow("Second Shop")))
    assert "the most a new account may make in a day" in (error.details() or "")
    await calls.flow(trusted)
    await calls.flow(trusted, menu_flow("Second Shop"))
    error = await refused(calls.flow(trusted, menu_flow("Third Shop")))
    assert refusal_reason(error) == "DAILY_CAP_REACHED"
    assert "you have made 2 new flows today, the most an account may make in a day" in (error.details() or "")
