"""Authorisation (issue 9, part 3), against every service running on real PostgreSQL and NATS: no
RPC answers without the internal token, no RPC or bot button reaches another customer's things, and
no admin action is open to a customer.

The RPC lists come from the protobuf descriptors, so an RPC added later is covered, or named by a
failing test, without editing this file. Already covered elsewhere and not repeated here: the
wallet's Credit and GetBalance without a token (tests/wallet/test_bad_input.py), GetCall, StopCall,
GetFlow and StartCall naming another customer's flow or call
(tests/calls/test_webhook_and_refusals.py), eleven forged buttons (tests/bot/test_ownership.py) and
the admin menu for a customer (tests/bot/test_admin.py).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import message_factory
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from grpc_health.v1 import health_pb2, health_pb2_grpc

import speechcue
from services.runtime.grpc_client import internal_channel, refusal_reason
from speechcue.calls.v1 import calls_pb2
from speechcue.payments.v1 import payments_pb2
from speechcue.wallet.v1 import wallet_pb2
from tests.bot import conftest as bot_fixtures
from tests.bot.conftest import BotHarness, Person, forge_press, message_text
from tests.calls.conftest import CALLEE, CallsHarness, menu_flow
from tests.payments.conftest import PaymentsHarness
from tests.wallet.conftest import ADMIN_ID, INTERNAL_TOKEN

# Every service with its neighbours (tests/bot/conftest.py and the fixtures it brings in).
bot, telegram_server = bot_fixtures.bot, bot_fixtures.telegram_server
calls, sandbox_server, payments, wallet = (bot_fixtures.calls, bot_fixtures.sandbox_server, bot_fixtures.payments,
                                           bot_fixtures.wallet)

# Request fields that name an object belonging to one customer.
OBJECT_FIELDS = frozenset({"flow_id", "call_id", "campaign_id", "invoice_id", "transfer_id"})
REFUSED_AS_FOREIGN = (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED)
NOT_YOURS = "does not exist or is not yours"
NOT_ALLOWED = "You are not allowed to do that."


def speechcue_services() -> list[ServiceDescriptor]:
    """Every gRPC service declared under proto/speechcue, found by walking the generated modules."""
    found: dict[str, ServiceDescriptor] = {}
    for module in pkgutil.walk_packages(speechcue.__path__, "speechcue."):
        if module.name.endswith("_pb2"):
            for service in importlib.import_module(module.name).DESCRIPTOR.services_by_name.values():
                found[service.full_name] = service
    return sorted(found.values(), key=lambda service: service.full_name)


def every_method() -> Iterator[tuple[ServiceDescriptor, MethodDescriptor]]:
    for service in speechcue_services():
        for method in service.methods:
            yield service, method


def naming_fields(method: MethodDescriptor) -> set[str]:
    """The object-naming fields of a request, nested messages included (SettleCalls' calls)."""
    found: set[str] = set()

    def walk(message: Any, depth: int) -> None:
        for field in message.fields:
            if field.name in OBJECT_FIELDS:
                found.add(field.name)
            elif field.message_type is not None and depth < 3:
                walk(field.message_type, depth + 1)

    walk(method.input_type, 0)
    return found


def empty_request(method: MethodDescriptor) -> bytes:
    return bytes(message_factory.GetMessageClass(method.input_type)().SerializeToString())


async def raw_call(channel: grpc.aio.Channel, service: ServiceDescriptor, method: MethodDescriptor,
                   metadata: tuple[tuple[str, str], ...] = ()) -> grpc.StatusCode:
    call = channel.unary_unary(f"/{service.full_name}/{method.name}", request_serializer=lambda body: body,
                               response_deserializer=lambda body: body)
    try:
        await call(empty_request(method), metadata=metadata, timeout=10)
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


async def served_by(address: str) -> set[str]:
    """The declared services a server reports health for (reflection is off unless enabled)."""
    served = set()
    async with grpc.aio.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for service in speechcue_services():
            try:
                await health.Check(health_pb2.HealthCheckRequest(service=service.full_name), timeout=10)
            except grpc.aio.AioRpcError as error:
                if error.code() != grpc.StatusCode.NOT_FOUND:
                    raise
            else:
                served.add(service.full_name)
    return served


async def refused(attempt: Awaitable[Any]) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await attempt
    return caught.value


def grpc_addresses(bot: BotHarness) -> list[str]:
    return [f"127.0.0.1:{running.grpc_port}" for running in (
        bot.calls.wallet.running, bot.calls.running, bot.payments.running, bot.running)]


# ---- the internal token --------------------------------------------------------------------------

def test_every_rpc_is_unary_so_the_token_check_applies_to_it() -> None:
    """The server interceptor authenticates unary calls only; a streaming RPC would pass unchecked."""
    streaming = [f"{service.name}.{method.name}" for service, method in every_method()
                 if method.client_streaming or method.server_streaming]
    assert not streaming, f"add the token check for streaming calls before adding {streaming}"


WRONG_AUTHORIZATIONS = (None, "Bearer wrong-token", f"Bearer {INTERNAL_TOKEN}x", INTERNAL_TOKEN,
                        f"bearer {INTERNAL_TOKEN}", f"Basic {INTERNAL_TOKEN}", "Bearer ")


async def test_every_rpc_of_every_service_refuses_a_missing_or_wrong_internal_token(bot: BotHarness) -> None:
    served = {address: await served_by(address) for address in grpc_addresses(bot)}
    ledger_before = await bot.calls.wallet.ledger()
    checked = 0
    for service in speechcue_services():
        addresses = [address for address, names in served.items() if service.full_name in names]
        assert addresses, f"{service.full_name} is declared but no service serves it"
        async with grpc.aio.insecure_channel(addresses[0]) as channel:
            for method in service.methods:
                for authorization in WRONG_AUTHORIZATIONS:
                    metadata = (("authorization", authorization),) if authorization is not None else ()
                    code = await raw_call(channel, service, method, metadata)
                    assert code == grpc.StatusCode.UNAUTHENTICATED, (
                        f"{service.name}.{method.name} with {authorization!r} answered {code}")
                checked += 1
    ledger_after = await bot.calls.wallet.ledger()
    assert ledger_after.transfers == ledger_before.transfers and not bot.calls.retell.create_requests
    print(f"\n{checked} RPCs of {len(served)} services, each refused {len(WRONG_AUTHORIZATIONS)} wrong tokens")


async def test_with_the_right_token_the_same_requests_get_past_the_check(bot: BotHarness) -> None:
    """The control for the test above: the empty requests it sends are refused for the token alone,
    and none of them makes a service fail."""
    served = {address: await served_by(address) for address in grpc_addresses(bot)}
    answers: dict[str, grpc.StatusCode] = {}
    for service in speechcue_services():
        address = next(address for address, names in served.items() if service.full_name in names)
        async with internal_channel(address, INTERNAL_TOKEN) as channel:
            for method in service.methods:
                answers[f"{service.name}.{method.name}"] = await raw_call(channel, service, method)
    assert not [name for name, code in answers.items() if code == grpc.StatusCode.UNAUTHENTICATED]
    assert not [name for name, code in answers.items()
                if code in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN)], answers


# ---- another customer's objects over gRPC --------------------------------------------------------

ForeignAttempt = Callable[[dict[str, Any]], Awaitable[Any]]


def foreign_attempts(calls: CallsHarness, payments: PaymentsHarness) -> dict[str, list[ForeignAttempt]]:
    """For each RPC naming an object, requests by the intruder naming the owner's object. `o` holds
    the owner's things and the intruder's id."""
    c, w, p = calls.stub, calls.wallet.stub, payments.stub

    def key(prefix: str) -> str:
        return calls.key(prefix)

    def campaign_action(o: dict[str, Any]) -> calls_pb2.CampaignActionRequest:
        return calls_pb2.CampaignActionRequest(idempotency_key=key("camp"), customer_id=o["intruder"],
                                               campaign_id=o["campaign"].id)

    return {
        "CallsService.GetFlow": [lambda o: c.GetFlow(calls_pb2.GetFlowRequest(
            customer_id=o["intruder"], flow_id=o["flow"].id))],
        "CallsService.UpdateFlow": [lambda o: c.UpdateFlow(calls_pb2.UpdateFlowRequest(
            idempotency_key=key("edit"), customer_id=o["intruder"], flow_id=o["flow"].id, spec=menu_flow("Eve"),
            expected_version=o["flow"].version))],
        "CallsService.DeleteFlow": [lambda o: c.DeleteFlow(calls_pb2.DeleteFlowRequest(
            idempotency_key=key("del"), customer_id=o["intruder"], flow_id=o["flow"].id))],
        "CallsService.ReviewFlow": [],  # admin-only: see the admin test
        "CallsService.GetFlowForReview": [],  # admin-only: see the admin test
        "CallsService.QuoteCall": [lambda o: c.QuoteCall(calls_pb2.QuoteCallRequest(
            customer_id=o["intruder"], flow_id=o["flow"].id, to_number=CALLEE))],
        "CallsService.StartCall": [
            lambda o: c.StartCall(calls_pb2.StartCallRequest(
                idempotency_key=key("call"), customer_id=o["intruder"], flow_id=o["flow"].id, to_number=CALLEE)),
            # The intruder's own flow, booked to the owner's campaign.
            lambda o: c.StartCall(calls_pb2.StartCallRequest(
                idempotency_key=key("call"), customer_id=o["intruder"], flow_id=o["intruder_flow"].id,
                to_number="+14155550140", campaign_id=o["campaign"].id))],
        "CallsService.StopCall": [lambda o: c.StopCall(calls_pb2.StopCallRequest(
            idempotency_key=key("stop"), customer_id=o["intruder"], call_id=o["call"].id))],
        "CallsService.GetCall": [lambda o: c.GetCall(calls_pb2.GetCallRequest(
            customer_id=o["intruder"], call_id=o["call"].id))],
        "CallsService.GetCallTranscript": [lambda o: c.GetCallTranscript(calls_pb2.GetCallRequest(
            customer_id=o["intruder"], call_id=o["call"].id))],
        "CallsService.ListCalls": [
            lambda o: c.ListCalls(calls_pb2.ListCallsRequest(customer_id=o["intruder"], flow_id=o["flow"].id)),
            lambda o: c.ListCalls(calls_pb2.ListCallsRequest(customer_id=o["intruder"],
                                                             campaign_id=o["campaign"].id))],
        "CallsService.CreateCampaign": [lambda o: c.CreateCampaign(calls_pb2.CreateCampaignRequest(
            idempotency_key=key("campaign"), customer_id=o["intruder"], name="Eve's", flow_id=o["flow"].id,
            list=b"+14155550141\n")),
            # The intruder's own flow, with a list made of the owner's campaign's callees (a re-call).
            lambda o: c.CreateCampaign(calls_pb2.CreateCampaignRequest(
                idempotency_key=key("campaign"), customer_id=o["intruder"], name="Eve's",
                flow_id=o["intruder_flow"].id, from_campaign_id=o["campaign"].id, segment="not_called"))],
        "CallsService.CampaignSegments": [lambda o: c.CampaignSegments(calls_pb2.GetCampaignRequest(
            customer_id=o["intruder"], campaign_id=o["campaign"].id))],
        "CallsService.StartCampaign": [lambda o: c.StartCampaign(campaign_action(o))],
        "CallsService.PauseCampaign": [lambda o: c.PauseCampaign(campaign_action(o))],
        "CallsService.ResumeCampaign": [lambda o: c.ResumeCampaign(campaign_action(o))],
        "CallsService.CancelCampaign": [lambda o: c.CancelCampaign(campaign_action(o))],
        "CallsService.GetCampaign": [lambda o: c.GetCampaign(calls_pb2.GetCampaignRequest(
            customer_id=o["intruder"], campaign_id=o["campaign"].id))],
        "CallsService.GetCampaignReport": [lambda o: c.GetCampaignReport(calls_pb2.GetCampaignRequest(
            customer_id=o["intruder"], campaign_id=o["campaign"].id))],
        "CallsService.QuoteCampaign": [lambda o: c.QuoteCampaign(calls_pb2.GetCampaignRequest(
            customer_id=o["intruder"], campaign_id=o["campaign"].id))],
        "CallsService.RenameCampaign": [lambda o: c.RenameCampaign(calls_pb2.RenameCampaignRequest(
            idempotency_key=key("rename"), customer_id=o["intruder"], campaign_id=o["campaign"].id, name="Eve's"))],
        "WalletService.Refund": [],  # admin-only: see the admin test; the owner check is below
        "WalletService.RefundCallExtra": [lambda o: w.RefundCallExtra(wallet_pb2.RefundCallExtraRequest(
            idempotency_key=key("extra"), customer_id=o["intruder"], call_id=o["call"].id,
            reason="recording not delivered"))],
        "WalletService.PlaceHold": [lambda o: w.PlaceHold(wallet_pb2.PlaceHoldRequest(
            idempotency_key=key("hold"), customer_id=o["intruder"], call_id=o["call"].id, amount_cents=10,
            usage_kind=wallet_pb2.USAGE_KIND_SINGLE))],
        "WalletService.CaptureHold": [lambda o: w.CaptureHold(wallet_pb2.CaptureHoldRequest(
            idempotency_key=key("capture"), customer_id=o["intruder"], call_id=o["call"].id, amount_cents=10))],
        "WalletService.ReleaseHold": [lambda o: w.ReleaseHold(wallet_pb2.ReleaseHoldRequest(
            idempotency_key=key("release"), customer_id=o["intruder"], call_id=o["call"].id))],
        "WalletService.RecordUsage": [],  # covered by test_usage_cannot_be_recorded_against_another_customers_call
        "WalletService.SettleCalls": [],  # covered by test_usage_cannot_be_recorded_against_another_customers_call
        "PaymentsService.GetInvoice": [lambda o: p.GetInvoice(payments_pb2.GetInvoiceRequest(
            customer_id=o["intruder"], invoice_id=o["invoice"].id))],
    }


async def owner_world(calls: CallsHarness, payments: PaymentsHarness) -> dict[str, Any]:
    owner = await calls.customer_with_money(10_000)
    intruder = await calls.customer_with_money(10_000)
    flow = await calls.flow(owner)
    await calls.script_callee(CALLEE, duration_ms=600_000, ring_ms=0)
    call = await calls.call(owner, flow.id, CALLEE)
    campaign = await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=owner, name="Owner's list", flow_id=flow.id,
        list=b"+14155550131\n+14155550132\n"))
    invoice = await payments.top_up(owner, 2_000)
    return {"owner": owner, "intruder": intruder, "flow": flow, "call": call, "campaign": campaign,
            "invoice": invoice, "intruder_flow": await calls.flow(intruder, menu_flow("Intruder"))}


async def snapshot(calls: CallsHarness, payments: PaymentsHarness, o: dict[str, Any]) -> tuple[Any, ...]:
    owner = o["owner"]
    flow = await calls.stub.GetFlow(calls_pb2.GetFlowRequest(customer_id=owner, flow_id=o["flow"].id))
    call = await calls.stub.GetCall(calls_pb2.GetCallRequest(customer_id=owner, call_id=o["call"].id))
    campaign = await calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=owner,
                                                                         campaign_id=o["campaign"].id))
    listed = await calls.stub.ListCalls(calls_pb2.ListCallsRequest(customer_id=owner, campaign_id=o["campaign"].id))
    balances = [await calls.wallet.balance(customer) for customer in (owner, o["intruder"])]
    invoice = await payments.stub.GetInvoice(payments_pb2.GetInvoiceRequest(customer_id=owner,
                                                                            invoice_id=o["invoice"].id))
    return (flow.version, flow.spec.name, call.status, campaign.status, campaign.totals.callees, len(listed.calls),
            [(b.available_cents, b.held_cents) for b in balances], invoice.status)


async def test_no_rpc_reaches_another_customers_flow_call_campaign_hold_or_invoice(
        calls: CallsHarness, payments: PaymentsHarness) -> None:
    o = await owner_world(calls, payments)
    cases = foreign_attempts(calls, payments)
    named = {f"{service.name}.{method.name}" for service, method in every_method() if naming_fields(method)}
    assert not named - set(cases), f"add a foreign-id case to foreign_attempts for {sorted(named - set(cases))}"
    before = await snapshot(calls, payments, o)
    tried = 0
    for name, attempts in cases.items():
        for attempt in attempts:
            try:
                answer = await attempt(o)
            except grpc.aio.AioRpcError as error:
                assert error.code() in REFUSED_AS_FOREIGN or refusal_reason(error) in (
                    "HOLD_EXISTS", "USAGE_ALREADY_RECORDED", "CAMPAIGN_NOT_FOUND", "FLOW_NOT_FOUND"), (
                    f"{name}: {error.code()} {refusal_reason(error)} {error.details()}")
            else:
                # Lists and settlement answer without an error, but with nothing of the owner's.
                assert name in ("CallsService.ListCalls", "WalletService.SettleCalls"), f"{name} answered {answer}"
                if name == "CallsService.ListCalls":
                    assert not answer.calls, f"{name} listed the owner's calls to the intruder"
            tried += 1
    assert await snapshot(calls, payments, o) == before
    assert [c.record["metadata"]["customer"] for c in calls.retell.calls.values()] == [o["owner"]]
    print(f"\n{tried} requests naming another customer's object, all refused")


@pytest.mark.parametrize("rpc", ["RecordUsage", "SettleCalls"])
async def test_usage_cannot_be_recorded_against_another_customers_call(
        calls: CallsHarness, payments: PaymentsHarness, rpc: str) -> None:
    o = await owner_world(calls, payments)
    if rpc == "RecordUsage":
        error = await refused(calls.wallet.stub.RecordUsage(wallet_pb2.RecordUsageRequest(
            idempotency_key=calls.key("usage"), customer_id=o["intruder"], call_id=o["call"].id, seconds=60,
            usage_kind=wallet_pb2.USAGE_KIND_SINGLE)))
        assert error.code() in (*REFUSED_AS_FOREIGN, grpc.StatusCode.FAILED_PRECONDITION)
    else:
        answer = await calls.wallet.stub.SettleCalls(wallet_pb2.SettleCallsRequest(calls=[wallet_pb2.CallToSettle(
            customer_id=o["intruder"], call_id=o["call"].id, seconds=60, usage_kind=wallet_pb2.USAGE_KIND_SINGLE)]))
        assert [settled.refusal_reason != "" for settled in answer.calls] == [True]
    assert (await calls.wallet.balance(o["intruder"])).available_cents == 10_000


async def test_lists_show_a_customer_only_their_own_things(calls: CallsHarness, payments: PaymentsHarness) -> None:
    o = await owner_world(calls, payments)
    intruder = o["intruder"]
    c = calls.stub
    assert [f.id for f in (await c.ListFlows(calls_pb2.ListFlowsRequest(customer_id=intruder))).flows] == [
        o["intruder_flow"].id]
    assert not (await c.ListCalls(calls_pb2.ListCallsRequest(customer_id=intruder))).calls
    assert not (await c.ListCampaigns(calls_pb2.ListCampaignsRequest(customer_id=intruder))).campaigns
    assert not (await c.ListKeyPresses(calls_pb2.ListKeyPressesRequest(customer_id=intruder))).entries
    assert not (await payments.stub.ListInvoices(payments_pb2.ListInvoicesRequest(customer_id=intruder))).invoices
    owner_history = await calls.wallet.stub.ListTransactions(wallet_pb2.ListTransactionsRequest(
        customer_id=o["owner"]))
    intruder_history = await calls.wallet.stub.ListTransactions(wallet_pb2.ListTransactionsRequest(
        customer_id=intruder))
    assert not {t.id for t in owner_history.transfers} & {t.id for t in intruder_history.transfers}


async def test_a_refund_names_the_charge_of_its_own_customer(calls: CallsHarness) -> None:
    owner = await calls.customer_with_money(1_000)
    other = await calls.customer_with_money(1_000)
    charge = await calls.wallet.debit(owner, 300)
    error = await refused(calls.wallet.stub.Refund(wallet_pb2.RefundRequest(
        idempotency_key=calls.key("refund"), customer_id=other, transfer_id=charge.transfer.id, amount_cents=300,
        admin_telegram_id=ADMIN_ID, reason="wrong customer")))
    assert error.code() in (*REFUSED_AS_FOREIGN, grpc.StatusCode.FAILED_PRECONDITION)
    assert (await calls.wallet.balance(other)).available_cents == 1_000
    assert (await calls.wallet.balance(owner)).available_cents == 700


# ---- admin actions -------------------------------------------------------------------------------

def admin_requests(calls: CallsHarness, o: dict[str, Any]) -> dict[str, Callable[[int], Awaitable[Any]]]:
    c, w = calls.stub, calls.wallet.stub

    def key(prefix: str) -> str:
        return calls.key(prefix)

    return {
        "CallsService.ReviewFlow": lambda admin: c.ReviewFlow(calls_pb2.ReviewFlowRequest(
            idempotency_key=key("review"), admin_telegram_id=admin, flow_id=o["pending"].id, approve=True)),
        "CallsService.ListFlowsForReview": lambda admin: c.ListFlowsForReview(calls_pb2.ListFlowsForReviewRequest(
            admin_telegram_id=admin)),
        "CallsService.GetCallFigures": lambda admin: c.GetCallFigures(calls_pb2.GetCallFiguresRequest(
            admin_telegram_id=admin)),
        "CallsService.GetFlowForReview": lambda admin: c.GetFlowForReview(calls_pb2.GetFlowForReviewRequest(
            admin_telegram_id=admin, flow_id=o["pending"].id)),
        "CallsService.GetCustomerRecord": lambda admin: c.GetCustomerRecord(calls_pb2.GetCustomerRecordRequest(
            admin_telegram_id=admin, customer_id=o["customer"])),
        "WalletService.GetWalletFigures": lambda admin: w.GetWalletFigures(wallet_pb2.GetWalletFiguresRequest(
            admin_telegram_id=admin)),
        "CallsService.ListCallerIds": lambda admin: c.ListCallerIds(calls_pb2.ListCallerIdsRequest(
            admin_telegram_id=admin, include_disabled=True)),
        "CallsService.SyncCallerIds": lambda admin: c.SyncCallerIds(calls_pb2.SyncCallerIdsRequest(
            idempotency_key=key("sync"), admin_telegram_id=admin)),
        "CallsService.SetCallerIdEnabled": lambda admin: c.SetCallerIdEnabled(calls_pb2.SetCallerIdEnabledRequest(
            idempotency_key=key("caller"), admin_telegram_id=admin, number="+14155550100", enabled=False)),
        "CallsService.SetCustomerLimits": lambda admin: c.SetCustomerLimits(calls_pb2.SetCustomerLimitsRequest(
            idempotency_key=key("limits"), admin_telegram_id=admin, limits=calls_pb2.CustomerLimits(
                customer_id=o["customer"], max_concurrent_calls=1, calls_per_hour=1, calls_per_day=1,
                suspended=True, suspension_reason="forged"))),
        "CallsService.SetCustomerTrust": lambda admin: c.SetCustomerTrust(calls_pb2.SetCustomerTrustRequest(
            idempotency_key=key("trust"), admin_telegram_id=admin, customer_id=o["customer"],
            tier=calls_pb2.TRUST_TIER_TRUSTED, note="forged")),
        "CallsService.AddDoNotCall": lambda admin: c.AddDoNotCall(calls_pb2.AddDoNotCallRequest(
            idempotency_key=key("dnc"), admin_telegram_id=admin, number="+14155550150", reason="platform-wide")),
        "WalletService.Refund": lambda admin: w.Refund(wallet_pb2.RefundRequest(
            idempotency_key=key("refund"), customer_id=o["customer"], transfer_id=o["charge"].transfer.id,
            amount_cents=100, admin_telegram_id=admin, reason="forged")),
        "WalletService.UpsertPlan": lambda admin: w.UpsertPlan(wallet_pb2.UpsertPlanRequest(
            idempotency_key=key("plan"), admin_telegram_id=admin, plan=o["plan"])),
    }


def admin_rpcs() -> set[str]:
    return {f"{service.name}.{method.name}" for service, method in every_method()
            if "admin_telegram_id" in method.input_type.fields_by_name}


async def test_every_admin_rpc_refuses_a_customer_and_changes_nothing(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(1_000)
    pending_spec = menu_flow()
    pending_spec.graph.nodes[0].text = "Say your password."
    plans = await calls.wallet.stub.ListPlans(wallet_pb2.ListPlansRequest(include_inactive=True))
    plan = plans.plans[0]
    cheap = wallet_pb2.Plan()
    cheap.CopyFrom(plan)
    cheap.price_cents = 1
    o = {"customer": customer, "pending": await calls.flow(customer, pending_spec),
         "charge": await calls.wallet.debit(customer, 300), "plan": cheap}
    requests = admin_requests(calls, o)
    assert set(requests) == admin_rpcs(), "every RPC carrying admin_telegram_id needs a case here"
    for name, request in requests.items():
        for not_admin in (0, 1, -ADMIN_ID, ADMIN_ID + 1):
            error = await refused(request(not_admin))
            assert error.code() == grpc.StatusCode.PERMISSION_DENIED, f"{name} for {not_admin}: {error.code()}"
    flow = await calls.stub.GetFlow(calls_pb2.GetFlowRequest(customer_id=customer, flow_id=o["pending"].id))
    limits = await calls.stub.GetCustomerLimits(calls_pb2.GetCustomerLimitsRequest(customer_id=customer))
    pool = await calls.stub.ListCallerIds(calls_pb2.ListCallerIdsRequest(customer_id=customer))
    dnc = await calls.stub.CheckDoNotCall(calls_pb2.CheckDoNotCallRequest(customer_id=customer,
                                                                          number="+14155550150"))
    after_plans = await calls.wallet.stub.ListPlans(wallet_pb2.ListPlansRequest(include_inactive=True))
    assert flow.status == calls_pb2.FLOW_STATUS_PENDING_REVIEW and not limits.suspended and not dnc.blocked
    assert limits.trust_tier == calls_pb2.TRUST_TIER_NEW and not limits.trust_override
    assert "+14155550100" in {caller.number for caller in pool.caller_ids if caller.enabled}
    assert (await calls.wallet.balance(customer)).available_cents == 700
    assert next(p for p in after_plans.plans if p.code == plan.code).price_cents == plan.price_cents
    # A customer's own do-not-call list needs no admin.
    await calls.stub.AddDoNotCall(calls_pb2.AddDoNotCallRequest(idempotency_key=calls.key("own"),
                                                                customer_id=customer, number="+14155550151"))


# ---- the bot: forged buttons ---------------------------------------------------------------------

async def wait_for_refusal(person: Person, data: str, fragment: str) -> None:
    """Forges `data` on a fresh main menu (a refusal edits the pressed message) and waits for it."""
    await person.say("/menu")
    await person.wait_for(lambda m: m is person.messages()[-1] and fragment not in message_text(m)
                          and "Main menu" in message_text(m), what="the main menu")
    before = person.all_text().count(fragment)
    await forge_press(person.bot, person, data)
    await person.wait_for(lambda m: person.all_text().count(fragment) > before, what=f"the refusal of {data}")


async def test_forged_buttons_naming_another_customers_invoice_flow_or_campaign_are_refused(
        bot: BotHarness) -> None:
    """The buttons tests/bot/test_ownership.py does not forge: the invoice check, picking a flow for a
    campaign or a call, the flow's edit and delete screens, pausing and resuming a campaign."""
    owner = await bot.onboarded("Owner Ltd")
    intruder = await bot.onboarded("Intruder Ltd")
    owner_id = await bot.customer_id(owner)
    calls = bot.calls
    await calls.wallet.credit(owner_id, 5_000)
    flow = await calls.flow(owner_id, menu_flow())
    campaign = await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=owner_id, name="Owner's list", flow_id=flow.id,
        list=b"+14155550131\n"))
    invoice = await bot.payments.top_up(owner_id, 2_000)
    for data in (f"inv:{invoice.id}", f"cflow:{flow.id}", f"call:flow:{flow.id}", f"flow:edit:{flow.id}",
                 f"flow:del:{flow.id}", f"camp:pause:{campaign.id}", f"camp:resume:{campaign.id}"):
        await wait_for_refusal(intruder, data, NOT_YOURS)
        assert "Owner" not in intruder.all_text()
    kept = await calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=owner_id, campaign_id=campaign.id))
    assert kept.status == calls_pb2.CAMPAIGN_STATUS_DRAFT


async def test_every_admin_button_is_refused_to_a_customer(bot: BotHarness) -> None:
    customer = await bot.onboarded("Curious Ltd")
    victim = await bot.onboarded("Victim Ltd")
    victim_id = await bot.customer_id(victim)
    await bot.calls.wallet.credit(victim_id, 1_000)
    charge = await bot.calls.wallet.debit(victim_id, 300)
    spec = menu_flow()
    spec.graph.nodes[0].text = "Enter your PIN."
    pending = await bot.calls.flow(victim_id, spec)
    forged = ["adm", "adm:reviews", f"adm:ok:{pending.id}", f"adm:no:{pending.id}", "adm:lookup", "adm:plans",
              f"admks:{victim_id}:on", f"admrf:{victim_id}:{charge.transfer.id}", "admpl:elite_7",
              "admrv:q", f"admrv:o:{pending.id}", f"admrv:A:{pending.id}", f"admrv:r:{pending.id}",
              f"admrv:R:{pending.id}", "admcu", f"admcu:v:{victim_id}", f"admks:{victim_id}:on:y",
              f"admtr:{victim_id}:t:y", "admlog", f"admlog:c:{victim_id}"]
    for data in forged:
        await wait_for_refusal(customer, data, NOT_ALLOWED)
    # Had a forged lookup or refund put the chat in an admin state, this text would act on it.
    await customer.say(victim_id)
    await customer.say("3.00")
    limits = await bot.calls.stub.GetCustomerLimits(calls_pb2.GetCustomerLimitsRequest(customer_id=victim_id))
    flow = await bot.calls.stub.GetFlow(calls_pb2.GetFlowRequest(customer_id=victim_id, flow_id=pending.id))
    assert not limits.suspended and flow.status == calls_pb2.FLOW_STATUS_PENDING_REVIEW
    assert (await bot.calls.wallet.balance(victim_id)).available_cents == 700
    assert "Victim" not in customer.all_text()
