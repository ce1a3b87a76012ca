"""Times in the customer's terms: every time shown is in the customer's timezone, written the way the
chat's language writes dates and times (Babel), and names its zone, so "08:00" is never ambiguous;
onboarding asks the timezone with a suggestion, and Account changes it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from services.bot.formatting import local_time, zone_label
from services.bot.i18n import LANGUAGES, Words
from services.bot.timezones import country_of_zone, likely_zones, read_timezone
from tests.bot.conftest import BotHarness, Person, find_button, message_text
from tests.bot.test_journey import first_line

MOMENT = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(("language", "timezone", "shown"), [
    # CLDR puts a narrow no-break space between an English time and its AM/PM.
    ("en", "Europe/Paris", "Dec 3, 2026, 8:00\u202fAM (Central European Time)"),
    ("fr", "Europe/Paris", "3 déc. 2026, 08:00 (heure d’Europe centrale)"),
    ("zh", "Europe/Paris", "2026年12月3日 08:00（中欧时间）"),
    ("zh", "Asia/Shanghai", "2026年12月3日 15:00（中国时间）"),
    ("fr", "America/New_York", "3 déc. 2026, 02:00 (heure de l’Est nord-américain)"),
    ("hi", "Asia/Kolkata", "3 दिस॰ 2026, 12:30 pm (भारत समय)"),
    ("en", "UTC", "Dec 3, 2026, 7:00\u202fAM (UTC)"),
    ("zh", "UTC", "2026年12月3日 07:00（UTC）"),
])
def test_a_time_is_in_the_customers_zone_and_language_and_names_its_zone(language: str, timezone: str,
                                                                           shown: str) -> None:
    assert local_time(MOMENT, timezone, language) == shown


def test_a_time_of_day_alone_still_names_its_zone() -> None:
    assert local_time(MOMENT, "Europe/Paris", "fr", with_date=False) == "08:00 (heure d’Europe centrale)"
    assert local_time(MOMENT, "Europe/Paris", "zh", with_date=False) == "08:00（中欧时间）"


def test_a_protobuf_timestamp_reads_the_same_and_an_unset_one_is_a_dash() -> None:
    stamp = Timestamp()
    assert local_time(stamp, "Europe/Paris", "fr") == "—"
    stamp.FromDatetime(MOMENT)
    assert local_time(stamp, "Europe/Paris", "fr") == local_time(MOMENT, "Europe/Paris", "fr")
    assert local_time(None, "UTC", "en") == "—"


def test_an_unknown_zone_or_a_fixed_offset_is_still_named() -> None:
    assert zone_label("Mars/Olympus", "en") == "UTC"
    assert zone_label("Etc/GMT+5", "en") == "GMT-05:00"  # POSIX's inverted sign, shown as the offset it is


@pytest.mark.parametrize(("language", "suggested"), [
    ("fr", "Europe/Paris"), ("zh", "Asia/Shanghai"), ("hi", "Asia/Kolkata"),
    ("en", "UTC"),  # spoken everywhere: no one place to guess, its largest zones offered instead
    ("en-GB", "Europe/London"), ("en-US", "America/New_York"), ("pt-br", "America/Sao_Paulo"), ("ja", "Asia/Tokyo"),
    ("xx", "UTC"),
])
def test_the_suggested_zone_follows_the_language(language: str, suggested: str) -> None:
    zones = likely_zones(language)
    assert zones[0] == suggested and "UTC" in zones and len(zones) <= 6


@pytest.mark.parametrize(("typed", "zone"), [
    ("Europe/Berlin", "Europe/Berlin"), ("europe/berlin", "Europe/Berlin"), (" Berlin ", "Europe/Berlin"),
    ("new york", "America/New_York"), ("America/New York", "America/New_York"), ("utc", "UTC"),
    ("巴黎", "Europe/Paris"), ("上海", "Asia/Shanghai"), ("कोलकाता", "Asia/Kolkata"), ("Londres", "Europe/London"),
    ("Mars/Olympus", None), ("", None), ("Europe/" + "x" * 80, None), ("localtime", None),
])
def test_a_typed_zone_is_read_against_zoneinfo(typed: str, zone: str | None) -> None:
    assert read_timezone(typed) == zone


def test_a_zone_gives_the_country_national_numbers_are_read_in() -> None:
    assert [country_of_zone(name) for name in ("Europe/Paris", "America/Chicago", "Asia/Calcutta", "UTC")] == [
        "FR", "US", "IN", ""]


# ---- through the bot --------------------------------------------------------------------------

async def at_the_terms(bot: BotHarness, language: str) -> tuple[Person, Words]:
    words = Words(language)
    person = bot.person(language)
    await person.say("/start")
    await person.press(LANGUAGES[language])
    await person.wait_for_text(first_line(words, "onboarding.ask_name"))
    await person.say("Cabinet Dupont")
    await person.wait_for_button(first_line(words, "onboarding.accept"))
    return person, words


async def account_text(person: Person, words: Words) -> str:
    await person.press(first_line(words, "menu.account"))
    title = first_line(words, "account.title")
    return message_text(await person.wait_for(lambda m: title in (m.get("text") or ""), what="the account"))


async def test_a_french_customer_is_suggested_paris_at_onboarding_and_keeps_it_by_accepting(bot: BotHarness) -> None:
    person, words = await at_the_terms(bot, "fr")
    terms = await person.wait_for_text("Votre fuseau horaire : Europe/Paris (il y est ")
    assert "(heure d’Europe centrale)" in message_text(terms)
    assert find_button(terms, "✓ Paris · heure d’Europe centrale") is not None
    await person.press(first_line(words, "onboarding.accept"))
    await person.press(first_line(words, "onboarding.trial_skip"))
    await person.wait_for_text(first_line(words, "menu.title"))
    assert "Fuseau horaire : Europe/Paris · " in await account_text(person, words)


async def test_a_zone_is_picked_or_typed_at_onboarding_and_an_unknown_one_is_asked_again(bot: BotHarness) -> None:
    person, words = await at_the_terms(bot, "en")
    await person.wait_for_text("Your timezone: UTC (it is ")
    await person.press("Chicago · Central Time")
    await person.wait_for_text("Your timezone: America/Chicago (it is ")
    await person.press("Another zone")
    await person.wait_for_text("Send your timezone's name")
    await person.say("Mars/Olympus")
    await person.wait_for_text("“Mars/Olympus” is not a timezone I know")
    await person.say("Berlin")  # asked again: the question stayed open
    terms = await person.wait_for_text("Your timezone: Europe/Berlin (it is ")
    assert find_button(terms, "✓ Berlin · Central European Time") is not None
    await person.press("I accept")
    await person.press("No, thanks")
    await person.wait_for_text("Main menu")
    assert "Timezone: Europe/Berlin · " in await account_text(person, words)


async def test_account_changes_the_timezone_and_shows_the_time_there_in_the_chats_format(bot: BotHarness) -> None:
    person, words = await at_the_terms(bot, "zh")
    await person.wait_for_text("您的时区：Asia/Shanghai（当地现在是 ")
    await person.press(first_line(words, "onboarding.accept"))
    await person.press(first_line(words, "onboarding.trial_skip"))
    await person.wait_for_text(first_line(words, "menu.title"))
    await person.press(first_line(words, "menu.account"))
    await person.press(first_line(words, "account.change_timezone"))
    await person.press(first_line(words, "tz.other"))
    await person.say("巴黎")
    changed = message_text(await person.wait_for_text("Europe/Paris · "))
    assert "（中欧时间）" in changed
    await person.press(first_line(words, "menu.back"))
    await person.wait_for(lambda m: "时区：Europe/Paris · " in (m.get("text") or ""), what="the account")
