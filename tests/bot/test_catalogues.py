"""The bot's gettext catalogues: complete, consistent with English, and covering every id the code uses.

English is the source catalogue. Every other language must hold exactly the same ids, each translated,
with the same `str.format` names, so that `Words` never falls back or fails on a value. Chinese and
Hindi must not leave English words behind, apart from a small list of technical tokens.
"""

from __future__ import annotations

import logging
import re
import string
from pathlib import Path

import pytest

from services.bot.audit import ACTIONS
from services.bot.call_texts import ADMISSION_REFUSAL_IDS, COST_BASIS_IDS
from services.bot.campaign_retry_choices import OUTCOME_IDS
from services.bot.flow_drafts import CALL_LANGUAGES
from services.bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, Words, catalogue, plural_catalogue
from services.bot.screens.calling import MONEY_REFUSALS, WAY_OUT_LABELS
from speechcue.payments.v1 import payments_pb2
from speechcue.wallet.v1 import wallet_pb2

BOT_SOURCES = Path(__file__).resolve().parents[2] / "services" / "bot"
TRANSLATIONS = sorted(language for language in LANGUAGES if language != DEFAULT_LANGUAGE)
# Latin-letter tokens a Chinese or Hindi message may keep: the brand, technical formats and examples.
# Runs of one or two letters (HH, MM, DD, MB) are not checked, so they need no entry here.
ALLOWED_LATIN = ("America/New_York", "Europe/Berlin", "Speechcue", "/start", "/menu", "cus_", "YYYY", "IVR", "CSV",
                 "TXT")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
CODE_ID = re.compile(r'words\("([a-z_.A-Z0-9]+)"')
# Ids the code builds at run time (f-strings, lookup tables, a chosen variable), by family.
DYNAMIC_IDS = (
    ["error.unavailable"]
    + [f"call.status.{name}" for name in ("queued", "ringing", "answered", "ended", "failed")]
    + [f"flow.review.{name}" for name in ("approved", "rejected")]
    + [f"call.recording_{name}" for name in ("on", "off")]
    + [f"wallet.autorenew_{name}" for name in ("on", "off")]
    + [f"admin.review_note_{name}" for name in ("ok", "no")]
    + [f"admin.{name}_customer" for name in ("suspend", "resume")]
    + [f"audit.action.{name}" for name in ACTIONS]
    + [f"admin.trust.set_{choice}" for choice in ("t", "n", "a")]
    + [f"reminder.{name}" for name in ("plan_expiring", "plan_renews")]
    + [f"help.{name}" for name in ("how", "prices", "rules", "contact")]
    + [f"flow.ask_text.{name}" for name in ("msg", "menu", "digits", "end")]
    + [f"flow.language.{name}" for name in CALL_LANGUAGES]
    + list(OUTCOME_IDS.values())
    + [f"results.filter.{name}" for name in ("all", "ok", "vm", "fail", "keys")]
    + [f"sentiment.{name}" for name in ("positive", "negative", "neutral")]
    + [f"campaign.status.{name}" for name in ("draft", "scheduled", "running", "paused", "completed", "cancelled")]
    + [f"transfer.{name}" for name in wallet_pb2.TransferKind.keys()]
    + [f"invoice.{name}" for name in payments_pb2.InvoiceStatus.keys()]
    + list(COST_BASIS_IDS.values()) + list(ADMISSION_REFUSAL_IDS.values())
    + [text_id for text_id, _ in MONEY_REFUSALS.values()] + list(WAY_OUT_LABELS.values())
)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def literal_text(template: str) -> str:
    """The message without its `{placeholder}` fields."""
    return " ".join(text for text, _, _, _ in string.Formatter().parse(template))


def code_message_ids() -> set[str]:
    found: set[str] = set()
    for source in sorted(BOT_SOURCES.rglob("*.py")):
        found.update(CODE_ID.findall(source.read_text(encoding="utf-8")))
    return found


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_catalogue_loads_with_exactly_the_english_ids(language: str) -> None:
    english = catalogue(DEFAULT_LANGUAGE)
    messages = catalogue(language)

    assert len(english) > 100
    assert sorted(set(english) - set(messages)) == [], f"{language} lacks these ids (or leaves them empty)"
    assert sorted(set(messages) - set(english)) == [], f"{language} has ids English does not"
    assert all(text.strip() for text in messages.values())


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_placeholders_match_english(language: str) -> None:
    english = catalogue(DEFAULT_LANGUAGE)
    messages = catalogue(language)

    mismatches = {message_id: (sorted(placeholders(template)), sorted(placeholders(messages[message_id])))
                  for message_id, template in english.items()
                  if message_id in messages and placeholders(template) != placeholders(messages[message_id])}
    assert mismatches == {}, "id: (English names, translated names)"


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_message_formats_with_its_values(language: str, caplog: pytest.LogCaptureFixture) -> None:
    words = Words(language)
    failures = {}
    with caplog.at_level(logging.ERROR, logger="services.bot.i18n"):
        for message_id, template in catalogue(language).items():
            values = {name: f"<{name}>" for name in placeholders(template)}
            try:
                template.format(**values)
                text = words(message_id, **values)
            except (KeyError, IndexError, ValueError) as error:
                failures[message_id] = repr(error)
                continue
            if not text.strip() or any(f"<{name}>" not in text for name in values):
                failures[message_id] = text
    assert failures == {}
    assert [record.getMessage() for record in caplog.records] == []


@pytest.mark.parametrize("language", ["zh", "hi"])
def test_no_english_words_left_in_chinese_and_hindi(language: str) -> None:
    leftovers = {}
    for message_id, template in catalogue(language).items():
        text = literal_text(template)
        for token in ALLOWED_LATIN:
            text = text.replace(token, " ")
        if words := LATIN_WORD.findall(text):
            leftovers[message_id] = words
    assert leftovers == {}


def test_every_id_the_code_names_is_in_english() -> None:
    used = code_message_ids()
    english = catalogue(DEFAULT_LANGUAGE)

    assert len(used) > 100, "the scan of services/bot found too few words(...) calls"
    assert sorted(used - set(english)) == []


def test_every_id_the_code_builds_is_in_english() -> None:
    english = catalogue(DEFAULT_LANGUAGE)

    assert len(wallet_pb2.TransferKind.keys()) > 1 and len(payments_pb2.InvoiceStatus.keys()) > 1
    assert sorted(set(DYNAMIC_IDS) - set(english)) == []


# ---- plural entries (msgid_plural): a count worded in the language's own forms ----------------

PLURAL_ID = re.compile(r'\.plural\(\s*"([a-z_.A-Z0-9]+)"')


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_plural_entries_have_the_english_ids_every_form_and_the_same_names(language: str) -> None:
    english = plural_catalogue(DEFAULT_LANGUAGE).forms
    plurals = plural_catalogue(language)

    assert len(english) >= 6
    assert sorted(set(english) - set(plurals.forms)) == [], f"{language} lacks these plural ids"
    assert sorted(set(plurals.forms) - set(english)) == [], f"{language} has plural ids English does not"
    wrong = {}
    for message_id, forms in plurals.forms.items():
        names = placeholders(english[message_id][0])
        if len(forms) != plurals.count_of_forms or not all(form.strip() for form in forms):
            wrong[message_id] = forms  # a form left empty, or fewer forms than Plural-Forms says
        elif any(placeholders(form) != names for form in forms) or "count" not in names:
            wrong[message_id] = forms
    assert wrong == {}


@pytest.mark.parametrize(("language", "counts", "expected"), [
    ("en", (1, 2, 0), ("1 step", "2 steps", "0 steps")),
    ("fr", (0, 1, 2), ("0 étape", "1 étape", "2 étapes")),
    ("zh", (1, 2, 0), ("1 个步骤", "2 个步骤", "0 个步骤")),
    ("hi", (1, 2, 0), ("1 चरण", "2 चरण", "0 चरण")),
])
def test_a_count_takes_its_languages_plural_form(language: str, counts: tuple[int, ...],
                                                 expected: tuple[str, ...]) -> None:
    words = Words(language)
    assert tuple(words.plural("count.steps", count) for count in counts) == expected


def test_english_calls_and_minutes_agree_with_their_count() -> None:
    words = Words("en")
    assert [words.plural("count.calls", n) for n in (1, 3)] == ["1 call", "3 calls"]
    assert [words.plural("count.minutes", n) for n in (1, 10)] == ["1 minute", "10 minutes"]
    assert [Words("fr").plural("count.callees", n) for n in (1, 2)] == ["1 personne appelée", "2 personnes appelées"]


@pytest.mark.parametrize("language", ["zh", "hi"])
def test_no_english_words_left_in_chinese_and_hindi_plurals(language: str) -> None:
    leftovers = {message_id: found for message_id, forms in plural_catalogue(language).forms.items()
                 if (found := [w for form in forms for w in LATIN_WORD.findall(literal_text(form))])}
    assert leftovers == {}


def test_every_plural_id_the_code_names_is_in_english() -> None:
    used: set[str] = set()
    for source in sorted(BOT_SOURCES.rglob("*.py")):
        used.update(PLURAL_ID.findall(source.read_text(encoding="utf-8")))
    assert sorted(used - set(plural_catalogue(DEFAULT_LANGUAGE).forms)) == []


def test_the_suspension_notice_counts_in_each_languages_plural_forms() -> None:
    def notice(language: str, campaigns: int, calls: int) -> str:
        words = Words(language)
        return words("account.suspended", campaigns=words.plural("count.campaigns_paused", campaigns),
                     calls=words.plural("count.calls_stopped", calls))

    assert "1 campaign was paused and 2 calls were stopped or cancelled" in notice("en", 1, 2)
    assert "0 campagne a été mise en pause et 1 appel a été arrêté ou annulé" in notice("fr", 0, 1)
    assert "已暂停 2 个活动，已停止或取消 1 个通话" in notice("zh", 2, 1)
    assert "1 अभियान रोका गया और 3 कॉल बंद या रद्द की गईं" in notice("hi", 1, 3)


@pytest.mark.parametrize(("language", "one", "two"), [
    ("en", "🧩 Desk: 1 step, 1 open end", "🧩 Desk: 2 steps, 2 open ends"),
    ("fr", "🧩 Desk : 1 étape, 1 sortie à compléter", "🧩 Desk : 2 étapes, 2 sorties à compléter"),
    ("zh", "🧩 Desk：1 个步骤，1 个待完成的分支", "🧩 Desk：2 个步骤，2 个待完成的分支"),
    ("hi", "🧩 Desk: 1 चरण, 1 अधूरा रास्ता", "🧩 Desk: 2 चरण, 2 अधूरे रास्ते"),
])
def test_the_wizards_progress_counts_steps_in_the_languages_forms(language: str, one: str, two: str) -> None:
    from services.bot.screens.flows import progress_line

    words = Words(language)
    assert progress_line(words, {"name": "Desk", "nodes": [{}], "open": [[]]}) == one
    assert progress_line(words, {"name": "Desk", "nodes": [{}, {}], "open": [[], []]}) == two


def test_the_campaign_reminder_counts_its_numbers_in_the_languages_forms() -> None:
    def reminder(language: str, count: int) -> str:
        words = Words(language)
        return words("campaign.reminder", name="A", start="8:00", callees=words.plural("count.numbers", count))

    assert reminder("en", 1).endswith("(1 number).") and reminder("en", 3).endswith("(3 numbers).")
    assert reminder("fr", 1).endswith("(1 numéro).") and reminder("fr", 2).endswith("(2 numéros).")
