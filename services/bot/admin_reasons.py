"""The calls service's reasons, in the admin's language: why a flow waits for review, and why a
customer has the trust tier they have.

Why read sentences: the calls service stores each review reason as the English sentence an admin
used to read (`flows.review_reasons`, services/calls/review_policy.py) and answers a tier's reason
the same way (`CustomerLimits.trust_reason`). Rather than change what the calls service stores, the
bot reads the handful of shapes those sentences take and words each in the catalogues. What a
customer typed (a term, the words around it, a step's id, a transfer number) is kept as it is.
tests/bot/test_admin_reasons.py feeds this the calls service's own sentences, so a new shape there
fails a test here instead of reaching an admin in English. A sentence of no known shape is shown as
it came, which is better than hiding why a flow waits.

Worked examples (English): "can collect up to 6 keys in a row: n1 → n2" → "Can collect keys in a
row, up to 6: n1 → n2"; "new: $3.20 of $10.00 paid calls settled" → "$3.20 of $10.00 in paid calls
settled".
"""

from __future__ import annotations

import re

from services.bot.i18n import Words
from speechcue.calls.v1 import calls_pb2

TIER_IDS = {calls_pb2.TRUST_TIER_NEW: "admin.tier.new", calls_pb2.TRUST_TIER_TRUSTED: "admin.tier.trusted"}
# services/calls/text_screening.py CATEGORIES and LANGUAGES, as the sentences name them.
CATEGORY_IDS = {
    "one-time codes, passwords and PINs": "admin.why.category.secrets",
    "card, account and identity numbers": "admin.why.category.numbers",
    "remote-access apps": "admin.why.category.remote",
    "banks and payment apps": "admin.why.category.banks",
    "crypto exchanges and wallets": "admin.why.category.crypto",
    "tax and government agencies": "admin.why.category.government",
    "parcel carriers": "admin.why.category.carriers",
    "big-tech brands": "admin.why.category.brands",
}
LIST_LANGUAGE_IDS = {"English": "admin.why.list.en", "Chinese": "admin.why.list.zh", "French": "admin.why.list.fr",
                     "Hindi": "admin.why.list.hi", "Spanish": "admin.why.list.es", "German": "admin.why.list.de"}
# services/calls/flow_specs.py: where a screened text stands.
PLACE_IDS = {"flow name": "admin.why.place.flow_name", "business name": "admin.why.place.business_name",
             "voicemail message": "admin.why.place.voicemail", "AI task": "admin.why.place.ai_task"}

_KEYS_LOOP = re.compile(r"can collect any number of keys in a row \(loop (?P<path>.*)\)", re.S)
_KEYS = re.compile(r"can collect up to (?P<count>\d+) keys? in a row: (?P<path>.*)", re.S)
_TERM = re.compile(r"(?P<where>.*?) mentions '(?P<term>.*?)' \((?P<category>[^;()]*); (?P<language>\w+) list\): "
                   r"“(?P<excerpt>.*)”", re.S)
_STEP = re.compile(r"step '(?P<step>.*)'", re.S)
_AI_NEW = "is an AI script from a new customer: a person reads every AI task of a new customer"
_TRANSFER = re.compile(r"step '(?P<step>.*?)' transfers the call to (?P<number>.*): a person checks every transfer "
                       r"of a new customer", re.S)
_DIGITS = re.compile(r"step '(?P<step>.*?)' lets the callee type up to (?P<count>\d+) digits?: .*", re.S)
_PAID = re.compile(r"\$(?P<paid>\d+\.\d\d) of \$(?P<needed>\d+\.\d\d) paid calls settled")
_YOUNG = re.compile(r"first paid call less than (?P<days>\d+) days ago")
_TRUSTED = re.compile(r"trusted: .* for (?P<days>\d+) days or more")
_NO_REVIEW = "no flow of theirs has been reviewed and approved by an admin"


def review_reason_text(words: Words, reason: str) -> str:
    """One reason a flow waits for review, in `words`' language."""
    if match := _KEYS_LOOP.fullmatch(reason):
        return words("admin.why.keys_loop", path=match["path"])
    if match := _KEYS.fullmatch(reason):
        return words.plural("admin.why.keys", int(match["count"]), path=match["path"])
    if reason == _AI_NEW:
        return words("admin.why.ai_new")
    if match := _TRANSFER.fullmatch(reason):
        number = words("admin.why.some_number") if match["number"] == "a number" else match["number"]
        return words("admin.why.transfer", step=match["step"], number=number)
    if match := _DIGITS.fullmatch(reason):
        return words.plural("admin.why.digits", int(match["count"]), step=match["step"])
    if (match := _TERM.fullmatch(reason)) and match["category"] in CATEGORY_IDS \
            and match["language"] in LIST_LANGUAGE_IDS:
        return words("admin.why.term", where=_place(words, match["where"]), term=match["term"],
                     category=words(CATEGORY_IDS[match["category"]]),
                     list=words(LIST_LANGUAGE_IDS[match["language"]]), excerpt=match["excerpt"])
    return reason


def _place(words: Words, where: str) -> str:
    if where in PLACE_IDS:
        return words(PLACE_IDS[where])
    if match := _STEP.fullmatch(where):
        return words("admin.why.place.step", step=match["step"])
    return where


def trust_text(words: Words, limits: calls_pb2.CustomerLimits) -> str:
    """The tier in force and why, e.g. "new (no flow reviewed yet; $3.20 of $10.00 in paid calls settled)"."""
    tier_id = TIER_IDS.get(limits.trust_tier)
    if tier_id is None:
        return "—"
    why = trust_reason_text(words, limits)
    return words("admin.tier.shown", tier=words(tier_id), reason=why) if why else words(tier_id)


def trust_reason_text(words: Words, limits: calls_pb2.CustomerLimits) -> str:
    reason = limits.trust_reason
    if limits.suspended or reason.startswith("suspended:"):
        return words("admin.tier.why_suspended")
    if limits.trust_override or reason.startswith("set to "):
        return words("admin.tier.why_admin")
    if match := _TRUSTED.fullmatch(reason):
        return words.plural("admin.tier.why_trusted", int(match["days"]))
    parts = []
    for part in reason.removeprefix("new: ").split("; ") if reason.startswith("new: ") else ():
        if part == _NO_REVIEW:
            parts.append(words("admin.tier.why_no_review"))
        elif match := _PAID.fullmatch(part):
            parts.append(words("admin.tier.why_paid", paid=words.money(_cents(match["paid"])),
                               needed=words.money(_cents(match["needed"]))))
        elif match := _YOUNG.fullmatch(part):
            parts.append(words.plural("admin.tier.why_young", int(match["days"])))
        else:
            parts.append(part)
    return words("admin.tier.separator").join(parts)


def _cents(dollars: str) -> int:
    whole, cents = dollars.split(".")
    return int(whole) * 100 + int(cents)
