"""Words as a second net: finds the terms of a phishing call (codes, passwords, banks, agencies, carriers,
big-tech brands) in every text a customer gives a call, in every call language, however they are disguised.
Pure: no I/O besides reading the term lists shipped with the package, once.

Why a second net: the structure of a flow (how many keys it can collect) is the first. Words catch what
structure cannot: an AI script asking the callee to read the texted numbers aloud, a business name
"Internal Revenue Service", a list value carrying instructions. A hit does not refuse anything here; the
review policy decides what a hit means (held for an admin, refused for a list value).

Disguises undone before matching, on the customer's text and on every term alike (so a term and its
disguise meet in the same form):
- NFKD compatibility forms: full-width "ＯＴＰ", mathematical "𝐎𝐓𝐏", ligatures, circled letters;
- invisible format characters (zero-width joiners, soft hyphens, bidi marks) and variation selectors;
- accents on Latin, Greek and Cyrillic letters ("códigο"), and the Devanagari nukta ("ज़" = "ज");
- case (case folding);
- leetspeak inside words that have letters ("0TP", "p4ssw0rd", "c0d3", "$ms"; a number alone stays a
  number);
- confusable letters of other scripts: the skeleton of Unicode UTS #39 (ICU's SpoofChecker, the reference
  implementation), so Cyrillic "ԁ", Greek "ο" and every other listed look-alike meet their Latin letter; the
  skeleton maps some Latin letters too ("m" → "rn"), and "l" and "i" are folded together so "1", "I",
  "l", "|" meet;
- separators and spacing inside words: "o.t.p", "P-I-N", "c o d e", "pass word", "passw ord".

Matching: the normalised text is cut into tokens at spaces and punctuation. A term matches a run of
consecutive tokens whose letters are exactly the term's letters, when the run is natural (the token breaks
fall where the term's own words break: "wells fargo", "wells-fargo"), or joined only by punctuation or
invisible characters ("o.t.p"), or spelt out one letter per token ("o t p"), or the term is long enough
(6 letters or more) that any split is still the term ("passw ord"). Short terms split at a space are not
matched, so "from a to b" is not "ATO" and "I met a friend" is not "Meta". Terms in scripts written
without spaces (Chinese) match as substrings of the text with every separator removed.

Term files: `screening_terms/<category>.<language>.txt`, one term per line, `#` starts a comment. A term
ending in `*` also matches longer words it begins ("password*": "passwords"); one starting with `*` matches
words it ends ("*passwort": "einmalpasswort"; one word only). A term starting with `=` matches only as a
word between spaces, not after a hyphen ("=ups" is not in "follow-ups"). A term starting with `^` counts only
in a name the callee hears as the caller's (NAME_PLACES: the business name): "^google" holds a business
called "Google" but not "rate us on Google".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import icu

CATEGORIES = {
    # file name: what an admin reads
    "secrets": "one-time codes, passwords and PINs",
    "numbers": "card, account and identity numbers",
    "remote": "remote-access apps",
    "banks": "banks and payment apps",
    "crypto": "crypto exchanges and wallets",
    "government": "tax and government agencies",
    "carriers": "parcel carriers",
    "brands": "big-tech brands",
}
LANGUAGES = {"en": "English", "zh": "Chinese", "fr": "French", "hi": "Hindi", "es": "Spanish", "de": "German"}
LONG_TERM = 6  # letters: a term this long is still itself however it is split ("passw ord")
EXCERPT_CONTEXT = 30  # characters of the customer's text each side of a hit

# Leetspeak, applied only inside a token that has letters: "0TP" is OTP, "1234" stays a number.
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_LEET_SYMBOLS = frozenset("@$")
_NUKTA = "\u093c"
# Combining marks of no script of their own (accents): stripped. The marks of Devanagari and the other
# Indic scripts are letters' vowels and stay.
_ACCENT_RANGES = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F))
_SPACE, _TIGHT = " ", "."
NAME_PLACES = frozenset({"business name"})  # the `where` of texts where ^-terms count


@dataclass(frozen=True)
class LabeledText:
    """A text a customer gave, and where it stands, as an admin reads it ("step 'n2'", "business name")."""

    where: str
    text: str


@dataclass(frozen=True)
class TermHit:
    where: str
    term: str
    category: str  # a key of CATEGORIES
    language: str  # a key of LANGUAGES
    excerpt: str  # the customer's own words around the hit

    def reason(self) -> str:
        """The sentence an admin reads: the term, its category and language, where it stands, the words around it.

        "step 'n2' mentions 'otp' (one-time codes, passwords and PINs; English list): “…enter the 0.T.P we…”"
        """
        category = CATEGORIES.get(self.category, self.category)
        language = LANGUAGES.get(self.language, self.language)
        return f"{self.where} mentions '{self.term}' ({category}; {language} list): “{self.excerpt}”"


@dataclass(frozen=True)
class _Term:
    shown: str  # as written in the file, for the admin
    letters: str  # normalised, without breaks
    word_ends: frozenset[int]  # offsets in `letters` where the term's own words break
    category: str
    language: str
    leading_wild: bool = False
    trailing_wild: bool = False
    spaced_only: bool = False
    unspaced_script: bool = False
    names_only: bool = False


@dataclass(frozen=True)
class _Token:
    text: str
    start: int  # index in the original text of the first character
    end: int  # index in the original text after the last character
    break_before: str  # _SPACE, _TIGHT, or "" at the start
    origins: tuple[int, ...] = ()  # index in the original text of each character of `text`


def screen_texts(texts: Iterable[LabeledText]) -> list[TermHit]:
    """Every term found in the texts, in their order; where terms overlap, only the longest is named."""
    index = _index()
    hits: list[TermHit] = []
    for labeled in texts:
        in_name = labeled.where in NAME_PLACES
        found = [hit for hit in _find(labeled.text, index) if in_name or not hit[0].names_only]
        # A term inside a longer hit, or overlapping one of its category, is not named again: "one time
        # password", not also "password"; but "您的银行卡号" is both a bank and a card number.
        kept: list[tuple[int, int, _Term]] = []
        for term, start, end in sorted(found, key=lambda hit: (hit[2] - hit[1], len(hit[0].letters)), reverse=True):
            if not any((kept_start <= start and end <= kept_end)
                       or (start < kept_end and kept_start < end and other.category == term.category)
                       for kept_start, kept_end, other in kept):
                kept.append((start, end, term))
        for start, end, term in sorted(kept, key=lambda hit: hit[0]):
            hits.append(TermHit(labeled.where, term.shown, term.category, term.language,
                                _excerpt(labeled.text, start, end)))
    return hits


def normalised(text: str) -> str:
    """The text as the matcher sees it: tokens joined by their breaks (" " for a space, "." for punctuation).

    "0.T.P" → "o.t.p"; "Ｃódе" → "code"; "Passwörter" → "passworter"; "Mail" → "rnaii".
    """
    return "".join(token.break_before + token.text for token in _tokens(text))


# --- normalisation ---------------------------------------------------------------------------------------

def _is_accent(char: str) -> bool:
    code = ord(char)
    return char == _NUKTA or any(low <= code <= high for low, high in _ACCENT_RANGES)


@cache
def _spoof_checker() -> icu.SpoofChecker:
    return icu.SpoofChecker()


@lru_cache(maxsize=65536)
def _skeleton(char: str) -> str:
    """One letter as UTS #39 sees it, case-folded and without accents, "l" folded into "i".

    The skeleton is taken before case folding and again after: a capital's look-alike is a capital
    (Greek "Τ" looks like "T", its small "τ" like no Latin letter), a small letter's a small one.
    """
    checker = _spoof_checker()
    folded = unicodedata.normalize("NFKD", checker.getSkeleton(0, char).casefold())
    out = "".join(checker.getSkeleton(0, c) for c in folded if not _is_accent(c))
    return "".join(c for c in unicodedata.normalize("NFKD", out.casefold()) if not _is_accent(c)).replace("l", "i")


@lru_cache(maxsize=65536)
def _plain(text: str) -> str:
    """Compatibility decomposition, without accents or invisibles (case is kept for the skeleton)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not _is_accent(c) and not _invisible(c))


def _invisible(char: str) -> bool:
    """Format characters (zero-width joiners, soft hyphen, bidi marks) and variation selectors."""
    code = ord(char)
    return unicodedata.category(char) == "Cf" or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def _kind(char: str) -> str:
    """"w" for a character of a word, _SPACE for a space, _TIGHT for punctuation and symbols."""
    category = unicodedata.category(char)
    if category[0] in "LMN" or char in _LEET_SYMBOLS:
        return "w"
    if category[0] in "ZC" or char.isspace():
        return _SPACE
    return _TIGHT


@lru_cache(maxsize=65536)
def _fold(char: str) -> str:
    """One character as the matcher reads it: " " for a space, "." for punctuation, "" for an invisible,
    and a letter as its UTS #39 skeleton, taken on the character itself (its compatibility form can look
    otherwise: "Ϲ" looks like "C", its NFKD "Σ" does not), then in compatibility form, case-folded and
    without accents. ASCII digits, "@" and "$" are kept for leetspeak, which needs the whole word.
    Punctuation stays punctuation whatever it looks like ("|", "—"), so it still separates letters."""
    if _invisible(char):
        return ""
    if (char.isascii() and char.isdigit()) or char in _LEET_SYMBOLS:
        return char
    kind = _kind(char)
    if kind != "w":
        compatible = _plain(char)  # a letter written as a symbol: circled "Ⓞ", parenthesised "⒪"
        if not compatible or not all(_kind(c) == "w" for c in compatible):
            return kind
        char = compatible
    out: list[str] = []
    for plain in _plain(_spoof_checker().getSkeleton(0, char)):
        plain_kind = _kind(plain)
        out.append(plain if plain_kind == "w" and plain.isascii() and plain.isdigit()
                   else _skeleton(plain) if plain_kind == "w" else plain_kind)
    return "".join(out)


class _FoldTable(dict[int, str]):
    """str.translate's table of `_fold`, filled as characters are met: a known character costs no call."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold(chr(code))
        return folded


_FOLD_TABLE = _FoldTable()
_WORD = re.compile(r"[^ .]+")
_HAS_LETTER = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=256)  # a list value is read twice, for its words and for its shape (list_values.py)
def _tokens(text: str) -> tuple[_Token, ...]:
    """The text's words as the matcher reads them, each with where it stands in the original text."""
    parts = [_FOLD_TABLE[ord(char)] for char in text]
    folded = "".join(parts)
    origins = [position for position, part in enumerate(parts) for _ in part]
    tokens: list[_Token] = []
    previous_end = 0
    for match in _WORD.finditer(folded):
        word = match.group()
        if _HAS_LETTER.search(word):
            word = word.translate(_LEET)
        gap = folded[previous_end:match.start()]
        tokens.append(_Token(word, origins[match.start()], origins[match.end() - 1] + 1,
                             (_SPACE if _SPACE in gap else _TIGHT) if tokens else "",
                             tuple(origins[match.start():match.end()])))
        previous_end = match.end()
    return tuple(_spelt_leet(tokens))


def _spelt_leet(tokens: list[_Token]) -> list[_Token]:
    """A lone leet digit spelt out among single letters is a letter too: the "0" of "0.T.P" or "0 T P"."""
    def single_letter(at: int) -> bool:
        return 0 <= at < len(tokens) and len(tokens[at].text) == 1 and tokens[at].text.isalpha()

    return [token if not (len(token.text) == 1 and token.text.translate(_LEET) != token.text
                          and (single_letter(at - 1) or single_letter(at + 1)))
            else _Token(token.text.translate(_LEET), token.start, token.end, token.break_before, token.origins)
            for at, token in enumerate(tokens)]


def _normalise_term(line: str, category: str, language: str) -> _Term | None:
    names_only = line.startswith("^")
    line = line.removeprefix("^")
    spaced_only = line.startswith("=")
    raw = line.removeprefix("=").strip()
    leading, trailing = raw.startswith("*"), raw.endswith("*")
    raw = raw.strip("*").strip()
    tokens = _tokens(raw)
    if not tokens:
        return None
    letters = "".join(token.text for token in tokens)
    ends, offset = set(), 0
    for token in tokens[:-1]:
        offset += len(token.text)
        ends.add(offset)
    unspaced = any(_unspaced_script(char) for char in letters)
    return _Term(raw, letters, frozenset(ends), category, language, leading, trailing, spaced_only, unspaced,
                 names_only)


# Han and kana (and their compatibility forms): scripts written without spaces between words, where a
# term is a substring.
_UNSPACED = re.compile("[\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")


def _unspaced_script(char: str) -> bool:
    return bool(_UNSPACED.match(char))


# --- term lists ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Index:
    by_letters: dict[str, tuple[_Term, ...]]  # the term's letters → the terms that spell them
    lengths: tuple[int, ...]  # every length of letters in by_letters, shortest first
    leading_wild: tuple[_Term, ...]
    unspaced: tuple[_Term, ...]


def load_terms() -> list[_Term]:
    """Every term of every shipped list, normalised; the first list that names a term keeps it."""
    terms: dict[str, _Term] = {}
    folder = resources.files("services.calls").joinpath("screening_terms")
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        parts = entry.name.split(".")
        if len(parts) != 3 or parts[2] != "txt" or parts[0] not in CATEGORIES or parts[1] not in LANGUAGES:
            continue
        for line in entry.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            term = _normalise_term(line, parts[0], parts[1]) if line else None
            if term is not None:
                terms.setdefault(_term_key(term), term)
    if not terms:  # an install that lost the package data must not screen nothing in silence
        raise RuntimeError(f"no screening terms found in {folder}; the package data is missing")
    return list(terms.values())


def _term_key(term: _Term) -> str:
    """Two lines that match the same texts in the same places are one term."""
    marks = f"{term.names_only:d}{term.spaced_only:d}{term.leading_wild:d}{term.trailing_wild:d}"
    return f"{marks}|{term.letters}|{sorted(term.word_ends)}"


@cache
def _index() -> _Index:
    by_letters: dict[str, list[_Term]] = {}
    leading: list[_Term] = []
    unspaced: list[_Term] = []
    for term in load_terms():
        if term.unspaced_script:
            unspaced.append(term)
        elif term.leading_wild:
            leading.append(term)
        else:
            by_letters.setdefault(term.letters, []).append(term)
    return _Index({key: tuple(value) for key, value in by_letters.items()},
                  tuple(sorted({len(key) for key in by_letters})), tuple(leading), tuple(unspaced))


# --- matching --------------------------------------------------------------------------------------------

def _find(text: str, index: _Index) -> list[tuple[_Term, int, int]]:
    tokens = _tokens(text)
    found: list[tuple[_Term, int, int]] = []
    longest = index.lengths[-1] if index.lengths else 0
    for first, token in enumerate(tokens):
        # The letters from this token on, as far as the longest term reaches: a term can start here only
        # if its letters begin them, so each length is one dictionary look-up, not one try per term.
        ahead, last = "", first
        while len(ahead) < longest and last < len(tokens):
            ahead += tokens[last].text
            last += 1
        for length in index.lengths:
            if length > len(ahead):
                break
            for term in index.by_letters.get(ahead[:length], ()):
                end = _span_end(tokens, first, term)
                if end is not None:
                    found.append((term, token.start, tokens[end].end))
        for term in index.leading_wild:
            if _single_token_match(tokens, first, term):
                found.append((term, token.start, token.end))
    if index.unspaced and _UNSPACED.search(text):
        squeezed = "".join(token.text for token in tokens)
        origins = [origin for token in tokens for origin in token.origins]
        for term in index.unspaced:
            at = squeezed.find(term.letters)
            if at >= 0:
                found.append((term, origins[at], origins[at + len(term.letters) - 1] + 1))
    return found


def _boundary_ok(tokens: tuple[_Token, ...], first: int, last: int, term: _Term) -> bool:
    if not term.spaced_only:
        return True
    after = tokens[last + 1].break_before if last + 1 < len(tokens) else ""
    return tokens[first].break_before in ("", _SPACE) and after in ("", _SPACE)


def _single_token_match(tokens: tuple[_Token, ...], first: int, term: _Term) -> bool:
    word = tokens[first].text
    hit = term.letters in word if term.trailing_wild else word.endswith(term.letters)
    return hit and len(word) > len(term.letters) and _boundary_ok(tokens, first, first, term)


def _span_end(tokens: tuple[_Token, ...], first: int, term: _Term) -> int | None:
    """The last token of a run starting at `first` that spells the term, by the rules of the module docstring."""
    letters = term.letters
    joined = ""
    for last in range(first, min(len(tokens), first + len(letters))):
        before = len(joined)
        joined += tokens[last].text
        if len(joined) < len(letters):
            if not letters.startswith(joined):
                return None
            continue
        if joined == letters or (term.trailing_wild and joined.startswith(letters) and before < len(letters)):
            return last if _split_ok(tokens, first, last, term) and _boundary_ok(tokens, first, last, term) else None
        return None
    return None


def _split_ok(tokens: tuple[_Token, ...], first: int, last: int, term: _Term) -> bool:
    if first == last or len(term.letters) >= LONG_TERM:
        return True
    inside = tokens[first + 1:last + 1]
    if all(token.break_before == _TIGHT for token in inside):
        return True
    if all(_one_letter(token.text) for token in tokens[first:last + 1]):
        return True
    ends, offset = set(), 0
    for token in tokens[first:last]:
        offset += len(token.text)
        ends.add(offset)
    return ends == set(term.word_ends)


def _one_letter(word: str) -> bool:
    """A letter spelt alone: one base letter and its marks ("o", "टी")."""
    return sum(unicodedata.category(char)[0] == "L" for char in word) == 1 and not any(
        unicodedata.category(char)[0] == "N" for char in word)


def _excerpt(text: str, start: int, end: int) -> str:
    left = max(0, start - EXCERPT_CONTEXT)
    right = min(len(text), end + EXCERPT_CONTEXT)
    shown = " ".join(text[left:right].split())
    return ("…" if left else "") + shown + ("…" if right < len(text) else "")
