"""Template reuse: slot-normalise texts so the same template filled for different people matches.

An auto-DM tool sends one text with the name, handle and link swapped per recipient. Replacing
those slots by placeholders (:func:`normalize_slots`) gives the text the n-grams see; folding
case and punctuation on top (:func:`template_key`) gives a key that is equal across senders
of the same template, which works on one-line messages too (there is no minimum length for the
normalisation; only the *reuse count* ignores keys too short to be evidence, like "ok thanks").

Every function works per distinct text: callers factorize a column first and broadcast.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

#: A link with or without scheme: ``https://x.y/z``, ``www.x.y``, or a bare ``bit.ly/abc``.
_URL_TAIL = r"[^\s<>\"']*[^\s<>\"'.,;:!?)\]]"
URL_RE = re.compile(
    rf"(?:\bhttps?://|\bwww\.){_URL_TAIL}"
    r"|(?<![@\w.])(?:[a-z0-9][a-z0-9-]*\.)+(?:com|net|org|io|co|ly|me|ai|gg|app|shop|store|biz|info|us|uk|"
    r"de|page|link|to|bio|ee|gl|tv|xyz|gd|site|online|club|live|ws|cc|at|fm|eu|in|ca)\b"
    rf"(?:/(?:{_URL_TAIL})?)?",
    re.IGNORECASE,
)
EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
HANDLE_RE = re.compile(r"(?<![\w@])@[A-Za-z0-9_.]{2,30}")
#: Placeholders a broken automation leaves unfilled: {first_name}, {{name}}, [NAME], %name%, ...
PLACEHOLDER_RE = re.compile(
    r"\{\{?\s*[A-Za-z_][\w .]{0,30}\}\}?|\$\{[\w .]{1,30}\}|\*\|[A-Z_]{2,20}\|\*|%[A-Za-z_]{2,20}%"
    r"|\[(?:first[ _]?name|name|fname|user(?:name)?|your[ _]name|company|handle|recipient)\]"
    r"|<(?:first[ _]?name|name|username)>",
    re.IGNORECASE,
)
PHONE_RE = re.compile(r"(?<![\w£$€])(?:\+?\d[\d\s().-]{7,}\d)(?!\w)")
MONEY_RE = re.compile(
    r"[£$€₹]\s?\d+(?:[.,]\d+)*(?:k|m)?\b|\b\d+(?:[.,]\d+)*\s?(?:usd|eur|gbp|dollars|pounds|euros|p)\b",
    re.IGNORECASE,
)
#: Numbers of two or more digits, or with a separator ("7.30"); a lone digit stays (txt-speak "4 u").
NUMBER_RE = re.compile(r"(?<![A-Za-z])(?:\d+[.,:]\d+(?:[.,:]\d+)*|\d{2,})(?![A-Za-z])")
_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w ]+")
_GREETING_NAME = re.compile(
    r"^(\W*(?i:hi|hey|hello|hiya|dear|yo|thanks|thank you|thx|welcome|congrats|greetings)[\s,!.]+)"
    r"([A-Z][\w'’-]+)\b"
)
_COMMON_AFTER_GREETING = """
    yes no ok okay sure i im we it its this that what how when where who why just so thanks thank please well oh
    hey hi hello good great happy merry congrats all everyone there guys team folks friends friend man dude bro
    mate again much very the a an my our you your u ur love dear sir madam lol haha omg sorry wow welcome nice
"""
_NOT_NAMES = frozenset(_COMMON_AFTER_GREETING.split())

#: The tokens slots become; the n-gram vectoriser lowercases them.
SLOT_TOKENS = ("xurl", "xemail", "xhandle", "xplaceholder", "xphone", "xmoney", "xnum", "xname")

#: A template key must have at least this many words to count as reuse evidence.
MIN_TEMPLATE_WORDS = 5


_PLACEHOLDER_CHARS = re.compile(r"[{$*%\[<]")
_DIGIT = re.compile(r"\d")


def _slots(text: str, names: Sequence[str]) -> str:
    # each pattern is tried only where it could match (a character every match of it contains):
    # most messages have no link, handle or number, and skipping is exact
    s = PLACEHOLDER_RE.sub(" xplaceholder ", text) if _PLACEHOLDER_CHARS.search(text) else text
    if "@" in s:
        s = EMAIL_RE.sub(" xemail ", s)
    if "." in s or "://" in s:
        s = URL_RE.sub(" xurl ", s)
    if "@" in s:
        s = HANDLE_RE.sub(" xhandle ", s)
    if _DIGIT.search(s):
        s = MONEY_RE.sub(" xmoney ", s)
        s = PHONE_RE.sub(" xphone ", s)
        s = NUMBER_RE.sub(" xnum ", s)
    for name in names:
        if name and len(name) > 1:
            s = re.sub(rf"(?i)\b{re.escape(name)}\b", " xname ", s)
    m = _GREETING_NAME.match(s)
    if m and m.group(2).lower().replace("'", "").replace("’", "") not in _NOT_NAMES:
        s = m.group(1) + "xname" + s[m.end():]
    return _SPACES.sub(" ", s).strip()


def normalize_slots(texts: pd.Series, names: Sequence[str] = ()) -> pd.Series:
    """Texts with links, e-mails, handles, placeholders, phone numbers, money, numbers and a
    greeted first name replaced by tokens (``xurl``, ``xname``, ...), computed per distinct text.

    >>> normalize_slots(pd.Series(["Hi Sam! Grab it: https://bit.ly/x1 (50% off)"])).iloc[0]
    'Hi xname! Grab it: xurl ( xnum % off)'
    """
    names = tuple(n for n in names if n)
    codes, uniq = pd.factorize(texts.fillna("").astype(str))
    done = [_slots(t, names) for t in uniq]
    return pd.Series(pd.Index(done, dtype=object).take(codes) if len(done) else [], index=texts.index,
                     dtype=object)


def template_key(normalized: str) -> str:
    """Fold a slot-normalised text to its template key: lowercase, words only, one space.

    >>> template_key("Thanks xname!!  Check out  xurl :)")
    'thanks xname check out xurl'
    """
    return _SPACES.sub(" ", _NON_WORD.sub(" ", normalized.lower())).strip()


def template_keys(normalized: pd.Series) -> pd.Series:
    """:func:`template_key` of every text, with keys under MIN_TEMPLATE_WORDS words set to ""."""
    codes, uniq = pd.factorize(normalized.astype(str))
    keys = []
    for t in uniq:
        k = template_key(t)
        keys.append(k if k.count(" ") + 1 >= MIN_TEMPLATE_WORDS else "")
    return pd.Series(pd.Index(keys, dtype=object).take(codes) if len(keys) else [], index=normalized.index,
                     dtype=object)
