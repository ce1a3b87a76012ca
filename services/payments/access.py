"""Who may call which payments method (services/runtime/callers.py): the bot's top-up screens and the
payments tick; anything else is PERMISSION_DENIED."""

from __future__ import annotations

from services.runtime.callers import BOT, access_table, tick_identity
from speechcue.payments.v1 import payments_pb2

PAYMENTS_ACCESS = access_table(payments_pb2.DESCRIPTOR.services_by_name["PaymentsService"], {
    BOT: {"ListCoins", "CreateTopUp", "GetInvoice", "ListInvoices"},
    tick_identity("payments"): {"RunPaymentsTick"},
})
