"""Campaigns: create from pasted numbers or an uploaded CSV/TXT, named (a default the customer may
change, then or later), the import report with the cost estimate and whether the money covers the
first calls, start now or at a time in the customer's timezone with an optional reminder (one longer
than the time to the start is refused), one progress message edited in place, why a campaign waits or
is paused, pause/resume, cancel after a confirmation, and the final report as CSV with a chart (flow 4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
from babel.dates import format_skeleton
from google.protobuf.timestamp_pb2 import Timestamp

from services.bot.campaign_retry_choices import (
    choose_next,
    chosen_rules,
    retry_lines,
    retry_policy,
    rule_words,
    worst_case_lines,
)
from services.bot.campaign_texts import (
    CampaignCounts,
    campaign_counts_lines,
    estimate_lines,
    pause_reason_text,
    quote_falls_short,
    send_campaign_report,
    waiting_lines,
)
from services.bot.destination_check import customer_country
from services.bot.destination_texts import short_reason
from services.bot.forecast_texts import forecast_lines
from services.bot.formatting import babel_locale, local_time, zone
from services.bot.outgoing import Keyboard, button
from services.bot.pasted_lists import one_callee_per_line
from services.bot.routing import router
from services.bot.screens.calling import ways_out_of
from services.bot.screens.campaign_variables import dialled_spec, lacking_list_text, list_step_line, preview_lines
from services.bot.screens.flows import approved_flows_keyboard
from services.bot.turn import Turn
from services.calls.flow_variables import list_variables
from speechcue.calls.v1 import calls_pb2
from speechcue.common.v1 import common_pb2

MAX_PASTED_BYTES = 512 * 1024
STATUS_NAMES = {value: name.removeprefix("CAMPAIGN_STATUS_").lower()
                for name, value in calls_pb2.CampaignStatus.items()}
REMINDERS = (0, 10, 20, 30)
# The caller ID button cycles through at most this many pool numbers.
MAX_CAMPAIGN_CALLER_IDS = 20
# The longest a campaign's call may last, in minutes: the button cycles through these (the first is
# the calls service's default). Each call's hold covers this many minutes.
MINUTES_PER_CALL = (5, 10, 2)


@router.button("camps")
async def list_campaigns(turn: Turn, args: list[str]) -> None:
    """The customer's campaigns, newest first."""
    words = turn.words
    turn.conversation.reset()
    answer = await turn.services.calls.ListCampaigns(calls_pb2.ListCampaignsRequest(
        customer_id=turn.customer_id, page=common_pb2.PageRequest(page_size=10)), timeout=turn.timeout)
    keyboard = Keyboard()
    for campaign in answer.campaigns:
        keyboard.row(button(words("campaign.line", name=campaign.name[:30],
                                  status=words(f"campaign.status.{STATUS_NAMES[campaign.status]}")),
                            "camp", "view", campaign.id))
    keyboard.row(button(words("campaign.new"), "cnew")).row(button(words("menu.back_home"), "home"))
    turn.show(words("campaign.list_title") if answer.campaigns else words("campaign.list_empty"), keyboard)


@router.button("cnew")
async def choose_flow(turn: Turn, args: list[str]) -> None:
    """New campaign, step 1: the flow every callee hears."""
    words = turn.words
    keyboard, approved = await approved_flows_keyboard(turn, "cflow")
    keyboard.row(button(words("menu.back"), "camps"))
    turn.conversation.reset()
    turn.show(words("campaign.choose_flow") if approved else words("call.no_flows"), keyboard)


@router.button("cflow")
async def choose_when(turn: Turn, args: list[str]) -> None:
    """New campaign, step 2: now or later."""
    flow = await turn.services.calls.GetFlow(calls_pb2.GetFlowRequest(
        customer_id=turn.customer_id, flow_id=args[0] if args else ""), timeout=turn.timeout)
    today = turn.now().astimezone(zone(turn.customer.timezone)).date()
    default_name = turn.words("campaign.default_name", flow=flow.spec.name,
                              date=format_skeleton("MMMd", today, locale=babel_locale(turn.words.language)))
    turn.conversation.data.update(camp_flow=flow.id, camp_name=default_name[:80],
                                  camp_variables=list_variables(dialled_spec(flow)))
    show_when(turn)


def show_when(turn: Turn) -> None:
    """New campaign, step 2: its name (the default kept unless the customer sends another), now or later."""
    words = turn.words
    turn.conversation.expect("camp.name")
    turn.show(f"{words('campaign.name_hint', name=turn.conversation.data.get('camp_name', ''))}\n\n"
              f"{words('campaign.when')}",
              Keyboard().row(button(words("campaign.now"), "cwhen", "now"),
                             button(words("campaign.later"), "cwhen", "later"))
              .row(button(words("menu.back"), "camps")))


@router.text("camp.name")
async def receive_name(turn: Turn, text: str) -> None:
    """A name for the new campaign, typed on the step that offers the default."""
    if "camp_flow" not in turn.conversation.data:
        await choose_flow(turn, [])
        return
    name = " ".join(text.split())[:80]
    if name:
        turn.conversation.data["camp_name"] = name
    turn.pressed_message_id = None
    show_when(turn)


@router.button("cwhen")
async def answer_when(turn: Turn, args: list[str]) -> None:
    if "camp_flow" not in turn.conversation.data:
        await choose_flow(turn, [])
        return
    if args and args[0] == "later":
        turn.conversation.expect("camp.time")
        turn.show(turn.words("campaign.ask_time", timezone=turn.customer.timezone))
        return
    turn.conversation.state = ""
    turn.conversation.data.pop("camp_start", None)
    await ask_list(turn)


@router.text("camp.time")
async def receive_time(turn: Turn, text: str) -> None:
    """A start time in the customer's timezone: `HH:MM` (today or tomorrow) or `YYYY-MM-DD HH:MM`."""
    local_zone = zone(turn.customer.timezone)
    now = turn.now().astimezone(local_zone)
    try:
        if len(text) <= 5:
            clock = datetime.strptime(text, "%H:%M")
            start = now.replace(hour=clock.hour, minute=clock.minute, second=0, microsecond=0)
            if start <= now:
                start += timedelta(days=1)
        else:
            start = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=local_zone)
    except ValueError:
        turn.send(turn.words("campaign.bad_time"))
        return
    if start <= now or start > now + timedelta(days=30):
        turn.send(turn.words("campaign.bad_time"))
        return
    turn.conversation.data["camp_start"] = start.timestamp()
    turn.conversation.state = ""
    ask_reminder(turn)


def ask_reminder(turn: Turn, refusal: str = "") -> None:
    keyboard = Keyboard().row(*[button(turn.words("campaign.reminder_minutes", minutes=m) if m else
                                       turn.words("campaign.no_reminder"), "crem", m) for m in REMINDERS])
    turn.send(f"{refusal}\n\n{turn.words('campaign.ask_reminder')}" if refusal else turn.words("campaign.ask_reminder"),
              keyboard)


@router.button("crem")
async def receive_reminder(turn: Turn, args: list[str]) -> None:
    """A reminder that would come before now (longer than the time to the start) is refused at once,
    with the minutes left, and the question stays open."""
    data = turn.conversation.data
    if "camp_start" not in data:
        await choose_flow(turn, [])
        return
    minutes = int(args[0]) if args and args[0].isdigit() and int(args[0]) in REMINDERS else 0
    left = datetime.fromtimestamp(float(data["camp_start"]), UTC) - turn.now()
    if minutes and timedelta(minutes=minutes) > left:
        ask_reminder(turn, turn.words("campaign.reminder_too_long", minutes=minutes,
                                      left=max(0, int(left.total_seconds() // 60))))
        return
    data["camp_reminder"] = minutes
    await ask_list(turn)


async def ask_list(turn: Turn) -> None:
    """The last step: the numbers; above them, how often a callee is called again after each outcome
    (busy, no answer, voicemail, a failed line: a button each, cycling through its choices), and the
    caller ID every callee sees (any from the pool, or one number for the whole list)."""
    words = turn.words
    turn.conversation.state = "camp.list"
    keyboard = Keyboard()
    for outcome, rule in chosen_rules(turn.conversation.data).items():
        keyboard.row(button(rule_words(words, outcome, rule), "cretry", outcome.value))
    pool = await caller_id_pool(turn)
    caller = str(turn.conversation.data.get("camp_caller", ""))
    shown_caller = caller or words("call.caller_auto")
    if pool:
        following = (pool.index(caller) + 2 if caller in pool else 1) % (len(pool) + 1)
        keyboard.row(button(words("campaign.caller_button", caller=shown_caller), "ccid", following))
    minutes = int(turn.conversation.data.get("camp_minutes", MINUTES_PER_CALL[0]))
    following_minutes = MINUTES_PER_CALL[(MINUTES_PER_CALL.index(minutes) + 1) % len(MINUTES_PER_CALL)]
    keyboard.row(button(words("campaign.minutes_button", minutes=minutes), "cmin", following_minutes))
    keyboard.row(button(words("menu.back"), "camps"))
    minutes_line = words("campaign.minutes_line", minutes=words.plural("count.minutes", minutes))
    hint = list_step_line(words, list(turn.conversation.data.get("camp_variables", [])))
    variables_hint = f"\n\n{hint}" if hint else ""
    retries = "\n".join(retry_lines(words, turn.conversation.data))
    turn.show(f"{retries}\n"
              f"{words('campaign.caller_line', caller=shown_caller)}\n"
              f"{minutes_line}\n\n{words('campaign.ask_list')}"
              f"{variables_hint}", keyboard)


async def caller_id_pool(turn: Turn) -> list[str]:
    answer = await turn.services.calls.ListCallerIds(calls_pb2.ListCallerIdsRequest(customer_id=turn.customer_id),
                                                     timeout=turn.timeout)
    return [caller.number for caller in answer.caller_ids if caller.enabled][:MAX_CAMPAIGN_CALLER_IDS]


@router.button("cmin")
async def receive_minutes_per_call(turn: Turn, args: list[str]) -> None:
    """The minutes button cycles through MINUTES_PER_CALL (`cmin:<minutes>`)."""
    if "camp_flow" not in turn.conversation.data:
        await choose_flow(turn, [])
        return
    chosen = int(args[0]) if args and args[0].isdigit() else 0
    turn.conversation.data["camp_minutes"] = chosen if chosen in MINUTES_PER_CALL else MINUTES_PER_CALL[0]
    await ask_list(turn)


@router.button("ccid")
async def receive_caller_id(turn: Turn, args: list[str]) -> None:
    """The caller ID button cycles: any from the pool, then each pool number in turn (`ccid:<n>`, 0 = any)."""
    if "camp_flow" not in turn.conversation.data:
        await choose_flow(turn, [])
        return
    pool = await caller_id_pool(turn)
    index = int(args[0]) if args and args[0].isdigit() else 0
    turn.conversation.data["camp_caller"] = pool[index - 1] if 0 < index <= len(pool) else ""
    await ask_list(turn)


@router.button("cretry")
async def receive_retry(turn: Turn, args: list[str]) -> None:
    """An outcome's retry button cycles through its choices (`cretry:<busy|no_answer|voicemail|failed>`)."""
    if "camp_flow" not in turn.conversation.data:
        await choose_flow(turn, [])
        return
    choose_next(turn.conversation.data, args[0] if args else "")
    await ask_list(turn)


@router.text("camp.list")
async def receive_pasted_list(turn: Turn, text: str) -> None:
    """The numbers, pasted (several on a line, comma-separated, are several callees: pasted_lists.py)."""
    if len(text.encode()) > MAX_PASTED_BYTES:
        turn.send(turn.words("error.document_too_big", megabytes=1))
        return
    content = one_callee_per_line(text, country=customer_country(turn)).encode()
    await create_campaign(turn, content)


@router.document("camp.list")
async def receive_uploaded_list(turn: Turn, content: bytes, file_name: str) -> None:
    """The numbers, as an uploaded CSV or TXT file."""
    await create_campaign(turn, content)


async def create_campaign(turn: Turn, content: bytes) -> None:
    data = turn.conversation.data
    if "camp_flow" not in data:
        await choose_flow(turn, [])
        return
    request = calls_pb2.CreateCampaignRequest(
        idempotency_key=turn.key("campaign"), customer_id=turn.customer_id,
        name=str(data.get("camp_name", ""))[:80], flow_id=data["camp_flow"], list=content,
        default_region=customer_country(turn),
        reminder_minutes=int(data.get("camp_reminder", 0)),
        # A draft even with its start time: the customer sees the estimate, then starts or schedules it.
        as_draft=True)
    request.caller_id = str(data.get("camp_caller", ""))
    request.max_minutes_per_call = int(data.get("camp_minutes", MINUTES_PER_CALL[0]))
    request.retry.CopyFrom(retry_policy(data))
    if "camp_start" in data:
        start = Timestamp()
        start.FromSeconds(int(float(data["camp_start"])))
        request.start_at.CopyFrom(start)
    try:
        campaign = await turn.services.calls.CreateCampaign(request, timeout=turn.timeout)
    except grpc.aio.AioRpcError as error:
        # A list without the flow's variables: which lines lack what, and the list step stays open.
        if (lacking := lacking_list_text(turn.words, error)) is None:
            raise
        turn.send(lacking)
        return
    await show_new_campaign(turn, campaign)


async def show_new_campaign(turn: Turn, campaign: calls_pb2.Campaign) -> None:
    """A campaign just created from a list (or a re-called segment: screens/campaign_segments.py): its
    import report, then its confirm screen."""
    turn.conversation.reset()
    words = turn.words
    report = campaign.import_report
    lines = [words("campaign.import_report", lines=words.plural("count.lines", report.lines_read),
                   accepted=words.plural("campaign.import.accepted", report.accepted),
                   invalid=words.plural("campaign.import.invalid", report.invalid),
                   duplicates=words.plural("campaign.import.duplicates", report.duplicates),
                   do_not_call=words.plural("campaign.import.do_not_call", report.do_not_call))]
    if report.invalid_examples:
        lines.append(words("campaign.invalid_examples", examples=", ".join(report.invalid_examples[:5])))
    if report.flagged:  # lines whose values may not reach a call: the reasons are the calls service's sentences
        lines.append(words.plural("campaign.flagged_lines", report.flagged,
                                  examples="\n".join(f"• {example}" for example in report.flagged_examples[:3])))
    if report.refused:  # premium-rate, shared-cost, other lines, countries calls cannot reach
        lines.append(words.plural("campaign.refused", report.refused, examples=", ".join(
            f"{refused.number} ({short_reason(words, reason=refused.reason, country=refused.country)})"
            for refused in report.refused_examples[:5])))
    keyboard = Keyboard()
    lines.append("")
    lines.extend(await confirm_lines(turn, campaign, keyboard))
    keyboard.row(button(words("campaign.open"), "camp", "view", campaign.id))
    turn.pressed_message_id = None
    turn.send("\n".join(lines), keyboard)


async def confirm_lines(turn: Turn, campaign: calls_pb2.Campaign, keyboard: Keyboard) -> list[str]:
    """A draft before it starts: its name, the estimate and whether the money covers the first calls
    (with Top up and Plans when it does not), and Start now, or Schedule when it has a start time."""
    words = turn.words
    quote = await turn.services.calls.QuoteCampaign(calls_pb2.GetCampaignRequest(
        customer_id=turn.customer_id, campaign_id=campaign.id), timeout=turn.timeout)
    lines = [words("campaign.name_line", name=campaign.name), *estimate_lines(words, quote),
             *worst_case_lines(words, quote, campaign.retry),
             *forecast_lines(words, quote),
             *await preview_lines(turn, campaign)]
    if campaign.HasField("start_at"):
        start = local_time(campaign.start_at, turn.customer.timezone, words.language)
        keyboard.row(button(words("campaign.schedule", start=start), "camp", "start", campaign.id))
    else:
        keyboard.row(button(words("campaign.start"), "camp", "start", campaign.id))
    if quote_falls_short(quote):
        keyboard.row(*ways_out_of(words, quote.blocked_reason or "INSUFFICIENT_FUNDS"))
    return lines


@router.button("camp")
async def campaign_action(turn: Turn, args: list[str]) -> None:
    """A campaign: view, start, pause, resume, cancel (after asking), rename, report (the customer's own only)."""
    action, campaign_id = ([*args, "", ""])[:2]
    calls = turn.services.calls
    if action == "askcancel":
        await ask_to_cancel(turn, campaign_id)
        return
    if action == "rename":
        turn.conversation.expect("camp.rename", camp_renaming=campaign_id)
        turn.send(turn.words("campaign.ask_rename"))
        return
    request = calls_pb2.CampaignActionRequest(idempotency_key=turn.key(f"campaign-{action}"),
                                              customer_id=turn.customer_id, campaign_id=campaign_id)
    actions = {"start": calls.StartCampaign, "pause": calls.PauseCampaign, "resume": calls.ResumeCampaign,
               "cancel": calls.CancelCampaign}
    if action in actions:
        campaign = await actions[action](request, timeout=turn.timeout)
        turn.toast(turn.words("toast.paused") if action == "pause" else turn.words("toast.resumed")
                   if action == "resume" else turn.words("toast.cancelled") if action == "cancel"
                   else turn.words("toast.done"))
    elif action == "report":
        turn.outgoing.extend(await send_campaign_report(turn.services, turn.customer, turn.words, campaign_id))
        return
    else:
        campaign = await calls.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=turn.customer_id,
                                                                        campaign_id=campaign_id),
                                           timeout=turn.timeout)
    await show_campaign(turn, campaign)


async def show_campaign(turn: Turn, campaign: calls_pb2.Campaign) -> None:
    """The campaign's screen: its counts, and why it waits or is paused, or (a draft) its estimate."""
    words = turn.words
    status = STATUS_NAMES[campaign.status]
    lines = [words("campaign.progress.title", name=campaign.name, status=words(f"campaign.status.{status}")),
             *campaign_counts_lines(words, CampaignCounts.of_totals(campaign.totals))]
    keyboard = Keyboard()
    cancel = button(words("campaign.cancel"), "camp", "askcancel", campaign.id)
    if status == "scheduled":
        lines.append(words("campaign.progress.starts",
                           start=local_time(campaign.start_at, turn.customer.timezone, words.language)))
    if status == "paused":
        lines.append(pause_reason_text(words, campaign.pause_reason))
    if status in ("running", "paused"):
        lines.extend(waiting_lines(words, campaign.waiting, turn.customer.timezone))
    if status in ("running", "scheduled"):
        keyboard.row(button(words("campaign.pause"), "camp", "pause", campaign.id), cancel)
    elif status == "paused":
        keyboard.row(button(words("campaign.resume"), "camp", "resume", campaign.id), cancel)
        # Plan minutes run out are money too: the same ways out as a balance too low.
        keyboard.row(*ways_out_of(words, "INSUFFICIENT_FUNDS" if campaign.pause_reason == "NOT_ENOUGH_PLAN_MINUTES"
                                  else campaign.pause_reason))
    elif status == "draft":
        lines.extend(await confirm_lines(turn, campaign, keyboard))
        keyboard.row(cancel)
    elif status in ("completed", "cancelled"):
        keyboard.row(button(words("campaign.report"), "camp", "report", campaign.id))
    if status in ("paused", "completed", "cancelled"):  # a new campaign of some of its callees
        keyboard.row(button(words("recall.button"), "rcall", campaign.id))
    keyboard.row(button(words("campaign.rename"), "camp", "rename", campaign.id), button(words("menu.back"), "camps"))
    turn.show("\n".join(lines), keyboard)


async def ask_to_cancel(turn: Turn, campaign_id: str) -> None:
    """Cancelling cannot be undone: it asks first (No keeps the campaign as it is)."""
    campaign = await turn.services.calls.GetCampaign(calls_pb2.GetCampaignRequest(
        customer_id=turn.customer_id, campaign_id=campaign_id), timeout=turn.timeout)
    words = turn.words
    turn.show(words("campaign.confirm_cancel", name=campaign.name,
                    callees=words.plural("count.callees", campaign.totals.pending)),
              Keyboard().row(button(words("campaign.cancel_yes"), "camp", "cancel", campaign.id),
                             button(words("campaign.cancel_no"), "camp", "view", campaign.id)))


@router.text("camp.rename")
async def receive_new_name(turn: Turn, text: str) -> None:
    """The campaign's new name: the list, the progress message and the report show it from now on."""
    campaign_id = str(turn.conversation.data.get("camp_renaming", ""))
    name = " ".join(text.split())[:80]
    if not name:
        turn.send(turn.words("campaign.ask_rename"))
        return
    campaign = await turn.services.calls.RenameCampaign(calls_pb2.RenameCampaignRequest(
        idempotency_key=turn.key("campaign-rename"), customer_id=turn.customer_id, campaign_id=campaign_id,
        name=name), timeout=turn.timeout)
    turn.conversation.reset()
    await show_campaign(turn, campaign)
