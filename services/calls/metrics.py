"""The calls service's own metrics. Labels are kinds and outcomes, never customers or numbers."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

calls_placed_total = Counter("speechcue_calls_placed_total", "Calls accepted by Retell.", ["usage_kind"])
calls_refused_total = Counter("speechcue_calls_refused_total", "Calls refused before dialling, by reason.",
                              ["reason"])
calls_line_waits_total = Counter("speechcue_calls_line_waits_total",
                                       "Single calls queued because every Retell line was busy.")
calls_waiting_for_line = Gauge("speechcue_calls_waiting_for_line",
                               "Single calls waiting for a free Retell line now (as this replica last saw).")
calls_ended_total = Counter("speechcue_calls_ended_total", "Calls ended, by status.", ["status"])
call_billed_seconds_total = Counter("speechcue_call_billed_seconds_total", "Seconds of connected calls.")
call_cost_cents_total = Counter("speechcue_call_cost_cents_total", "Cents charged for calls.")
webhooks_total = Counter("speechcue_retell_webhooks_total",
                         "Retell webhooks by outcome (accepted, duplicate, ignored, bad_signature, malformed).",
                         ["outcome"])
retell_request_seconds = Histogram("speechcue_retell_request_seconds", "Latency of calls to Retell's API.",
                                   ["operation"])
settlements_total = Counter("speechcue_call_settlements_total", "Ended calls settled with the wallet, by outcome.",
                            ["outcome"])
opt_outs_total = Counter("speechcue_opt_outs_total", "Callees who opted out by key press.")
webhook_batch_size = Histogram("speechcue_retell_webhook_batch_size",
                               "call_ended webhooks recorded together in one transaction.",
                               buckets=(1, 2, 4, 8, 16, 32, 64, 128))
retention_purged_total = Counter("speechcue_retention_purged_total",
                                 "Sensitive values purged by the retention tick, by kind (digits, callee_digits, "
                                 "recording, summary, variables, webhook_body).", ["kind"])
retention_last_success_timestamp_seconds = Gauge("speechcue_retention_last_success_timestamp_seconds",
                                                 "When the retention tick last finished, everything due purged.")
daily_cap_refusals_total = Counter("speechcue_calls_daily_cap_refusals_total",
                                   "Requests refused by a customer's daily cap (flows, campaigns, list_imports).",
                                   ["cap"])
list_imports_refused_busy_total = Counter("speechcue_calls_list_imports_busy_total",
                                          "List imports refused because the customer's previous one was running.")
list_parse_seconds = Histogram("speechcue_calls_list_parse_seconds", "Time to parse one call list, off the event "
                               "loop.", buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16))
