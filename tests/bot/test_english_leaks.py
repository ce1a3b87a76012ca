"""The check every bot journey runs on its way out (tests/bot/english_leaks.py) finds English the code
built outside the catalogues, and leaves alone what a person supplied and technical tokens."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bot.english_leaks import english_words, leaks


@pytest.mark.parametrize(("text", "supplied", "found"), [
    ("通话失败：dial_no_answer", [], ["dial", "answer"]),
    ("审核说明：Flow contains a one-time code request", [], ["Flow", "contains", "one", "time", "code", "request"]),
    ("Paused", [], ["Paused"]),
    ("流程“Dental reminders”已保存", ["Dental reminders"], []),
    ("客户 Acme Dental 的流程", ["Acme Dental"], []),
    ("退款原因：line dropped", ["The callee's line dropped twice"], []),
    ("请发送 0.0004 BTC 至 simbtc1a2665796a645444ea6d16710b5a0e9", [], []),
    ("打开 https://pay.example/invoice/abc", [], []),
    ("08:00（Asia/Kolkata）", [], []),
    ("时区 America/New_York", [], []),
    ("客户 cus_3f9a2b 的钱包", [], []),
    ("USDT (TRC20) 或 BTC", [], []),
    ("语言：English · Français · 中文", [], []),
    ("下载 CSV 报告", [], []),
    ("按 1 确认", ["1"], []),
    ("状态：failed", ["1"], ["failed"]),
])
def test_english_words(text: str, supplied: list[str], found: list[str]) -> None:
    assert english_words(text, supplied) == found


def test_leaks_reads_texts_captions_and_button_labels_of_sending_methods_only() -> None:
    calls: list[tuple[str, dict[str, Any]]] = [
        ("sendMessage", {"text": "主菜单",
                         "reply_markup": {"inline_keyboard": [[{"text": "Back", "callback_data": "home"}]]}}),
        ("sendPhoto", {"caption": "Outcome chart"}),
        ("editMessageText", {"text": "已暂停", "reply_markup": '{"inline_keyboard": [[{"text": "Resume"}]]}'}),
        ("answerCallbackQuery", {"callback_query_id": "1", "text": "Saved"}),
        ("getMe", {"text": "Not shown to anyone"}),
    ]

    found = leaks(calls, supplied=[])

    assert [line.split(":")[0] for line in found] == ["sendMessage", "sendPhoto", "editMessageText",
                                                      "answerCallbackQuery"]
    assert "Back" in found[0] and "Resume" in found[2]
