"""Which characters of a step's words a text-to-speech voice will read aloud as names or garble:
emoji and pictographs ("smiling face with smiling eyes"), arrows and check marks, and the ASCII
signs voices spell out ("less than", "vertical bar", "tilde"). Pure; the wizard warns, it never refuses.

Why warn and not strip: some are wanted ("press # or *" is how a menu names its keys), and the
customer is the one who knows. What is not reported: letters and digits of every script, spaces,
ordinary punctuation (. , ! ? : ; ' " ( ) - …), currency signs ($5 is "five dollars"), and the
keys and signs voices read as words a caller expects: # * + % & @ /.

Worked examples: "Press 1 😀" → ["😀"] · "Open 9→5" → ["→"] · "👍🏽 thanks" → ["👍🏽"] (skin tone kept
with its emoji) · "Press 1️⃣" → ["1️⃣"] (a keycap) · "🇫🇷" → ["🇫🇷"] (a flag) · "a <b>" → ["<", ">"] ·
"Call 24/7 for $5, 50% off!" → [] · "按 1 号键" → [] · "✔️ ✔" → ["✔️", "✔"] (as written: each is
read). Each symbol is reported once, in the order it first appears.
"""

from __future__ import annotations

import unicodedata

# Signs voices spell out by name, in ASCII.
SPELLED_ASCII = frozenset("<>|^~_`=")
ZERO_WIDTH_JOINER = "\u200d"
KEYCAP = "\u20e3"
VARIATION_SELECTORS = frozenset("\ufe0e\ufe0f")
# What continues a symbol into one cluster: variation selectors, the keycap and other combining marks
# for symbols, skin tones, and the tag characters of subdivision flags (a joiner is handled apart).
_SKIN_TONES = range(0x1F3FB, 0x1F400)
_TAGS = range(0xE0020, 0xE0080)


def _continues(character: str) -> bool:
    code = ord(character)
    return (character in VARIATION_SELECTORS or character == KEYCAP or code in _SKIN_TONES or code in _TAGS
            or 0x20D0 <= code <= 0x20FF)  # combining marks for symbols


def _is_symbol(character: str) -> bool:
    if character in SPELLED_ASCII:
        return True
    if character.isascii():
        return False
    category = unicodedata.category(character)
    # So: emoji, dingbats, pictographs, regional indicators; Sm beyond ASCII: arrows, ≥, ×; Sk: modifiers.
    return category in ("So", "Sm", "Sk") or category == "Co"


def _is_keycap_base(text: str, index: int) -> bool:
    """A digit, # or * that a keycap mark (with or without a variation selector) turns into an emoji."""
    if text[index] not in "0123456789#*":
        return False
    rest = text[index + 1:index + 3]
    return rest.startswith(KEYCAP) or (rest[:1] in VARIATION_SELECTORS and rest[1:2] == KEYCAP)


def read_aloud_symbols(text: str) -> list[str]:
    """The emoji and symbols in `text` a voice will read aloud (see the module docstring)."""
    found: list[str] = []
    index = 0
    while index < len(text):
        character = text[index]
        if not (_is_symbol(character) or _is_keycap_base(text, index)):
            index += 1
            continue
        end = index + 1
        regional = 0x1F1E6 <= ord(character) <= 0x1F1FF
        if regional and end < len(text) and 0x1F1E6 <= ord(text[end]) <= 0x1F1FF:
            end += 1  # a flag is two regional indicators
        while end < len(text):
            if _continues(text[end]):
                end += 1
            elif text[end] == ZERO_WIDTH_JOINER and end + 1 < len(text) and _is_symbol(text[end + 1]):
                end += 2
            else:
                break
        cluster = text[index:end]
        if cluster not in found:
            found.append(cluster)
        index = end
    return found
