"""Why a flow waits for a person before it may dial, and which customers are trusted. Pure, no I/O.

Why this shape: words alone never held. A list of English words misses 中文, a look-alike letter
("coԁe") and a flow that asks for nothing in words but gathers six keys over two steps. So the
policy starts from what a flow can DO, which no wording changes (key_collection.py), and uses words
(text_screening.py) as a second net. What a new customer's flow may do without a person is narrower
still: a customer nobody has looked at yet gets a single menu choice per call and plain messages;
everything more powerful (AI scripts, transfers, free digit entry) waits until a person has looked.

Everyone's flow waits when:
- a path can gather more than one key in a row ("can collect up to 6 keys in a row: n1 → n2 → n3");
- a text hits the term lists (codes, passwords, banks, agencies, brands ...), with where it stands.
A new customer's flow also waits when it:
- is an AI script (its words are free text the callee hears, decided at call time);
- has a transfer step (a transfer can bill a premium line or hand the callee to a fraudster);
- collects digits in a collect step at all (free entry, not a choice among announced options).

A customer is trusted only when ALL of these hold (TrustFacts), else new:
- an admin approved at least one of their flows that had waited for review: a person has looked
  at this customer and what they call about;
- at least $10 of their calls are settled and paid: fraud runs on stolen or throw-away money and
  disappears before paying much; $10 is about 100 minutes at list price;
- their first paid call is at least 7 days old: a fraud campaign is burst-shaped, a business is not;
- they are not suspended.
An admin's override (trusted or new), stored per customer, wins over the computed tier, except that
a suspended customer is never trusted: suspension is the stronger act.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from services.calls.flow_rules import FlowGraph, NodeKind
from services.calls.key_collection import longest_key_run
from services.calls.text_screening import LabeledText, screen_texts

TRUSTED_MIN_PAID_CENTS = 1_000
TRUSTED_MIN_AGE = timedelta(days=7)
# A single menu choice per call is the product; anything above it is read by a person.
AUTOMATIC_KEYS = 1


class TrustTier(StrEnum):
    NEW = "new"
    TRUSTED = "trusted"


class FlowKind(StrEnum):
    GRAPH = "graph"
    AI_SCRIPT = "ai_script"


@dataclass(frozen=True)
class FlowForReview:
    """What the policy reads of a flow: built from a FlowSpec by flow_specs.flow_for_review."""

    kind: FlowKind
    texts: tuple[LabeledText, ...]
    graph: FlowGraph | None = None


@dataclass(frozen=True)
class TrustFacts:
    """What the calls service knows of a customer, read in one statement (trust.py)."""

    override: TrustTier | None = None
    reviewed_and_approved: bool = False
    paid_cents: int = 0
    first_paid_call_at: datetime | None = None
    suspended: bool = False


@dataclass(frozen=True)
class TierDecision:
    tier: TrustTier
    reason: str


def trust_tier(facts: TrustFacts, now: datetime) -> TierDecision:
    """The customer's tier with the sentence an admin reads.

    Worked examples (now = day 30): override trusted → trusted; suspended with override trusted →
    new; reviewed, $10.00 paid, first paid call day 20 → trusted; the same with $9.99 → new;
    the same with the first paid call on day 24 (6 days) → new.
    """
    if facts.suspended:
        return TierDecision(TrustTier.NEW, "suspended: a suspended customer is never trusted")
    if facts.override is not None:
        return TierDecision(facts.override, f"set to {facts.override} by an admin")
    missing = []
    if not facts.reviewed_and_approved:
        missing.append("no flow of theirs has been reviewed and approved by an admin")
    if facts.paid_cents < TRUSTED_MIN_PAID_CENTS:
        missing.append(f"${facts.paid_cents / 100:.2f} of ${TRUSTED_MIN_PAID_CENTS / 100:.2f} paid calls settled")
    if facts.first_paid_call_at is None or now - facts.first_paid_call_at < TRUSTED_MIN_AGE:
        missing.append(f"first paid call less than {TRUSTED_MIN_AGE.days} days ago")
    if missing:
        return TierDecision(TrustTier.NEW, "new: " + "; ".join(missing))
    return TierDecision(TrustTier.TRUSTED, "trusted: reviewed by an admin, paid calls settled, "
                                           f"calling for {TRUSTED_MIN_AGE.days} days or more")


def review_reasons(flow: FlowForReview, tier: TrustTier) -> list[str]:
    """Every reason the flow waits for a person, each a sentence an admin reads naming where it
    stands; an empty list means the flow is approved automatically."""
    reasons: list[str] = []
    if flow.graph is not None:
        run = longest_key_run(flow.graph)
        if run.more_than(AUTOMATIC_KEYS):
            reasons.append(run.reason())
    reasons.extend(hit.reason() for hit in screen_texts(flow.texts))
    if tier == TrustTier.NEW:
        reasons.extend(_new_customer_reasons(flow))
    return list(dict.fromkeys(reasons))


def _new_customer_reasons(flow: FlowForReview) -> Iterable[str]:
    if flow.kind == FlowKind.AI_SCRIPT:
        yield "is an AI script from a new customer: a person reads every AI task of a new customer"
    for node in flow.graph.nodes if flow.graph is not None else ():
        if node.kind == NodeKind.TRANSFER:
            yield (f"step '{node.id}' transfers the call to {node.transfer_number or 'a number'}: a person checks "
                   "every transfer of a new customer")
        elif node.kind == NodeKind.COLLECT_DIGITS:
            digits = f"{node.max_digits} digit{'' if node.max_digits == 1 else 's'}"
            yield (f"step '{node.id}' lets the callee type up to {digits}: a new customer's flow may offer menu "
                   "choices only until a person has looked")
