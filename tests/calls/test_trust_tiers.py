"""A customer's trust tier as the calls service computes it from its own tables, and what it changes:
a new customer's transfer waits for review, a trusted customer's is approved at once."""

from __future__ import annotations

import uuid
from datetime import timedelta

import asyncpg
import pytest

from speechcue.calls.v1 import calls_pb2
from tests.calls import conftest as calls_fixtures
from tests.calls.conftest import ADMIN_ID, CallsHarness, menu_flow

calls, sandbox_server, wallet = calls_fixtures.calls, calls_fixtures.sandbox_server, calls_fixtures.wallet


def transfer_flow() -> calls_pb2.FlowSpec:
    spec = menu_flow()
    spec.graph.nodes[1].edges.append(calls_pb2.FlowEdge(key="4", target_node_id="desk"))
    spec.graph.nodes.append(calls_pb2.FlowNode(id="desk", kind=calls_pb2.NODE_KIND_TRANSFER,
                                               transfer_number="+14155550199"))
    return spec


async def settled_paid_calls(calls: CallsHarness, customer: str, *cents: int, days_ago: int) -> None:
    """Calls as the settlement leaves them, placed `days_ago` days before the service's clock."""
    connection = await asyncpg.connect(calls.database_url)
    try:
        for amount in cents:
            await connection.execute(
                "INSERT INTO calls (id, customer_id, flow_id, to_number, caller_id, status, request_hash, usage_kind,"
                " max_minutes, cost_cents, settlement, created_at) VALUES ($1, $2, 'f', '+14155550123',"
                " '+14155550100', 'ended', '\\x00', 'single', 5, $3, 'settled', $4)",
                str(uuid.uuid4()), customer, amount, calls.clock.now - timedelta(days=days_ago))
    finally:
        await connection.close()


async def tier(calls: CallsHarness, customer: str) -> calls_pb2.CustomerLimits:
    return await calls.stub.GetCustomerLimits(calls_pb2.GetCustomerLimitsRequest(customer_id=customer))


async def flow_status(calls: CallsHarness, customer: str, spec: calls_pb2.FlowSpec) -> int:
    flow = await calls.stub.CreateFlow(calls_pb2.CreateFlowRequest(
        idempotency_key=calls.key("flow"), customer_id=customer, spec=spec))
    return flow.status


@pytest.mark.parametrize(("paid", "days_ago", "trusted"), [
    ((600, 400), 8, True),
    ((600, 399), 8, False),   # $9.99
    ((1000,), 6, False),      # first paid call 6 days ago
    ((0, 0, 0), 30, False),   # calls paid from plan minutes only
])
async def test_a_customer_is_trusted_after_a_reviewed_flow_ten_dollars_and_a_week(
        calls: CallsHarness, paid: tuple[int, ...], days_ago: int, trusted: bool) -> None:
    customer = await calls.customer_with_money(0)
    await settled_paid_calls(calls, customer, *paid, days_ago=days_ago)
    before = await tier(calls, customer)
    assert before.trust_tier == calls_pb2.TRUST_TIER_NEW
    assert "no flow of theirs has been reviewed" in before.trust_reason
    assert await flow_status(calls, customer, transfer_flow()) == calls_pb2.FLOW_STATUS_PENDING_REVIEW

    held = menu_flow()
    held.graph.nodes[0].text = "Please have your PIN ready."
    flow = await calls.stub.CreateFlow(calls_pb2.CreateFlowRequest(
        idempotency_key=calls.key("flow"), customer_id=customer, spec=held))
    await calls.stub.ReviewFlow(calls_pb2.ReviewFlowRequest(
        idempotency_key=calls.key("review"), admin_telegram_id=ADMIN_ID, flow_id=flow.id, approve=True))

    after = await tier(calls, customer)
    assert (after.trust_tier == calls_pb2.TRUST_TIER_TRUSTED) == trusted, after.trust_reason
    expected = calls_pb2.FLOW_STATUS_APPROVED if trusted else calls_pb2.FLOW_STATUS_PENDING_REVIEW
    assert await flow_status(calls, customer, transfer_flow()) == expected


async def test_suspension_and_an_admins_tier_win(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(0)
    trusted = await calls.stub.SetCustomerTrust(calls_pb2.SetCustomerTrustRequest(
        idempotency_key=calls.key("trust"), admin_telegram_id=ADMIN_ID, customer_id=customer,
        tier=calls_pb2.TRUST_TIER_TRUSTED, note="known business"))
    assert (trusted.trust_tier, trusted.trust_override) == (calls_pb2.TRUST_TIER_TRUSTED,
                                                            calls_pb2.TRUST_TIER_TRUSTED)
    assert trusted.trust_reason == "set to trusted by an admin"
    assert await flow_status(calls, customer, transfer_flow()) == calls_pb2.FLOW_STATUS_APPROVED

    suspended = await calls.stub.SetCustomerLimits(calls_pb2.SetCustomerLimitsRequest(
        idempotency_key=calls.key("limits"), admin_telegram_id=ADMIN_ID, limits=calls_pb2.CustomerLimits(
            customer_id=customer, max_concurrent_calls=1, calls_per_hour=1, calls_per_day=1, suspended=True,
            suspension_reason="complaint")))
    assert suspended.trust_tier == calls_pb2.TRUST_TIER_NEW and suspended.trust_override

    removed = await calls.stub.SetCustomerTrust(calls_pb2.SetCustomerTrustRequest(
        idempotency_key=calls.key("trust"), admin_telegram_id=ADMIN_ID, customer_id=customer,
        tier=calls_pb2.TRUST_TIER_UNSPECIFIED))
    assert removed.trust_tier == calls_pb2.TRUST_TIER_NEW and not removed.trust_override
