"""The custom answers' columns of a campaign's report in the customer's words, and the answers chart's
bars counted from them: per yes/no or choice field, how many callees answered each answer
("interested?: yes 12, no 3"; "preferred day: Tue 7, Mon 5"). Pure.

The calls service writes these columns after the report's own (services/calls/answer_columns.py): a
header `answer:<type>:<field name>` and the kept answer of each callee's last call. Here the header
becomes the field's name and a yes/no answer the chat's word for it, so the file and the chart say the
same words and the same numbers; numbers and texts stay as they are and are not charted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from services.bot.answer_texts import answer_words
from services.bot.i18n import Words
from services.bot.outcome_chart import BAD, BAR_COLOURS, GOOD, render_outcome_chart_png
from services.bot.outgoing import Outgoing
from services.calls.answer_columns import column_of
from services.calls.custom_fields import NO, YES, FieldType

CHARTED = (FieldType.YES_NO, FieldType.CHOICE)
YES_NO_COLOURS = {YES: GOOD, NO: BAD}


@dataclass
class AnswerColumns:
    """The answer columns of one report, as read from its header, with the answers counted so far."""

    columns: list[tuple[FieldType, str] | None]
    counts: list[Counter[str]] = field(default_factory=list)

    @classmethod
    def of_header(cls, cells: Sequence[str]) -> AnswerColumns:
        columns = [column_of(cell) for cell in cells]
        return cls(columns, [Counter() for _ in columns])

    def header(self, cells: Sequence[str]) -> list[str]:
        """The field names (a column that is not an answer column keeps its header)."""
        return [column[1] if column else cell for column, cell in zip(self.columns, cells, strict=True)]

    def row(self, words: Words, cells: Sequence[str]) -> list[str]:
        """One callee's answers in words, counted for the chart."""
        shown = []
        for column, counted, cell in zip(self.columns, self.counts, cells, strict=True):
            if column is None or not cell:
                shown.append(cell)
                continue
            if column[0] in CHARTED:
                counted[cell] += 1
            shown.append(answer_words(words, column[0], cell))
        return shown

    def bars(self, words: Words) -> list[tuple[str, int, str]]:
        """Per charted field, a bar per answer (yes before no; options most frequent first)."""
        bars: list[tuple[str, int, str]] = []
        for column, counted in zip(self.columns, self.counts, strict=True):
            if column is None or column[0] not in CHARTED or not counted:
                continue
            kind, name = column
            answers = [a for a in (YES, NO) if counted[a]] if kind == FieldType.YES_NO else [
                a for a, _ in counted.most_common()]
            for index, answer in enumerate(answers):
                colour = YES_NO_COLOURS.get(answer, GOOD) if kind == FieldType.YES_NO else BAR_COLOURS[
                    index % len(BAR_COLOURS)]
                bars.append((f"{name}: {answer_words(words, kind, answer)}", counted[answer], colour))
        return bars


def answers_chart(words: Words, chat_id: int, bars: list[tuple[str, int, str]]) -> list[Outgoing]:
    """The answers chart as a photo; none when no yes/no or choice field was answered."""
    if not bars:
        return []
    title = words("fields.answers_chart")
    chart = render_outcome_chart_png([(label, count) for label, count, _ in bars], title=title,
                                     colours=[colour for _, _, colour in bars])
    return [Outgoing("sendPhoto", {"chat_id": chat_id, "caption": title}, file=chart, file_name="answers.png")]
