"""The wallet service: ledger, holds, plans, subscriptions, usage and overage billing."""
