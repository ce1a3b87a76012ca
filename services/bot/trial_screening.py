"""The free trial is held when the claim looks like one of a device farm's: many Telegram accounts made
by one operator to take the trial again and again (the wallet already grants it once per customer,
and each Telegram account is a new customer).

What Telegram tells the bot about a person is little: the numeric user id, the names and language
they set, a username if any. The name we also have is the one typed at onboarding. The signals, each
a setting, computed over the trial claims of the last days (the claimant's own excluded):

- **Neighbouring Telegram ids.** Telegram numbers accounts in the order they register, so accounts a
  farm registers in one batch have ids close together. Two genuine customers of this bot, found on
  their own, almost never registered their Telegram accounts within the same few thousand sign-ups.
  A claim whose id is within `BOT_TRIAL_NEIGHBOUR_DISTANCE` of another claim of the last
  `BOT_TRIAL_LOOKBACK_DAYS` is held.
- **A burst.** More than `BOT_TRIAL_BURST_PER_HOUR` claims platform-wide in the last hour: a
  business bot's sign-ups arrive a few an hour; a farm claims in bulk. Claims beyond it are held.
- **The same name.** The name typed at onboarding (case, spaces and punctuation folded) already used
  by `BOT_TRIAL_SAME_NAME_CLAIMS` other claims in the last day: scripts fill the same name. A common
  first name alone is why it takes several.

Not used: "no username" or "no profile photo" (many genuine people have neither), the phone number
(a bot never sees it), and the account's creation date (the Bot API does not give it).

A false positive costs a genuine newcomer the trial's 2 free minutes, not the service: the claim is
held, the customer is told why and that they can top up meanwhile, and an admin can see held claims
(trial_claims.held_reason). A false negative costs 2 minutes of calls per farm account, which the
per-customer call caps and the review of flows already bound.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class FarmSignal(StrEnum):
    NEIGHBOUR_IDS = "neighbour_ids"
    BURST = "burst"
    SAME_NAME = "same_name"


@dataclass(frozen=True)
class TrialClaim:
    telegram_user_id: int
    name: str
    claimed_at: datetime


@dataclass(frozen=True)
class FarmRules:
    neighbour_distance: int = 5_000
    lookback: timedelta = timedelta(days=7)
    burst_per_hour: int = 20
    same_name_claims: int = 2


def folded_name(name: str) -> str:
    """'  ACME-Dental ' → 'acmedental'; 'Ａｃｍｅ' → 'acme' (NFKC); letters and digits only."""
    return "".join(char for char in unicodedata.normalize("NFKC", name).casefold() if char.isalnum())


def farm_signal(claim: TrialClaim, earlier: Sequence[TrialClaim], rules: FarmRules) -> FarmSignal | None:
    """The first signal this claim shows against the claims before it, or None to grant the trial.

    Worked cases (defaults): id 7,000,100 with a claim by 7,002,000 three days ago → NEIGHBOUR_IDS;
    with one by 7,900,000 → None. The 21st claim within an hour → BURST. "Acme Dental" after
    "acme dental" and "ACME-DENTAL" today → SAME_NAME; after one of them → None.
    """
    others = [other for other in earlier if other.telegram_user_id != claim.telegram_user_id
              and claim.claimed_at - rules.lookback <= other.claimed_at <= claim.claimed_at]
    if any(abs(other.telegram_user_id - claim.telegram_user_id) <= rules.neighbour_distance for other in others):
        return FarmSignal.NEIGHBOUR_IDS
    last_hour = [other for other in others if other.claimed_at > claim.claimed_at - timedelta(hours=1)]
    if len(last_hour) >= rules.burst_per_hour:
        return FarmSignal.BURST
    name = folded_name(claim.name)
    same_name = [other for other in others if other.claimed_at > claim.claimed_at - timedelta(days=1)
                 and name and folded_name(other.name) == name]
    if len(same_name) >= rules.same_name_claims:
        return FarmSignal.SAME_NAME
    return None
