"""Write a platform-neutral Inbox as a LinkedIn data export zip (formats.md §4).

The zip has LinkedIn's real structure: CSVs at its root, ``messages.csv`` with the current header
and the newer ``ATTACHMENTS, IS MESSAGE DRAFT, IS CONVERSATION DRAFT`` columns (opaque ``2-<base64>``
conversation ids, ``DATE`` as ``2024-03-09 16:05:00 UTC``, conversations in no time order),
``Connections.csv`` with its ``Notes:`` preamble (``Connected On`` as ``07 Mar 2024``),
``Invitations.csv`` with the late-2023 header (``Sent At`` as ``3/9/24, 4:05 PM``) and some
files autodm never reads (``Profile.csv``, ``Skills.csv``, ``guide_messages.csv``).

Neutral ids map to profile URLs ``https://www.linkedin.com/in/<name>-<hex>`` (:func:`profile_url`),
the same for messages, connections and invitations. Messages of kind ``invitation`` become
Invitations.csv rows (INCOMING, or OUTGOING when the owner sent them); every follow becomes a
connection (LinkedIn has day precision only); a few pending outgoing invitations without a note
are added. Texts that LinkedIn's HTML handling would change are written HTML-escaped, so a
round trip through the loader gives them back. Deterministic; written to a temp file, then renamed.

>>> write_linkedin_export(inbox, Path("Complete_LinkedInDataExport_05-01-2024.zip"))  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import csv
import hashlib
import html
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from autodm.inbox import Inbox
from autodm.loaders.linkedin import clean_content

MESSAGES_HEADER = ["CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO",
                   "RECIPIENT PROFILE URLS", "DATE", "SUBJECT", "CONTENT", "FOLDER", "ATTACHMENTS",
                   "IS MESSAGE DRAFT", "IS CONVERSATION DRAFT"]
CONNECTIONS_HEADER = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
INVITATIONS_HEADER = ["From", "To", "Sent At", "Message", "Direction", "inviterProfileUrl", "inviteeProfileUrl"]
CONNECTIONS_NOTES = (
    'Notes:\n"When exporting your connection data, you may notice that some of the email addresses are missing: '
    'you will only see the email addresses of connections who have allowed their connections to see or download '
    'them."\n\n'
)
_ZIP_TIME = (2024, 5, 1, 12, 0, 0)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_COMPANIES = ("Example Ltd", "Sample Labs", "Acme Corp", "Northwind", "Contoso", "Fabrikam", "Globex", "")
_POSITIONS = ("Growth Lead", "Software Engineer", "Founder", "Recruiter", "Product Manager", "Coach",
              "Sales Director", "Designer", "")
_PENDING = 3  # pending outgoing invitations (no note) to people outside the inbox


def _hash(key: str, person: bytes) -> bytes:
    return hashlib.blake2b(key.encode("utf-8"), digest_size=16, person=person).digest()


def _slug(name: str) -> str:
    s = unicodedata.normalize("NFKD", name)
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).encode("ascii", "ignore").decode().lower()
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    return "-".join(s.split("-")[:3])


def profile_url(neutral_id: str, name: str | None = None) -> str:
    """The profile URL written for a neutral user id: ``https://www.linkedin.com/in/<name>-<6 hex>``.

    >>> profile_url("u000001", "Sam Sample") == profile_url("u000001", "Sam Sample")
    True
    """
    tail = _hash(neutral_id, b"autodm-li-user").hex()[:6]
    head = _slug(name or "")
    return f"https://www.linkedin.com/in/{head}-{tail}" if head else f"https://www.linkedin.com/in/member-{tail}"


def conversation_id(neutral_conversation: str) -> str:
    """LinkedIn's opaque ``2-<base64>`` id for a neutral conversation id."""
    h = _hash(neutral_conversation, b"autodm-li-conv").hex()
    uuid = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:32]}"
    return "2-" + base64.b64encode(f"{uuid}_01{int(h[0], 16) % 3}".encode()).decode()


def _export_text(text: str) -> str:
    """The CONTENT cell for a text: as is, or HTML-escaped when the loader's HTML handling would change it."""
    if clean_content(text) == (text, []):
        return text
    escaped = html.escape(text, quote=False)
    return escaped if clean_content(escaped)[0] == text else text


def _sent_at(secs: int) -> str:
    """``3/9/24, 4:05 PM`` (minutes; seconds dropped)."""
    t = pd.Timestamp(secs, unit="s", tz="UTC")
    hour = t.hour % 12 or 12
    return f"{t.month}/{t.day}/{t.year % 100:02d}, {hour}:{t.minute:02d} {'PM' if t.hour >= 12 else 'AM'}"


def _day(t: pd.Timestamp) -> str:
    return f"{t.day:02d} {_MONTHS[t.month - 1]} {t.year}"


def _csv(rows: Iterable[list[str]], header: list[str], preamble: str = "") -> bytes:
    buf = io.StringIO()
    buf.write(preamble)
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


class _People:
    """Neutral ids -> display names and profile URLs, consistent across the files."""

    def __init__(self, inbox: Inbox, owner: str) -> None:
        m = inbox.messages
        self.names: dict[str, str] = {}
        if inbox.owner.name:
            self.names[owner] = inbox.owner.name
        named = m[m["sender_name"].notna() & m["sender_id"].notna()]
        for sid, name in zip(named["sender_id"].tolist(), named["sender_name"].tolist(), strict=True):
            self.names.setdefault(str(sid), str(name))
        f = inbox.follows
        for uid, name in zip(f["user_id"].tolist(), f["user_name"].tolist(), strict=True):
            if not pd.isna(uid) and not pd.isna(name):
                self.names.setdefault(str(uid), str(name))
        self._urls: dict[str, str] = {}

    def name(self, pid: str) -> str:
        return self.names.get(pid) or pid

    def url(self, pid: str) -> str:
        u = self._urls.get(pid)
        if u is None:
            u = self._urls[pid] = profile_url(pid, self.names.get(pid))
        return u


def _message_rows(inbox: Inbox, people: _People, owner: str) -> tuple[list[list[str]], list[list[str]]]:
    """(messages.csv rows, Invitations.csv rows from kind "invitation" messages)."""
    m = inbox.messages
    n = len(m)
    if n == 0:
        return [], []
    secs = (m["sent_at"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[s]")
            .astype(np.int64))
    dates = (pd.Series(secs.astype("datetime64[s]")).dt.strftime("%Y-%m-%d %H:%M:%S") + " UTC").tolist()
    outgoing = m["outgoing"].to_numpy(dtype=bool)
    sender = [owner if o or pd.isna(s) else str(s) for s, o in zip(m["sender_id"].tolist(), outgoing, strict=True)]
    recip = [None if pd.isna(r) else str(r) for r in m["recipient_id"].tolist()]
    conv = m["conversation_id"].fillna("").astype(str).tolist()
    texts = m["text"].fillna("").astype(str).tolist()
    kinds = m["kind"].fillna("message").astype(str).tolist()

    members: dict[str, list[str]] = {}
    for c, s, r in zip(conv, sender, recip, strict=True):
        ps = members.setdefault(c, [owner])
        for p in (s, r):
            if p is not None and p not in ps:
                ps.append(p)
    # rows are not sorted (formats.md §4.2): conversations in an order unrelated to time, each
    # one's rows together, newest first
    place = {c: _hash(c, b"autodm-li-rows") for c in members}
    order = sorted(range(n), key=lambda i: (place[conv[i]], -int(secs[i]), -i))

    rows: list[list[str]] = []
    invitations: list[list[str]] = []
    convs: dict[str, tuple[str, str]] = {}  # neutral conversation -> (LinkedIn id, folder)
    sides: dict[tuple[str, str], tuple[str, str, str, str]] = {}  # (conv, sender) -> FROM, URL, TO, URLS
    for i in order:
        c, s = conv[i], sender[i]
        if kinds[i] == "invitation":
            to = next((p for p in members[c] if p != s), owner)
            invitations.append([people.name(s), people.name(to), _sent_at(int(secs[i])), texts[i],
                                "OUTGOING" if outgoing[i] else "INCOMING", people.url(s), people.url(to)])
            continue
        cf = convs.get(c)
        if cf is None:
            cf = convs[c] = (conversation_id(c), "ARCHIVE" if _hash(c, b"autodm-li-fold")[0] < 26 else "INBOX")
        side = sides.get((c, s))
        if side is None:
            others = [p for p in members[c] if p != s] or [owner]
            side = sides[(c, s)] = (people.name(s), people.url(s), ", ".join(people.name(p) for p in others),
                                    ";".join(people.url(p) for p in others))
        rows.append([cf[0], "", side[0], side[1], side[2], side[3], dates[i], "", _export_text(texts[i]), cf[1],
                     "", "No", "No"])
    return rows, invitations


def _connection_rows(inbox: Inbox, people: _People) -> list[list[str]]:
    f = inbox.follows
    if f.empty:
        return []
    f = f.assign(_key=f["user_id"].fillna("name:" + f["user_name"].fillna("")).astype(str))
    f = f.sort_values(["followed_at", "_key"], ascending=[False, True], na_position="last", kind="stable")
    f = f.drop_duplicates("_key")
    rows = []
    for key, when in zip(f["_key"].tolist(), f["followed_at"].tolist(), strict=True):
        name = people.name(key) if not key.startswith("name:") else key[5:]
        first, _, last = name.partition(" ")
        h = _hash(key, b"autodm-li-conn")
        rows.append([first, last, people.url(key), "", _COMPANIES[h[0] % len(_COMPANIES)],
                     _POSITIONS[h[1] % len(_POSITIONS)], "" if pd.isna(when) else _day(when)])
    return rows


def _pending(inbox: Inbox, people: _People, owner: str) -> list[list[str]]:
    """A few pending outgoing invitations (no note) to people outside the inbox, before its last message."""
    m = inbox.messages
    end = int(m["sent_at"].max().timestamp()) if len(m) else 1_714_564_800
    out = []
    for k in range(_PENDING):
        pid = f"pending{k + 1}"
        people.names.setdefault(pid, ("Jamie Rivera", "Noa Lindqvist", "Ola Nordmann")[k % 3])
        out.append([people.name(owner), people.name(pid), _sent_at(end - (k + 1) * 3 * 86400 - 3600 * k), "",
                    "OUTGOING", people.url(owner), people.url(pid)])
    return out


def _profile(inbox: Inbox) -> bytes:
    first, _, last = (inbox.owner.name or "Alex Example").partition(" ")
    header = ["First Name", "Last Name", "Maiden Name", "Address", "Birth Date", "Headline", "Summary", "Industry",
              "Zip Code", "Geo Location", "Twitter Handles", "Websites", "Instant Messengers"]
    return _csv([[first, last, "", "", "", "Simulated by autodm", "Every name and text here is invented.",
                  "Technology, Information and Internet", "", "Example City", "", "", ""]], header)


def _guide(people: _People, owner: str) -> bytes:
    """An assistant chat in guide_messages.csv (same header; the loader never reads it)."""
    bot = "https://www.linkedin.com/in/linkedin-guide"
    rows = [["2-Z3VpZGU=", "", "LinkedIn Guide", bot, people.name(owner), people.url(owner),
             "2024-04-01 09:00:00 UTC", "", "Hi! How can I help you with your job search today?", "INBOX", "",
             "No", "No"]]
    return _csv(rows, MESSAGES_HEADER)


def write_linkedin_export(inbox: Inbox, out: Path) -> Path:
    """Write ``inbox`` as a LinkedIn data export zip at ``out`` (atomically); return ``out``.

    The owner is ``inbox.owner.id`` (``"owner"`` when unset); messages with ``outgoing`` set are its.
    """
    out = Path(out)
    owner = inbox.owner.id or "owner"
    people = _People(inbox, owner)
    messages, invitations = _message_rows(inbox, people, owner)
    connections = _connection_rows(inbox, people)
    invitations += _pending(inbox, people, owner)
    files = {
        "messages.csv": _csv(messages, MESSAGES_HEADER),
        "Connections.csv": _csv(connections, CONNECTIONS_HEADER, CONNECTIONS_NOTES),
        "Invitations.csv": _csv(invitations, INVITATIONS_HEADER),
        "Profile.csv": _profile(inbox),
        "Skills.csv": _csv([["Python"], ["Public Speaking"], ["Growth Marketing"]], ["Name"]),
        "guide_messages.csv": _guide(people, owner),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, data in files.items():
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return out
