"""Fonts for the bot's pictures: which of the project's font files draws which script, and how to
measure and draw a line of text that mixes scripts (a Hindi prompt with "1" in it, a Chinese title
with a flow id, a step header that starts with an emoji).

The pictures are shown in English, Chinese, French and Hindi, and step headers carry emoji. No single
font covers all of that, so text is split into runs of one script and each run is drawn with the font
for it. The fonts are the project's own files (services/bot/font_files, see its README), never the
machine's: a picture looks the same under `./dev up`, in the tests and in the image, and a fresh machine
needs nothing installed for it. When a file is missing, Pillow's own font is used: the glyphs may show
as boxes, but the picture is still made. Laying out pictures lives in flow_picture and outcome_chart.
"""

from __future__ import annotations

import enum
import functools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

# The only place fonts are looked for (a list, so a test can point it elsewhere).
FONT_DIRECTORIES: tuple[Path, ...] = (Path(__file__).with_name("font_files"),)


class Script(enum.Enum):
    """The writing systems that need a font of their own."""

    LATIN = "latin"  # also Greek, Cyrillic, digits, punctuation and symbols: anything not below
    CJK = "cjk"
    DEVANAGARI = "devanagari"
    EMOJI = "emoji"


@dataclass(frozen=True)
class FontFile:
    path: Path
    index: int = 0  # the face inside a .ttc collection
    # A colour bitmap font has glyphs of one pixel size only; it is loaded at that size and scaled.
    bitmap_size: int | None = None


@dataclass(frozen=True)
class _Wanted:
    name: str
    index: int = 0
    bitmap_size: int | None = None


# By preference, for each (script, bold). Bold CJK has no file of its own (it would add 12 MB): a
# bold request falls back to the regular face. Noto Color Emoji's bitmaps are 109 px.
_WANTED: dict[tuple[Script, bool], tuple[_Wanted, ...]] = {
    (Script.LATIN, False): (_Wanted("DejaVuSans.ttf"),),  # it has the arrows and symbols Noto Sans lacks
    (Script.LATIN, True): (_Wanted("DejaVuSans-Bold.ttf"),),
    (Script.CJK, False): (_Wanted("NotoSansCJKsc-Regular.woff2"),),
    (Script.CJK, True): (),
    (Script.DEVANAGARI, False): (_Wanted("NotoSansDevanagari-Regular.ttf"),),
    (Script.DEVANAGARI, True): (_Wanted("NotoSansDevanagari-Bold.ttf"),),
    (Script.EMOJI, False): (_Wanted("NotoColorEmoji.ttf", bitmap_size=109),),
    (Script.EMOJI, True): (),
}

_FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".woff2")


class BitmapFont:
    """A colour bitmap font drawn at its one size and scaled to the size asked for."""

    def __init__(self, font: ImageFont.FreeTypeFont, size: int) -> None:
        self.font = font
        self.scale = size / font.size

    def getlength(self, text: str) -> float:
        return self.font.getlength(text) * self.scale

    def draw(self, image: Image.Image, xy: tuple[float, float], text: str) -> None:
        """Draws text with its baseline starting at xy."""
        ascent, descent = self.font.getmetrics()
        layer = Image.new("RGBA", (max(1, round(self.font.getlength(text))), ascent + descent))
        ImageDraw.Draw(layer).text((0, ascent), text, font=self.font, anchor="ls", embedded_color=True)
        width, height = max(1, round(layer.width * self.scale)), max(1, round(layer.height * self.scale))
        scaled = layer.resize((width, height), Image.Resampling.LANCZOS)
        image.paste(scaled, (round(xy[0]), round(xy[1] - ascent * self.scale)), scaled)


FontType = ImageFont.FreeTypeFont | ImageFont.ImageFont | BitmapFont

# Emoji that are drawn as emoji without U+FE0F after them (Unicode's Emoji_Presentation) outside
# the pictographic planes, which are all emoji; any other character followed by U+FE0F is one too.
_EMOJI_RANGES = (
    (0x231A, 0x231B), (0x23E9, 0x23EC), (0x23F0, 0x23F0), (0x23F3, 0x23F3), (0x25FD, 0x25FE),
    (0x2614, 0x2615), (0x2648, 0x2653), (0x267F, 0x267F), (0x2693, 0x2693), (0x26A1, 0x26A1),
    (0x26AA, 0x26AB), (0x26BD, 0x26BE), (0x26C4, 0x26C5), (0x26CE, 0x26CE), (0x26D4, 0x26D4),
    (0x26EA, 0x26EA), (0x26F2, 0x26F3), (0x26F5, 0x26F5), (0x26FA, 0x26FA), (0x26FD, 0x26FD),
    (0x2705, 0x2705), (0x270A, 0x270B), (0x2728, 0x2728), (0x274C, 0x274C), (0x274E, 0x274E),
    (0x2753, 0x2755), (0x2757, 0x2757), (0x2795, 0x2797), (0x27B0, 0x27B0), (0x27BF, 0x27BF),
    (0x2B1B, 0x2B1C), (0x2B50, 0x2B50), (0x2B55, 0x2B55),
    (0x1F000, 0x1FAFF),  # mahjong and cards to symbols and pictographs extended-A, flags included
)
_EMOJI_PRESENTATION = "\ufe0f"
# Characters that never start a run: they belong to the character before them (an emoji's variation
# selector, keycap or zero-width joiner; a Devanagari zero-width (non-)joiner; emoji tag characters).
_JOINERS = frozenset("\ufe0e\ufe0f\u20e3\u200c\u200d") | frozenset(chr(code) for code in range(0xE0020, 0xE0080))


def script_of(char: str) -> Script | None:
    """The script a character needs a font for; None for spaces, which any font draws."""
    if char.isspace():
        return None
    code = ord(char)
    if 0x0900 <= code <= 0x097F or 0xA8E0 <= code <= 0xA8FF or 0x1CD0 <= code <= 0x1CFF:
        return Script.DEVANAGARI
    if (
        0x2E80 <= code <= 0x9FFF  # radicals, CJK punctuation, kana, bopomofo, unified ideographs
        or 0xAC00 <= code <= 0xD7AF  # Hangul
        or 0xF900 <= code <= 0xFAFF
        or 0xFE30 <= code <= 0xFE4F
        or 0xFF00 <= code <= 0xFFEF  # full-width forms, as in "１" or "："
        or 0x20000 <= code <= 0x3FFFF
    ):
        return Script.CJK
    if any(first <= code <= last for first, last in _EMOJI_RANGES):
        return Script.EMOJI
    return Script.LATIN


def script_runs(text: str) -> list[tuple[str, Script]]:
    """Splits text into runs of one script. Spaces join the run they follow (or the next one), but
    not an emoji run: the emoji font's space is an emoji wide. A character followed by U+FE0F is
    an emoji ("⌨️"), and joiners stay with the character before them."""
    runs: list[tuple[str, Script]] = []
    pending = ""  # spaces before any script is known, or after an emoji
    for position, char in enumerate(text):
        if char in _JOINERS and runs and not pending:
            runs[-1] = (runs[-1][0] + char, runs[-1][1])
            continue
        script = script_of(char)
        if script is not None and text[position + 1:position + 2] == _EMOJI_PRESENTATION:
            script = Script.EMOJI
        if script is None:
            if runs and runs[-1][1] is not Script.EMOJI:
                runs[-1] = (runs[-1][0] + char, runs[-1][1])
            else:
                pending += char
        elif runs and runs[-1][1] is script and not pending:
            runs[-1] = (runs[-1][0] + char, script)
        else:
            if pending and script is Script.EMOJI:  # spaces before an emoji: drawn by the Latin font
                runs.append((pending, Script.LATIN))
                pending = ""
            runs.append((pending + char, script))
            pending = ""
    if pending:
        runs.append((pending, Script.LATIN))
    return runs


def dominant_script(text: str) -> Script:
    """The script most of the text's letters are in, Latin when there are none."""
    counts: dict[Script, int] = {}
    for char in text:
        script = script_of(char)
        if script is not None:
            counts[script] = counts.get(script, 0) + 1
    if not counts:
        return Script.LATIN
    return max(counts, key=lambda script: (counts[script], script is not Script.LATIN))


def _index_directories(directories: Iterable[Path]) -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for directory in directories:
        try:
            candidates = sorted(directory.rglob("*"))
        except OSError:
            continue
        for candidate in candidates:
            if candidate.suffix.lower() in _FONT_SUFFIXES:
                found.setdefault(candidate.name, []).append(candidate)
    return found


def _open(chosen: FontFile, size: int) -> ImageFont.FreeTypeFont | None:
    try:
        font = ImageFont.truetype(str(chosen.path), chosen.bitmap_size or size, index=chosen.index)
    except OSError:  # unreadable, truncated, or a collection with fewer faces
        return None
    # When a file fails to load, Pillow quietly looks for one of the same name in the system's
    # font directories; only the file asked for counts.
    return font if font.path == str(chosen.path) else None


class FontShelf:
    """The fonts found in some directories, chosen per script and loaded once per size."""

    def __init__(self, directories: Sequence[Path]) -> None:
        self._files = _index_directories(directories)
        self._chosen: dict[tuple[Script, bool], FontFile | None] = {}
        self._loaded: dict[tuple[Script, bool, int], FontType] = {}

    def file_for(self, script: Script, *, bold: bool = False) -> FontFile | None:
        """The font file that draws this script, None when there is none.

        A bold request falls back to the regular face before giving up, so that bold text in a
        script without a bold font is at least readable.
        """
        key = (script, bold)
        if key not in self._chosen:
            wanted = _WANTED[key] + (_WANTED[(script, False)] if bold else ())
            self._chosen[key] = self._first_loadable(wanted)
        return self._chosen[key]

    def _first_loadable(self, wanted: Iterable[_Wanted]) -> FontFile | None:
        for want in wanted:
            for path in self._files.get(want.name, []):
                candidate = FontFile(path=path, index=want.index, bitmap_size=want.bitmap_size)
                if _open(candidate, 12) is not None:
                    return candidate
        return None

    def font(self, script: Script, size: int, *, bold: bool = False) -> FontType:
        key = (script, bold, size)
        if key not in self._loaded:
            chosen = self.file_for(script, bold=bold)
            if chosen is None and script is not Script.LATIN:
                # A Latin font still draws the digits and punctuation in the run.
                chosen = self.file_for(Script.LATIN, bold=bold)
            self._loaded[key] = _load(chosen, size)
        return self._loaded[key]


def _load(chosen: FontFile | None, size: int) -> FontType:
    font = _open(chosen, size) if chosen is not None else None
    if font is not None:
        return BitmapFont(font, size) if chosen is not None and chosen.bitmap_size else font
    try:
        return ImageFont.load_default(size)
    except (OSError, ImportError):  # Pillow built without FreeType: a fixed-size bitmap font
        return ImageFont.load_default()


@functools.lru_cache(maxsize=4)
def _shelf_for(directories: tuple[Path, ...]) -> FontShelf:
    return FontShelf(directories)


def shelf() -> FontShelf:
    """The project's fonts (looked up once per FONT_DIRECTORIES value)."""
    return _shelf_for(tuple(FONT_DIRECTORIES))


def found_fonts() -> dict[str, str]:
    """Which file draws which script, for a start-up log line: {"cjk": ".../NotoSansCJKsc-…", ...}."""
    found: dict[str, str] = {}
    for script in Script:
        chosen = shelf().file_for(script)
        found[script.value] = f"{chosen.path}#{chosen.index}" if chosen else "Pillow default font"
    return found


def font_for(text: str, size: int, *, bold: bool = False) -> FontType:
    """The font for the script most of the text is written in."""
    return shelf().font(dominant_script(text), size, bold=bold)


def _drawable(font: FontType, text: str) -> str:
    # Pillow's bitmap font only has Latin-1 glyphs; anything else would raise when drawn.
    if isinstance(font, ImageFont.FreeTypeFont | BitmapFont):
        return text
    return text.encode("latin-1", "replace").decode("latin-1")


def text_width(text: str, size: int, *, bold: bool = False) -> float:
    """How wide the text is when drawn by draw_text, in pixels."""
    return _text_width(shelf(), text, size, bold)


@functools.lru_cache(maxsize=8192)
def _text_width(fonts: FontShelf, text: str, size: int, bold: bool) -> float:
    total = 0.0
    for run, script in script_runs(text):
        font = fonts.font(script, size, bold=bold)
        total += font.getlength(_drawable(font, run))
    return total


def line_height(size: int) -> int:
    """The distance between two lines of text of this size; leaves room for Devanagari vowel signs."""
    return round(size * 1.4)


def draw_text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    size: int,
    *,
    fill: str | tuple[int, int, int],
    bold: bool = False,
) -> float:
    """Draws one line with its top-left corner at xy, a font per script run; returns its width."""
    x, top = xy
    baseline = top + round(size * 1.02)
    for run, script in script_runs(text):
        font = shelf().font(script, size, bold=bold)
        run = _drawable(font, run)
        if isinstance(font, BitmapFont):
            # Colour glyphs are pasted, not drawn in the fill: ImageDraw cannot scale them.
            font.draw(draw._image, (x, baseline), run)
        elif isinstance(font, ImageFont.FreeTypeFont):
            draw.text((x, baseline), run, font=font, fill=fill, anchor="ls")
        else:
            draw.text((x, top), run, font=font, fill=fill)
        x += font.getlength(run)
    return x - xy[0]


def clusters(text: str) -> list[str]:
    """Splits text into pieces that may be broken between: a letter with its combining marks,
    Devanagari consonants joined by a virama, and an emoji sequence (skin tone, joined emoji, keycap,
    flag) stay together."""
    pieces: list[str] = []
    for char in text:
        joins = bool(pieces) and (
            unicodedata.category(char).startswith("M")
            or char in _JOINERS
            or 0x1F3FB <= ord(char) <= 0x1F3FF  # skin tone
            or pieces[-1].endswith(("\u094d", "\u200d"))  # virama, joiner: the next one is part of it
            or _is_second_flag_letter(pieces[-1], char)
        )
        if joins:
            pieces[-1] += char
        else:
            pieces.append(char)
    return pieces


def _is_second_flag_letter(piece: str, char: str) -> bool:
    """A flag is two regional indicator letters ("🇫🇷"); a piece holds at most one flag."""
    def indicator(c: str) -> bool:
        return 0x1F1E6 <= ord(c) <= 0x1F1FF

    return indicator(char) and len(piece) % 2 == 1 and all(indicator(c) for c in piece)


def wrap_text(text: str, size: int, width: float, *, max_lines: int, bold: bool = False) -> list[str]:
    """Wraps text to at most max_lines lines no wider than width, at spaces where it can and between
    characters where it must (Chinese has no spaces); the last line ends with "…" when text is left out."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        if len(lines) > max_lines:
            break
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size, bold=bold) <= width:
            current = candidate
        elif text_width(word, size, bold=bold) <= width:
            lines.append(current)
            current = word
        else:  # too wide on its own: break it between characters, starting on the current line
            current = f"{current} " if current else ""
            for piece in clusters(word):
                if current.strip() and text_width(current + piece, size, bold=bold) > width:
                    lines.append(current.rstrip())
                    current = ""
                current += piece
    if current:
        lines.append(current)
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    kept[-1] = ellipsize(kept[-1] + "…", size, width, bold=bold)
    return kept


def ellipsize(text: str, size: int, width: float, *, bold: bool = False) -> str:
    """The text itself when it fits in width, else as much of it as fits followed by "…"."""
    if text_width(text, size, bold=bold) <= width:
        return text
    pieces = clusters(text.rstrip("…"))
    while pieces and text_width("".join(pieces).rstrip() + "…", size, bold=bold) > width:
        pieces.pop()
    return "".join(pieces).rstrip() + "…"
