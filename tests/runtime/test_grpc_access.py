"""Who may call which method (services/runtime/callers.py and each service's access.py), without a
server: the tables match what each caller's code calls, every tick reaches its own RPC and nothing
else, admin RPCs are the bot's alone, and tokens and digests are refused outside development and test
when they are missing, malformed or the published development ones.

The same rules against running services: tests/reliability/test_caller_access.py."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

import grpc
import pytest
from google.protobuf.descriptor import ServiceDescriptor

from cronjobs.schedule import TICKS
from services.bot.access import BOT_ACCESS
from services.calls.access import CALLS_ACCESS
from services.payments.access import PAYMENTS_ACCESS
from services.runtime.callers import (
    ADMIN_FIELD,
    BOT,
    CALLS,
    HARNESS,
    IDENTITIES,
    PAYMENTS,
    AccessTable,
    CallerConfigurationError,
    accepted_callers,
    access_table,
    development_token,
    identify,
    own_token,
    parse_digests,
    tick_identity,
    token_digest,
)
from services.runtime.grpc_interceptor import ServiceInterceptor, _MethodMetrics
from services.wallet.access import WALLET_ACCESS
from speechcue.bot.v1 import bot_pb2
from speechcue.calls.v1 import calls_pb2
from speechcue.payments.v1 import payments_pb2
from speechcue.wallet.v1 import wallet_pb2

ROOT = Path(__file__).resolve().parents[2]
SERVICES: dict[str, tuple[ServiceDescriptor, AccessTable]] = {
    "wallet": (wallet_pb2.DESCRIPTOR.services_by_name["WalletService"], WALLET_ACCESS),
    "calls": (calls_pb2.DESCRIPTOR.services_by_name["CallsService"], CALLS_ACCESS),
    "payments": (payments_pb2.DESCRIPTOR.services_by_name["PaymentsService"], PAYMENTS_ACCESS),
    "bot": (bot_pb2.DESCRIPTOR.services_by_name["BotService"], BOT_ACCESS),
}
WALLET = SERVICES["wallet"][0]


def methods_called_by(caller: str) -> dict[str, set[str]]:
    """What a service's code calls on each other service: `<receiver ending in wallet>.GetBalance`,
    e.g. `turn.services.wallet.GetBalance(...)` or `self._wallet.PlaceHold(...)`."""
    called: dict[str, set[str]] = {}
    for path in (ROOT / "services" / caller).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Attribute):
                continue
            receiver = ast.unparse(node.value).rsplit(".", 1)[-1].lstrip("_")
            for target, (service, _) in SERVICES.items():
                if target != caller and receiver.startswith(target) and node.attr in service.methods_by_name:
                    called.setdefault(target, set()).add(node.attr)
    return called


@pytest.mark.parametrize("caller", [BOT, CALLS, PAYMENTS, "wallet"])
def test_each_service_may_call_exactly_the_methods_its_code_calls(caller: str) -> None:
    called = methods_called_by(caller)
    for target, (_, table) in SERVICES.items():
        if target == caller:
            continue
        allowed = set(table.allowed.get(caller, ()))
        assert called.get(target, set()) == allowed, (
            f"{caller} calls {target} {sorted(called.get(target, set()) - allowed)} outside its table, and its "
            f"table allows {sorted(allowed - called.get(target, set()))} it never calls")


def test_the_walk_finds_the_calls_it_must() -> None:
    """The control: the walk above sees the calls the tables are about."""
    assert {"PlaceHold", "SettleCalls"} <= methods_called_by(CALLS)["wallet"]
    assert "Credit" in methods_called_by(PAYMENTS)["wallet"]
    assert "GetBalance" in methods_called_by(BOT)["wallet"]


@pytest.mark.parametrize("tick", TICKS, ids=[tick.name for tick in TICKS])
def test_each_tick_may_call_its_own_rpc_and_no_other_service(tick: object) -> None:
    identity = tick_identity(tick.name)  # type: ignore[attr-defined]
    for name, (_, table) in SERVICES.items():
        allowed = table.allowed.get(identity, frozenset())
        if name == tick.service:  # type: ignore[attr-defined]
            assert tick.rpc in allowed  # type: ignore[attr-defined]
            assert allowed <= {tick.rpc, "CheckLedger"}  # type: ignore[attr-defined]
        else:
            assert not allowed


def test_every_identity_in_a_table_is_a_service_or_a_tick() -> None:
    assert IDENTITIES == {BOT, CALLS, PAYMENTS} | {tick_identity(tick.name) for tick in TICKS}
    for _, table in SERVICES.values():
        assert table.identities <= IDENTITIES, table.identities - IDENTITIES


def test_admin_rpcs_are_allowed_to_the_bot_alone() -> None:
    admin_rpcs = 0
    for service, table in SERVICES.values():
        for method in service.methods:
            if ADMIN_FIELD in method.input_type.fields_by_name:
                admin_rpcs += 1
                assert {identity for identity in table.identities if table.may_call(identity, method.name)} == {BOT}
    assert admin_rpcs >= 14


def test_a_table_refuses_an_admin_rpc_for_anyone_but_the_bot() -> None:
    with pytest.raises(ValueError, match="Refund of WalletService are admin RPCs: only the bot"):
        access_table(WALLET, {CALLS: {"PlaceHold", "Refund"}})
    assert access_table(WALLET, {BOT: {"Refund"}}).may_call(BOT, "Refund")


def test_a_table_refuses_a_method_the_service_does_not_have() -> None:
    with pytest.raises(ValueError, match="WalletService has no method Steal"):
        access_table(WALLET, {PAYMENTS: {"Credit", "Steal"}})


def test_only_payments_may_credit_a_wallet() -> None:
    assert [identity for identity in sorted(WALLET_ACCESS.identities) if WALLET_ACCESS.may_call(identity, "Credit")] \
        == [PAYMENTS]
    assert not WALLET_ACCESS.may_call(BOT, "Credit") and not WALLET_ACCESS.may_call(CALLS, "Credit")
    assert not WALLET_ACCESS.may_call(HARNESS, "Credit")  # the harness is let through by the interceptor, in tests


# ---- tokens -------------------------------------------------------------------------------------

DIGESTS = {BOT: token_digest("bot-secret"), CALLS: token_digest("calls-secret")}


@pytest.mark.parametrize(("authorization", "identity"), [
    ("Bearer bot-secret", BOT),
    ("Bearer calls-secret", CALLS),
    ("Bearer bot-secretx", None),
    ("Bearer ", None),
    ("", None),
    ("bot-secret", None),
    ("bearer bot-secret", None),
    ("Basic bot-secret", None),
    ("Bearer payments-secret", None),
])
def test_the_caller_is_found_from_its_token(authorization: str, identity: str | None) -> None:
    assert identify(authorization, DIGESTS) == identity


def test_digests_are_read_from_identity_equals_hex() -> None:
    text = f"bot={hashlib.sha256(b'bot-secret').hexdigest()}, calls={hashlib.sha256(b'calls-secret').hexdigest()},"
    assert parse_digests(text) == DIGESTS
    assert parse_digests("") == {}


@pytest.mark.parametrize("text", ["bot", "bot=", "=ab" * 32, "bot=xyz", f"bot={'ab' * 31}", "bot:" + "ab" * 32])
def test_a_malformed_digest_is_refused_naming_the_variable(text: str) -> None:
    with pytest.raises(CallerConfigurationError, match="SPEECHCUE_CALLER_TOKEN_HASHES") as caught:
        parse_digests(text)
    assert "ab" * 32 not in str(caught.value)


def test_development_and_test_need_no_configuration() -> None:
    for environment in ("development", "test"):
        accepted = accepted_callers(configured="", environment=environment)
        assert accepted == {identity: token_digest(development_token(identity)) for identity in {*IDENTITIES, HARNESS}}
        assert {BOT, CALLS, PAYMENTS, "tick-billing", "tick-retention"} <= accepted.keys()
        assert own_token(identity=CALLS, configured="", environment=environment) == "local-caller-token-calls"


def test_production_refuses_missing_harness_and_published_callers() -> None:
    with pytest.raises(CallerConfigurationError, match="SPEECHCUE_CALLER_TOKEN_HASHES is not set"):
        accepted_callers(configured="", environment="production")
    harness = f"{HARNESS}={token_digest('anything').hex()}"
    with pytest.raises(CallerConfigurationError, match="names 'harness', which is not a caller"):
        accepted_callers(configured=harness, environment="staging")
    with pytest.raises(CallerConfigurationError, match="names 'tick-biling', which is not a caller"):
        accepted_callers(configured=f"tick-biling={token_digest('x').hex()}", environment="production")
    published = f"bot={token_digest('bot-secret').hex()},calls={token_digest(development_token(CALLS)).hex()}"
    with pytest.raises(CallerConfigurationError, match="the token of calls is the one published"):
        accepted_callers(configured=published, environment="production")
    own = f"bot={token_digest('bot-secret').hex()},calls={token_digest('calls-secret').hex()}"
    assert accepted_callers(configured=own, environment="production") == DIGESTS


def test_production_refuses_a_missing_or_published_own_token() -> None:
    with pytest.raises(CallerConfigurationError, match="SPEECHCUE_CALLER_TOKEN is not set"):
        own_token(identity=BOT, configured="", environment="production")
    with pytest.raises(CallerConfigurationError, match="published for local development"):
        own_token(identity=BOT, configured=development_token(BOT), environment="production")
    assert own_token(identity=BOT, configured="bot-secret", environment="production") == "bot-secret"


# ---- the interceptor's decision -----------------------------------------------------------------

def decision(interceptor: ServiceInterceptor, authorization: str, method: str,
             service: str = WALLET_ACCESS.service) -> grpc.StatusCode | None:
    refusal = interceptor._refusal(authorization, _MethodMetrics(service, method))
    return None if refusal is None else refusal.code


def test_the_interceptor_answers_a_caller_only_what_the_table_gives_it() -> None:
    interceptor = ServiceInterceptor(callers=DIGESTS, access=[WALLET_ACCESS], error_domain="speechcue.wallet")
    assert decision(interceptor, "Bearer bot-secret", "GetBalance") is None
    assert decision(interceptor, "Bearer bot-secret", "Credit") == grpc.StatusCode.PERMISSION_DENIED
    assert decision(interceptor, "Bearer calls-secret", "PlaceHold") is None
    assert decision(interceptor, "Bearer calls-secret", "Refund") == grpc.StatusCode.PERMISSION_DENIED
    assert decision(interceptor, "Bearer nobody", "GetBalance") == grpc.StatusCode.UNAUTHENTICATED
    # A service it has no table for is refused to everyone (fail closed).
    assert decision(interceptor, "Bearer bot-secret", "GetBalance", "speechcue.other.v1.Other") == \
        grpc.StatusCode.PERMISSION_DENIED


def test_the_harness_may_call_anything_only_where_development_or_test_lets_it() -> None:
    callers = {**DIGESTS, HARNESS: token_digest(development_token(HARNESS))}
    harness = f"Bearer {development_token(HARNESS)}"
    for allowed, expected in ((True, None), (False, grpc.StatusCode.PERMISSION_DENIED)):
        interceptor = ServiceInterceptor(callers=callers, access=[WALLET_ACCESS], error_domain="speechcue.wallet",
                                         harness_allowed=allowed)
        assert decision(interceptor, harness, "Credit") == expected
        assert decision(interceptor, harness, "Debit") == expected
