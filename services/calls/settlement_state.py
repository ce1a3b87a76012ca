"""Where a call stands with the wallet: the states of the `calls.settlement` column.

    none ──(the call ends or fails)──▶ pending ──(the wallet's SettleCalls)──▶ settled
                                              └─(the wallet refuses it for good)──▶ refused

- none: the call has not ended; its hold (if any) is still in place.
- pending: it ended or failed; its usage and hold wait for the settlement (settlement.py), which takes
  every pending call in batches.
- settled: the wallet recorded its usage and captured its hold for the cost, releasing the rest (or
  only released it, for a call that never connected). A call that never dialled and held nothing
  goes here straight away (placing.py).
- refused: the wallet refused to settle it for good (its wallet is gone, or its usage was recorded
  with other figures): it leaves the queue so it cannot hold up the others, and waits for an operator.

The states live here, apart from settlement.py, because the paths that end a call (the webhook,
the recovery tick, the placer) mark calls pending without depending on the settlement itself.
SQL statements interpolate these values, so each state is spelt once.
"""

from __future__ import annotations

from enum import StrEnum


class SettlementState(StrEnum):
    NONE = "none"
    PENDING = "pending"
    SETTLED = "settled"
    REFUSED = "refused"
