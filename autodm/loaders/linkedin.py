"""LinkedIn data export (formats.md §4): ``messages.csv``, ``Connections.csv``, ``Invitations.csv``.

The ``Basic_`` / ``Complete_LinkedInDataExport_<date>.zip`` holds CSVs at its root; they are found
at any depth and in any case. ``guide_messages.csv`` and ``learning_role_play_messages.csv``
(chats with LinkedIn's assistants) are ignored and counted. Columns are mapped by header name
(case, spaces and underscores ignored), extra columns are tolerated, and a ``Notes:`` preamble
before the header is skipped in every file.

messages.csv, current header: ``sender_id`` is the ``SENDER PROFILE URL`` (the first spelling
seen of each normalised URL), ``recipient_id`` the one recipient URL of a 1:1 message. Choices:

- **drafts** (``IS MESSAGE DRAFT`` / ``IS CONVERSATION DRAFT`` = Yes) are dropped and counted
  as ignored.
- **system rows** ("Message request accepted", "A LinkedIn member left the conversation.",
  "<name> joined / left the conversation", ...) and rows with nothing written (no CONTENT,
  SUBJECT or ATTACHMENTS) are *kept* with kind ``system``: they belong to the thread's history
  and ``scan`` never scores them.
- **SUBJECT** (InMail, sponsored mail) is prepended to the text with a blank line between,
  unless the body already starts with it: the subject is part of the pitch the model judges.
- **CONTENT** has its HTML tags stripped (known tag names only, so ``<first name>`` stays),
  entities unescaped and its ``<a href>`` targets added to ``urls``; every text and name gets
  the double-encoding repair (:func:`~autodm.loaders.meta.fix_meta_text`).
- **message ids** hash conversation, sender, DATE and text: stable across re-exports;
  identical rows collapse into one (counted as duplicates).
- a blank **CONVERSATION ID** is replaced by a key from the participants' profile URLs
  (``participants:<url>+<url>``), or their names when no URL is given.
- **owner**: the profile URL the OUTGOING invitations were sent from (INCOMING ones to), else
  the URL present (as sender or recipient) in the most conversations; ties go to the URL that
  is not among the connections, then to the one whose FROM matches ``Profile.csv``'s name;
  still tied, the owner is unknown. ``outgoing`` = sender URL is the owner's.

Legacy messages.csv (``FROM,TO,DATE,SUBJECT,CONTENT,DIRECTION,FOLDER``, to early 2020): no URLs
or conversation ids; ``DIRECTION`` gives ``outgoing``, the counterpart's name the conversation
(``legacy/<name>``), and ``sender_id`` is the sender's display name.

Connections.csv: follows rows with ``direction`` connection, ``precision`` day, ``user_id`` the
profile URL (None in files without ``URL``), ``user_name`` "First Last"; rows of only commas
are ignored. Invitations.csv: an INCOMING invitation with a ``Message`` becomes a message of
kind ``invitation`` from the inviter in the conversation ``invitation:<counterpart>``; an
OUTGOING one with a message becomes the owner's outgoing ``invitation`` message. The person is
named by URL; an older file without URL columns gives a name, replaced by the profile URL that
name goes with when the messages and connections give exactly one (and no two connections bear
the name), so their note and messages have one sender. An invitation is also a lower bound of
the connection it led to: when a connection's ``Connected On`` day holds an invitation with the
same person (URL, else a unique name), ``followed_at`` is the end of that invitation's minute
instead of the day's start (precision stays ``day``: the acceptance came later that day, exactly
when is unknown), so the invitation note itself never looks sent after the connection.

Times: DATE ``2024-03-09 16:05:00 UTC`` (legacy ``2019-11-06T02:08:20``, naive = UTC) parsed in
one vectorised call; ``Connected On`` ``07 Mar 2024`` and ``Sent At`` ``3/9/24, 4:05 PM`` parsed
without the locale (English month names), zone unstated = UTC. A slashed date's day/month order is
decided once per file: day-first when some date's first number cannot be a
month (``13/9/24``), else the documented ``M/D/YY``; in a file with both ``13/9/24`` and ``9/13/24``
forms a date that reads both ways is unreadable. A row with an unreadable time,
no sender or an unknown direction is skipped and counted (an error under ``--strict``), and so is
a row with more fields than its header (blank ones past it aside) or too few to reach the
columns it needs (a short row would read its DATE from the wrong column), or with bytes that
are not UTF-8 or a NUL (see
:mod:`autodm.loaders.csvtext`). A messages.csv that is not text (bad bytes in its header or in
half of its rows) or lacks the required columns is an :class:`InputError` naming it. Such a
Connections.csv or Invitations.csv is skipped as a whole and counted (its error warned): the
messages are the point, and are kept without connection times or invitation notes; ``--strict``
stops with its error. Without a messages.csv, an unreadable Invitations.csv is the export's error.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import html
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

import numpy as np
import pandas as pd

from autodm.errors import InputError, LimitError
from autodm.inbox import FollowRows, Inbox, MessageRows, Owner, Skips, make_inbox, normalize_name, normalize_url
from autodm.loaders.csvtext import EXPECTED, WRONG_WIDTH, CsvRows, header_width, misfit
from autodm.loaders.meta import fix_meta_text
from autodm.loaders.tree import ExportTree

log = logging.getLogger(__name__)
_T = TypeVar("_T")

MESSAGES = "messages.csv"
CONNECTIONS = "connections.csv"
INVITATIONS = "invitations.csv"
PROFILE = "profile.csv"
#: Same header as messages.csv, but chats with LinkedIn's assistants: never read.
ASSISTANT_FILES = ("guide_messages.csv", "learning_role_play_messages.csv")

CURRENT_HEADER = ("CONVERSATION ID, CONVERSATION TITLE, FROM, SENDER PROFILE URL, TO, RECIPIENT PROFILE URLS, "
                  "DATE, SUBJECT, CONTENT, FOLDER")
LEGACY_HEADER = "FROM,TO,DATE,SUBJECT,CONTENT,DIRECTION,FOLDER"
CONNECTIONS_HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On"
INVITATIONS_HEADER = "From,To,Sent At,Message,Direction (newer files add inviterProfileUrl,inviteeProfileUrl)"

#: Required columns (header keys: upper case, no spaces) and how to name them in a message.
_CURRENT_REQUIRED = {"FROM": "FROM", "SENDERPROFILEURL": "SENDER PROFILE URL", "DATE": "DATE", "CONTENT": "CONTENT"}
_LEGACY_REQUIRED = {"FROM": "FROM", "TO": "TO", "DATE": "DATE", "CONTENT": "CONTENT", "DIRECTION": "DIRECTION"}
_CONNECTIONS_REQUIRED = {"FIRSTNAME": "First Name", "LASTNAME": "Last Name", "CONNECTEDON": "Connected On"}
_INVITATIONS_REQUIRED = {"FROM": "From", "TO": "To", "SENTAT": "Sent At", "DIRECTION": "Direction"}

_HEADER_LINES = 10  # the header is looked for in this many records (after a Notes: preamble)
_FIELD_LIMIT = 64 * 1024**2  # csv's default (128 KiB) is too small for a long InMail
_HEAD_BYTES = 8192
_YES = frozenset({"yes", "true", "1", "y"})
_MIN_S, _MAX_S = 0, 4_102_444_800  # 1970 .. 2100

# --------------------------------------------------------------------------- texts

_TAG_NAMES = ("a|abbr|b|big|blockquote|body|br|center|code|div|em|font|h[1-6]|head|hr|html|i|img|li|meta|ol|p|"
              "pre|s|small|span|strike|strong|sub|sup|table|tbody|td|tfoot|th|thead|title|tr|u|ul")
#: A known tag, bare (``<b>``, ``</p>``, ``<br/>``) or with ``name=value`` attributes: ``<i think>`` is text.
_ATTRS = r"(?:\s*/?\s*|\s[^<>]*=[^<>]*)>"
_TAG = re.compile(rf"<\s*/?\s*(?:{_TAG_NAMES}){_ATTRS}|<!--.*?-->", re.IGNORECASE | re.DOTALL)
_DROP = re.compile(r"<\s*(style|script)\b[^>]*>.*?<\s*/\s*\1\s*>", re.IGNORECASE | re.DOTALL)
_BLOCK = re.compile(r"<\s*/?\s*(?:br|div|li|tr|h[1-6]|hr|ul|ol|table|blockquote)" + _ATTRS, re.IGNORECASE)
_PARAGRAPH = re.compile(r"<\s*/?\s*p" + _ATTRS, re.IGNORECASE)
_HREF = re.compile(r"""<\s*a\s[^<>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_SPACES = re.compile(r"[ \t\xa0]+")
_WS = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{3,}")
_NEWLINES = re.compile(r"\n{2,}")

#: Platform-generated rows (thephm/linkedin_md and the same family), compared casefolded
#: without a final period; ``{n}``-style patterns are anchored and short.
SYSTEM_TEXTS = frozenset({
    "message request accepted", "a linkedin member left the conversation", "a linkedin member joined the conversation",
    "this message has been deleted", "this message was deleted", "you accepted the message request",
})
_SYSTEM_RE = re.compile(
    r"^(?:[^\n]{1,80} (?:left|joined) the conversation"
    r"|[^\n]{1,80} (?:added|removed) [^\n]{1,120} (?:to|from) the conversation"
    r"|[^\n]{1,80} named the conversation [^\n]{1,120})$"
)


@functools.lru_cache(maxsize=4096)
def _unescape(entity: str) -> str:
    """One HTML entity as text (``&nbsp;`` as a space)."""
    ch = html.unescape(entity)
    return " " if ch == "\xa0" else ch


def _entity(m: re.Match[str]) -> str:
    return _unescape(m.group())


def clean_content(s: str) -> tuple[str, list[str]]:
    """A CONTENT cell as text: mojibake repaired, HTML tags stripped, entities unescaped; plus hrefs.

    >>> clean_content("<p>Hi &amp; welcome</p><p>See <a href='https://ex.org'>this</a></p>")
    ('Hi & welcome\\n\\nSee this', ['https://ex.org'])
    >>> clean_content("Hi <first name>, I <3 this")
    ('Hi <first name>, I <3 this', [])
    """
    if not s.isascii():
        s = fix_meta_text(s)
    hrefs: list[str] = []
    if "<" in s and _TAG.search(s):
        for m in _HREF.finditer(s):
            url = _ENTITY.sub(_entity, next(g for g in m.groups() if g is not None)).strip()
            if url.lower().startswith(("http://", "https://")) and url not in hrefs:
                hrefs.append(url)
        s = _DROP.sub("", s)
        paragraphs = _PARAGRAPH.search(s) is not None
        if paragraphs or _BLOCK.search(s):  # HTML layout: source newlines are spaces, blocks are lines
            s = _BLOCK.sub("\n", _PARAGRAPH.sub("\n\n", _WS.sub(" ", s)))
        s = _TAG.sub("", s)
        if "&" in s:
            s = _ENTITY.sub(_entity, s)
        s = "\n".join(_SPACES.sub(" ", line).strip() for line in s.split("\n"))
        # paragraphs are separated by a blank line; other blocks (div, li, br) by a line break
        s = (_BLANK_LINES if paragraphs else _NEWLINES).sub("\n\n" if paragraphs else "\n", s).strip()
        hrefs = [u for u in hrefs if u not in s]
    elif "&" in s:
        s = _ENTITY.sub(_entity, s)
    return s, hrefs


def is_system_text(text: str) -> bool:
    """True for LinkedIn's own rows: "Message request accepted", "A LinkedIn member left the conversation."."""
    if not text or len(text) > 300:
        return False
    t = text.strip().casefold().rstrip(".").strip()
    return t in SYSTEM_TEXTS or _SYSTEM_RE.match(t) is not None


def _fix(s: str) -> str:
    """A name cell, stripped and double-encoding repaired."""
    s = s.strip()
    return fix_meta_text(s) if not s.isascii() else s


# --------------------------------------------------------------------------- CSV tables


def _key(cell: str) -> str:
    """A header cell as a lookup key: ``Sent At`` / ``SENT_AT`` / ``sentAt`` -> ``SENTAT``."""
    return re.sub(r"[\s_\-]+", "", cell.lstrip("\ufeff")).upper()


def _rec(where: tuple[int, int]) -> str:
    """How a skipped row is named: ``row 3 (line 5)`` (data rows from 1; lines of the file from 1)."""
    return f"row {where[0]} (line {where[1]})"


@dataclass
class _Table:
    """One CSV file: display name, header keys -> column, its data rows and their places.

    Rows have the header's width (shorter ones padded with blanks, rows that cannot be read are
    skipped), plus one blank cell at the end (see :meth:`col`).
    """

    name: str
    cols: dict[str, int]
    rows: list[list[str]] = field(default_factory=list)
    where: list[tuple[int, int]] = field(default_factory=list)  # (row number, first line)
    empty: int = 0  # rows of only commas
    header_line: int = 1

    def col(self, key: str) -> int:
        """The column of ``key``; -1 (the blank cell every row ends with) when the file lacks it."""
        return self.cols.get(key, -1)

    def records(self) -> zip[tuple[tuple[int, int], list[str]]]:
        """(row place, cells) of every data row."""
        return zip(self.where, self.rows, strict=True)


def _read_table(
    tree: ExportTree, path: str, *, is_header: Callable[[list[str]], bool], required: dict[str, str],
    expected: str, skips: Skips, reach: tuple[str, ...] = (),
) -> _Table:
    """Read one CSV member; InputError when it is not text, not CSV or lacks a required column.

    A row with bytes that are not UTF-8 (or a NUL), with more fields than the header (blank ones
    past it aside), or too few to reach every required column, is skipped and counted; a row that
    stops before optional columns reads them as blank (``reach``: more columns a row must reach,
    where the file has them). A file with bad bytes in at least half of its rows is not text (see
    csvtext); the notes before a header (Connections.csv) are not read.
    """
    name = tree.display(path)
    if csv.field_size_limit() < _FIELD_LIMIT:
        csv.field_size_limit(_FIELD_LIMIT)
    reader = CsvRows(tree.read_bytes(path), name, "expected the export's file unchanged")
    rows_in = iter(reader)
    table: _Table | None = None
    seen = width = least = 0
    bad: list[tuple[tuple[int, int], str, str]] = []  # (where, why, expected): skipped once the file is text
    try:
        for start, cells, problem in rows_in:
            if not problem and (not cells or not "".join(cells).strip()):
                continue
            keys = [_key(c) for c in cells]
            if not problem and is_header(keys):
                cols: dict[str, int] = {}
                for i, k in enumerate(keys):
                    cols.setdefault(k, i)
                missing = [label for k, label in required.items() if k not in cols]
                if missing:
                    raise InputError(f"{name}: line {start}: missing column(s) {', '.join(missing)}; "
                                     f"expected the header {expected}")
                table, width = _Table(name, cols, header_line=start), header_width(cells)
                least = 1 + max(cols[k] for k in (*required, *reach) if k in cols)  # the last cell it needs
                break
            seen += 1
            if seen >= _HEADER_LINES:
                break
        if table is None:
            if reader.bad:  # a binary, or a file in another encoding: say that, not "no header"
                raise reader.file_error()
            raise InputError(f"{name}: no header line in its first {_HEADER_LINES} lines; expected {expected}")
        rows, where = table.rows, table.where
        n = 0
        for start, cells, problem in rows_in:
            if not cells:
                continue
            n += 1
            if problem:
                bad.append(((n, start), problem, EXPECTED[problem]))
                continue
            if not any(cells):
                table.empty += 1
                continue
            if len(cells) != width and (wrong := misfit(cells, width, least)):
                bad.append(((n, start), WRONG_WIDTH, wrong))
                continue
            cells.extend([""] * (width - len(cells) + 1))  # optional columns it stops before, and
            # the blank an absent optional column reads as (index -1)
            rows.append(cells)
            where.append((n, start))
    except csv.Error as e:
        if reader.bad:
            raise reader.file_error() from None
        raise InputError(f"{name}: line {reader.line_num}: not readable as CSV ({e}); "
                         "expected the export's file unchanged") from None
    reader.check()
    for at, why, expected_here in bad:
        skips.skip(name, _rec(at), why, expected_here)
    return table


# --------------------------------------------------------------------------- detection


def _message_files(tree: ExportTree) -> list[str]:
    """messages.csv members (``guide_messages.csv`` and the like never end in ``/messages.csv``)."""
    return [p for p in tree.find(MESSAGES) if not p.lower().endswith(ASSISTANT_FILES)]


def _looks_linkedin(tree: ExportTree, path: str, kind: str) -> bool:
    """Whether a file's first bytes hold the header words of its kind (in the file's encoding: a CSV
    re-saved as UTF-16 with its BOM is read as csvtext reads it)."""
    data = tree.read_head(path, _HEAD_BYTES)
    head = data.decode(CsvRows(data, path, "").encoding, "ignore").upper()
    if kind == MESSAGES:
        return "SENDER PROFILE URL" in head or "CONVERSATION ID" in head or (
            "DIRECTION" in head and "FROM" in head and "CONTENT" in head)
    if kind == CONNECTIONS:
        return "FIRST NAME" in head and "CONNECTED ON" in head
    return "SENT AT" in head and "DIRECTION" in head


def detect(tree: ExportTree) -> bool:
    """A LinkedIn export: two of messages.csv / Connections.csv / Invitations.csv, or one with its header."""
    found = {MESSAGES: _message_files(tree), CONNECTIONS: tree.find(CONNECTIONS), INVITATIONS: tree.find(INVITATIONS)}
    if sum(bool(v) for v in found.values()) >= 2:
        return True
    return any(_looks_linkedin(tree, p, kind) for kind, paths in found.items() for p in paths[:3])


# --------------------------------------------------------------------------- times


def _message_times(raw: list[str]) -> np.ndarray:
    """DATE cells to epoch seconds (int64), vectorised; -1 where unreadable."""
    if not raw:
        return np.array([], dtype=np.int64)
    s = pd.Series(raw, dtype=object).str.strip().str.replace(r"\s*(?:UTC|GMT|Z)$", "", regex=True)
    shaped = s.str.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:\s?[+-]\d{2}:?\d{2})?")
    t = pd.to_datetime(s.where(shaped.fillna(False).astype(bool)), format="ISO8601", errors="coerce", utc=True)
    secs = t.dt.tz_localize(None).to_numpy().astype("datetime64[s]").astype(np.int64)
    bad = t.isna().to_numpy() | (secs < _MIN_S) | (secs >= _MAX_S)
    return np.where(bad, -1, secs)


_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                       "dec"), start=1)}
_DAY_MON_YEAR = re.compile(r"(\d{1,2})[ -]([A-Za-z]{3,9})\.?[ ,-]+(\d{4})")
_MON_DAY_YEAR = re.compile(r"([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})(?:,? (.+))?")
_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](.+))?")
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})(?:,?\s+(.+))?")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp])?\.?(?:[Mm]\.?)?(?:\s*(?:UTC|GMT|Z))?")


def _epoch(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> int | None:
    """Epoch seconds of a UTC wall time; None when invalid or outside 1970..2100."""
    try:
        v = int(datetime(y, mo, d, h, mi, s, tzinfo=UTC).timestamp())
    except (ValueError, OverflowError):
        return None
    return v if _MIN_S <= v < _MAX_S else None


def _clock(s: str | None) -> tuple[int, int, int] | None:
    """``4:05 PM`` / ``16:05`` / ``16:05:09`` -> (h, m, s); None when not a time."""
    if not s:
        return (0, 0, 0)
    m = _CLOCK.fullmatch(s.strip())
    if m is None:
        return None
    h, mi, sec = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    ap = (m.group(4) or "").lower()
    if ap:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if ap == "p" else 0)
    return h, mi, sec


def _month(name: str) -> int | None:
    """An English month name or abbreviation -> 1..12."""
    return _MONTHS.get(name[:3].lower())


def parse_day(s: str, day_first: bool | None = None) -> int | None:
    """``Connected On`` (``07 Mar 2024``; also ``2024-03-07``, ``3/7/24``) -> epoch seconds of 00:00 UTC."""
    return parse_time(s, date_only=True, day_first=day_first)


def _clean_time(s: str) -> str:
    """A time cell without its no-break spaces (newer ICU puts one before PM) and outer blanks."""
    return s.replace("\u202f", " ").replace("\xa0", " ").strip()


def _slashed(s: str) -> tuple[int, int] | None:
    """The first two numbers of a slashed date (``3/9/24, 4:05 PM`` -> (3, 9)); None for other forms."""
    m = _SLASHED.fullmatch(_clean_time(s)) if "/" in s else None
    return (int(m.group(1)), int(m.group(2))) if m else None


def _file_day_first(cells: Iterable[str]) -> bool | None:
    """Whether one file's slashed dates are day-first, decided once for the file (formats.md §4.4).

    True when a first number cannot be a month (``13/9/24``), False (the documented ``M/D/YY``)
    otherwise; None when rows disagree (``13/9/24`` and ``9/13/24`` in one file): then no order is
    known and a date that reads both ways (:func:`_reads_both_ways`) cannot be read.

    >>> _file_day_first(["3/9/24", "13/9/24"]), _file_day_first(["3/9/24"]), _file_day_first(["13/9/24", "9/13/24"])
    (True, False, None)
    """
    days = months = False
    for s in cells:
        if (ab := _slashed(s)) is not None:
            a, b = ab
            days = days or a > 12 >= b
            months = months or b > 12 >= a
    return None if days and months else days


def _reads_both_ways(s: str) -> bool:
    """A slashed date that reads both ways: two different numbers from 1 to 12 (``3/9/24``)."""
    ab = _slashed(s)
    return ab is not None and ab[0] != ab[1] and min(ab) >= 1 and max(ab) <= 12


def parse_time(s: str, date_only: bool = False, day_first: bool | None = None) -> int | None:
    """``Sent At`` (``3/9/24, 4:05 PM``; also ISO, ``09 Mar 2024 16:05``, ``Mar 9, 2024, 4:05 PM``) -> epoch s.

    Locale-free (English month names). A slashed date is ``M/D/YY``, or ``D/M/YY`` given
    ``day_first`` (decided per file: :func:`_file_day_first`); None decides from this date alone:
    ``M/D/YY`` unless the first number cannot be a month.

    >>> parse_time("3/9/24, 4:05 PM") == _epoch(2024, 3, 9, 16, 5)
    True
    >>> parse_time("3/9/24, 4:05 PM", day_first=True) == _epoch(2024, 9, 3, 16, 5)
    True
    """
    s = _clean_time(s)
    if not s:
        return None
    y = mo = d = 0
    rest: str | None = None
    if m := _DAY_MON_YEAR.match(s):
        month = _month(m.group(2))
        if month is None:
            return None
        d, mo, y = int(m.group(1)), month, int(m.group(3))
        rest = s[m.end():].strip(" ,") or None
    elif m := _MON_DAY_YEAR.fullmatch(s):
        month = _month(m.group(1))
        if month is None:
            return None
        mo, d, y, rest = month, int(m.group(2)), int(m.group(3)), m.group(4)
    elif m := _ISO_DAY.fullmatch(s):
        y, mo, d, rest = int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4)
    elif m := _SLASHED.fullmatch(s):
        a, b, yy = int(m.group(1)), int(m.group(2)), m.group(3)
        mo, d = (b, a) if (a > 12 >= b if day_first is None else day_first) else (a, b)
        y = int(yy) + (2000 if len(yy) == 2 else 0)
        rest = m.group(4)
    else:
        return None
    if date_only and rest:
        return None
    hms = _clock(rest)
    if hms is None:
        return None
    return _epoch(y, mo, d, *hms)


# --------------------------------------------------------------------------- reading


@dataclass(slots=True)
class _Msg:
    """One message row before its time is parsed and its owner known."""

    file: str
    where: tuple[int, int]
    conv: str
    sender: str  # profile URL, or the display name when the row has none
    sender_key: str | None  # normalised URL
    name: str | None
    to: str | None
    recipients: list[str]
    recipient_keys: list[str | None]
    text: str
    urls: list[str]
    kind: str
    date: str
    direction: str | None = None  # legacy rows: INCOMING | OUTGOING


@dataclass
class _Inv:
    """One Invitations.csv row."""

    file: str
    where: tuple[int, int]
    direction: str
    from_name: str | None
    to_name: str | None
    inviter: str | None
    invitee: str | None
    text: str
    urls: list[str]
    at: int


@dataclass
class _State:
    """What the files of one export add up to while they are read."""

    msgs: list[_Msg] = field(default_factory=list)
    invs: list[_Inv] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)  # normalised -> first spelling seen
    cache: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # URL cell -> url()
    names: dict[str, str] = field(default_factory=dict)  # name cell -> repaired name
    drafts: int = 0
    empty: int = 0

    def url(self, raw: str) -> tuple[str, str | None]:
        """(canonical spelling, normalised key) of a profile URL cell."""
        hit = self.cache.get(raw)
        if hit is not None:
            return hit
        cell = raw.strip()
        key = _url_key(cell) if cell else None
        hit = (self.urls.setdefault(key, cell), key) if key is not None else (cell, None)
        self.cache[raw] = hit
        return hit


_URL_SEP = re.compile(r"[;,\s]+")


def _url_key(cell: str) -> str | None:
    """:func:`normalize_url`, with a fast path for the export's own ``https://www.linkedin.com/...`` form."""
    low = cell.lower()
    if low.startswith("https://www.linkedin.com/") and "?" not in low and "#" not in low and low.isascii():
        return low[12:].rstrip("/")
    return normalize_url(cell)


def _split_urls(cell: str) -> list[str]:
    """A RECIPIENT PROFILE URLS cell as URLs (split on ``;``, ``,`` and blanks)."""
    if ";" not in cell and "," not in cell:
        cell = cell.strip()
        if " " not in cell:
            return [cell] if cell else []
    return [u for u in _URL_SEP.split(cell) if u]


def _text_and_kind(content: str, subject: str, attachments: str) -> tuple[str, list[str], str]:
    """(text, urls, kind) of a row: SUBJECT prepended, system rows and empty ones kind "system"."""
    text, urls = clean_content(content) if content else ("", [])
    if subject.strip():
        subj, more = clean_content(subject.strip())
        urls += [u for u in more if u not in urls]
        if subj and not text.startswith(subj):
            text = f"{subj}\n\n{text}" if text else subj
    if not text.strip():
        kind = "message" if attachments.strip() else "system"
    elif len(text) <= 300 and ("onversation" in text or "ccepted" in text or "eleted" in text):
        kind = "system" if is_system_text(text) else "message"
    else:
        kind = "message"
    return text, urls, kind


def _is_message_header(keys: list[str]) -> bool:
    """The header line of messages.csv (either generation)."""
    return "FROM" in keys and ("DATE" in keys or "CONTENT" in keys or "SENDERPROFILEURL" in keys)


def _read_messages(tree: ExportTree, path: str, st: _State, skips: Skips) -> None:
    """One messages.csv (current or legacy header) into ``st.msgs``."""
    probe = _read_table(tree, path, is_header=_is_message_header, required={"FROM": "FROM"},
                        expected=f"{CURRENT_HEADER} (or the legacy {LEGACY_HEADER})", skips=skips,
                        reach=("DATE", "CONTENT", "DIRECTION"))
    current = "SENDERPROFILEURL" in probe.cols or "CONVERSATIONID" in probe.cols
    legacy = not current and "DIRECTION" in probe.cols
    required = _LEGACY_REQUIRED if legacy else _CURRENT_REQUIRED
    missing = [label for k, label in required.items() if k not in probe.cols]
    if missing:
        expected = (LEGACY_HEADER if legacy else CURRENT_HEADER if current
                    else f"{CURRENT_HEADER} (or the legacy {LEGACY_HEADER})")
        raise InputError(f"{probe.name}: line {probe.header_line}: missing column(s) {', '.join(missing)}; "
                         f"expected the header {expected}")
    st.empty += probe.empty
    (_legacy_rows if legacy else _current_rows)(probe, st, skips)


def _current_rows(t: _Table, st: _State, skips: Skips) -> None:
    """Rows of a current-header messages.csv into ``st.msgs``."""
    col = t.col
    i_conv, i_from, i_url, i_to = col("CONVERSATIONID"), col("FROM"), col("SENDERPROFILEURL"), col("TO")
    i_rurls, i_date, i_subj, i_content = col("RECIPIENTPROFILEURLS"), col("DATE"), col("SUBJECT"), col("CONTENT")
    i_att, i_draft, i_cdraft = col("ATTACHMENTS"), col("ISMESSAGEDRAFT"), col("ISCONVERSATIONDRAFT")
    cache, names = st.cache, st.names
    for where, cells in t.records():
        d1, d2 = cells[i_draft], cells[i_cdraft]
        if (d1 and d1 != "No" and d1.strip().lower() in _YES) or (d2 and d2 != "No" and d2.strip().lower() in _YES):
            st.drafts += 1
            continue
        raw = cells[i_url]
        sender, skey = cache.get(raw) or st.url(raw)
        raw = cells[i_from]
        name = names.get(raw)
        if name is None:
            name = names[raw] = _fix(raw)
        name = name or None
        if not sender:
            if name is None:
                skips.skip(t.name, _rec(where), "message without a sender", "FROM or SENDER PROFILE URL")
                continue
            sender = name
        recipients: list[str] = []
        rkeys: list[str | None] = []
        for u in _split_urls(cells[i_rurls]):
            spelled, k = cache.get(u) or st.url(u)
            recipients.append(spelled)
            rkeys.append(k)
        raw = cells[i_to]
        to = names.get(raw)
        if to is None:
            to = names[raw] = _fix(raw)
        to = to or None
        conv = cells[i_conv].strip()
        if not conv:
            parts = sorted({k for k in (skey, *rkeys) if k})
            conv = ("participants:" + "+".join(parts)) if parts else (
                "names:" + "+".join(sorted({n for n in (name, to) if n})))
        text, urls, kind = _text_and_kind(cells[i_content], cells[i_subj], cells[i_att])
        st.msgs.append(_Msg(t.name, where, conv, sender, skey, name, to, recipients, rkeys, text, urls, kind,
                            cells[i_date]))


def _legacy_rows(t: _Table, st: _State, skips: Skips) -> None:
    """Rows of a legacy messages.csv (DIRECTION, names only) into ``st.msgs``."""
    c = t.cols
    i_from, i_to, i_date, i_content, i_dir = c["FROM"], c["TO"], c["DATE"], c["CONTENT"], c["DIRECTION"]
    i_subj = t.col("SUBJECT")
    for where, cells in t.records():
        direction = cells[i_dir].strip().upper()
        if direction not in ("INCOMING", "OUTGOING"):
            skips.skip(t.name, _rec(where), "unknown message DIRECTION", "INCOMING or OUTGOING")
            continue
        name, to = _fix(cells[i_from]) or None, _fix(cells[i_to]) or None
        if name is None:
            skips.skip(t.name, _rec(where), "message without a sender", "FROM (a name)")
            continue
        counterpart = to if direction == "OUTGOING" else name
        text, urls, kind = _text_and_kind(cells[i_content], cells[i_subj], "")
        st.msgs.append(_Msg(t.name, where, f"legacy/{counterpart or ''}", name, None, name, to,
                            [to] if to else [], [None] if to else [], text, urls, kind, cells[i_date], direction))


#: What a slashed date that reads both ways needed, in a file whose dates disagree on the order.
_ONE_ORDER = "one day/month order per file; this file has dates like 13/9/24 and like 9/13/24"


def _is_invitation_header(keys: list[str]) -> bool:
    """The header line of Invitations.csv."""
    return "FROM" in keys and ("SENTAT" in keys or "DIRECTION" in keys)


def _read_invitations(tree: ExportTree, path: str, st: _State, skips: Skips) -> None:
    """One Invitations.csv into ``st.invs``."""
    t = _read_table(tree, path, is_header=_is_invitation_header, required=_INVITATIONS_REQUIRED,
                    expected=INVITATIONS_HEADER, skips=skips)
    st.empty += t.empty
    c = t.cols
    i_from, i_to, i_at, i_dir = c["FROM"], c["TO"], c["SENTAT"], c["DIRECTION"]
    i_msg, i_er, i_ee = t.col("MESSAGE"), t.col("INVITERPROFILEURL"), t.col("INVITEEPROFILEURL")
    order = _file_day_first(cells[i_at] for cells in t.rows)
    for where, cells in t.records():
        rec = _rec(where)
        direction = cells[i_dir].strip().upper()
        if direction not in ("INCOMING", "OUTGOING"):
            skips.skip(t.name, rec, "unknown invitation Direction", "INCOMING or OUTGOING")
            continue
        if order is None and _reads_both_ways(cells[i_at]):
            skips.skip(t.name, rec, "invitation Sent At in an unknown day/month order", _ONE_ORDER)
            continue
        at = parse_time(cells[i_at], day_first=order)
        if at is None:
            skips.skip(t.name, rec, "unreadable invitation Sent At", "a time like 3/9/24, 4:05 PM")
            continue
        text, urls = clean_content(cells[i_msg])
        st.invs.append(_Inv(
            t.name, where, direction, _fix(cells[i_from]) or None, _fix(cells[i_to]) or None,
            st.url(cells[i_er])[0] or None, st.url(cells[i_ee])[0] or None, text, urls, at,
        ))


@dataclass
class _Conn:
    """One Connections.csv row."""

    where: tuple[int, int]
    url: str | None
    key: str | None  # normalised URL
    name: str | None
    day: int | None


def _read_connections(tree: ExportTree, path: str, st: _State, skips: Skips) -> tuple[str, list[_Conn]]:
    """One Connections.csv: (its display name, its connections)."""
    t = _read_table(tree, path, is_header=lambda keys: keys[0] == "FIRSTNAME", required=_CONNECTIONS_REQUIRED,
                    expected=CONNECTIONS_HEADER, skips=skips)
    st.empty += t.empty
    c = t.cols
    i_first, i_last, i_url, i_on = c["FIRSTNAME"], c["LASTNAME"], t.col("URL"), c["CONNECTEDON"]
    out: list[_Conn] = []
    order = _file_day_first(cells[i_on] for cells in t.rows)
    for where, cells in t.records():
        name = " ".join(x for x in (_fix(cells[i_first]), _fix(cells[i_last])) if x) or None
        url, key = st.url(cells[i_url])
        if name is None and not url:
            skips.skip(t.name, _rec(where), "connection without a name or URL", "First Name, Last Name or URL")
            continue
        raw = cells[i_on].strip()
        if order is None and _reads_both_ways(raw):
            skips.skip(t.name, _rec(where), "Connected On date in an unknown day/month order", _ONE_ORDER)
            continue
        day = parse_day(raw, day_first=order) if raw else None
        if raw and day is None:
            skips.skip(t.name, _rec(where), "unreadable Connected On date", "a date like 07 Mar 2024")
            continue
        out.append(_Conn(where, url or None, key, name, day))
    return t.name, out


def _profile_name(tree: ExportTree, skips: Skips) -> str | None:
    """The owner's name from Profile.csv (First Name, Last Name); None when absent or unreadable.

    Every Profile.csv is read: two naming different people (two accounts' exports unzipped into
    one folder, or given as two inputs) are refused, as each account's own messages would be read
    as received by the other. Errors name the files, never the people."""
    names: list[tuple[str, str]] = []  # (path, name)
    inputs = {src: i for i, src in enumerate(tree.sources)}
    for path in sorted(tree.find(PROFILE), key=lambda p: (inputs.get(tree.members[p].container, 0), p)):
        try:
            # its bad rows are not messages or connections: dropped, not counted
            t = _read_table(tree, path, is_header=lambda keys: "FIRSTNAME" in keys,
                            required={"FIRSTNAME": "First Name"}, expected="First Name,Last Name,...", skips=Skips())
        except InputError as e:
            log.info("%s", e)
            skips.note("LinkedIn Profile.csv unreadable (owner name not taken from it)")
            continue
        for cells in t.rows[:1]:
            name = " ".join(x for x in (_fix(cells[t.col("FIRSTNAME")]), _fix(cells[t.col("LASTNAME")])) if x)
            if name:
                names.append((path, name))
    _check_one_account(tree, names)
    return names[0][1] if names else None


def _check_one_account(tree: ExportTree, names: list[tuple[str, str]]) -> None:
    """Refuse Profile.csv files that name two different people (by folded name)."""
    from autodm.loaders import ONE_EXPORT  # the package imports this module first

    for path, name in names[1:]:
        first_path, first = names[0]
        if normalize_name(name) == normalize_name(first):
            continue
        a, b = tree.members[first_path], tree.members[path]
        if a.container != b.container:
            raise InputError(f"{a.container} is the LinkedIn export of one account and {b.container} that of "
                             f"another (their Profile.csv name different people): {ONE_EXPORT}")
        raise InputError(f"{a.container}: holds the LinkedIn exports of two accounts ({tree.display(first_path)} "
                         f"and {tree.display(path)} name different people); scan each export on its own")


# --------------------------------------------------------------------------- owner


def _infer_owner(st: _State, connection_keys: set[str], profile: str | None) -> str | None:
    """The owner's normalised profile URL (see the module docstring), or None."""
    votes: Counter[str] = Counter()
    for inv in st.invs:
        side = inv.inviter if inv.direction == "OUTGOING" else inv.invitee
        key = normalize_url(side) if side else None
        if key:
            votes[key] += 1
    convs: dict[str, set[str]] = defaultdict(set)
    sent: Counter[str] = Counter()
    names: dict[str, Counter[str]] = defaultdict(Counter)
    for m in st.msgs:
        if m.direction is not None:
            continue
        if m.sender_key:
            convs[m.sender_key].add(m.conv)
            sent[m.sender_key] += 1
            if m.name:
                names[m.sender_key][m.name] += 1
        for k in m.recipient_keys:
            if k:
                convs[k].add(m.conv)
    cands = set(votes) | set(convs)
    if not cands:
        return None
    folded = normalize_name(profile) if profile else None
    base = {k: (votes[k], len(convs.get(k, ())), k not in connection_keys) for k in cands}
    top = max(base.values())
    tied = [k for k, v in base.items() if v == top]

    def score(k: str) -> tuple[bool, int]:
        named = folded is not None and any(normalize_name(n) == folded for n in names.get(k, ()))
        return named, sent[k]

    if len(tied) == 1:
        return tied[0]
    ranked = sorted(tied, key=score, reverse=True)
    return None if score(ranked[0]) == score(ranked[1]) else ranked[0]


def _owner(st: _State, connection_keys: set[str], profile: str | None) -> tuple[Owner, str | None]:
    """(Owner, its normalised URL): current rows and invitations first, then legacy rows, then Profile.csv."""
    key = _infer_owner(st, connection_keys, profile)
    if key is not None:
        names = Counter(m.name for m in st.msgs if m.sender_key == key and m.name)
        names.update(i.from_name for i in st.invs if i.direction == "OUTGOING" and i.from_name
                     and normalize_url(i.inviter or "") in (key, None))
        name = names.most_common(1)[0][0] if names else profile
        handle = key.rsplit("/", 1)[-1] if "/in/" in key else None
        return Owner(id=st.urls.get(key, key), name=name, handle=handle), key
    legacy = Counter(m.name for m in st.msgs if m.direction == "OUTGOING" and m.name)
    if not legacy:
        legacy = Counter(m.to for m in st.msgs if m.direction == "INCOMING" and m.to)
    if legacy:
        name = legacy.most_common(1)[0][0]
        return Owner(id=name, name=name), None
    if profile:
        return Owner(id=None, name=profile), None
    return Owner(), None


# --------------------------------------------------------------------------- load


def _message_id(*parts: str) -> str:
    """A stable id from a message's conversation, sender, time and text."""
    return "li-" + hashlib.blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def load(tree: ExportTree, skips: Skips, platform: str | None = None) -> Inbox:
    """Load a LinkedIn export (zip, folder or single CSV) into an Inbox."""
    st = _State()
    assistant = sum(len(tree.find(f)) for f in ASSISTANT_FILES)
    if assistant:
        skips.note("LinkedIn assistant chat file (ignored)", assistant)
    files = _message_files(tree)
    for path in files:
        _read_messages(tree, path, st, skips)
    for path in tree.find(INVITATIONS):
        if files:
            _side_file(tree, path, _read_invitations, st, skips)
        else:  # its notes are the only messages: an unreadable one is the export's error
            _read_invitations(tree, path, st, skips)
    conns = [c for p in tree.find(CONNECTIONS) if (c := _side_file(tree, p, _read_connections, st, skips))]
    if not files and not any(i.text for i in st.invs):
        raise InputError(f"{tree.name}: no messages.csv in this LinkedIn export; expected messages.csv "
                         "(in the Basic_ or Complete_LinkedInDataExport zip)")
    if st.drafts:
        skips.note("LinkedIn draft message (dropped)", st.drafts)
    if st.empty:
        skips.note("LinkedIn CSV row of only commas (ignored)", st.empty)
    connection_keys = {c.key for _, rows in conns for c in rows if c.key}
    owner, owner_key = _owner(st, connection_keys, _profile_name(tree, skips))
    rows = _message_rows(st, owner, owner_key, skips, _urls_by_name(st, conns))
    follows = _follow_rows(conns, st)
    log.info("LinkedIn export: %d message files, %d messages, %d invitations, %d connections read",
             len(files), len(st.msgs), len(st.invs), len(follows))
    return make_inbox(platform="linkedin", source=tree.name, messages=rows, follows=follows, owner=owner,
                      skips=skips, message_times="epoch_s", follow_times="epoch_s")


#: Why a whole side file is skipped (Skips reason) and what it should have been, by file kind.
_SIDE_FILES = {
    INVITATIONS: ("unreadable invitations file", f"a CSV with the columns {', '.join(_INVITATIONS_REQUIRED.values())}",
                  "invitation notes and times left out"),
    CONNECTIONS: ("unreadable connections file", f"a CSV with the columns {', '.join(_CONNECTIONS_REQUIRED.values())} "
                  f"(the header {CONNECTIONS_HEADER})", "connection times left out"),
}


def _side_file(tree: ExportTree, path: str, read: Callable[[ExportTree, str, _State, Skips], _T],
               st: _State, skips: Skips) -> _T | None:
    """What ``read`` gives, or None for an Invitations.csv or Connections.csv that cannot be read:
    skipped and counted, its error warned (the messages are the point); ``--strict`` stops with it."""
    try:
        return read(tree, path, st, skips)
    except LimitError:
        raise
    except InputError as e:
        if skips.strict:
            raise
        reason, expected, lost = _SIDE_FILES[CONNECTIONS if path.lower().endswith(CONNECTIONS) else INVITATIONS]
        log.warning("%s; %s", e, lost)
        skips.skip(tree.display(path), "(the whole file)", reason, expected)
        return None


def _urls_by_name(st: _State, conns: list[tuple[str, list[_Conn]]]) -> dict[str, str]:
    """Folded name -> the one profile URL it goes with, for invitations without URLs (older files).

    A name counts when the messages (senders, 1:1 recipients) and connections give it exactly one
    URL and no two connections bear it: a name with two URLs, or two connections, is two people.
    Empty when every invitation has its URLs.
    """
    if all(inv.inviter if inv.direction == "INCOMING" else inv.invitee for inv in st.invs if inv.text):
        return {}
    keys: dict[str, set[str]] = defaultdict(set)
    listed: Counter[str] = Counter()
    folded: dict[str, str | None] = {}

    def fold(name: str) -> str | None:
        if name not in folded:
            folded[name] = normalize_name(name)
        return folded[name]

    for m in st.msgs:
        if m.sender_key and m.name and (n := fold(m.name)):
            keys[n].add(m.sender_key)
        if len(m.recipient_keys) == 1 and m.recipient_keys[0] and m.to and (n := fold(m.to)):
            keys[n].add(m.recipient_keys[0])
    for _, rows in conns:
        for c in rows:
            if c.name and (n := fold(c.name)):
                listed[n] += 1
                if c.key:
                    keys[n].add(c.key)
    return {n: st.urls[next(iter(k))] for n, k in keys.items() if len(k) == 1 and listed[n] <= 1}


def _message_rows(st: _State, owner: Owner, owner_key: str | None, skips: Skips,
                  urls_by_name: dict[str, str]) -> MessageRows:
    """Messages and invitation notes as MessageRows (times parsed in one go; bad ones skipped); an
    invitation's person without a URL gets the one URL their name goes with (``urls_by_name``)."""

    def person(url: str | None, name: str | None) -> str | None:
        if url or not name:
            return url or name
        return urls_by_name.get(normalize_name(name) or "", name)

    rows = MessageRows()
    times = _message_times([m.date for m in st.msgs])
    owner_folded = normalize_name(owner.name) if owner.name else None
    for m, secs in zip(st.msgs, times.tolist(), strict=True):
        if secs < 0:
            expected = "a DATE like 2019-11-06T02:08:20" if m.direction else "a DATE like 2024-03-09 16:05:00 UTC"
            skips.skip(m.file, _rec(m.where), "unreadable message DATE", expected)
            continue
        if m.direction is not None:
            outgoing = m.direction == "OUTGOING"
            recipient = m.to if outgoing else owner.id
        else:
            if m.sender_key is not None:
                outgoing = owner_key is not None and m.sender_key == owner_key
            else:
                outgoing = owner_folded is not None and normalize_name(m.name) == owner_folded
            recipient = m.recipients[0] if len(m.recipients) == 1 else None
        rows.add(
            message_id=_message_id(m.conv, m.sender, m.date.strip(), m.text), conversation_id=m.conv,
            sender_id=m.sender, sender_name=m.name, recipient_id=recipient, sent_at=secs, text=m.text,
            urls=m.urls, outgoing=outgoing, kind=m.kind, file=m.file, record=m.where[0],
        )
    for inv in st.invs:
        if not inv.text:
            continue
        incoming = inv.direction == "INCOMING"
        if incoming:
            sender = other = person(inv.inviter, inv.from_name)
            recipient = inv.invitee or owner.id
        else:
            sender = owner.id or inv.inviter or inv.from_name
            recipient = other = person(inv.invitee, inv.to_name)
        if not sender:
            skips.skip(inv.file, _rec(inv.where), "invitation without a sender", "From or inviterProfileUrl")
            continue
        key = (normalize_url(other) if other and "/in/" in other.lower() else normalize_name(other)) or ""
        conv = f"invitation:{key}"
        rows.add(
            message_id=_message_id(conv, sender, str(inv.at), inv.text), conversation_id=conv, sender_id=sender,
            sender_name=inv.from_name, recipient_id=recipient, sent_at=inv.at, text=inv.text, urls=inv.urls,
            outgoing=not incoming, kind="invitation", file=inv.file, record=_rec(inv.where),
        )
    return rows


def _follow_rows(conns: list[tuple[str, list[_Conn]]], st: _State) -> FollowRows:
    """Connections as follows rows; a same-day invitation with the person moves the time to it (lower bound)."""
    by_url: dict[str, list[int]] = defaultdict(list)
    by_name: dict[str, list[int]] = defaultdict(list)
    flat = [(name, c) for name, rows in conns for c in rows]
    for i, (_, c) in enumerate(flat):
        if c.key:
            by_url[c.key].append(i)
        if c.name and (n := normalize_name(c.name)):
            by_name[n].append(i)
    start: dict[int, int] = {}
    for inv in st.invs:
        url, name = (inv.inviter, inv.from_name) if inv.direction == "INCOMING" else (inv.invitee, inv.to_name)
        k = normalize_url(url) if url else None
        hits = by_url.get(k, []) if k else []
        if k is None and name and (n := normalize_name(name)) and len(by_name.get(n, [])) == 1:
            hits = by_name[n]
        for i in hits:
            day = flat[i][1].day
            if day is not None and day <= inv.at < day + 86400:
                bound = min(inv.at + 60, day + 86399)  # accepted after it was sent: after its minute
                start[i] = min(start.get(i, bound), bound)
    if start:
        log.info("LinkedIn: %d connection times bounded by a same-day invitation", len(start))
    frows = FollowRows()
    for i, (file, c) in enumerate(flat):
        frows.add(user_id=c.url, user_name=c.name, followed_at=start.get(i, c.day), precision="day",
                  direction="connection", file=file, record=_rec(c.where))
    return frows
