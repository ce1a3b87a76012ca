"""The calls service's tables (SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from services.calls.settlement_state import SettlementState

metadata = MetaData()

flows = Table(
    "flows", metadata,
    Column("id", Text, primary_key=True),
    Column("customer_id", Text, nullable=False),
    Column("name", Text, nullable=False),
    # The customer's FlowSpec as sent (speechcue.calls.v1.FlowSpec, serialized).
    Column("spec", LargeBinary, nullable=False),
    Column("status", Text, nullable=False),
    Column("review_reasons", ARRAY(Text), nullable=False, server_default="{}"),
    Column("review_note", Text, nullable=False, server_default=""),
    Column("retell_agent_id", Text),
    Column("retell_flow_id", Text),
    Column("retell_llm_id", Text),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("deleted_at", DateTime(timezone=True)),
    # The version calls dial (flow_approval.py). The columns above are the latest version, the one
    # a review decides on: while an edit waits, those are the draft's and these the approved one's;
    # when the latest is approved both name the same Retell objects. approved_version 0: never approved.
    Column("approved_version", Integer, nullable=False, server_default="0"),
    Column("approved_spec", LargeBinary),
    Column("approved_retell_agent_id", Text),
    Column("approved_retell_flow_id", Text),
    Column("approved_retell_llm_id", Text),
    Column("approved_at", DateTime(timezone=True)),
)

# An approved version's Retell objects once a newer version replaced it (or the flow was deleted):
# deleted by retired_agents.py only when no queued, ringing or ongoing call names the agent.
retired_retell_objects = Table(
    "retired_retell_objects", metadata,
    Column("retell_agent_id", Text, primary_key=True),
    Column("retell_flow_id", Text),
    Column("retell_llm_id", Text),
    Column("flow_id", Text, nullable=False),
    Column("retired_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

caller_ids = Table(
    "caller_ids", metadata,
    Column("number", Text, primary_key=True),
    Column("label", Text, nullable=False, server_default=""),
    Column("enabled", Boolean, nullable=False, server_default="true"),
    Column("synced_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Retell's phone_number_type (retell-twilio, retell-telnyx, custom) and allowed_outbound_country_list:
    # what the number can call (destinations.py). "" until the next sync learns it.
    Column("phone_number_type", Text, nullable=False, server_default=""),
    Column("outbound_countries", ARRAY(Text), nullable=False, server_default="{}"),
)

calls = Table(
    "calls", metadata,
    Column("id", Text, primary_key=True),
    Column("customer_id", Text, nullable=False),
    Column("flow_id", Text, nullable=False),
    Column("campaign_id", Text, nullable=False, server_default=""),
    Column("to_number", Text, nullable=False),
    Column("caller_id", Text, nullable=False),
    Column("status", Text, nullable=False),
    # The approved agent the call was admitted with, then the one it dialled (placing.py's _dial
    # dials the flow's approved agent of that moment, recorded here before the dial).
    Column("retell_agent_id", Text),
    # The StartCall request's fingerprint: a retry must be the same request.
    Column("request_hash", LargeBinary, nullable=False),
    Column("retell_call_id", Text, unique=True),
    Column("usage_kind", Text, nullable=False),
    Column("max_minutes", Integer, nullable=False),
    Column("hold_cents", BigInteger, nullable=False, server_default="0"),
    Column("plan_minutes", BigInteger, nullable=False, server_default="0"),
    Column("record", Boolean, nullable=False, server_default="false"),
    Column("variables", JSONB, nullable=False, server_default="{}"),
    Column("duration_seconds", BigInteger, nullable=False, server_default="0"),
    Column("disconnection_reason", Text, nullable=False, server_default=""),
    Column("digits", ARRAY(Text), nullable=False, server_default="{}"),
    # Where each key of `digits` was pressed ("node>entered_after", key_inputs.place_text), for the
    # key-press inbox; '{}' for calls ended before places were kept (migration 0014).
    Column("key_places", ARRAY(Text), nullable=False, server_default="{}"),
    Column("recording_url", Text, nullable=False, server_default=""),
    Column("transfer_number", Text, nullable=False, server_default=""),
    Column("cost_cents", BigInteger, nullable=False, server_default="0"),
    Column("used_plan_minutes", BigInteger, nullable=False, server_default="0"),
    # The flow's opt-out key when the call was admitted ('' for calls admitted before keys were
    # recorded): a webhook does not name the flow, and opt_outs.py needs the key (migration 0006).
    Column("opt_out_key", Text, nullable=False, server_default=""),
    # The dialled flow version's menus and their keys ("menu=12;other=3", key_inputs.menu_keys_text):
    # a key pressed at a menu that is none of them is never kept (migration 0014).
    Column("menu_keys", Text, nullable=False, server_default=""),
    # The dialled flow version's custom fields (custom_fields.definitions_value) and the answers Retell's
    # post-call analysis gave them, those that fit ({"interested?": "yes"}); is_lead: an answer is its
    # field's lead answer (migration 0018).
    Column("custom_fields", JSONB, nullable=False, server_default="[]"),
    Column("custom_answers", JSONB, nullable=False, server_default="{}"),
    Column("is_lead", Boolean, nullable=False, server_default="false"),
    # The dialled flow version's callback offer ("8:60", callbacks.offer_text; '' for none), and when the
    # callee who pressed it is (a campaign) or would be (a single call) called back (migration 0019).
    Column("callback_offer", Text, nullable=False, server_default=""),
    Column("callback_at", DateTime(timezone=True)),
    Column("opted_out", Boolean, nullable=False, server_default="false"),
    # The customer stopped the call (StopCall): its outcome is "stopped by you" (migration 0013).
    Column("stopped_by_customer", Boolean, nullable=False, server_default="false"),
    Column("summary", Text, nullable=False, server_default=""),
    Column("sentiment", Text, nullable=False, server_default=""),
    Column("successful", Boolean, nullable=False, server_default="false"),
    Column("in_voicemail", Boolean, nullable=False, server_default="false"),
    Column("failure_reason", Text, nullable=False, server_default=""),
    # none → pending (call ended, money not yet settled with the wallet) → settled (settlement_state.py)
    Column("settlement", Text, nullable=False, server_default=SettlementState.NONE.value),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("placed_at", DateTime(timezone=True)),
    # A single call Retell refused as busy: queued, its hold kept, until a line is free (line_waiter.py).
    Column("waiting_for_line_since", DateTime(timezone=True)),
    Column("started_at", DateTime(timezone=True)),
    Column("ended_at", DateTime(timezone=True)),
    Column("analyzed_at", DateTime(timezone=True)),
    Column("settled_at", DateTime(timezone=True)),
)

call_events = Table(
    "call_events", metadata,
    Column("retell_call_id", Text, primary_key=True),
    Column("event", Text, primary_key=True),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("payload", JSONB, nullable=False),
)

do_not_call = Table(
    "do_not_call", metadata,
    Column("number", Text, primary_key=True),
    # '' is the platform-wide list; otherwise the customer whose own list it is.
    Column("scope", Text, primary_key=True),
    Column("reason", Text, nullable=False, server_default=""),
    Column("added_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

campaigns = Table(
    "campaigns", metadata,
    Column("id", Text, primary_key=True),
    Column("customer_id", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("flow_id", Text, nullable=False),
    Column("caller_id", Text, nullable=False, server_default=""),
    # draft → scheduled → running ⇄ paused → completed; cancelled from anywhere before completed.
    Column("status", Text, nullable=False),
    Column("start_at", DateTime(timezone=True)),
    Column("reminder_minutes", Integer, nullable=False, server_default="0"),
    Column("reminder_sent_at", DateTime(timezone=True)),
    Column("max_attempts", Integer, nullable=False, server_default="1"),
    Column("retry_spacing_minutes", Integer, nullable=False, server_default="30"),
    # One retry rule per outcome, {"busy": [attempts, spacing_minutes], ...} (campaign_retries.py); null for
    # a campaign from before them: max_attempts and retry_spacing_minutes then stand for every outcome.
    Column("retry_rules", JSONB),
    Column("max_minutes_per_call", Integer, nullable=False, server_default="5"),
    Column("pause_reason", Text, nullable=False, server_default=""),
    Column("import_report", LargeBinary, nullable=False),
    Column("last_progress_at", DateTime(timezone=True)),
    Column("last_progress_done", BigInteger, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("started_at", DateTime(timezone=True)),
    Column("completed_at", DateTime(timezone=True)),
)

campaign_callees = Table(
    "campaign_callees", metadata,
    Column("campaign_id", Text, primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("number", Text, nullable=False),
    Column("name", Text, nullable=False, server_default=""),
    # pending (waiting for its time) → dialing (an attempt is placed) → answered | failed | skipped
    Column("status", Text, nullable=False, server_default="pending"),
    # Claims by the dispatcher (the idempotency key of each try); attempts counts calls really placed.
    Column("tries", Integer, nullable=False, server_default="0"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("call_id", Text),
    # The call the status and outcome were last decided from: a voicemail Retell reports late changes
    # the callee only while this is still that call (campaign_retries.after_late_voicemail).
    Column("last_call_id", Text),
    Column("outcome", Text, nullable=False, server_default=""),
    Column("duration_seconds", BigInteger, nullable=False, server_default="0"),
    Column("digits", ARRAY(Text), nullable=False, server_default="{}"),
    Column("cost_cents", BigInteger, nullable=False, server_default="0"),
    # Why a pending callee waits for next_attempt_at (campaign_progress.CalleeWait): "" when it does not.
    Column("wait_reason", Text, nullable=False, server_default=""),
    # The callback the callee asked for (callbacks.py): at most one per callee and campaign (migration 0019).
    Column("callback_at", DateTime(timezone=True)),
    # The callee's values from the list's columns, {"first_name": "Ada", "amount": "12.50"}, sent as the
    # call's variables on every attempt (flow_variables.py; migration 0017).
    Column("variables", JSONB, nullable=False, server_default="{}"),
)

customer_limits = Table(
    "customer_limits", metadata,
    Column("customer_id", Text, primary_key=True),
    Column("max_concurrent_calls", Integer, nullable=False),
    Column("calls_per_hour", Integer, nullable=False),
    Column("calls_per_day", Integer, nullable=False),
    Column("suspended", Boolean, nullable=False, server_default="false"),
    Column("suspension_reason", Text, nullable=False, server_default=""),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# One row per distinct list a customer imported on a UTC day (daily_caps.py counts them): the same
# bytes previewed and then turned into a campaign count once; a refused list counts too.
list_imports = Table(
    "list_imports", metadata,
    Column("customer_id", Text, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("list_sha256", LargeBinary, primary_key=True),
    Column("imported_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


# An admin's tier for a customer, which wins over the computed one (review_policy.trust_tier);
# no row: the tier is computed from the customer's history.
customer_trust = Table(
    "customer_trust", metadata,
    Column("customer_id", Text, primary_key=True),
    Column("tier", Text, nullable=False),
    Column("set_by", BigInteger, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
