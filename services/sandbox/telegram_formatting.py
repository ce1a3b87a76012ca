"""Telegram's message formatting as the Bot API applies it: `parse_mode` HTML, MarkdownV2 and the
legacy Markdown turn marked-up text into plain text plus MessageEntity objects (offsets and lengths
in UTF-16 code units), and markup Telegram would refuse is refused with Telegram's own wording
("can't parse entities: ..."). Also the entities a Telegram client attaches to what a person types
(bot commands).

Simulated: the tags and markers of the Bot API's formatting options, HTML character references,
MarkdownV2's escaping rules, trimming of leading and trailing white space. Not simulated: automatic
url/mention/hashtag detection in the bot's texts (Telegram adds those entities; we do not), the
`entities` parameter's validation beyond its shape, date_time and custom emoji checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


class EntityParseError(ValueError):
    """Markup Telegram refuses; `str(error)` is the text after "can't parse entities: "."""


@dataclass
class FormattedText:
    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


_HTML_TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
              "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
              "span": "spoiler", "a": "text_link", "code": "code", "pre": "pre", "blockquote": "blockquote",
              "tg-emoji": "custom_emoji"}
_HTML_NAMED_REFERENCES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'", "nbsp": "\u00a0"}
_HTML_REFERENCE = re.compile(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")
_HTML_ATTRIBUTE = re.compile(r"""\s*([a-zA-Z_-]+)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s>"']+))?""")

_MARKDOWN_V2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_BOT_COMMAND = re.compile(r"(?<![^\s])/[a-zA-Z0-9_]{1,32}(?:@[a-zA-Z0-9_]{3,32})?(?![^\s])")


def parse_formatted(text: str, parse_mode: str | None) -> FormattedText:
    """The text and entities Telegram makes of `text` under `parse_mode` (None: plain text)."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        formatted = _parse_html(text)
    elif mode == "markdownv2":
        formatted = _parse_markdown_v2(text)
    elif mode == "markdown":
        formatted = _parse_markdown(text)
    elif mode == "":
        formatted = FormattedText(text)
    else:
        raise ValueError("unsupported parse_mode")
    return _trim(formatted)


def client_entities(text: str) -> list[dict[str, Any]]:
    """The entities a Telegram app sends with a typed text: a bot_command for each /command."""
    entities = []
    for match in _BOT_COMMAND.finditer(text):
        entities.append({"type": "bot_command", "offset": utf16_length(text[:match.start()]),
                         "length": utf16_length(match.group())})
    return entities


def _trim(formatted: FormattedText) -> FormattedText:
    """Telegram drops leading and trailing white space, and the entities that fall with it."""
    text = formatted.text
    stripped = text.lstrip()
    head = utf16_length(text[: len(text) - len(stripped)])
    stripped = stripped.rstrip()
    limit = utf16_length(stripped)
    entities = []
    for entity in formatted.entities:
        start = max(entity["offset"] - head, 0)
        end = min(entity["offset"] + entity["length"] - head, limit)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return FormattedText(stripped, entities)


class _Builder:
    """Accumulates plain text and knows its length in UTF-16 units as it grows."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.entities: list[dict[str, Any]] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += utf16_length(text)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        if self.length > start:
            self.entities.append({"type": kind, "offset": start, "length": self.length - start, **extra})

    def result(self) -> FormattedText:
        return FormattedText("".join(self.parts), self.entities)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


@dataclass
class _OpenTag:
    name: str
    kind: str
    start: int
    extra: dict[str, Any]


def _parse_html(text: str) -> FormattedText:
    out = _Builder()
    stack: list[_OpenTag] = []
    index, size = 0, len(text)
    while index < size:
        char = text[index]
        if char == "&":
            match = _HTML_REFERENCE.match(text, index)
            decoded = _decode_reference(match.group(1)) if match else None
            if match and decoded is not None:
                out.add(decoded)
                index = match.end()
            else:
                out.add("&")
                index += 1
            continue
        if char != "<":
            out.add(char)
            index += 1
            continue
        offset = _byte_offset(text, index)
        if text.startswith("</", index):
            close = text.find(">", index)
            if close < 0:
                raise EntityParseError(f"Unclosed end tag at byte offset {offset}")
            name = text[index + 2:close].strip().lower()
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {offset}")
            if name != stack[-1].name:
                raise EntityParseError(f'Unmatched end tag at byte offset {offset}, expected "</{stack[-1].name}>", '
                                       f'found "</{name}>"')
            tag = stack.pop()
            if tag.kind:
                out.entity(tag.kind, tag.start, **tag.extra)
            index = close + 1
            continue
        name_end = index + 1
        while name_end < size and not text[name_end].isspace() and text[name_end] not in ">/":
            name_end += 1
        name = text[index + 1:name_end].lower()
        if name not in _HTML_TAGS:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {offset}')
        attributes, index = _html_attributes(text, name_end, offset)
        stack.append(_open_html_tag(name, attributes, stack, out.length, offset))
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return out.result()


def _decode_reference(reference: str) -> str | None:
    if reference.startswith("#"):
        number = int(reference[2:], 16) if reference[1:2] in ("x", "X") else int(reference[1:])
        return chr(number) if 0 < number <= 0x10FFFF and not 0xD800 <= number <= 0xDFFF else None
    return _HTML_NAMED_REFERENCES.get(reference.lower())


def _html_attributes(text: str, index: int, offset: int) -> tuple[dict[str, str], int]:
    attributes: dict[str, str] = {}
    while True:
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
        if text[index] == ">":
            return attributes, index + 1
        if text.startswith("/>", index):
            return attributes, index + 2
        match = _HTML_ATTRIBUTE.match(text, index)
        if not match or match.end() == index:
            raise EntityParseError(f"Empty attribute name in the tag at byte offset {offset}")
        value = match.group(2) or ""
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        attributes[match.group(1).lower()] = _unescape_attribute(value)
        index = match.end()


def _unescape_attribute(value: str) -> str:
    return _HTML_REFERENCE.sub(lambda match: _decode_reference(match.group(1)) or match.group(0), value)


def _open_html_tag(name: str, attributes: dict[str, str], stack: list[_OpenTag], start: int,
                   offset: int) -> _OpenTag:
    kind, extra = _HTML_TAGS[name], {}
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    if name == "a":
        kind = "text_link" if attributes.get("href") else ""
        extra = {"url": attributes["href"]} if kind else {}
    elif name == "tg-emoji":
        if not attributes.get("emoji-id"):
            raise EntityParseError(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset}')
        extra = {"custom_emoji_id": attributes["emoji-id"]}
    elif name == "blockquote" and "expandable" in attributes:
        kind = "expandable_blockquote"
    elif name == "code" and stack and stack[-1].name == "pre" and stack[-1].start == start:
        language = attributes.get("class", "")
        if language.startswith("language-"):
            stack[-1].extra["language"] = language.removeprefix("language-")
            kind = ""
    return _OpenTag(name, kind, start, extra)


_V2_KINDS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}
_V2_NAMES = {"bold": "Bold", "italic": "Italic", "underline": "Underline", "strikethrough": "Strikethrough",
             "spoiler": "Spoiler", "text_link": "TextUrl", "custom_emoji": "CustomEmoji"}


def _parse_markdown_v2(text: str) -> FormattedText:
    out = _Builder()
    stack: list[tuple[str, int, int]] = []  # (kind, start in UTF-16 units, byte offset of the marker)
    index, size = 0, len(text)
    quote_start: int | None = None
    while index < size:
        char = text[index]
        at_line_start = index == 0 or text[index - 1] == "\n"
        if at_line_start and char == ">":
            quote_start = out.length if quote_start is None else quote_start
            index += 1
            continue
        if at_line_start and quote_start is not None:
            out.entity("blockquote", quote_start)
            quote_start = None
        if char == "\\" and index + 1 < size and 0 < ord(text[index + 1]) < 127:
            out.add(text[index + 1])
            index += 2
            continue
        if char == "`":
            index = _markdown_v2_code(text, index, out)
            continue
        marker = "__" if text.startswith("__", index) else "||" if text.startswith("||", index) else char
        if marker in _V2_KINDS:
            kind = _V2_KINDS[marker]
            if stack and stack[-1][0] == kind:
                _, start, _ = stack.pop()
                out.entity(kind, start)
            else:
                stack.append((kind, out.length, _byte_offset(text, index)))
            index += len(marker)
            continue
        if char == "[" or (char == "!" and text.startswith("![", index)):
            kind = "custom_emoji" if char == "!" else "text_link"
            stack.append((kind, out.length, _byte_offset(text, index)))
            index += 2 if char == "!" else 1
            continue
        if char == "]" and stack and stack[-1][0] in ("text_link", "custom_emoji"):
            kind, start, offset = stack.pop()
            url, index = _markdown_v2_url(text, index + 1, offset, _V2_NAMES[kind])
            if kind == "custom_emoji":
                out.entity(kind, start, custom_emoji_id=url.removeprefix("tg://emoji?id="))
            else:
                out.entity(kind, start, url=url)
            continue
        if char in _MARKDOWN_V2_RESERVED:
            raise EntityParseError(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")
        out.add(char)
        index += 1
    if stack:
        kind, _, offset = stack[-1]
        raise EntityParseError(f"Can't find end of {_V2_NAMES[kind]} entity at byte offset {offset}")
    if quote_start is not None:
        out.entity("blockquote", quote_start)
    return out.result()


def _markdown_v2_code(text: str, index: int, out: _Builder) -> int:
    """Reads `code` or ```pre``` starting at `index`; returns the index after it."""
    is_pre = text.startswith("```", index)
    marker = "```" if is_pre else "`"
    offset = _byte_offset(text, index)
    position = index + len(marker)
    body: list[str] = []
    while position < len(text):
        if text[position] == "\\" and position + 1 < len(text):
            body.append(text[position + 1])
            position += 2
            continue
        if text.startswith(marker, position):
            break
        body.append(text[position])
        position += 1
    else:
        raise EntityParseError(f"Can't find end of {'Pre' if is_pre else 'Code'} entity at byte offset {offset}")
    content, extra = "".join(body), {}
    if is_pre and "\n" in content:
        first_line, rest = content.split("\n", 1)
        if first_line and not any(ch.isspace() for ch in first_line):
            content, extra = rest, {"language": first_line}
        elif not first_line:
            content = rest
    start = out.length
    out.add(content)
    out.entity("pre" if is_pre else "code", start, **extra)
    return position + len(marker)


def _markdown_v2_url(text: str, index: int, offset: int, name: str) -> tuple[str, int]:
    if not text.startswith("(", index):
        raise EntityParseError(f"Can't find end of {name} entity at byte offset {offset}")
    url: list[str] = []
    position = index + 1
    while position < len(text) and text[position] != ")":
        if text[position] == "\\" and position + 1 < len(text):
            position += 1
        url.append(text[position])
        position += 1
    if position >= len(text):
        raise EntityParseError(f"Can't find end of {name} entity at byte offset {offset}")
    return "".join(url), position + 1


_LEGACY_KINDS = {"*": "bold", "_": "italic", "`": "code"}


def _parse_markdown(text: str) -> FormattedText:
    """The legacy Markdown mode: *bold*, _italic_, `code`, ```pre```, [text](url); no nesting."""
    out = _Builder()
    index, size = 0, len(text)
    while index < size:
        char = text[index]
        if char == "\\" and index + 1 < size and text[index + 1] in "_*`[":
            out.add(text[index + 1])
            index += 2
            continue
        offset = _byte_offset(text, index)
        failure = EntityParseError(f"Can't find end of the entity starting at byte offset {offset}")
        if text.startswith("```", index):
            close = text.find("```", index + 3)
            if close < 0:
                raise failure
            content = text[index + 3:close]
            extra: dict[str, Any] = {}
            if "\n" in content:
                first_line, rest = content.split("\n", 1)
                content, extra = (rest, {"language": first_line}) if first_line.strip() else (rest, {})
            start = out.length
            out.add(content)
            out.entity("pre", start, **extra)
            index = close + 3
        elif char in _LEGACY_KINDS:
            close = text.find(char, index + 1)
            if close < 0:
                raise failure
            start = out.length
            out.add(text[index + 1:close])
            out.entity(_LEGACY_KINDS[char], start)
            index = close + 1
        elif char == "[":
            close = text.find("]", index + 1)
            if close < 0:
                raise failure
            label = text[index + 1:close]
            if text.startswith("(", close + 1) and text.find(")", close + 1) > 0:
                end = text.find(")", close + 1)
                start = out.length
                out.add(label)
                out.entity("text_link", start, url=text[close + 2:end])
                index = end + 1
            else:
                out.add(label)
                index = close + 1
        else:
            out.add(char)
            index += 1
    return out.result()
