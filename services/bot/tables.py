"""The bot's tables (SQLAlchemy Core); the schema itself is created by the migrations."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Identity,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

# A Telegram user and the customer they are. The customer id is ours, not Telegram's, so the other
# services never see a Telegram id (except admins', which they check against their list).
telegram_users = Table(
    "telegram_users", metadata,
    Column("telegram_user_id", BigInteger, primary_key=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("customer_id", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False, server_default=""),
    Column("language", Text, nullable=False, server_default="en"),
    Column("timezone", Text, nullable=False, server_default="UTC"),
    Column("terms_accepted_at", DateTime(timezone=True)),
    Column("trial_offered", Boolean, nullable=False, server_default="false"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The customer's own phone (E.164), asked once for the flow wizard's test calls.
    Column("own_number", Text),
)

# Where each chat is in its conversation: any replica can take the next update, and a restart in the
# middle of a wizard continues from here.
conversations = Table(
    "conversations", metadata,
    Column("chat_id", BigInteger, primary_key=True),
    Column("state", Text, nullable=False, server_default=""),
    Column("data", JSONB, nullable=False, server_default="{}"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Telegram redelivers an update it got no 2xx for; each update_id takes effect once.
handled_updates = Table(
    "handled_updates", metadata,
    Column("update_id", BigInteger, primary_key=True),
    Column("handled_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Every message the bot sends, written in the transaction that decided to send it and delivered by
# the sender at Telegram's pace. `ref` names a message that later ones edit (a call's live status,
# a campaign's progress); `dedupe_key` keeps a notification from being queued twice.
outgoing_messages = Table(
    "outgoing_messages", metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("method", Text, nullable=False),
    Column("body", JSONB, nullable=False),
    Column("file", LargeBinary),
    Column("file_name", Text),
    Column("ref", Text),
    Column("edits_ref", Text),
    Column("dedupe_key", Text, unique=True),
    Column("status", Text, nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_error", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True)),
    # The trace id of the work that queued it (services/runtime/tracing.py); '' outside any.
    Column("trace_id", Text, nullable=False, server_default=""),
)

# The Telegram message id behind each `ref`, once sent.
message_refs = Table(
    "message_refs", metadata,
    Column("chat_id", BigInteger, primary_key=True),
    Column("ref", Text, primary_key=True),
    Column("message_id", BigInteger, nullable=False),
)

# Reminders sent once each (low balance, plan expiring), keyed by what they are about.
reminders = Table(
    "reminders", metadata,
    Column("customer_id", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("about", Text, nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True)),
    UniqueConstraint("customer_id", "kind", "about", name="reminders_once"),
)

# Every admin action taken through the bot, the admin's door (reviews, suspensions, refunds, prices,
# caller IDs, do-not-call entries, trust changes): who, when, what, on whom and the note. Written in
# the transaction that records the update's handling, so an action the bot took is never missing
# and a rolled-back update leaves no row. Read newest first (services/bot/audit.py).
admin_actions = Table(
    "admin_actions", metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("admin_telegram_id", BigInteger, nullable=False),
    Column("action", Text, nullable=False),
    Column("customer_id", Text, nullable=False, server_default=""),
    # What the action was on besides the customer: a flow id, a transfer id, a plan code, a number.
    Column("subject", Text, nullable=False, server_default=""),
    Column("note", Text, nullable=False, server_default=""),
)

# Each Telegram user's one claim of the free trial: granted (held_reason '') or held by the device-farm
# screening (services/bot/trial_screening.py), which reads the claims of the last days.
trial_claims = Table(
    "trial_claims", metadata,
    Column("telegram_user_id", BigInteger, primary_key=True),
    Column("customer_id", Text, nullable=False),
    Column("name", Text, nullable=False, server_default=""),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
    Column("held_reason", Text, nullable=False, server_default=""),
)
