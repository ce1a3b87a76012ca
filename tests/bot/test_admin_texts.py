"""The pure parts of the admin screens: a long review cut into messages Telegram takes, and a name
search whose text is never a LIKE pattern."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.bot.customer_search import _like_prefix
from services.bot.screens.admin_review import MESSAGE_LIMIT, in_messages

lines = st.lists(st.text(min_size=0, max_size=MESSAGE_LIMIT * 2), max_size=30)


@given(lines)
def test_every_message_fits_and_nothing_is_lost_or_reordered(given_lines: list[str]) -> None:
    messages = in_messages(given_lines)
    assert all(0 < len(message) <= MESSAGE_LIMIT for message in messages)
    assert "".join(messages).replace("\n", "") == "".join(given_lines).replace("\n", "")


def test_short_lines_share_a_message_and_a_long_one_is_cut() -> None:
    assert in_messages(["a", "b"]) == ["a\nb"]
    assert in_messages([]) == []
    long = "x" * (MESSAGE_LIMIT + 10)
    assert in_messages(["head", long, "tail"]) == ["head", "x" * MESSAGE_LIMIT, "x" * 10 + "\ntail"]


def test_a_name_search_matches_its_text_literally() -> None:
    assert _like_prefix("Zeb") == "zeb%"
    assert _like_prefix("100%_off\\") == "100\\%\\_off\\\\%"
