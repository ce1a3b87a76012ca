"""The free trial is held for claims that look like a device farm's (issue 14, item 9): the pure rule
with worked cases and Hypothesis, then people claiming it through the bot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import grpc
from hypothesis import given
from hypothesis import strategies as st

from services.bot.trial_screening import FarmRules, FarmSignal, TrialClaim, farm_signal, folded_name
from speechcue.wallet.v1 import wallet_pb2
from tests.bot.conftest import BotHarness, Person

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
RULES = FarmRules()


def claim(user_id: int, name: str = "Acme Dental", *, ago: timedelta = timedelta(0)) -> TrialClaim:
    return TrialClaim(user_id, name, NOW - ago)


# ---- the pure rule ----------------------------------------------------------------------------

def test_a_first_claim_is_granted() -> None:
    assert farm_signal(claim(7_000_100), [], RULES) is None


def test_a_neighbouring_telegram_id_holds_the_claim() -> None:
    assert farm_signal(claim(7_000_100), [claim(7_002_000, "Other Shop", ago=timedelta(days=3))],
                       RULES) is FarmSignal.NEIGHBOUR_IDS
    assert farm_signal(claim(7_000_100), [claim(6_995_100, "Other Shop")], RULES) is FarmSignal.NEIGHBOUR_IDS


def test_distant_ids_and_old_claims_do_not_count() -> None:
    assert farm_signal(claim(7_000_100), [claim(7_900_000, "Other Shop")], RULES) is None
    assert farm_signal(claim(7_000_100), [claim(7_000_101, "Other Shop", ago=timedelta(days=8))], RULES) is None
    assert farm_signal(claim(7_000_100), [claim(7_000_100)], RULES) is None  # the claimant's own claim


def test_a_burst_of_claims_holds_the_next() -> None:
    earlier = [claim(10_000_000 * (index + 1), f"Shop {index}", ago=timedelta(minutes=index)) for index in range(20)]
    assert farm_signal(claim(900_000_000, "Late Shop"), earlier, RULES) is FarmSignal.BURST
    assert farm_signal(claim(900_000_000, "Late Shop"), earlier[:19], RULES) is None
    spread = [claim(10_000_000 * (index + 1), f"Shop {index}", ago=timedelta(minutes=5 * index))
              for index in range(20)]
    assert farm_signal(claim(900_000_000, "Late Shop"), spread, RULES) is None  # 12 in the last hour


def test_the_same_name_typed_by_several_claims_holds_the_next() -> None:
    earlier = [claim(100_000_000, "acme dental"), claim(200_000_000, "ACME-DENTAL", ago=timedelta(hours=5))]
    assert farm_signal(claim(300_000_000, "Acme Dental"), earlier, RULES) is FarmSignal.SAME_NAME
    assert farm_signal(claim(300_000_000, "Acme Dental"), earlier[:1], RULES) is None
    yesterday = [claim(100_000_000, "acme dental", ago=timedelta(hours=30)), earlier[1]]
    assert farm_signal(claim(300_000_000, "Acme Dental"), yesterday, RULES) is None


def test_the_settings_loosen_each_signal() -> None:
    loose = FarmRules(neighbour_distance=0, burst_per_hour=1_000, same_name_claims=50)
    earlier = [claim(7_000_101 + index, "Acme Dental") for index in range(30)]
    assert farm_signal(claim(7_000_100), earlier, loose) is None


def test_names_fold_case_spacing_punctuation_and_width() -> None:
    assert folded_name("  ACME-Dental ") == folded_name("acme dental") == folded_name("Ａｃｍｅ Ｄｅｎｔａｌ")
    assert folded_name("...") == ""


@given(user_id=st.integers(1, 10**10), others=st.lists(st.integers(1, 10**10), max_size=15))
def test_held_for_neighbouring_ids_exactly_when_one_is_within_the_distance(user_id: int, others: list[int]) -> None:
    earlier = [claim(other, f"Shop {index}") for index, other in enumerate(others) if other != user_id]
    signal = farm_signal(claim(user_id, "Lone Shop"), earlier, RULES)
    near = any(abs(other.telegram_user_id - user_id) <= RULES.neighbour_distance for other in earlier)
    assert (signal is FarmSignal.NEIGHBOUR_IDS) is near
    if not near:
        assert signal is None  # fewer than 20 claims, all names distinct


# ---- through the bot --------------------------------------------------------------------------

async def claims_the_trial(bot: BotHarness, user_id: int, name: str) -> Person:
    person = bot.person("en", user_id)
    await person.say("/start")
    await person.press("English")
    await person.wait_for_text("What is your name")
    await person.say(name)
    await person.press("I accept")
    await person.press("Start the free trial")
    await person.wait_for_text("Main menu")
    return person


async def has_trial(bot: BotHarness, person: Person) -> bool:
    try:
        subscription = await bot.calls.wallet.stub.GetSubscription(
            wallet_pb2.GetSubscriptionRequest(customer_id=await bot.customer_id(person)))
    except grpc.aio.AioRpcError as error:
        assert error.code() is grpc.StatusCode.NOT_FOUND
        return False
    return subscription.plan.is_trial and subscription.single_minutes_left > 0


async def test_accounts_with_neighbouring_telegram_ids_get_one_trial_the_next_is_held(bot: BotHarness) -> None:
    first = await claims_the_trial(bot, 8_800_000_001, "Bright Smiles Clinic")
    assert "Free trial started" in first.all_text()
    assert await has_trial(bot, first)
    neighbour = await claims_the_trial(bot, 8_800_000_002, "Harbor Plumbing")
    await neighbour.wait_for_text("Your free trial is on hold")
    assert "Free trial started" not in neighbour.all_text()
    assert not await has_trial(bot, neighbour)
    far = await claims_the_trial(bot, 8_900_000_001, "Maple Bakery")
    assert "Free trial started" in far.all_text() and await has_trial(bot, far)
    connection = await asyncpg.connect(bot.database_url)
    try:
        held = await connection.fetch("SELECT telegram_user_id, held_reason FROM trial_claims "
                                      "WHERE telegram_user_id BETWEEN 8800000000 AND 8900000001 ORDER BY 1")
    finally:
        await connection.close()
    assert [(row["telegram_user_id"], row["held_reason"]) for row in held] == [
        (8_800_000_001, ""), (8_800_000_002, "neighbour_ids"), (8_900_000_001, "")]


async def test_the_same_name_typed_by_three_new_accounts_holds_the_third_trial(bot: BotHarness) -> None:
    for offset in (1, 2):
        person = await claims_the_trial(bot, 9_100_000_000 + offset * 1_000_000, "Sunrise Deliveries")
        assert "Free trial started" in person.all_text()
    third = await claims_the_trial(bot, 9_100_000_000 + 3 * 1_000_000, "sunrise  deliveries")
    await third.wait_for_text("Your free trial is on hold")
    assert not await has_trial(bot, third)
