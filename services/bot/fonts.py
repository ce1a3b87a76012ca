"""Fonts for the bot's pictures: which installed font draws which script, and how to measure and draw
a line of text that mixes scripts (a Hindi prompt with "1" in it, a Chinese title with a flow id).

The pictures are shown in English, Chinese, French and Hindi. No single font covers all four, so
text is split into runs of one script and each run is drawn with the best font found for it. When
no font for a script is installed, Pillow's own font is used: the glyphs may show as boxes, but the
picture is still made. Laying out pictures lives in flow_picture and outcome_chart, not here.
"""

from __future__ import annotations

import enum
import functools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageDraw, ImageFont

FontType = ImageFont.FreeTypeFont | ImageFont.ImageFont

# Searched in this order; the first directory that holds a wanted file name wins.
FONT_DIRECTORIES: tuple[Path, ...] = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
    Path.home() / ".fonts",
)


class Script(enum.Enum):
    """The writing systems that need a font of their own."""

    LATIN = "latin"  # also Greek, Cyrillic, digits, punctuation and symbols: anything not below
    CJK = "cjk"
    DEVANAGARI = "devanagari"


@dataclass(frozen=True)
class FontFile:
    path: Path
    index: int  # the face inside a .ttc collection


# (file name, face index) by preference. The Noto CJK collection holds JP, KR, SC, TC, HK in that
# order; face 2 (Simplified Chinese) gives the glyph shapes a Chinese reader expects.
_WANTED: dict[tuple[Script, bool], tuple[tuple[str, int], ...]] = {
    (Script.LATIN, False): (
        ("DejaVuSans.ttf", 0),  # first: it also has the arrows and symbols Noto Sans lacks
        ("NotoSans-Regular.ttf", 0),
        ("LiberationSans-Regular.ttf", 0),
        ("DroidSans.ttf", 0),
    ),
    (Script.LATIN, True): (
        ("DejaVuSans-Bold.ttf", 0),
        ("NotoSans-Bold.ttf", 0),
        ("LiberationSans-Bold.ttf", 0),
        ("DroidSans-Bold.ttf", 0),
    ),
    (Script.CJK, False): (
        ("NotoSansCJK-Regular.ttc", 2),
        ("NotoSansCJKsc-Regular.otf", 0),
        ("NotoSansSC-Regular.otf", 0),
        ("NotoSansSC-Regular.ttf", 0),
        ("wqy-microhei.ttc", 0),
        ("wqy-zenhei.ttc", 0),
        ("DroidSansFallbackFull.ttf", 0),
        ("DroidSansFallback.ttf", 0),
    ),
    (Script.CJK, True): (
        ("NotoSansCJK-Bold.ttc", 2),
        ("NotoSansCJKsc-Bold.otf", 0),
        ("NotoSansSC-Bold.otf", 0),
        ("NotoSansSC-Bold.ttf", 0),
    ),
    (Script.DEVANAGARI, False): (
        ("NotoSansDevanagari-Regular.ttf", 0),
        ("NotoSansDevanagariUI-Regular.ttf", 0),
        ("Lohit-Devanagari.ttf", 0),
        ("DroidSansDevanagari-Regular.ttf", 0),
        ("gargi.ttf", 0),
    ),
    (Script.DEVANAGARI, True): (
        ("NotoSansDevanagari-Bold.ttf", 0),
        ("NotoSansDevanagariUI-Bold.ttf", 0),
    ),
}

_FONT_SUFFIXES = (".ttf", ".otf", ".ttc")


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
    return Script.LATIN


def script_runs(text: str) -> list[tuple[str, Script]]:
    """Splits text into runs of one script; spaces join the run they follow (or the next one)."""
    runs: list[tuple[str, Script]] = []
    pending = ""  # leading spaces, before any script is known
    for char in text:
        script = script_of(char)
        if script is None:
            if runs:
                runs[-1] = (runs[-1][0] + char, runs[-1][1])
            else:
                pending += char
        elif runs and runs[-1][1] is script:
            runs[-1] = (runs[-1][0] + char, script)
        else:
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
        font = ImageFont.truetype(str(chosen.path), size, index=chosen.index)
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
        """The installed font file that draws this script best, None when there is none.

        A bold request falls back to the regular face before giving up, so that bold text in a
        script without a bold font is at least readable.
        """
        key = (script, bold)
        if key not in self._chosen:
            wanted = _WANTED[key] + (_WANTED[(script, False)] if bold else ())
            self._chosen[key] = self._first_loadable(wanted)
        return self._chosen[key]

    def _first_loadable(self, wanted: Iterable[tuple[str, int]]) -> FontFile | None:
        for name, index in wanted:
            for path in self._files.get(name, []):
                candidate = FontFile(path=path, index=index)
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
        return font
    try:
        return ImageFont.load_default(size)
    except (OSError, ImportError):  # Pillow built without FreeType: a fixed-size bitmap font
        return ImageFont.load_default()


@functools.lru_cache(maxsize=4)
def _shelf_for(directories: tuple[Path, ...]) -> FontShelf:
    return FontShelf(directories)


def shelf() -> FontShelf:
    """The fonts installed on this machine (looked up once per FONT_DIRECTORIES value)."""
    return _shelf_for(tuple(FONT_DIRECTORIES))


def found_fonts() -> dict[str, str]:
    """Which file draws which script, for a start-up log line: {"cjk": "/usr/share/...", ...}."""
    found: dict[str, str] = {}
    for script in Script:
        chosen = shelf().file_for(script)
        found[script.value] = f"{chosen.path}#{chosen.index}" if chosen else "Pillow default font"
    return found


def font_for(text: str, size: int, *, bold: bool = False) -> FontType:
    """The best font for the script most of the text is written in."""
    return shelf().font(dominant_script(text), size, bold=bold)


def _drawable(font: FontType, text: str) -> str:
    # Pillow's bitmap font only has Latin-1 glyphs; anything else would raise when drawn.
    if isinstance(font, ImageFont.FreeTypeFont):
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
        if isinstance(font, ImageFont.FreeTypeFont):
            draw.text((x, baseline), run, font=font, fill=fill, anchor="ls")
        else:
            draw.text((x, top), run, font=font, fill=fill)
        x += font.getlength(run)
    return x - xy[0]


def clusters(text: str) -> list[str]:
    """Splits text into pieces that may be broken between: a letter with its combining marks, and
    Devanagari consonants joined by a virama, stay together."""
    pieces: list[str] = []
    for char in text:
        joins = bool(pieces) and (
            unicodedata.category(char).startswith("M")
            or char in "\u200c\u200d"
            or pieces[-1].endswith("\u094d")  # virama: the next consonant is part of a conjunct
        )
        if joins:
            pieces[-1] += char
        else:
            pieces.append(char)
    return pieces


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
