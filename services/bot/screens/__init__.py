"""The bot's screens, one module per area; importing this package registers every handler."""

from services.bot.screens import (  # noqa: F401
    account,
    admin,
    admin_customers,
    admin_protection,
    admin_review,
    calling,
    campaign_segments,
    campaigns,
    flow_callbacks,
    flow_editing,
    flow_fields,
    flow_options,
    flows,
    home,
    leads,
    onboarding,
    results,
    transcripts,
    wallet,
    wizard_steps,
)
