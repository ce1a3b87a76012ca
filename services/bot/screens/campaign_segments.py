"""Re-calling a segment of a campaign: from a completed, paused or cancelled campaign, "🔁 Re-call…"
→ which callees (a button per segment with its count: no answer, busy, voicemail, not called,
answered, pressed a key, a custom field's answer) → the same flow or another → a new draft campaign
on the usual confirm screen (its import report, estimate, forecast, Start or Schedule).

The bot names the campaign and the segment; the calls service builds the list (campaign_recalls.py),
so no callee's number passes through the chat, and the counts and the list follow one rule
(campaign_segments.py). The new campaign keeps the old one's retry rules, caller ID and longest call.
"""

from __future__ import annotations

from services.bot.outgoing import Keyboard, button
from services.bot.routing import router
from services.bot.screens.campaigns import list_campaigns, show_new_campaign
from services.bot.screens.flows import approved_flows_keyboard
from services.bot.turn import Turn
from speechcue.calls.v1 import calls_pb2

# Buttons on the segment screen, at most (five outcomes, then keys and answers).
MAX_SEGMENT_BUTTONS = 16


def segment_words(turn: Turn, segment: calls_pb2.CampaignSegment) -> str:
    """A segment in the customer's words: "No answer", "Pressed 2", "interested: yes"."""
    words = turn.words
    if segment.kind == "key":
        return words("recall.segment.key", key=segment.key)
    if segment.kind == "field":
        return words("recall.segment.field", field=segment.field, value=segment.value)
    return words(SEGMENT_IDS.get(segment.kind, "recall.segment.answered"))


SEGMENT_IDS = {"no_answer": "recall.segment.no_answer", "busy": "recall.segment.busy",
               "voicemail": "recall.segment.voicemail", "not_called": "recall.segment.not_called",
               "answered": "recall.segment.answered"}


async def _campaign(turn: Turn, campaign_id: str) -> calls_pb2.Campaign:
    return await turn.services.calls.GetCampaign(calls_pb2.GetCampaignRequest(
        customer_id=turn.customer_id, campaign_id=campaign_id), timeout=turn.timeout)


@router.button("rcall")
async def choose_segment(turn: Turn, args: list[str]) -> None:
    """Re-call, step 1: which callees, a button per segment with its count (`rcall:<campaign id>`)."""
    campaign_id = args[0] if args else ""
    campaign = await _campaign(turn, campaign_id)
    answer = await turn.services.calls.CampaignSegments(calls_pb2.GetCampaignRequest(
        customer_id=turn.customer_id, campaign_id=campaign.id), timeout=turn.timeout)
    segments = list(answer.segments)[:MAX_SEGMENT_BUTTONS]
    words = turn.words
    turn.conversation.reset()
    turn.conversation.data.update(recall_from=campaign.id, recall_segments=[segment.code for segment in segments],
                                  recall_labels=[segment_words(turn, segment) for segment in segments],
                                  recall_counts=[segment.callees for segment in segments])
    keyboard = Keyboard()
    for index, segment in enumerate(segments):
        keyboard.row(button(words.plural("recall.segment_button", segment.callees,
                                         segment=segment_words(turn, segment)), "rcseg", index))
    keyboard.row(button(words("menu.back"), "camp", "view", campaign.id))
    turn.show(words("recall.choose_segment", name=campaign.name) if segments
              else words("recall.nothing", name=campaign.name), keyboard)


@router.button("rcseg")
async def choose_recall_flow(turn: Turn, args: list[str]) -> None:
    """Re-call, step 2: the same flow or another approved one (`rcseg:<segment's place on step 1>`)."""
    data = turn.conversation.data
    codes = list(data.get("recall_segments", []))
    index = int(args[0]) if args and args[0].isdigit() else -1
    if "recall_from" not in data or not 0 <= index < len(codes):
        await list_campaigns(turn, [])
        return
    data["recall_segment"] = index
    campaign = await _campaign(turn, str(data["recall_from"]))
    words = turn.words
    listed, _ = await approved_flows_keyboard(turn, "rcflow")
    same = [row for row in listed.rows if row[0].data == f"rcflow:{campaign.flow_id}"]
    keyboard = Keyboard()
    if same:
        keyboard.row(button(words("recall.same_flow", flow=same[0][0].label), "rcflow", campaign.flow_id))
    for row in listed.rows:
        if row not in same:
            keyboard.row(*row)
    keyboard.row(button(words("menu.back"), "rcall", campaign.id))
    callees = words.plural("count.callees", int(data.get("recall_counts", [0] * len(codes))[index]))
    turn.show(words("recall.choose_flow", segment=data["recall_labels"][index], callees=callees)
              if listed.rows else words("call.no_flows"), keyboard)


@router.button("rcflow")
async def create_recall(turn: Turn, args: list[str]) -> None:
    """Re-call, step 3: the new campaign as a draft, on the usual confirm screen (`rcflow:<flow id>`)."""
    data = turn.conversation.data
    if "recall_segment" not in data or not args:
        await list_campaigns(turn, [])
        return
    index = int(data["recall_segment"])
    source = await _campaign(turn, str(data["recall_from"]))
    name = turn.words("recall.default_name", name=source.name, segment=data["recall_labels"][index])
    request = calls_pb2.CreateCampaignRequest(
        idempotency_key=turn.key("recall"), customer_id=turn.customer_id, name=name[:80], flow_id=args[0],
        from_campaign_id=source.id, segment=str(data["recall_segments"][index]), caller_id=source.caller_id,
        max_minutes_per_call=source.max_minutes_per_call, retry=source.retry,
        # A draft: the customer sees its estimate and forecast, then starts it.
        as_draft=True)
    campaign = await turn.services.calls.CreateCampaign(request, timeout=turn.timeout)
    await show_new_campaign(turn, campaign)
