"""Message-level features, vectorised over the frame, each explainable in one phrase.

Input: the messages after the follow join (:func:`autodm.inbox.join_follows`), or a labelled
table turned into messages (:func:`autodm.scan.table_messages`). Output: one row per message
with the numeric :data:`FEATURES` the model scales and weighs, plus helper columns the
reasons quote (``seconds_after_follow``, ``template_senders``, matched phrases, ...).

Encoding rule: **0 means unknown**. Context a source does not carry (a text-only table has no
threads, an X archive has no follow times) is 0, never evidence either way; where a known
absence is itself evidence (the owner wrote first), it is -1. The model's scaler does not
centre, so a 0 contributes nothing to a score and never shows up as a reason.

Text features are computed once per distinct text and broadcast.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import re
import signal
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from autodm import phrases, templates

DAY_S = 86400.0
#: Characters of a text the features and n-grams read: twice the longest DM a platform allows
#: (X: 10,000); the rest of a longer text is kept in the output but not judged.
MAX_TEXT_CHARS = 20_000

TEXT_FEATURES = (
    "links", "link_density", "shortener", "profile_link", "booking_link", "tracking_link",
    *(f"ph_{c}" for c in phrases.CATEGORIES),
    "placeholder", "log_words", "caps_words", "exclaims", "questions", "emoji", "phone", "money",
)
#: Whether a source carries threads / follow lists at all: offsets, not evidence (never reasons).
#: Without them the intercept would have to fit threaded and text-only rows at once, and
#: context-free text (a spreadsheet of messages) would inherit the threaded rows' bias.
INDICATORS = ("has_thread_context", "has_follow_context")
#: The delay after the follow, in steps; explained together as one reason ("sent 9 s after follow").
TIMING_FEATURES = ("delay_2min", "delay_15min", "delay_1h", "delay_1d", "delay_7d_plus", "day_same", "day_2d")
CONTEXT_FEATURES = (
    *INDICATORS,
    "follow_timed", "follow_untimed", "follow_none",
    *TIMING_FEATURES,
    "welcome", "invitation",
    "thread_first", "owner_silent_before", "owner_never", "bump", "thread_len",
    "sender_cross_conv", "template_reuse",
)
#: The numeric columns the model sees, in order.
FEATURES: tuple[str, ...] = (*TEXT_FEATURES, *CONTEXT_FEATURES)
#: Features that only take small whole values (counts capped at 5, flags 0/1, context -1/0/1):
#: stored as int8, the rest as float64. The model reads them as float64 either way.
SMALL_INT_FEATURES = frozenset((
    "links", "shortener", "profile_link", "booking_link", "tracking_link",
    *(f"ph_{c}" for c in phrases.CATEGORIES),
    "placeholder", "caps_words", "exclaims", "questions", "emoji", "phone", "money",
    *INDICATORS, "follow_timed", "follow_untimed", "follow_none", *TIMING_FEATURES, "welcome", "invitation",
    "thread_first", "owner_silent_before", "owner_never", "bump", "sender_cross_conv",
))
#: Helper columns for output and reasons (not model inputs).
HELPERS = ("seconds_after_follow", "days_after_follow", "template_senders", "normalized_text",
           *(f"hit_{c}" for c in phrases.CATEGORIES), "hit_placeholder")

#: Shorteners a sender chooses. Not t.co: X wraps every link in a DM in it (formats.md), so in an
#: X text a t.co link says nothing about who sent it.
SHORTENERS = frozenset((
    "bit.ly", "tinyurl.com", "ow.ly", "buff.ly", "t.ly", "rb.gy", "is.gd", "goo.gl", "tiny.cc", "cutt.ly",
    "shorturl.at", "lnkd.in", "bit.do", "s.id", "tr.im", "dlvr.it", "ift.tt", "fb.me", "amzn.to", "wp.me",
    "shorte.st", "adf.ly", "bl.ink", "rebrand.ly", "v.gd", "qr.ae", "po.st", "snip.ly", "hubs.ly",
))
BOOKING = frozenset((
    "calendly.com", "linktr.ee", "beacons.ai", "cal.com", "lnk.bio", "stan.store", "linkin.bio", "hoo.be",
    "bio.link", "taplink.cc", "campsite.bio", "acuityscheduling.com", "youcanbook.me", "tidycal.com",
    "meetings.hubspot.com", "koji.to", "linkbio.co", "carrd.co", "solo.to", "milkshake.app", "later.com",
))
PROFILE_HOSTS = frozenset((
    "facebook.com", "fb.com", "m.facebook.com", "instagram.com", "tiktok.com", "t.me", "pinterest.com",
    "wa.me", "youtube.com", "linkedin.com", "twitter.com", "x.com", "threads.net", "snapchat.com",
))
_PROFILE_PATH = re.compile(r"^(?:in/|company/|@|c/|channel/|user/|pages/|groups/|[A-Za-z0-9_.]{2,40}/?$)")
_NOT_PROFILE = re.compile(r"^(?:[^/]+/status/|watch|share|sharer|events/|photo|p/|reel|story|stories|posts/"
                          r"|pulse/|feed/|hashtag|search|i/|video)")
TRACKING = re.compile(r"[?&](?:utm_\w+|ref|fbclid|gclid|mc_cid|mc_eid|aff(?:iliate)?|via|igshid|si)=",
                      re.IGNORECASE)
_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\U0001f000-\U0001f2ff]")
_WORD = re.compile(r"\w+")
_CAPS_WORD = re.compile(r"\b[A-Z]{3,}\b")
_UPPER = re.compile(r"[A-Z]")
_LOWER = re.compile(r"[a-z]")


def _shouted_words(bare: str) -> int:
    """Words in capitals inside mixed-case text ("FREE", "URGENT"), capped at 3. A text typed all
    in capitals (an old phone, a habit) shouts no word louder than the rest: 0."""
    words = len(_CAPS_WORD.findall(bare))
    if words and len(_UPPER.findall(bare)) >= 4 * len(_LOWER.findall(bare)):
        return 0
    return min(words, 3)


def _host_path(url: str) -> tuple[str, str]:
    u = re.sub(r"^[a-z]+://", "", url.strip().lower())
    host, _, path = u.partition("/")
    host = host.split(":")[0]
    if host.startswith("www."):
        host = host[4:]
    return host, path


def link_kinds(urls: Sequence[str]) -> dict[str, int]:
    """Counts of shortener, profile, booking/link-in-bio and tracking links among ``urls``."""
    out = {"shortener": 0, "profile_link": 0, "booking_link": 0, "tracking_link": 0}
    for url in urls:
        host, path = _host_path(url)
        if host in SHORTENERS:
            out["shortener"] += 1
        if host in BOOKING or any(host.endswith("." + b) for b in ("calendly.com", "beacons.ai")):
            out["booking_link"] += 1
        if host in PROFILE_HOSTS and path and _PROFILE_PATH.match(path) and not _NOT_PROFILE.match(path):
            out["profile_link"] += 1
        if TRACKING.search(url):
            out["tracking_link"] += 1
    return out


def _text_row(text: str) -> dict[str, Any]:
    links = [m.group(0) for m in templates.URL_RE.finditer(text)]
    bare = templates.URL_RE.sub(" ", text)
    words = len(_WORD.findall(bare))
    row: dict[str, Any] = {
        "links": len(links),
        **link_kinds(links),
        "_link_list": links,
        "log_words": math.log1p(words),
        "_words": words,
        # shouting: words in capitals ("FREE", "URGENT"), not ordinary capitalisation
        "caps_words": _shouted_words(bare),
        "exclaims": min(bare.count("!"), 5),
        "questions": min(bare.count("?"), 3),
        # distinct emoji: a template decorates with several kinds, a person repeats one (😭😭😭)
        "emoji": min(len(set(_EMOJI.findall(text))), 5),
        # digits inside a link (a tweet's status id) are no number to call or pay
        "phone": int(bool(templates.PHONE_RE.search(bare))),
        "money": int(bool(templates.MONEY_RE.search(bare))),
    }
    ph = templates.PLACEHOLDER_RE.search(text)
    row["placeholder"] = int(ph is not None)
    row["hit_placeholder"] = ph.group(0) if ph else ""
    hits = phrases.match_phrases(text)
    for cat in phrases.CATEGORIES:
        n, first = hits.get(cat, (0, ""))
        row[f"ph_{cat}"] = min(n, 3)
        row[f"hit_{cat}"] = first
    return row


def text_features(texts: pd.Series) -> pd.DataFrame:
    """The text features of every text (computed once per distinct text), index aligned."""
    codes, uniq = pd.factorize(texts.fillna("").astype(str))
    return _broadcast([_text_row(t) for t in uniq], codes, texts.index)


def _broadcast(rows: list[dict[str, Any]], codes: np.ndarray, index: pd.Index) -> pd.DataFrame:
    """The per-distinct-text ``rows`` as one row per message (``codes`` name each one's text)."""
    cols = [*TEXT_FEATURES, "_link_list", "_words", "hit_placeholder", *(f"hit_{c}" for c in phrases.CATEGORIES)]
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in cols}, index=index)
    per_text = pd.DataFrame(rows)
    return per_text.reindex(columns=[c for c in cols if c in per_text.columns]).iloc[codes].set_index(index)


def _text_work(texts: list[str], owner_names: Sequence[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """The feature row and the slot-normalised form of each text (pure: safe in a worker)."""
    normalized = templates.normalize_slots(pd.Series(texts, dtype=object), names=owner_names)
    return [_text_row(t) for t in texts], normalized.tolist()


#: From this many distinct texts on, a second process does half of the text work (where the
#: machine has a second core and can fork): an inbox of mostly unique texts is mostly this work.
PARALLEL_MIN_TEXTS = 20_000


#: Where Linux states a container's CPU quota: cgroup v2's "max 100000" / "150000 100000", and
#: cgroup v1's quota and period files (-1: no quota).
CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")
CGROUP_V1_QUOTA = Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")
CGROUP_V1_PERIOD = Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us")


def _cpu_quota() -> float | None:
    """The cores' worth of CPU time a cgroup quota allows this process, or None without one."""
    try:
        if CGROUP_CPU_MAX.exists():
            quota, _, period = CGROUP_CPU_MAX.read_text().strip().partition(" ")
            if quota == "max":
                return None
            return int(quota) / int(period or "100000")
        if CGROUP_V1_QUOTA.exists():
            quota_us = int(CGROUP_V1_QUOTA.read_text())
            return None if quota_us <= 0 else quota_us / int(CGROUP_V1_PERIOD.read_text())
    except (OSError, ValueError, ZeroDivisionError):
        return None
    return None


def usable_cores() -> int:
    """The cores this process may run on: its CPU affinity (which taskset or a container's cpuset
    narrows), and no more than a container's CPU quota rounded up (``docker --cpus 1`` on a
    16-core host: 1)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 1
    quota = _cpu_quota()
    return cores if quota is None else max(1, min(cores, math.ceil(quota)))


#: How often a forked worker checks that the scan that forked it is still alive (seconds).
PARENT_CHECK_S = 0.5


def _watch_parent(parent: int, every: float) -> None:
    """End this process as soon as ``parent`` is no longer its parent (it died, even by SIGKILL)."""
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(1)


def _die_with_parent(parent: int, every: float = PARENT_CHECK_S) -> None:
    """A worker's initializer: exit when the scan that forked it dies. A scan killed outright
    (the OOM killer, ``kill -9``, a CI timeout) cannot shut its pool down, and its worker would
    wait forever to hand back its half (hundreds of MiB, blocked writing to a pipe nobody reads).

    It also ignores Ctrl-C: the terminal sends SIGINT to the whole foreground process group, and
    a worker waiting for work printed its own ``KeyboardInterrupt`` traceback before the scan's
    one-line "interrupted". The scan, interrupted, stops the worker itself (:func:`_stop`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent, every), daemon=True).start()


def _stop(pool: ProcessPoolExecutor) -> None:
    """End ``pool``'s workers now, their work unfinished (the scan was interrupted): shutting
    down would wait for a worker that ignores Ctrl-C to finish its half first."""
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        if proc.is_alive():
            proc.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


def _text_work_split(texts: list[str], owner_names: Sequence[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """:func:`_text_work`, the second half of the texts in a forked worker when it is worth it.

    The work is per text, so the halves give exactly the rows of one pass; if the worker fails
    (it could not start, or died), this process does its half too.
    """
    if (len(texts) < PARALLEL_MIN_TEXTS or usable_cores() < 2
            or "fork" not in multiprocessing.get_all_start_methods()
            or multiprocessing.current_process().daemon):  # a daemonic process may not have children
        return _text_work(texts, owner_names)
    half = len(texts) // 2
    try:
        pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_die_with_parent, initargs=(os.getpid(),))
        later = pool.submit(_text_work, texts[half:], list(owner_names))
    except (OSError, RuntimeError):
        return _text_work(texts, owner_names)
    with pool:
        try:
            rows, slots = _text_work(texts[:half], owner_names)
            try:
                rows2, slots2 = later.result()
            except (BrokenProcessPool, OSError, RuntimeError):
                rows2, slots2 = _text_work(texts[half:], owner_names)
        except BaseException:  # Ctrl-C (KeyboardInterrupt) or an error: the worker's half is moot
            _stop(pool)
            raise
    return rows + rows2, slots + slots2


def _links(frame: pd.DataFrame, messages: pd.DataFrame) -> None:
    """Add links the export gives besides the text (shares), then cap counts and add density.

    Links in the text were counted per distinct text; only rows whose export lists extra
    urls are visited one by one.
    """
    n = len(frame)
    links = frame["links"].to_numpy(dtype=float).copy()
    kinds = {k: frame[k].to_numpy(dtype=float).copy()
             for k in ("shortener", "profile_link", "booking_link", "tracking_link")}
    if "urls" in messages and n:
        extra = messages["urls"].to_numpy(dtype=object)
        try:  # the usual case, every cell a list: their lengths at C speed
            maybe = np.flatnonzero(np.fromiter(map(len, extra), dtype=np.int64, count=n))
        except TypeError:  # a cell without a length (NaN, None)
            maybe = range(n)
        has = [i for i in maybe if isinstance(extra[i], list | tuple) and len(extra[i]) > 0]
        texts = messages["text"].to_numpy()
        for i in has:
            text = texts[i] if isinstance(texts[i], str) else ""
            more = [u for u in extra[i] if isinstance(u, str) and u and u not in text]
            if more:
                links[i] += len(more)
                for k, v in link_kinds(more).items():
                    kinds[k][i] += v
    frame["links"] = np.minimum(links, 5)
    words = frame["_words"].to_numpy(dtype=float)
    frame["link_density"] = np.minimum(links / np.maximum(words, 1.0), 1.0)
    for k, v in kinds.items():
        frame[k] = np.minimum(v, 3)


def _column(messages: pd.DataFrame, name: str, default: Any = pd.NA) -> pd.Series:
    if name in messages:
        return messages[name]
    return pd.Series(default, index=messages.index)


def _timing(frame: pd.DataFrame, messages: pd.DataFrame, has_follows: bool | None, out: np.ndarray) -> None:
    """Follow status and the delay between the follow/connection and the message.

    The follow is the counterpart's (:func:`autodm.inbox.join_follows`): the sender's for a
    received message, the recipient's for the owner's own; "no_recipient" (an outgoing message
    in a group thread) is unknown, like a missing follow list, not "no follow record".
    """
    n = len(messages)
    sent = pd.to_datetime(_column(messages, "sent_at", pd.NaT), utc=True)
    followed = pd.to_datetime(_column(messages, "followed_at", pd.NaT), utc=True)
    precision = _column(messages, "follow_precision").astype("string").fillna("").to_numpy()
    join = _column(messages, "follow_join", "none").astype("string").fillna("none").to_numpy()
    timed = followed.notna().to_numpy() & sent.notna().to_numpy()
    matched = (join != "none") & (join != "table") & (join != "ambiguous") & (join != "no_recipient")
    # whether the source carries follows, told by the received messages (as the model was trained)
    frame["has_follow_context"] = np.full(n, float(bool(has_follows) or (timed & ~out).any()
                                                   or (matched & ~out).any()))
    frame["follow_timed"] = timed.astype(float)
    frame["follow_untimed"] = (matched & ~timed).astype(float)
    # "no follow record" is evidence only when the export does carry follow lists
    frame["follow_none"] = ((join == "none") & bool(has_follows)).astype(float) if n else 0.0
    delta = (sent - followed).dt.total_seconds().to_numpy(dtype=float, na_value=np.nan)
    day = precision == "day"
    sec = timed & ~day
    d = np.where(sec, delta, np.nan)
    frame["seconds_after_follow"] = d
    days = np.where(timed, np.floor(delta / DAY_S), np.nan)
    frame["days_after_follow"] = days
    for name, limit in (("delay_2min", 120), ("delay_15min", 900), ("delay_1h", 3600), ("delay_1d", DAY_S)):
        frame[name] = np.where(sec, (d <= limit).astype(float), 0.0)
    frame["delay_7d_plus"] = np.where(timed, (delta > 7 * DAY_S).astype(float), 0.0)
    frame["day_same"] = np.where(timed & day, (days <= 0).astype(float), 0.0)
    frame["day_2d"] = np.where(timed & day, (days <= 2).astype(float), 0.0)
    kind = _column(messages, "kind", "message").astype("string").fillna("message").to_numpy()
    frame["welcome"] = (kind == "welcome").astype(float)
    frame["invitation"] = (kind == "invitation").astype(float)


def _conversation(frame: pd.DataFrame, messages: pd.DataFrame, key_codes: np.ndarray,
                  sender: np.ndarray, out: np.ndarray) -> None:
    """Thread position, whether the owner wrote, bumps, and the sender's reuse across threads.

    Each feature is from the side of the message's sender, whose counterpart is the other
    side of the thread: for a received message, whether the owner had written before it, ever
    wrote in the thread, and the sender's own unanswered follow-ups; for the owner's own
    message the mirror: whether *they* (anyone else in the thread) had written before it, ever
    wrote in it, and the owner's own follow-ups with no answer in between. Thread position and
    length are the same from both sides.
    """
    n = len(messages)
    ccodes, _ = pd.factorize(_column(messages, "conversation_id"), use_na_sentinel=True)
    known = ccodes >= 0
    zeros = np.zeros(n)
    for c in ("thread_first", "owner_silent_before", "owner_never", "bump", "thread_len", "sender_cross_conv"):
        frame[c] = zeros.copy()
    frame["has_thread_context"] = known.astype(float)
    if not known.any():
        return
    sent = pd.to_datetime(_column(messages, "sent_at", pd.NaT), utc=True)
    t = sent.to_numpy(dtype="datetime64[ns]").astype("int64").astype(float) / 1e9
    idx = np.flatnonzero(known)
    order = idx[np.lexsort((t[idx], ccodes[idx]))]
    c_sorted = ccodes[order]
    new_conv = np.r_[True, c_sorted[1:] != c_sorted[:-1]]
    start = np.maximum.accumulate(np.where(new_conv, np.arange(len(order)), 0))
    pos = np.arange(len(order)) - start
    out_sorted = out[order].astype(int)
    cum_out = np.cumsum(out_sorted)
    out_before = cum_out - out_sorted - np.where(start > 0, cum_out[start - 1], 0)
    conv_out_total = np.bincount(c_sorted, weights=out_sorted)[c_sorted]
    conv_len = np.bincount(c_sorted)[c_sorted]
    s_sorted = sender[order]
    prev_same = np.r_[False, (s_sorted[1:] == s_sorted[:-1]) & ~new_conv[1:]]
    gap = np.r_[0.0, np.diff(t[order])]
    # the owner's side: the other participants' messages before this one, and in the whole thread
    mine = out_sorted == 1
    in_before = pos - out_before
    conv_in_total = conv_len - conv_out_total
    prev_mine = np.r_[False, mine[1:] & mine[:-1] & ~new_conv[1:]]
    res = {
        "thread_first": np.where(pos == 0, 1.0, -1.0),
        "owner_silent_before": np.where(np.where(mine, in_before, out_before) == 0, 1.0, -1.0),
        "owner_never": np.where(np.where(mine, conv_in_total, conv_out_total) == 0, 1.0, -1.0),
        "bump": np.where(mine, prev_mine & (gap >= 12 * 3600) & (in_before == 0),
                         prev_same & (gap >= 12 * 3600) & (out_before == 0)).astype(float),
        "thread_len": np.log1p(conv_len),
    }
    for c, v in res.items():
        col = zeros.copy()
        col[order] = v
        frame[c] = col
    # the same template by this sender in two or more conversations (the owner's own among the
    # owner's messages: one sender, whatever id each platform gives it)
    col = zeros.copy()
    ok = known & (key_codes >= 0) & (sender >= 0) & ~out
    if ok.any():
        n_conv = _distinct_per_group(_pair_codes(sender[ok], key_codes[ok]), ccodes[ok])
        col[np.flatnonzero(ok)] = (n_conv >= 2).astype(float)
    mine_ok = known & (key_codes >= 0) & out
    if mine_ok.any():
        col[np.flatnonzero(mine_ok)] = (_distinct_per_group(key_codes[mine_ok], ccodes[mine_ok]) >= 2).astype(float)
    frame["sender_cross_conv"] = col


def _codes(values: pd.Series) -> np.ndarray:
    """An integer code per distinct value; -1 for missing and empty values."""
    codes, uniq = pd.factorize(values, use_na_sentinel=True)
    codes = np.asarray(codes, dtype=np.int64)
    empty = np.flatnonzero(pd.Index(uniq).astype(object) == "")
    if len(empty):
        codes[codes == empty[0]] = -1
    return codes


def _pair_codes(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One code per distinct (a, b) pair of non-negative integer codes."""
    return pd.factorize(a.astype(np.int64) * (int(b.max()) + 1) + b)[0]


def _distinct_per_group(group: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Per row: how many distinct ``value`` codes its ``group`` code has (groupby nunique)."""
    width = int(value.max()) + 1
    pairs = pd.unique(group.astype(np.int64) * width + value)  # a hash set: no sort needed
    return np.bincount(pairs // width, minlength=int(group.max()) + 1)[group]


def _recipients(messages: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """A code per distinct counterpart of the owner's messages ``rows``: the recipient where the
    export names one, else the conversation (a group thread); -1 when neither is known."""
    rid = _column(messages, "recipient_id").iloc[rows].astype("string")
    conv = _column(messages, "conversation_id").iloc[rows].astype("string")
    rid = rid.where(rid.str.strip().ne("").fillna(False))
    conv = conv.where(conv.str.strip().ne("").fillna(False))
    unit = ("r:" + rid).fillna("c:" + conv)
    return _codes(unit)


def _template_reuse(frame: pd.DataFrame, messages: pd.DataFrame, key_codes: np.ndarray,
                    sender: np.ndarray, out: np.ndarray, outgoing: bool = True) -> None:
    """How many distinct senders sent the same (slot-normalised) text: ``template_senders``.

    Received messages are counted among the received; the owner's own among the owner's, by
    counterpart (:func:`_recipients`): one text sent to 16 people counts like one text from 16
    senders. 0: not counted (a text under :data:`templates.MIN_TEMPLATE_WORDS` words, or no
    sender or recipient known); a counted text has at least 1. ``outgoing=False``: the owner's
    own are not counted (they will not be scored; naming their recipients is the costly part).
    """
    n = len(messages)
    ok = (key_codes >= 0) & (sender >= 0) & ~out
    senders = np.zeros(n)
    if ok.any():
        senders[np.flatnonzero(ok)] = _distinct_per_group(key_codes[ok], sender[ok])
    mine = np.flatnonzero((key_codes >= 0) & out)
    if outgoing and len(mine):
        to = _recipients(messages, mine)
        counted = to >= 0
        if counted.any():
            senders[mine[counted]] = _distinct_per_group(key_codes[mine[counted]], to[counted])
    frame["template_senders"] = senders
    frame["template_reuse"] = np.log1p(np.maximum(senders - 1, 0))


def build_features(messages: pd.DataFrame, owner_names: Sequence[str] = (),
                   has_follows: bool | None = None, outgoing: bool = True) -> pd.DataFrame:
    """One row of :data:`FEATURES` (and :data:`HELPERS`) per message, index aligned.

    ``has_follows``: whether the export carries follow lists at all (so a sender missing from
    them means something); None or False makes "no follow record" unknown. ``outgoing=False``
    when the owner's own messages will not be scored: their template reuse is left at 0 (the
    received messages' features are the same either way).
    """
    texts = messages["text"].fillna("").astype(str)
    codes, uniq = pd.factorize(texts)  # text work once per distinct text, then broadcast
    # a text is judged on its first MAX_TEXT_CHARS: n-grams of a 10 MB text took 3.4 GB
    rows, slots = _text_work_split([t if len(t) <= MAX_TEXT_CHARS else t[:MAX_TEXT_CHARS] for t in uniq],
                                   owner_names)
    frame = _broadcast(rows, codes, texts.index)
    normalized = pd.Series(slots, dtype=object)
    frame["normalized_text"] = normalized.to_numpy()[codes]
    # codes instead of strings: a template key per distinct text (-1: none), a sender per id
    key_codes = _codes(templates.template_keys(normalized))[codes]
    sender = _codes(_column(messages, "sender_id"))
    out = _column(messages, "outgoing", False).fillna(False).to_numpy(dtype=bool)
    _links(frame, messages)
    _timing(frame, messages, has_follows, out)
    _template_reuse(frame, messages, key_codes, sender, out, outgoing)
    _conversation(frame, messages, key_codes, sender, out)
    frame = frame.drop(columns=["_link_list", "_words"])
    for c in FEATURES:
        frame[c] = frame[c].astype(np.int8 if c in SMALL_INT_FEATURES else np.float64)
    return frame


# --------------------------------------------------------------------------- reasons


def _thread_words(v: float) -> tuple[str, str]:
    """The thread-length reason in the words of its value (``thread_len`` is log1p of the length)."""
    n = round(math.expm1(v)) if v and not math.isnan(v) else 0
    if n <= 0:
        return "thread length", "thread length"
    length = _plural(n, "message")
    return f"short thread ({length})" if n <= 2 else f"thread of {length}", \
        f"long conversation ({length})" if n >= 5 else f"thread of {length}"


def _plural(n: float, word: str) -> str:
    k = int(n)
    return f"{k} {word}" if k == 1 else f"{k} {word}s"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * DAY_S:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / DAY_S:.0f} days"


def _delay_reason(row: Mapping[str, Any], toward_auto: bool) -> str:
    s = row.get("seconds_after_follow")
    if s is not None and not pd.isna(s):
        return f"sent {_duration(float(s))} after follow"
    d = row.get("days_after_follow")
    if d is not None and not pd.isna(d):
        return "sent the day you connected" if d <= 0 else f"sent {_plural(d, 'day')} after connecting"
    return "timing after follow"


#: The received-message words of a reason that would be false of the owner's own message
#: (``scan --include-outgoing``), and the owner's words for the same feature value: "they" is
#: the recipient (see :func:`_conversation`). :func:`reason` words a feature value the same
#: whoever sent the message (the model words each distinct value once and shares the words),
#: so the owner's rows are translated afterwards, by :func:`owner_side`.
OWNER_SIDE_WORDS = {
    "you had not written to them": "they had not written to you",  # owner_silent_before
    "you had not written": "they had not written to you",
    "you wrote to them first": "they had written to you",
    "you never replied": "they never replied",  # owner_never
    "you replied": "they wrote to you",
    "you replied to them": "they wrote to you",
    "sender follows you": "recipient follows you",  # follow_untimed
    "sender not in your follow lists": "recipient not in your follow lists",  # follow_none
    "same text in their other conversations": "same text in your other conversations",  # sender_cross_conv
}
_SAME_TEXT_FROM = re.compile(r"^same text from (\d+) senders$")  # template_reuse


def owner_side(reasons: pd.Series) -> pd.Series:
    """The ``reasons`` ("; "-joined, as the scan export has them) of the owner's own messages in
    the owner's words (:data:`OWNER_SIDE_WORDS`; "same text from 6 senders" -> "same text sent
    to 6 recipients"), worked out once per distinct reasons text.

    >>> owner_side(pd.Series(["thread of 1 message; you replied to them"])).iloc[0]
    'thread of 1 message; they wrote to you'
    """
    codes, uniq = pd.factorize(reasons.astype(object), use_na_sentinel=True)

    def mine(text: object) -> object:
        if not isinstance(text, str):
            return text
        parts = [OWNER_SIDE_WORDS.get(p, _SAME_TEXT_FROM.sub(r"same text sent to \1 recipients", p))
                 for p in text.split("; ")]
        return "; ".join(parts)

    done = np.array([mine(t) for t in np.asarray(uniq, dtype=object)] + [None], dtype=object)
    return pd.Series(done[codes], index=reasons.index, dtype=object)


def reason(name: str, row: Mapping[str, Any], toward_auto: bool = True) -> str:
    """Plain words for feature ``name`` of ``row``, pushing toward auto (or toward personal).

    The words are those of a received message (see :func:`owner_side` for the owner's own).

    >>> reason("links", {"links": 3.0})
    '3 links'
    """
    v = row.get(name, 0.0)
    if name.startswith("ph_"):
        cat = name[3:]
        hit = row.get(f"hit_{cat}") or ""
        label = cat.replace("_", " ")
        if toward_auto:
            return f'phrase: "{hit.lower()}"' if hit else f"{label} phrasing"
        return f"no {label} phrasing"
    if name in TIMING_FEATURES:
        return _delay_reason(row, toward_auto)
    texts: dict[str, tuple[str, str]] = {
        "links": (_plural(v, "link"), "no links" if not v else _plural(v, "link")),
        # the fact, whichever way it pushes (a bare shared link is mostly links and personal)
        "link_density": ("mostly links" if v >= 0.5 else "links in a longer text",) * 2,
        "shortener": ("link shortener", "no link shortener"),
        "profile_link": ("link to the sender's other profiles", "profile link"),
        "booking_link": ("booking / link-in-bio page", "booking link"),
        "tracking_link": ("tracking parameters in a link", "tracking link"),
        "placeholder": (f"unfilled placeholder {row.get('hit_placeholder') or ''}".strip(), "placeholder"),
        # longer or shorter than the training mean (about 13 words) when the model says it
        "log_words": ("long message" if row.get("log_words_vs_mean", v - 3.0) > 0 else "short message",) * 2,
        "caps_words": ("words in capitals", "no shouting"),
        "exclaims": (_plural(v, "exclamation mark"), "few exclamation marks"),
        "questions": ("asks questions", "asks a question"),
        "emoji": ("emoji", "emoji"),
        "phone": ("phone number or short code", "phone number"),
        "money": ("money amount", "money amount"),
        "follow_timed": ("follow time known", "follow time known"),
        "follow_untimed": ("sender follows you", "sender follows you"),
        "follow_none": ("no follow record", "sender not in your follow lists"),
        "welcome": ("platform-declared welcome message", "not a welcome message"),
        "invitation": ("connection-invitation note", "invitation"),
        "thread_first": ("first message of the thread" if v > 0 else "later in the thread",
                         "reply inside a thread" if v < 0 else "first message"),
        "owner_silent_before": ("you had not written to them" if v > 0 else "you wrote to them first",
                                "you wrote to them first" if v < 0 else "you had not written"),
        "owner_never": ("you never replied" if v > 0 else "you replied",
                        "you replied to them" if v < 0 else "you never replied"),
        "bump": ("unanswered follow-up bump", "not a bump"),
        "thread_len": _thread_words(v),
        "sender_cross_conv": ("same text in their other conversations", "one conversation"),
        "template_reuse": (f"same text from {int(row.get('template_senders') or 0)} senders", "unique text"),
    }
    pair = texts.get(name)
    if pair is None:
        return name.replace("_", " ")
    return pair[0] if toward_auto else pair[1]
