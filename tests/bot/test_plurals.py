"""A count in the bot's words always takes its language's plural form: "1 number", "2 numbers".

A message that carries a count is a plural entry (`msgid_plural`, read by `words.plural(id, count)`), never a
plain entry that reads "1 numbers cannot be called" in English or "1 numéros" in French. The rule the
catalogue keeps, read from the English source catalogue (whose entry kind every language shares):

- `{count}` (and `{n}`) belong to plural entries only, in the catalogues and in the code's `words(...)` calls;
- in a plain entry, no placeholder stands right before a counted noun ("{lines} lines", "{reasons} reasons"):
  such a value is worded by a plural entry of its own (`count.lines`, `count.reasons`) and passed in whole.
  The exceptions are placeholders that never hold a count of 1 or name no count (`NOT_COUNTS`).

Then each language's forms are checked for 0, 1, 2 and 5: English 1 takes the singular; French and Hindi
(CLDR "one": i = 0 or n = 1, gettext `plural=(n > 1)`) 0 and 1; Chinese has one form.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, Words, catalogue, plural_catalogue

BOT_SOURCES = Path(__file__).resolve().parents[2] / "services" / "bot"
COUNT_NAMES = ("count", "n")
# Placeholders that may stand before a counted noun in a plain entry, and why.
NOT_COUNTS = {
    "max": "a fixed limit set in the code (characters, steps), never 1",
    "country": "a country's name (\"{country} numbers\")",
}
COUNTED_NOUNS = re.compile(
    r"\{(\w+)\} (?:numbers?|lines?|customers?|calls?|callees?|campaigns?|steps?|days?|hours?|minutes?|weeks?|"
    r"months?|reasons?|keys?|digits?|duplicates?|flows?|plans?|times|characters?|entry|entries|results?|"
    r"invoices?|users?|people|messages?|choices?|open ends?|caller IDs?)\b")
PLAIN_CALL_WITH_COUNT = re.compile(r"""(?<![.\w])words\(\s*["']([\w.]+)["'][^()]*?\bcount=""")
CODE_ID = re.compile(r"""(?<![.\w])words\(\s*["']([\w.]+)["']""")
SINGULAR_COUNTS = {"en": {1}, "fr": {0, 1}, "hi": {0, 1}, "zh": {0, 1, 2, 5}}


def placeholders(template: str) -> set[str]:
    return set(re.findall(r"\{(\w+)", template))


def test_no_plain_message_carries_a_count() -> None:
    counts = {message_id: sorted(placeholders(text) & set(COUNT_NAMES))
              for message_id, text in catalogue(DEFAULT_LANGUAGE).items() if placeholders(text) & set(COUNT_NAMES)}
    before_a_noun = {message_id: found for message_id, text in catalogue(DEFAULT_LANGUAGE).items()
                     if (found := sorted(set(COUNTED_NOUNS.findall(text)) - set(NOT_COUNTS)))}
    assert counts == {}, "a {count} in a plain entry: make it a plural entry (msgid_plural) read by words.plural"
    assert before_a_noun == {}, "a number before a counted noun: word the count with a plural entry"


def test_the_rule_catches_the_messages_it_was_written_for() -> None:
    assert COUNTED_NOUNS.findall("{count} numbers cannot be called") == ["count"]
    assert COUNTED_NOUNS.findall("📋 List read: {lines} lines, {accepted} numbers to call.") == ["lines", "accepted"]
    assert COUNTED_NOUNS.findall("waiting since {since} · {reasons} reasons") == ["reasons"]
    assert COUNTED_NOUNS.findall("📋 List read: {lines}, {accepted}.") == []
    assert COUNTED_NOUNS.findall("A {minutes}-minute reminder") == []


def test_the_code_passes_counts_only_to_plural_entries() -> None:
    plain_with_count, plural_read_plainly = {}, {}
    plural_ids = set(plural_catalogue(DEFAULT_LANGUAGE).forms)
    for source in sorted(BOT_SOURCES.rglob("*.py")):
        text = source.read_text(encoding="utf-8")
        if found := PLAIN_CALL_WITH_COUNT.findall(text):
            plain_with_count[source.name] = found
        if found := sorted(set(CODE_ID.findall(text)) & plural_ids):
            plural_read_plainly[source.name] = found
    assert plain_with_count == {}, 'words("id", count=…): use words.plural("id", count)'
    assert plural_read_plainly == {}, 'a plural entry read with words("id"): use words.plural("id", count)'


@pytest.mark.parametrize(("language", "rule"), [("en", "(n != 1)"), ("fr", "(n > 1)"), ("hi", "(n > 1)"),
                                                ("zh", "0")])
def test_each_catalogue_says_its_languages_plural_rule(language: str, rule: str) -> None:
    header = (BOT_SOURCES / "locales" / language / "LC_MESSAGES" / "bot.po").read_text(encoding="utf-8")[:2000]
    assert f"plural={rule};" in header
    plurals = plural_catalogue(language)
    assert {n for n in (0, 1, 2, 5) if plurals.rule(n) == 0} == SINGULAR_COUNTS[language]


# Each id's (singular, plural) forms as the reader should see them; Chinese has one form.
FORMS: dict[str, dict[str, tuple[str, ...]]] = {
    "campaign.refused": {
        "en": ("{n} number cannot be called and was left out: +1 212",
               "{n} numbers cannot be called and were left out: +1 212"),
        "fr": ("{n} numéro ne peut pas être appelé et a été écarté : +1 212",
               "{n} numéros ne peuvent pas être appelés et ont été écartés : +1 212"),
        "hi": ("{n} नंबर पर कॉल नहीं की जा सकती, उसे छोड़ दिया गया: +1 212",
               "{n} नंबरों पर कॉल नहीं की जा सकती, उन्हें छोड़ दिया गया: +1 212"),
        "zh": ("{n} 个号码不能呼叫，已被剔除：+1 212",)},
    "admin.cids_synced": {
        "en": ("🔄 Synced from Retell: {n} number in use.", "🔄 Synced from Retell: {n} numbers in use."),
        "fr": ("🔄 Synchronisé depuis Retell : {n} numéro en service.",
               "🔄 Synchronisé depuis Retell : {n} numéros en service."),
        "hi": ("🔄 कॉल सेवा प्रदाता से सिंक हुआ: {n} नंबर उपयोग में।",),
        "zh": ("🔄 已从通话服务商同步：{n} 个号码在使用中。",)},
    "admin.resume.resumed": {
        "en": ("▶️ {n} campaign resumed.", "▶️ {n} campaigns resumed."),
        "fr": ("▶️ {n} campagne relancée.", "▶️ {n} campagnes relancées."),
        "hi": ("▶️ {n} अभियान फिर शुरू हुआ।", "▶️ {n} अभियान फिर शुरू हुए।"),
        "zh": ("▶️ 已恢复 {n} 个活动。",)},
    "count.lines": {
        "en": ("{n} line", "{n} lines"), "fr": ("{n} ligne", "{n} lignes"),
        "hi": ("{n} पंक्ति", "{n} पंक्तियाँ"), "zh": ("{n} 行",)},
    "campaign.import.duplicates": {
        "en": ("{n} duplicate", "{n} duplicates"), "fr": ("{n} doublon", "{n} doublons"),
        "hi": ("{n} डुप्लिकेट",), "zh": ("{n} 个重复",)},
    "admin.tier.why_young": {
        "en": ("first paid call less than {n} day ago", "first paid call less than {n} days ago"),
        "fr": ("premier appel payant il y a moins de {n} jour", "premier appel payant il y a moins de {n} jours"),
        "hi": ("पहली भुगतान वाली कॉल {n} दिन से कम पहले",),
        "zh": ("首次付费通话距今不足 {n} 天",)},
}


@pytest.mark.parametrize("language", sorted(LANGUAGES))
@pytest.mark.parametrize("message_id", sorted(FORMS))
def test_a_count_reads_right_for_0_1_2_and_5(language: str, message_id: str) -> None:
    words = Words(language)
    singular, plural = (FORMS[message_id][language] * 2)[:2]
    for n in (0, 1, 2, 5):
        expected = (singular if n in SINGULAR_COUNTS[language] else plural).format(n=n)
        extra = {"examples": "+1 212"} if message_id == "campaign.refused" else {}
        assert words.plural(message_id, n, **extra) == expected, (language, n)


@pytest.mark.parametrize(("language", "report"), [
    ("en", "📋 List read: 1 line, 1 number to call.\nDropped: 0 invalid, 2 duplicates, 5 on the do-not-call list."),
    ("fr", "📋 Liste lue : 1 ligne, 1 numéro à appeler.\n"
           "Écartés : 0 invalide, 2 doublons, 5 sur la liste d'opposition."),
    ("hi", "📋 सूची पढ़ ली गई: 1 पंक्ति, कॉल करने के लिए 1 नंबर।\nहटाए गए: 0 अमान्य, 2 डुप्लिकेट, 5 डू-नॉट-कॉल सूची में।"),
    ("zh", "📋 列表已读取：共 1 行，1 个待呼叫号码。\n已剔除：0 个无效、2 个重复、5 个在免打扰名单上。"),
])
def test_the_list_import_report_counts_each_figure_in_its_own_form(language: str, report: str) -> None:
    words = Words(language)
    assert words("campaign.import_report", lines=words.plural("count.lines", 1),
                 accepted=words.plural("campaign.import.accepted", 1),
                 invalid=words.plural("campaign.import.invalid", 0),
                 duplicates=words.plural("campaign.import.duplicates", 2),
                 do_not_call=words.plural("campaign.import.do_not_call", 5)) == report
