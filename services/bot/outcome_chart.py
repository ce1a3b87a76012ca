"""A campaign's outcomes as a horizontal bar chart (PNG): one bar per outcome, with its count on the
bar and its share of all calls beside it.

The labels arrive translated; fonts per script come from services.bot.fonts. Counting outcomes is
the calls service's job, not this module's.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

from PIL import Image, ImageDraw

from services.bot.fonts import draw_text, ellipsize, line_height, text_width, wrap_text

MAX_HEIGHT = 4000
_WIDTH = 1000
_LARGEST_SIZE = 18
_SMALLEST_SIZE = 8
BAR_COLOURS = ("#2563eb", "#16a34a", "#dc2626", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4d7c0f")
# Colours that say what a bar means, for callers whose outcomes have one: good, bad, nothing, ongoing.
GOOD, BAD, NEUTRAL, ONGOING = "#16a34a", "#dc2626", "#a8a29e", "#2563eb"
_EMPTY_BAR = "#cbd5e1"
_BACKGROUND = "#ffffff"
_INK = "#0f172a"
_MUTED = "#64748b"
_AXIS = "#94a3b8"


def _share(count: int, total: int) -> str:
    if total <= 0 or count <= 0:
        return "0%"
    percent = 100 * count / total
    return "<1%" if percent < 1 else f"{percent:.0f}%"


def render_outcome_chart_png(counts: list[tuple[str, int]], *, title: str,
                             colours: Sequence[str] = BAR_COLOURS) -> bytes:
    """The chart as a PNG 1000 pixels wide and at most 4000 high; negative counts are drawn as zero.
    Bar i is drawn in colours[i] (cycling), so a caller can give "not reached" red, "answered" green."""
    rows = [(label, max(0, count)) for label, count in counts]
    total = sum(count for _, count in rows)
    largest = max((count for _, count in rows), default=0)
    # Text shrinks with the number of bars so that the chart stays within the height limit.
    size = _LARGEST_SIZE
    if rows:
        size = max(_SMALLEST_SIZE, min(_LARGEST_SIZE, math.floor((MAX_HEIGHT - 240) / (len(rows) * 2.4))))
    small = max(_SMALLEST_SIZE, round(size * 0.85))
    margin = 32
    row_height = round(size * 2.4)
    bar_height = round(row_height * 0.62)

    title_size = 26
    title_lines = wrap_text(title, title_size, _WIDTH - 2 * margin, max_lines=2, bold=True) if title else []
    top = margin + len(title_lines) * line_height(title_size)
    summary = f"Σ {total}"
    top += line_height(small) + 16
    height = top + len(rows) * row_height + margin

    label_width = min(max((text_width(label, size) for label, _ in rows), default=0.0), _WIDTH * 0.38)
    label_width = max(label_width, size * 2.0)
    values = [(str(count), _share(count, total)) for _, count in rows]
    value_width = max((text_width(f"{count} · {share}", small, bold=True) for count, share in values), default=0.0)
    bar_left = margin + label_width + size
    bar_space = max(size * 4.0, _WIDTH - margin - value_width - size - bar_left)

    image = Image.new("RGB", (_WIDTH, height), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    y = float(margin)
    for line in title_lines:
        draw_text(draw, (margin, y), line, title_size, fill=_INK, bold=True)
        y += line_height(title_size)
    draw_text(draw, (margin, y + 4), summary, small, fill=_MUTED)
    if rows:
        draw.line([(bar_left, top - 4), (bar_left, top + len(rows) * row_height)], fill=_AXIS, width=1)
    for index, ((label, count), (count_text, share)) in enumerate(zip(rows, values, strict=True)):
        row_top = top + index * row_height
        middle = row_top + row_height / 2
        shown = ellipsize(label, size, label_width)
        draw_text(draw, (bar_left - size / 2 - text_width(shown, size), middle - line_height(size) / 2), shown,
                  size, fill=_INK)
        length = bar_space * count / largest if largest else 0.0
        bar_top, bar_bottom = middle - bar_height / 2, middle + bar_height / 2
        if count:
            colour = colours[index % len(colours)] if colours else BAR_COLOURS[index % len(BAR_COLOURS)]
            draw.rounded_rectangle((bar_left, bar_top, bar_left + max(length, 3.0), bar_bottom),
                                   radius=min(6, bar_height // 3), fill=colour)
        else:  # a sliver, so that the row reads as "none" rather than as missing
            draw.rectangle((bar_left, bar_top, bar_left + 3, bar_bottom), fill=_EMPTY_BAR)
        text_top = middle - line_height(small) / 2
        inside = text_width(count_text, small, bold=True) + small
        if count and inside <= length:
            draw_text(draw, (bar_left + length - inside + small / 2, text_top), count_text, small, fill="#ffffff",
                      bold=True)
            draw_text(draw, (bar_left + length + small / 2, text_top), share, small, fill=_MUTED, bold=True)
        else:
            draw_text(draw, (bar_left + max(length, 3.0) + small / 2, text_top), f"{count_text} · {share}", small,
                      fill=_MUTED, bold=True)

    if image.height > MAX_HEIGHT:
        # More bars than fit at the smallest legible size: scale the whole chart down.
        scale = MAX_HEIGHT / image.height
        image = image.resize((max(1, int(image.width * scale)), MAX_HEIGHT), Image.Resampling.LANCZOS)
    output = io.BytesIO()
    image.save(output, format="PNG", optimize=True)
    return output.getvalue()
