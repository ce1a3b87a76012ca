"""Trial claims: each Telegram user's one claim of the free trial, granted or held by the device-farm
screening (trial_screening.py), kept so the next claims are screened against it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from services.bot.settings import BotSettings
from services.bot.tables import trial_claims
from services.bot.trial_screening import FarmRules, FarmSignal, TrialClaim, farm_signal
from services.runtime.database import UnitOfWork

# Claims are screened one at a time platform-wide (they are rare), so two farm accounts claiming at
# the same moment on two replicas each see the other.
_TRIAL_CLAIMS_LOCK = 0x5C_7121


def farm_rules(settings: BotSettings) -> FarmRules:
    return FarmRules(neighbour_distance=settings.bot_trial_neighbour_distance,
                     lookback=timedelta(days=settings.bot_trial_lookback_days),
                     burst_per_hour=settings.bot_trial_burst_per_hour,
                     same_name_claims=settings.bot_trial_same_name_claims)


async def claim_trial(uow: UnitOfWork, *, telegram_user_id: int, customer_id: str, name: str, now: datetime,
                      settings: BotSettings) -> FarmSignal | None:
    """Records this user's claim (once) and answers why it is held, or None when the trial may be granted."""
    await uow.connection.execute(select(func.pg_advisory_xact_lock(_TRIAL_CLAIMS_LOCK)))
    existing = (await uow.connection.execute(select(trial_claims.c.held_reason).where(
        trial_claims.c.telegram_user_id == telegram_user_id))).first()
    if existing is not None:
        return FarmSignal(existing.held_reason) if existing.held_reason else None
    rules = farm_rules(settings)
    rows = (await uow.connection.execute(select(
        trial_claims.c.telegram_user_id, trial_claims.c.name, trial_claims.c.claimed_at).where(
        trial_claims.c.claimed_at >= now - rules.lookback))).all()
    earlier = [TrialClaim(row.telegram_user_id, row.name, row.claimed_at) for row in rows]
    signal = farm_signal(TrialClaim(telegram_user_id, name, now), earlier, rules)
    await uow.connection.execute(insert(trial_claims).values(
        telegram_user_id=telegram_user_id, customer_id=customer_id, name=name, claimed_at=now,
        held_reason=signal.value if signal else "").on_conflict_do_nothing())
    return signal
