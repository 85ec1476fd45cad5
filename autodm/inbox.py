"""The canonical Inbox every loader returns: column names, dtypes, validation, the follow join.

Loaders collect rows with :class:`MessageRows` / :class:`FollowRows` (plain list appends, cheap
at a million rows), then :func:`make_inbox` converts times once, vectorised, drops records whose
time cannot be read (counted in :class:`Skips`, or an error under ``--strict``), dedupes on
``message_id`` and sorts by time.
"""

from __future__ import annotations

import gc
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from pandas.arrays import StringArray

from autodm.errors import InputError, RecordError

log = logging.getLogger(__name__)

PLATFORMS = ("x", "instagram", "facebook", "linkedin", "canonical")

#: Message columns, in order. ``kind`` and ``sender_username`` go beyond the contract's minimum:
#: ``kind`` is message | welcome (X welcomeMessageCreate: declared automated by the platform) |
#: system (platform-generated text such as "Liked a message") | invitation (LinkedIn invitation
#: note); ``sender_username`` is the sender's handle where the export gives one.
MESSAGE_COLUMNS = (
    "message_id",
    "platform",
    "conversation_id",
    "sender_id",
    "sender_name",
    "sender_username",
    "recipient_id",
    "sent_at",
    "text",
    "urls",
    "outgoing",
    "kind",
)
KINDS = ("message", "welcome", "system", "invitation")

#: Follow columns. ``direction``: follower (they followed the owner), following (the owner
#: followed them), connection (mutual: LinkedIn connections, Facebook friends).
FOLLOW_COLUMNS = ("user_id", "user_name", "followed_at", "precision", "direction")
Precision = Literal["second", "minute", "day"]

#: Columns :func:`join_follows` adds to messages.
JOIN_COLUMNS = ("followed_at", "follow_precision", "follow_direction", "follow_join")

TimeFormat = Literal["iso", "epoch_ms", "epoch_s", "auto"]


@dataclass
class Owner:
    """The account that exported the archive, where known."""

    id: str | None = None
    name: str | None = None
    handle: str | None = None


class Skips:
    """Counts records skipped by reason; under ``strict`` the first one raises instead.

    >>> s = Skips(); s.skip("a.json", 3, "bad timestamp"); s.counts["bad timestamp"]
    1
    """

    def __init__(self, strict: bool = False) -> None:
        self.strict = strict
        self.counts: Counter[str] = Counter()
        self.notes: Counter[str] = Counter()
        #: Where each reason was first met ("file: record N"), so the summary can point at one.
        self.first: dict[str, str] = {}
        #: What was expected instead, by reason (the first record's words), for the summary too.
        self.expected: dict[str, str] = {}

    def skip(self, file: str, record: int | str, reason: str, expected: str = "") -> None:
        """Skip one bad record (or raise :class:`RecordError` when strict)."""
        whole = str(record).startswith("(")  # "(the whole file)": no record number to name
        where = f"{file}, {str(record)[1:-1]}" if whole else f"{file}: record {record}"
        if self.strict:
            hint = f" (expected {expected})" if expected else ""
            raise RecordError(f"{where}: {reason}{hint}")
        self.counts[reason] += 1
        self.first.setdefault(reason, where)
        if expected:
            self.expected.setdefault(reason, expected)

    def note(self, what: str, n: int = 1) -> None:
        """Count something ignored on purpose (e.g. an X event kind that carries no message)."""
        self.notes[what] += n

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Inbox:
    """Messages, follows and owner of one export; what every loader returns."""

    messages: pd.DataFrame
    follows: pd.DataFrame
    owner: Owner
    platform: str
    source: str
    skips: Skips = field(default_factory=Skips)

    @property
    def incoming(self) -> pd.DataFrame:
        return self.messages[~self.messages["outgoing"]]

    @property
    def owner_side_known(self) -> bool:
        """Whether the owner's messages can be told: a known owner, or any message marked outgoing.
        Without either (a CSV of received messages, an export whose owner cannot be told), "you
        never replied" would be read into every thread."""
        owner = self.owner
        return bool(owner.id or owner.name or owner.handle) or bool(self.messages["outgoing"].any())


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while building rows: it would rescan the millions of new small objects
    a big export creates. Also a decorator: ``@gc_paused()``."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class MessageRows:
    """Column lists a loader appends messages to; :func:`make_inbox` turns them into a frame."""

    #: What a tuple given to :meth:`add_row` holds, in order: these columns, then file and record.
    ROW = ("message_id", "conversation_id", "sender_id", "sender_name", "sender_username", "recipient_id",
           "sent_at", "text", "urls", "outgoing", "kind")

    def __init__(self) -> None:
        self._cols: dict[str, list[Any]] = {c: [] for c in MESSAGE_COLUMNS if c != "platform"}
        self._where: list[tuple[str, int | str]] = []
        self._pending: list[tuple[Any, ...]] = []

    @property
    def cols(self) -> dict[str, list[Any]]:
        if self._pending:
            self._flush()
        return self._cols

    @property
    def where(self) -> list[tuple[str, int | str]]:
        if self._pending:
            self._flush()
        return self._where

    def add_row(self, row: tuple[Any, ...]) -> None:
        """Append one message as a tuple in :data:`ROW` order plus (file, record): text a str, urls
        a list. Cheaper than :meth:`add` for a loader's hot loop; turned into columns in bulk."""
        self._pending.append(row)

    def _flush(self) -> None:
        rows, self._pending = self._pending, []
        values = list(zip(*rows, strict=True))
        *columns, files, records = values
        for key, column in zip(self.ROW, columns, strict=True):  # a tuple of the wrong width fails here
            self._cols[key].extend(column)
        self._where.extend(zip(files, records, strict=True))

    def add(
        self,
        *,
        message_id: str,
        conversation_id: str,
        sender_id: str,
        sent_at: Any,
        text: str | None = "",
        sender_name: str | None = None,
        sender_username: str | None = None,
        recipient_id: str | None = None,
        urls: Iterable[str] = (),
        outgoing: bool | None = None,
        kind: str = "message",
        file: str = "",
        record: int | str = 0,
    ) -> None:
        """Append one message; ``sent_at`` is raw (converted in bulk by make_inbox)."""
        c = self.cols
        c["message_id"].append(message_id)
        c["conversation_id"].append(conversation_id)
        c["sender_id"].append(sender_id)
        c["sender_name"].append(sender_name)
        c["sender_username"].append(sender_username)
        c["recipient_id"].append(recipient_id)
        c["sent_at"].append(sent_at)
        c["text"].append(text or "")
        c["urls"].append(list(urls))
        c["outgoing"].append(outgoing)
        c["kind"].append(kind)
        self.where.append((file, record))

    def __len__(self) -> int:
        return len(self._where) + len(self._pending)


class FollowRows:
    """Column lists a loader appends follow/connection rows to."""

    def __init__(self) -> None:
        self.cols: dict[str, list[Any]] = {c: [] for c in FOLLOW_COLUMNS}
        self.where: list[tuple[str, int | str]] = []

    def add(
        self,
        *,
        user_id: str | None = None,
        user_name: str | None = None,
        followed_at: Any = None,
        precision: str | None = "second",
        direction: str = "follower",
        file: str = "",
        record: int | str = 0,
    ) -> None:
        """Append one follow; ``followed_at`` None means the export gives no time."""
        c = self.cols
        c["user_id"].append(user_id)
        c["user_name"].append(user_name)
        c["followed_at"].append(followed_at)
        c["precision"].append(precision if followed_at is not None else None)
        c["direction"].append(direction)
        self.where.append((file, record))

    def __len__(self) -> int:
        return len(self.where)


def to_utc(values: pd.Series | list[Any], fmt: TimeFormat) -> pd.Series:
    """Convert raw times to tz-aware UTC, vectorised; unreadable values become NaT.

    ``iso``: ISO 8601 strings (naive ones are taken as UTC); ``epoch_ms`` / ``epoch_s``: numbers
    or digit strings; ``auto``: numbers as epoch seconds, strings as ISO 8601.
    """
    s = pd.Series(values if isinstance(values, pd.Series) else _objects(values), dtype=object)
    if len(s) == 0:
        return pd.Series([], dtype="datetime64[ns, UTC]")
    if fmt == "auto":
        num = pd.to_numeric(s.where(s.map(_is_number)), errors="coerce")
        out = _epoch(num, "s")
        rest = num.isna() & s.notna()
        if rest.any():
            out[rest] = _iso(s[rest])
        return out
    if fmt == "iso":
        return _iso(s)
    return _epoch(pd.to_numeric(s, errors="coerce"), "ms" if fmt == "epoch_ms" else "s")


def _objects(values: list[Any]) -> np.ndarray:
    """A 1-d object array of ``values`` (list items stay items, never a second dimension)."""
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    return arr


def _is_none(values: list[Any]) -> np.ndarray:
    """Which values are None, as a boolean array."""
    return np.fromiter(map(type(None).__instancecheck__, values), dtype=bool, count=len(values))


def _strings(values: list[Any]) -> pd.api.extensions.ExtensionArray:
    """``pd.array(values, dtype="string")``, faster when the values are already str or None."""
    try:
        return StringArray(np.array(values, dtype=object))
    except ValueError:  # numbers or other objects: let pandas convert them
        return pd.array(values, dtype="string")


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)


def _iso(s: pd.Series) -> pd.Series:
    values = s.to_numpy()
    all_str = all(map(str.__instancecheck__, values))
    strings = s if all_str else s.where(s.map(lambda v: isinstance(v, str)))
    out = pd.to_datetime(strings, errors="coerce", utc=True, format="ISO8601")
    # pandas parses any year (at us resolution); outside 1970..2100 is unreadable, as for epochs,
    # and converting a year past 2262 to ns would overflow
    low, high = pd.Timestamp(_MIN_EPOCH_S, unit="s", tz="UTC"), pd.Timestamp(_MAX_EPOCH_S, unit="s", tz="UTC")
    out = out.where((out >= low) & (out < high))
    return out.astype("datetime64[ns, UTC]")


_MIN_EPOCH_S, _MAX_EPOCH_S = 0, 4_102_444_800  # 1970 .. 2100


def _epoch(num: pd.Series, unit: str) -> pd.Series:
    """Epoch numbers to UTC. Milliseconds are exact: 1737681534962 is ...54.962, never the
    ...54.961999872 that scaling to seconds and back in floating point gives."""
    scale = 1000 if unit == "ms" else 1
    ok = (num >= _MIN_EPOCH_S * scale) & (num < _MAX_EPOCH_S * scale)
    if unit == "ms":
        # whole microseconds stay under 2**53 up to 2100, so a float holds them exactly; the
        # nanoseconds are then whole microseconds times 1000, in integers
        ns = (num.where(ok) * 1000).round().astype("Int64") * 1000
    else:
        # seconds keep the float product (whole seconds are exact in it): the simulated timelines,
        # and with them the bundled examples and model, are built from these values
        ns = (num.where(ok) * 1e9).round().astype("Int64")
    out = pd.to_datetime(ns, unit="ns", utc=True)
    return out.astype("datetime64[ns, UTC]")


#: What a time in each format looks like, for the message that skips one (1970 to 2100 either way).
TIME_EXPECTED = {
    "iso": "an ISO 8601 time, like 2024-03-07T14:06:09Z",
    "epoch_ms": "epoch milliseconds, like 1709820369000",
    "epoch_s": "epoch seconds, like 1709820369",
    "auto": "an ISO 8601 time (2024-03-07T14:06:09Z) or epoch seconds or milliseconds",
}


def _bad_times(
    times: pd.Series, raw: list[Any], where: list[tuple[str, int | str]], skips: Skips, what: str,
    fmt: TimeFormat,
) -> np.ndarray:
    """Rows whose raw time was given but cannot be read: skip (or raise) each; return a mask."""
    bad = times.isna().to_numpy() & ~_is_none(raw)
    for i in np.flatnonzero(bad):
        file, record = where[i]
        skips.skip(file, record, f"unreadable {what}", f"{TIME_EXPECTED[fmt]}, between 1970 and 2100")
    return bad


def messages_frame(rows: MessageRows, platform: str, fmt: TimeFormat, skips: Skips) -> pd.DataFrame:
    """Build the messages frame: times to UTC, unreadable times skipped, typed columns."""
    cols = rows.cols
    times = to_utc(cols["sent_at"], fmt)
    missing = _is_none(cols["sent_at"])
    for i in np.flatnonzero(missing):
        file, record = rows.where[i]
        skips.skip(file, record, "message without a time", "a timestamp")
    bad = _bad_times(times, cols["sent_at"], rows.where, skips, "message time", fmt) | missing
    df = pd.DataFrame(
        {
            "message_id": _strings(cols["message_id"]),
            "platform": _strings([platform] * len(rows)),
            "conversation_id": _strings(cols["conversation_id"]),
            "sender_id": _strings(cols["sender_id"]),
            "sender_name": _strings(cols["sender_name"]),
            "sender_username": _strings(cols["sender_username"]),
            "recipient_id": _strings(cols["recipient_id"]),
            "sent_at": times,
            "text": _strings(cols["text"]),
            "urls": pd.Series(_objects(cols["urls"]), dtype=object),
            "outgoing": pd.array(cols["outgoing"], dtype="boolean"),
            "kind": _strings(cols["kind"]),
        }
    )
    if bad.any():
        df = df[~bad]
    return df


def follows_frame(rows: FollowRows, fmt: TimeFormat, skips: Skips) -> pd.DataFrame:
    """Build the follows frame; a follow with an unreadable time is skipped, a missing one kept."""
    cols = rows.cols
    times = to_utc(cols["followed_at"], fmt)
    bad = _bad_times(times, cols["followed_at"], rows.where, skips, "follow time", fmt)
    df = pd.DataFrame(
        {
            "user_id": pd.array(cols["user_id"], dtype="string"),
            "user_name": pd.array(cols["user_name"], dtype="string"),
            "followed_at": times,
            "precision": pd.array(cols["precision"], dtype="string"),
            "direction": pd.array(cols["direction"], dtype="string"),
        }
    )
    return df[~bad] if bad.any() else df


def empty_follows() -> pd.DataFrame:
    return follows_frame(FollowRows(), "iso", Skips())


def make_inbox(
    *,
    platform: str,
    source: str,
    messages: MessageRows,
    follows: FollowRows | None = None,
    owner: Owner | None = None,
    skips: Skips,
    message_times: TimeFormat,
    follow_times: TimeFormat = "epoch_s",
) -> Inbox:
    """Assemble and validate an Inbox from a loader's rows.

    ``outgoing`` left as None is filled from the owner's id (sender_id == owner.id); duplicate
    message ids keep their first row; messages are sorted by time (no export is reliably sorted).
    Raises :class:`InputError` when the export holds no readable message at all.
    """
    owner = owner or Owner()
    df = messages_frame(messages, platform, message_times, skips)
    if owner.id is not None:
        df["outgoing"] = df["outgoing"].fillna(df["sender_id"] == owner.id)
    df["outgoing"] = df["outgoing"].fillna(False).astype(bool)
    df = _dedupe_and_sort(df, skips, messages.where)
    fdf = follows_frame(follows, follow_times, skips) if follows is not None else empty_follows()
    if df.empty:
        raise InputError(f"{source}: no readable messages found in this {platform} export")
    log.info("loaded %d messages, %d follows from %s", len(df), len(fdf), source)
    return Inbox(messages=df, follows=fdf.reset_index(drop=True), owner=owner, platform=platform,
                 source=source, skips=skips)


def _dedupe_and_sort(df: pd.DataFrame, skips: Skips, where: list[tuple[str, int | str]]) -> pd.DataFrame:
    """Keep the first row of each message id, sort by (sent_at, message_id), stable; new index.

    A repeat with the same sender, time and text (an export split over parts repeats messages) is
    dropped quietly; one that differs is another message under a taken id, lost: skipped and
    counted at its ``where`` (indexed by ``df.index``), or an error under ``--strict``.

    The same order as ``sort_values(["sent_at", "message_id"], kind="stable")``, faster: the
    times are sorted as integers and only rows sharing a time compare their ids as strings.
    """
    codes, _ = pd.factorize(df["message_id"], use_na_sentinel=False)  # codes count up in order of first sight
    first = np.unique(codes, return_index=True)[1][codes]  # each row's id's first row
    dup = first != np.arange(len(df))
    if dup.any():
        differs = _differs(df, np.flatnonzero(dup), first[dup])
        for i in df.index[dup][differs]:
            file, record = where[i]
            skips.skip(file, record, "message id used twice with different content", "a unique id per message")
        if (same := int(dup.sum()) - int(differs.sum())):
            skips.note("duplicate message id (kept the first)", same)
    keep = np.flatnonzero(~dup)
    sent = df["sent_at"].iloc[keep]
    t = sent.to_numpy(dtype="datetime64[ns]", na_value=np.datetime64("NaT")).view(np.int64)
    t = np.where(sent.isna().to_numpy(), np.iinfo(np.int64).max, t)  # a missing time sorts last
    counts = np.unique(t, return_inverse=True, return_counts=True)
    tied = counts[2][counts[1]] > 1
    rank = np.zeros(len(keep), dtype=np.int64)
    if tied.any():
        codes, uniq = pd.factorize(df["message_id"].iloc[keep[tied]], sort=True)
        rank[tied] = np.where(codes < 0, len(uniq), codes)  # a missing id sorts last
    return df.take(keep[np.lexsort((rank, t))]).reset_index(drop=True)


#: What makes two rows under one message id the same message.
_CONTENT = ("sender_id", "sent_at", "text")


def _differs(df: pd.DataFrame, rows: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Whether each row at position ``rows`` differs in sender, time or text from the row at
    ``other``: only the repeated rows are compared, so a million messages cost a few comparisons."""
    differs = np.zeros(len(rows), dtype=bool)
    for col in (c for c in _CONTENT if c in df):
        a = df[col].iloc[rows].reset_index(drop=True)
        b = df[col].iloc[other].reset_index(drop=True)
        same = (a == b).fillna(False).to_numpy(dtype=bool) | (a.isna() & b.isna()).to_numpy()
        differs |= ~same
    return differs


# --------------------------------------------------------------------------- follow join

_NON_ALNUM = re.compile(r"[\W_]+", re.UNICODE)
_NOT_ASCII_ALNUM = re.compile(r"[^a-z0-9]+")


class _DropWhere(dict[int, int | None]):
    """A ``str.translate`` table dropping the characters ``drop`` is true of, and keeping the
    others: ``s.translate(t)`` is ``"".join(ch for ch in s if not drop(ch))``, several times
    faster. Each character is decided the first time it is met."""

    def __init__(self, drop: Callable[[str], bool]) -> None:
        super().__init__()
        self._drop = drop

    def __missing__(self, code: int) -> int | None:
        kept = None if self._drop(chr(code)) else code
        self[code] = kept
        return kept


def _is_combining(ch: str) -> bool:
    return unicodedata.combining(ch) != 0


def _is_non_ascii_letter(ch: str) -> bool:
    return not ch.isascii() and ch.isalpha()


#: Drops the combining marks NFKD splits off accented letters.
_DROP_COMBINING = _DropWhere(_is_combining)
#: Drops the letters outside ASCII.
_DROP_NON_ASCII_LETTERS = _DropWhere(_is_non_ascii_letter)


def normalize_name(name: str | None) -> str | None:
    """Fold a display name or username for comparison: "Sam Sample" and "sam.sample" -> "samsample".

    Accents are removed (NFKD), case folded, everything but letters and digits dropped.
    """
    if name is None or name is pd.NA:
        return None
    if (s := str(name)).isascii():  # most names and every username: the same result, five times faster
        return _NOT_ASCII_ALNUM.sub("", s.lower()) or None
    s = unicodedata.normalize("NFKD", s).translate(_DROP_COMBINING).casefold()
    s = _NON_ALNUM.sub("", s)
    return s or None


def normalize_url(url: str | None) -> str | None:
    """Normalise a profile URL for joining: lowercase, no scheme/query/fragment/trailing slash."""
    if url is None or url is pd.NA or not str(url).strip():
        return None
    u = str(url).strip().lower().split("#", 1)[0].split("?", 1)[0].rstrip("/")
    u = re.sub(r"^https?://", "", u)
    return re.sub(r"^(www\.|[a-z]{2}\.)(linkedin\.com)", r"\2", u)


#: The shortest key a loose match may join on: "ana" or "tom" says too little about who it is.
LOOSE_MIN_KEY = 4

_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_TAGLINE = re.compile(r"[|•·]")
_DECORATION = re.compile(r"[|•·(\[]")
#: How letters NFKD leaves whole are written in ASCII (usernames are ASCII).
_ASCII_SPELLING = str.maketrans({"ß": "ss", "ẞ": "SS", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe",
                                 "Œ": "OE", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D",
                                 "þ": "th", "Þ": "TH", "ı": "i"})
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "AE", "Ö": "OE", "Ü": "UE"})


def _core_name(name: str) -> str:
    """A display name without its decoration: a bracketed "(she/her)" or a "| Coach" tagline."""
    if not _DECORATION.search(name):
        return name
    core = _BRACKETED.sub(" ", _TAGLINE.split(name, maxsplit=1)[0])
    return core if any(ch.isalnum() for ch in core) else name


def _ascii_fold(s: str, sep: str = "") -> str:
    """Accents transliterated, case folded, anything but ASCII letters and digits dropped (or,
    given ``sep``, each run of it turned into ``sep``)."""
    if s.isascii():  # every username: a hundred thousand followers fold in a fraction of a second
        return _NOT_ASCII_ALNUM.sub(sep, s.lower())
    s = unicodedata.normalize("NFKD", s.translate(_ASCII_SPELLING))
    return _NOT_ASCII_ALNUM.sub(sep, s.translate(_DROP_COMBINING).lower())


def _two_words(spaced: str) -> str | None:
    """The words of ``spaced`` run together, when there are two or more: one word ("Mark", or
    the "Wang" left of "王伟 Wang") matches too many usernames (``mark_1987``) to join on."""
    words = spaced.split()
    return "".join(words) if len(words) >= 2 else None


def loose_name_keys(name: str | None) -> frozenset[str]:
    """The ASCII spellings a username may give a display name, for the ``loose_name`` join.

    The name without decoration ("(she/her)", "| Coach", emoji), its accented letters
    transliterated ("Chloé Müller" -> "chloemuller", "chloemueller") or dropped ("chlomller");
    keys of one word ("Mark") or under :data:`LOOSE_MIN_KEY` characters are left out.

    >>> sorted(loose_name_keys("Chloé Novak | Coach"))
    ['chloenovak', 'chlonovak']
    """
    if name is None or name is pd.NA:
        return frozenset()
    core = unicodedata.normalize("NFC", _core_name(str(name)))
    if core.isascii():  # nothing to transliterate or drop: the three spellings below are one
        key = _two_words(_NOT_ASCII_ALNUM.sub(" ", core.lower()))
        return frozenset((key,)) if key is not None and len(key) >= LOOSE_MIN_KEY else frozenset()
    # a letter dropped splits its word ("Jürgen" -> "j rgen"): dropped letters are replaced by
    # nothing, other characters by spaces, before the words are counted
    dropped = _NOT_ASCII_ALNUM.sub(" ", core.translate(_DROP_NON_ASCII_LETTERS).lower())
    keys = {_two_words(_ascii_fold(core, " ")), _two_words(_ascii_fold(core.translate(_UMLAUTS), " ")),
            _two_words(dropped)}
    return frozenset(k for k in keys if k is not None and len(k) >= LOOSE_MIN_KEY)


def loose_username_key(name: str | None) -> str | None:
    """A username (or a follow list's name) folded, its trailing digits dropped: "tom.patel36" ->
    "tompatel"; None when under :data:`LOOSE_MIN_KEY` characters ("ana_3" -> "ana")."""
    if name is None or name is pd.NA:
        return None
    s = str(name)
    if s.isascii() and not _DECORATION.search(s):  # every username: fast
        key = _NOT_ASCII_ALNUM.sub("", s.lower()).rstrip("0123456789")
    else:
        key = _ascii_fold(_core_name(s)).rstrip("0123456789")
    return key if len(key) >= LOOSE_MIN_KEY else None


def _loose_matches(display: _Keys, senders: pd.Series, eligible: np.ndarray, follow_name: _Keys,
                   accounts: _Keys, claims: dict[str, set[str]]) -> tuple[_Keys, np.ndarray]:
    """Each ``eligible`` message's follow account by :func:`loose_name_keys` of its sender's name
    (missing when none), and whether the match is ambiguous: the name's keys reach two accounts,
    or the account is matched to another sender too (here or at a tighter tier). Worked out once
    per distinct (name, sender); the accounts as keys (``accounts``' codes, -1: none)."""
    rows = np.flatnonzero(eligible)
    used = _sorted_distinct(display.codes[rows])  # eligible rows have a name
    name_codes = np.searchsorted(used, display.codes[rows])
    sender_codes, who = pd.factorize(senders.iloc[rows], use_na_sentinel=False)
    pair_codes, pairs = pd.factorize(name_codes.astype(np.int64) * len(who) + sender_codes)
    n_reached, only = _loose_reach(display.values[used], follow_name, accounts)
    pair_name, pair_sender = pairs // len(who), np.asarray(who, dtype=object)[pairs % len(who)]
    takers: dict[int, set[Any]] = {}
    for nc, sender in zip(pair_name, pair_sender, strict=True):
        if n_reached[nc] == 1:
            takers.setdefault(only[nc], set()).add(sender)
    account = np.full(len(pairs), -1, dtype=np.int64)
    unsure = np.zeros(len(pairs), dtype=bool)
    for i, nc in enumerate(pair_name):
        acct = only[nc]  # -1 unless the name reaches exactly one account
        if n_reached[nc] > 1 or (acct >= 0 and len(takers[acct] | claims.get(accounts.values[acct], set())) > 1):
            unsure[i] = True
        else:
            account[i] = acct
    mk = np.full(len(eligible), -1, dtype=np.int64)
    mk[rows] = account[pair_codes]
    ambiguous = np.zeros(len(eligible), dtype=bool)
    ambiguous[rows] = unsure[pair_codes]
    return _Keys(mk, accounts.values), ambiguous


def _sorted_distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` of integers, by sorting: numpy 2's hash-based unique is an order of
    magnitude slower on the spread-out pair codes the join makes."""
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered


def _loose_reach(names: np.ndarray, follow_name: _Keys, accounts: _Keys) -> tuple[np.ndarray, np.ndarray]:
    """How many follow accounts each of ``names`` reaches by :func:`loose_name_keys` against
    :func:`loose_username_key` of the follow names, and the account (its code) of each name that
    reaches exactly one (-1 otherwise), in integer codes: a million follows are one array each."""
    name_keys = [loose_name_keys(n) for n in names]
    wanted = pd.Index(sorted(set().union(*name_keys)), dtype=object)
    # each follow's loose key as its position among the names' keys (-1: none of them)
    loose = follow_name.derive(_loose_username_keys)
    key = np.append(wanted.get_indexer(loose.values), -1)[loose.codes]
    rows = np.flatnonzero((key >= 0) & (accounts.codes >= 0))
    n_acct = max(len(accounts.values), 1)
    key_acct = _sorted_distinct(key[rows].astype(np.int64) * n_acct + accounts.codes[rows])  # by key
    by_key, acct = key_acct // n_acct, key_acct % n_acct
    start = np.searchsorted(by_key, np.arange(len(wanted)))
    count = np.searchsorted(by_key, np.arange(len(wanted)), side="right") - start
    # (name, key) pairs, then (name, account) through each key's accounts
    pair_name = np.repeat(np.arange(len(names)), [len(k) for k in name_keys])
    pair_key = wanted.get_indexer([k for keys in name_keys for k in keys])
    n = count[pair_key]
    first = np.repeat(start[pair_key] - (np.cumsum(n) - n), n) + np.arange(n.sum())
    name_acct = _sorted_distinct(np.repeat(pair_name, n).astype(np.int64) * n_acct + acct[first])
    reached = name_acct // n_acct
    n_reached = np.bincount(reached, minlength=len(names))
    only = np.full(len(names), -1, dtype=np.int64)
    one = n_reached[reached] == 1
    only[reached[one]] = name_acct[one] % n_acct
    return n_reached, only


#: Each byte as ``_NOT_ASCII_ALNUM.sub("", s.lower())`` leaves it: its lowercase letter or digit, or
#: 0 where it is dropped.
_FOLD_BYTE = np.zeros(256, dtype=np.uint8)
_NEWLINE = ord("\n")
_FOLD_BYTE[np.frombuffer(b"0123456789abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)] = np.frombuffer(
    b"0123456789abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
_FOLD_BYTE[np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)] = np.frombuffer(
    b"abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)


def _fold_ascii(names: list[str], *, strip_digits: bool = False, min_len: int = 1,
                marks: bytes = b"") -> tuple[np.ndarray, np.ndarray]:
    """For ASCII ``names``: each one lowercased, all but letters and digits dropped
    (``_NOT_ASCII_ALNUM.sub("", s.lower())``), then its trailing digits too if ``strip_digits``;
    None where that leaves under ``min_len`` characters. Done in a few array operations on all
    their bytes at once: a million usernames in a tenth of a second, not two. Also returns which
    names hold any of the characters ``marks``."""
    out = np.full(len(names), None, dtype=object)
    marked = np.zeros(len(names), dtype=bool)
    if not names:
        return out, marked
    lengths = np.fromiter(map(len, names), dtype=np.int64, count=len(names))
    starts = np.cumsum(lengths + 1) - (lengths + 1)  # each name's first byte, joined by newlines
    raw = np.frombuffer("\n".join(names).encode("ascii"), dtype=np.uint8)
    if marks:
        is_mark = np.zeros(256, dtype=bool)
        is_mark[np.frombuffer(marks, dtype=np.uint8)] = True
        marked[np.searchsorted(starts, np.flatnonzero(is_mark[raw]), side="right") - 1] = True
    folded = _FOLD_BYTE[raw]
    folded[starts[1:] - 1] = _NEWLINE  # the separators join put in (a name's own newlines are dropped)
    folded = folded[folded != 0]
    if strip_digits:
        digit = (folded >= ord("0")) & (folded <= ord("9"))
        # the first byte at or after each one that is no digit; a digit is trailing when that is
        # the name's end (a separator, or the end of all)
        after = np.minimum.accumulate(np.where(digit, len(folded), np.arange(len(folded)))[::-1])[::-1]
        at_end = after == len(folded)
        folded = folded[~(digit & (at_end | (folded[np.where(at_end, 0, after)] == _NEWLINE)))]
    ends = np.flatnonzero(folded == _NEWLINE)
    size = np.diff(np.r_[-1, ends, len(folded)]) - 1
    out[:] = folded.tobytes().decode("ascii").split("\n")
    out[size < min_len] = None
    return out, marked


def _is_ascii_str(values: np.ndarray) -> np.ndarray:
    """Which of ``values`` (an object array) are ASCII strings."""
    try:
        return np.fromiter(map(str.isascii, values), dtype=bool, count=len(values))
    except TypeError:  # not all of them str
        return np.fromiter((isinstance(v, str) and v.isascii() for v in values), dtype=bool, count=len(values))


def _normalize_names(names: np.ndarray) -> np.ndarray:
    """:func:`normalize_name` of each of ``names`` (an object array), the ASCII ones folded together."""
    out = np.empty(len(names), dtype=object)
    fast = _is_ascii_str(names)
    out[fast] = _fold_ascii(names[fast].tolist())[0]
    out[~fast] = _objects([normalize_name(s) for s in names[~fast]])
    return out


def _loose_username_keys(names: np.ndarray) -> np.ndarray:
    """:func:`loose_username_key` of each of ``names`` (an object array), the ASCII ones without
    decoration (every username) folded together."""
    out = np.empty(len(names), dtype=object)
    fast = _is_ascii_str(names)
    # b"|([": _DECORATION's ASCII characters; a name with one goes the slow way
    out[fast], decorated = _fold_ascii(names[fast].tolist(), strip_digits=True, min_len=LOOSE_MIN_KEY, marks=b"|([")
    fast[fast] = ~decorated
    out[~fast] = _objects([loose_username_key(s) for s in names[~fast]])
    return out


class _Keys:
    """One join key per row (of the messages, or of the follows) as an integer code into its
    distinct values (``values``; code -1: missing). The join folds, compares and looks up each
    distinct value once, and moves integers: a million messages come from some 100k senders."""

    def __init__(self, codes: np.ndarray, values: np.ndarray,
                 cache: dict[Callable[[np.ndarray], np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None) -> None:
        self.codes, self.values = codes, values
        #: what :meth:`derive` made of ``values``, shared with the views :meth:`where` makes
        self._cache = {} if cache is None else cache

    @classmethod
    def of(cls, column: pd.Series) -> _Keys:
        """The keys of a column, compared as strings (missing values stay missing)."""
        if column.isna().all():  # X's follows have no names, Instagram's no ids
            return cls.missing(len(column))
        codes, uniques = pd.factorize(column.astype("string"))
        return cls(codes, np.asarray(uniques, dtype=object))

    @classmethod
    def missing(cls, n: int) -> _Keys:
        """``n`` rows without a key."""
        return cls(np.full(n, -1, dtype=np.int64), np.empty(0, dtype=object))

    def where(self, keep: np.ndarray) -> _Keys:
        """These keys where ``keep``, missing elsewhere."""
        return _Keys(np.where(keep, self.codes, -1), self.values, self._cache)

    def derive(self, many: Callable[[np.ndarray], np.ndarray]) -> _Keys:
        """The keys ``many`` makes of the values (all at once; None: missing), such as
        :func:`_normalize_names`: the same as mapping each row's value, worked out once per value.
        Two values may make one key: its ``values`` may repeat (see :meth:`distinct`)."""
        if many not in self._cache:
            made = _objects(list(many(self.values)))
            codes = np.where(pd.isna(made), -1, np.arange(len(made)))
            self._cache[many] = (np.append(codes, -1), made)
        codes, made = self._cache[many]
        return _Keys(codes[self.codes], made)

    def distinct(self) -> _Keys:
        """The same keys with distinct ``values`` (one code per key)."""
        codes, uniques = pd.factorize(self.values)
        return _Keys(np.append(codes, -1)[self.codes], np.asarray(uniques, dtype=object))

    def follows_with_key(self, follow: _Keys) -> pd.DataFrame:
        """The follows (``follow``: their keys) whose key is one of these (which must be distinct):
        ``row``, the follow's position, and ``key``, the key's code here. A key no message has
        joins nothing, so leaving those follows out changes no result."""
        if not (len(self.values) and len(follow.values)):
            return pd.DataFrame({"row": np.empty(0, dtype=np.int64), "key": np.empty(0, dtype=np.int64)})
        at = np.append(pd.Index(self.values, dtype=object).get_indexer(follow.values), -1)[follow.codes]
        rows = np.flatnonzero(at >= 0)
        return pd.DataFrame({"row": rows, "key": at[rows]})

    def holding(self, keys: np.ndarray) -> np.ndarray:
        """Which rows' key is one of ``keys`` (codes here; a missing key never is)."""
        hit = np.zeros(len(self.values) + 1, dtype=bool)  # the last: code -1
        hit[keys] = True
        hit[-1] = False
        return hit[self.codes]


def _normalize_urls(urls: np.ndarray) -> np.ndarray:
    """:func:`normalize_url` of each of ``urls`` (an object array)."""
    return _objects([normalize_url(u) for u in urls])


def _join_keys(inbox: Inbox, by_name: list[tuple[_Keys, _Keys, _Keys]]) -> list[tuple[str, _Keys, _Keys]]:
    """(method, message key, follow key) pairs, tried in order; the first unambiguous match wins."""
    m, f = inbox.messages, inbox.follows
    keys: list[tuple[str, _Keys, _Keys]] = []
    if inbox.platform == "linkedin":
        keys.append(("url", _Keys.of(m["sender_id"]).derive(_normalize_urls).distinct(),
                     _Keys.of(f["user_id"]).derive(_normalize_urls)))
    else:
        ids = _Keys.of(f["user_id"])
        # no follow has an id (Instagram's follow lists name accounts): the senders' ids are not needed
        keys.append(("id", _Keys.of(m["sender_id"]) if len(ids.values) else _Keys.missing(len(m)), ids))
    for user, display, follow_name in by_name:
        keys.append(("username", user, follow_name))
        keys.append(("username", display, follow_name))
        keys.append(("name", display.derive(_normalize_names).distinct(), follow_name.derive(_normalize_names)))
    return keys


def _by_name(inbox: Inbox, follow_name: _Keys) -> list[tuple[_Keys, _Keys, _Keys]]:
    """(sender username, sender display name, follow name) sets the name keys compare;
    ``follow_name``: the keys of the follows' ``user_name``."""
    m, f = inbox.messages, inbox.follows
    username, name = _Keys.of(m["sender_username"]), _Keys.of(m["sender_name"])
    if inbox.platform != "linkedin":
        return [(username, name, follow_name)]
    # A sender with a profile URL that matched no connection's URL is not that connection:
    # their name may only match a connection listed without a URL (an older Connections.csv,
    # name-only invitations), never one listed under another URL (a namesake). Senders
    # without a URL (legacy messages.csv) match any connection by name.
    has_url = _is_url(m["sender_id"])
    listed_without_url = follow_name.where(~_is_url(f["user_id"]))
    return [(username.where(~has_url), name.where(~has_url), follow_name),
            (username.where(has_url), name.where(has_url), listed_without_url)]


def _is_url(ids: pd.Series) -> np.ndarray:
    return ids.astype("string").str.startswith("http").fillna(False).to_numpy(dtype=bool)


def join_follows(inbox: Inbox, *, outgoing: bool = True) -> pd.DataFrame:
    """Return the messages with the counterpart's follow time, its precision, direction and join method.

    For a received message the counterpart is its sender: the latest follow event of the
    sender at or before the message (a day-precision date counts from that day's start) is
    taken; a sender who follows with no time known (X) gets ``follow_join`` set and
    ``followed_at`` missing. Keys are tried in order, tightest first, and a looser one never
    overrides a tighter one: ``id`` (or ``url``, the profile URL), ``username`` (exact), ``name``
    (normalised name), then ``loose_name`` (see :func:`loose_name_keys`: a display name against
    a username with its trailing digits dropped, for senders whose username is unknown). A
    normalised or loose key shared by two different accounts, or a loose match to an account
    another sender already matched, is ambiguous and left unjoined (``follow_join`` =
    "ambiguous"). Missing stays missing (NaT), never zero.

    For the owner's own (outgoing) message the counterpart is its recipient: the same keys and
    tiers join the recipient's follow events (:func:`_recipient_join`), so a DM sent seconds
    after someone followed shows that delay. An outgoing message without one known recipient
    (a group thread) has ``follow_join`` = "no_recipient": unknown, not "no follow record".
    ``outgoing=False`` skips that (a scan that scores received messages only: the received
    messages' columns are the same either way, and the recipients' pass costs a third of the join).
    """
    m = inbox.messages.copy()
    joined = _join(inbox)
    out = m["outgoing"].to_numpy(dtype=bool)
    if outgoing and out.any():
        _recipient_join(inbox, joined, out)
    m["followed_at"] = joined.followed_at
    m["follow_precision"] = joined.precision
    m["follow_direction"] = joined.direction
    m["follow_join"] = joined.method
    return m


def _join(inbox: Inbox) -> _Joined:
    """The follow join of every message of ``inbox`` by its sender's keys (see :func:`join_follows`)."""
    m = inbox.messages
    joined = _Joined(m.index)
    f = inbox.follows
    if len(m) and len(f):
        follow_names = _Keys.of(f["user_name"])
        ids = f["user_id"]
        accounts = follow_names if ids.isna().all() else _Keys.of(ids.fillna(f["user_name"]))
        by_name = _by_name(inbox, follow_names)
        for name, mk, fkey in _join_keys(inbox, by_name):
            fk = mk.follows_with_key(fkey)
            if fk.empty:
                continue
            ambiguous = np.zeros(len(m), dtype=bool)
            if name == "name":
                # the same folded name on two different accounts: unsafe to join
                acct = accounts.codes[fk["row"].to_numpy()]
                known = acct >= 0
                n_acct = max(len(accounts.values), 1)
                pairs = _sorted_distinct(fk["key"].to_numpy()[known].astype(np.int64) * n_acct + acct[known])
                per_key = np.bincount(pairs // n_acct, minlength=len(mk.values))
                ambiguous = mk.holding(np.flatnonzero(per_key > 1))
            joined.take(name, m, mk, ambiguous, f, fk, fkey)
        for user, display, follow_name in by_name:
            # a sender whose username is known and matched no follow exactly is no other account
            eligible = (~joined.done) & (user.codes < 0) & (display.codes >= 0)
            if not eligible.any():
                continue
            claims = joined.claims(m, accounts)
            mk, ambiguous = _loose_matches(display, m["sender_id"], eligible, follow_name, accounts, claims)
            fkey = accounts.where(follow_name.codes >= 0)
            joined.take("loose_name", m, mk, ambiguous, f, mk.follows_with_key(fkey), fkey)
    return joined


#: Platforms whose messages name people by display name (``sender_id`` is the name, and so is a
#: two-person thread's ``recipient_id``): a recipient who never wrote is still known by name.
NAMED_BY_DISPLAY_NAME = ("instagram", "facebook")


def _recipient_join(inbox: Inbox, joined: _Joined, out: np.ndarray) -> None:
    """Set the join columns of the outgoing messages (``out``) from their recipients' follows.

    The recipient stands in for the sender: its id, and the name and username it writes under
    in the export (from its own messages; on platforms that name people by display name, and for
    a LinkedIn recipient given by name, the id is the name). The received messages take part
    with their own senders' keys, so a loose name match stays ambiguous exactly when it would
    be for the same account among the senders; only the outgoing rows' results are kept, the
    received messages' own join (``joined``) is not touched.
    """
    m = inbox.messages
    rid = m["recipient_id"].astype("string")
    # a blank recipient, or the owner writing to themselves, names no counterpart
    named = rid.str.strip().ne("").fillna(False) & rid.ne(m["sender_id"].astype("string")).fillna(True)
    has = out & named.to_numpy(dtype=bool)
    lost = out & ~has
    joined.method[lost] = "no_recipient"
    if not has.any() or not len(inbox.follows):
        return
    incoming = m.loc[~out, ["sender_id", "sender_name", "sender_username"]].astype("string")
    sid = incoming["sender_id"]

    def as_sender(col: str) -> pd.Series:
        known = incoming[col].notna() & sid.notna()
        by_id = incoming.loc[known, col].groupby(sid[known].to_numpy(), sort=False).first()
        return rid[has].map(by_id).astype("string")

    name, username = as_sender("sender_name"), as_sender("sender_username")
    if inbox.platform in NAMED_BY_DISPLAY_NAME:
        name = name.fillna(rid[has])
    elif inbox.platform == "linkedin":  # a legacy TO name, or an invitee known by name only
        name = name.fillna(rid[has].mask(_is_url(rid[has])))
    # the columns the join reads, the recipient in the sender's place
    side = m[["sender_id", "sender_name", "sender_username", "sent_at"]].astype(
        {"sender_id": "string", "sender_name": "string", "sender_username": "string"})
    side.loc[has, "sender_id"] = rid[has].array
    side.loc[has, "sender_name"] = name.array
    side.loc[has, "sender_username"] = username.array
    keep = has | ~out  # the received messages, for the loose tier's claims; no other outgoing row
    side = side[keep]
    theirs = _join(Inbox(messages=side, follows=inbox.follows, owner=inbox.owner, platform=inbox.platform,
                         source=inbox.source))
    pick = has[keep]
    idx = m.index[has]
    joined.followed_at.loc[idx] = theirs.followed_at[pick].array
    joined.precision.loc[idx] = theirs.precision[pick].array
    joined.direction.loc[idx] = theirs.direction[pick].array
    joined.method.loc[idx] = theirs.method[pick].array


class _Joined:
    """The join's result so far: the columns it adds, which messages are settled, and which
    senders each follow account was matched to (a loose match may not take a matched account)."""

    def __init__(self, index: pd.Index) -> None:
        self.followed_at = pd.Series(pd.NaT, index=index, dtype="datetime64[ns, UTC]")
        self.precision = pd.Series(pd.NA, index=index, dtype="string")
        self.direction = pd.Series(pd.NA, index=index, dtype="string")
        self.method = pd.Series("none", index=index, dtype="string")
        self.done = np.zeros(len(index), dtype=bool)
        self._taken: list[tuple[np.ndarray, _Keys, pd.DataFrame]] = []  # (hit, mk, fk) of each tier

    def claims(self, m: pd.DataFrame, accounts: _Keys) -> dict[str, set[str]]:
        """Each follow account matched so far and the senders matched to it (worked out only when
        a loose tier needs it: most exports, X's among them, never do)."""
        out: dict[str, set[str]] = {}
        for hit, mk, fk in self._taken:
            pairs = pd.DataFrame({"sender": m.loc[hit, "sender_id"].astype("string").to_numpy(dtype=object),
                                  "key": mk.codes[hit]}).drop_duplicates()
            used = fk[fk["key"].isin(pairs["key"].unique()).to_numpy(dtype=bool)]
            acct = np.append(accounts.values, pd.NA)[accounts.codes[used["row"].to_numpy()]]
            acct = pd.DataFrame({"key": used["key"].to_numpy(), "acct": acct}).drop_duplicates()
            for sender, account in pairs.merge(acct, on="key")[["sender", "acct"]].itertuples(index=False):
                out.setdefault(account, set()).add(sender)
        return out

    def take(self, name: str, m: pd.DataFrame, mk: _Keys, ambiguous: np.ndarray, f: pd.DataFrame,
             fk: pd.DataFrame, fkey: _Keys) -> None:
        """Join the messages not yet settled whose key ``mk`` is among the follow keys ``fk`` (the
        follows whose key some message has, out of ``fkey``, every follow's key)."""
        todo = (~self.done) & (mk.codes >= 0)
        amb = ~self.done & ambiguous
        if amb.any():
            self.method[amb] = "ambiguous"
            self.done |= amb
            todo &= ~amb
        hit = todo & mk.holding(fk["key"].to_numpy())  # rows still open
        if not hit.any():
            return
        fk = fk.assign(rank=_time_rank(f, fkey.codes >= 0)[fk["row"].to_numpy()])
        sub = _latest_before(m.loc[hit, ["sent_at"]].assign(key=mk.codes[hit]), f, fk)
        idx = m.index[hit]
        self.followed_at.loc[idx] = sub["followed_at"].array  # not to_numpy(): a Timestamp object per row
        self.precision.loc[idx] = sub["precision"].to_numpy()
        self.direction.loc[idx] = sub["direction"].to_numpy()
        self.method.loc[idx] = name
        self.done |= hit
        self._taken.append((hit, mk, fk))


def _time_rank(follows: pd.DataFrame, keyed: np.ndarray) -> np.ndarray:
    """Each follow's place when the ``keyed`` follows that have a time are sorted by it (-1: not
    among them). Two follows of one account at the same second (a follow back within the second)
    tie: the join takes the one last in this order, the order in which sorting all the keyed
    follows by time leaves them (not only those of the keys some message has, which could order a
    tie the other way)."""
    rows = np.flatnonzero(keyed)
    timed = follows[["followed_at"]].iloc[rows].reset_index(drop=True).dropna(subset=["followed_at"])
    order = rows[timed.sort_values("followed_at").index.to_numpy()]
    rank = np.full(len(follows), -1, dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def _latest_before(msgs: pd.DataFrame, follows: pd.DataFrame, fk: pd.DataFrame) -> pd.DataFrame:
    """For each message (key, sent_at) pick its key's latest follow at or before sent_at.

    ``fk``: the follows (``row``) of each ``key``, with their ``rank`` by time (:func:`_time_rank`).
    Follows without a time are used only when the key has no timed follow before the message.
    """
    ff = follows.iloc[fk["row"].to_numpy()].assign(key=fk["key"].to_numpy(), _rank=fk["rank"].to_numpy())
    timed = ff.dropna(subset=["followed_at"]).sort_values("_rank")
    left = msgs.reset_index(drop=True)
    left["_order"] = np.arange(len(left))
    left = left.sort_values("sent_at")
    if len(timed):
        # a day-precision date (no zone) covers that whole day: compare on the day's start
        got = pd.merge_asof(
            left, timed[["key", "followed_at", "precision", "direction"]],
            left_on="sent_at", right_on="followed_at", by="key", direction="backward",
        )
    else:
        got = left.assign(followed_at=pd.Series(pd.NaT, index=left.index, dtype="datetime64[ns, UTC]"),
                          precision=pd.NA, direction=pd.NA)
    untimed = ff[ff["followed_at"].isna()].drop_duplicates("key").set_index("key")
    need = got["followed_at"].isna() & got["key"].isin(untimed.index)
    if need.any():
        got.loc[need, "direction"] = untimed.loc[got.loc[need, "key"], "direction"].to_numpy()
    return got.sort_values("_order").reset_index(drop=True)


def _iso_time(t: pd.Timestamp) -> str | None:
    """ISO 8601 with as many fraction digits as the time has: "...54.962+00:00", not ".962000"."""
    if pd.isna(t):
        return None
    us = t.microsecond + t.nanosecond / 1000
    spec = "seconds" if not us else "milliseconds" if us % 1000 == 0 else "auto"
    return t.isoformat(timespec=spec)


def describe(inbox: Inbox) -> dict[str, Any]:
    """What ``autodm inspect`` shows: counts, date range, follow coverage, skipped records."""
    m = inbox.messages
    incoming = m[~m["outgoing"]]
    joined = join_follows(inbox) if len(inbox.follows) else None
    with_time = 0.0
    if joined is not None and len(incoming):
        with_time = float(joined.loc[~joined["outgoing"], "followed_at"].notna().mean())
    return {
        "source": inbox.source,
        "platform": inbox.platform,
        "owner_id": inbox.owner.id,
        "owner_name": inbox.owner.name,
        "messages": len(m),
        "incoming": len(incoming),
        "outgoing": int(m["outgoing"].sum()),
        "conversations": int(m["conversation_id"].nunique()),
        "senders": int(incoming["sender_id"].nunique()),
        "first": _iso_time(m["sent_at"].min()) if len(m) else None,
        "last": _iso_time(m["sent_at"].max()) if len(m) else None,
        "kinds": {str(k): int(v) for k, v in m["kind"].value_counts().items()},
        "follows": len(inbox.follows),
        "follows_with_time": int(inbox.follows["followed_at"].notna().sum()),
        "incoming_with_follow_time": round(with_time, 4),
        "skipped": dict(inbox.skips.counts),
        "skipped_first": dict(inbox.skips.first),
        "ignored": dict(inbox.skips.notes),
    }
