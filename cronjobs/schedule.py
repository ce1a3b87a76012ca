"""The one table of tick schedules (DESIGN.md §5, flow 6). The Helm chart renders one CronJob per
row and `./dev up` runs the same rows in its ticker; nothing else may hold a schedule."""

from __future__ import annotations

from dataclasses import dataclass

from cronjobs.cron import CronSchedule


@dataclass(frozen=True)
class Tick:
    name: str
    schedule: str
    service: str
    rpc: str
    does: str

    @property
    def cron(self) -> CronSchedule:
        return CronSchedule.parse(self.schedule)


TICKS: tuple[Tick, ...] = (
    Tick("billing", "*/5 * * * *", "wallet", "RunBillingTick",
         "charges overage the holds did not cover; customers who cannot pay are put in debt"),
    Tick("subscriptions", "0 * * * *", "wallet", "RunSubscriptionTick",
         "renews or expires plans and warns before they end"),
    Tick("campaigns", "* * * * *", "calls", "RunCampaignTick",
         "starts due campaigns and sends their reminders"),
    Tick("recovery", "* * * * *", "calls", "RunRecoveryTick",
         "asks Retell about calls whose webhooks never came"),
    Tick("payments", "*/5 * * * *", "payments", "RunPaymentsTick",
         "re-checks open invoices with DynoPay and delivers credits the wallet has not taken"),
    Tick("notifications", "*/10 * * * *", "bot", "RunNotificationTick",
         "retries undelivered messages and sends low-balance and plan-expiring reminders"),
    Tick("ledger", "17 * * * *", "wallet", "RunLedgerCheckTick",
         "re-adds the ledger from its entries, so the ledger alert always reads a recent check"),
    Tick("retention", "43 * * * *", "calls", "RunRetentionTick",
         "purges collected digits, summaries, recording links and webhook bodies older than the retention"),
)


def tick_named(name: str) -> Tick:
    for tick in TICKS:
        if tick.name == name:
            return tick
    raise KeyError(f"no tick named {name!r}; the ticks are {', '.join(t.name for t in TICKS)}")
