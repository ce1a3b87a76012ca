"""Who may call which calls method (services/runtime/callers.py). Built from what each caller's code
calls; anything else is PERMISSION_DENIED. Everything here is the bot's, admin RPCs included (the
bot checks the admin's Telegram id), apart from the ticks."""

from __future__ import annotations

from services.runtime.callers import BOT, access_table, tick_identity
from speechcue.calls.v1 import calls_pb2

CALLS_ACCESS = access_table(calls_pb2.DESCRIPTOR.services_by_name["CallsService"], {
    BOT: {
        # flows
        "CreateFlow", "GetFlow", "ListFlows", "UpdateFlow", "DeleteFlow", "ListVoices",
        # calls
        "QuoteCall", "StartCall", "StopCall", "GetCall", "GetCallTranscript", "ListCalls", "ListKeyPresses",
        "CheckDoNotCall", "CheckDestination",
        # campaigns
        "CreateCampaign", "StartCampaign", "PauseCampaign", "ResumeCampaign", "CancelCampaign", "GetCampaign",
        "ListCampaigns", "GetCampaignReport", "QuoteCampaign", "RenameCampaign", "GetCustomerLimits",
        "CampaignSegments",
        # admin RPCs
        "ReviewFlow", "ListFlowsForReview", "GetFlowForReview", "ListCallerIds", "SyncCallerIds",
        "SetCallerIdEnabled", "AddDoNotCall", "SetCustomerLimits", "SetCustomerTrust", "GetCallFigures",
        "GetCustomerRecord",
    },
    tick_identity("campaigns"): {"RunCampaignTick"},
    tick_identity("recovery"): {"RunRecoveryTick"},
    tick_identity("retention"): {"RunRetentionTick"},
})
