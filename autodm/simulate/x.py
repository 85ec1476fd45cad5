"""Write a platform-neutral Inbox as an X / Twitter archive (formats.md §1).

The archive has X's real structure: ``Your archive.html`` and ``data/`` with ``manifest.js``,
``account.js``, ``direct-messages.js`` (plus ``direct-messages-part<N>.js`` parts),
``direct-messages-group.js`` (conversations with more than two people), ``follower.js`` and
``following.js``, every file in X's wrapper (``window.YTD.<type>.part<N> = [ {``) and its
Jackson pretty print (2-space indent, ``" : "``, ``[ ]``). Neutral ids become numeric X ids
(:func:`x_user_id`); messages run newest first per conversation, long conversations are cut into
entries of ``chunk`` messages; links in texts become t.co links with ``urls`` entries (a neutral
message's extra ``urls`` get entries too, without a link in the text); texts are HTML-escaped as
X does; kind "welcome" becomes ``welcomeMessageCreate``. X archives never hold follow times.

>>> write_x_archive(inbox, Path("twitter-2024.zip"))        # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson
import pandas as pd

from autodm.inbox import Inbox, gc_paused

ERAS = ("2019", "2020", "2022")
#: X's snowflake epoch (ms): message ids after late 2010 carry their time in the high bits.
SNOWFLAKE_EPOCH_MS = 1288834974657
_ZIP_TIME = (2024, 5, 1, 12, 0, 0)
_LEVEL = 1  # fast deflate: the writer feeds benchmarks of a million messages
_URL = re.compile(r"https?://[^\s<>\"]+")
_TRAILING = ".,;:!?)]}'\""
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#: Per kind (group or not): the (file, global name, entry count) of each part written.
_Written = dict[bool, list[tuple[str, str, int]]]


# --------------------------------------------------------------------------- ids


def _hash(key: str, person: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8, person=person).digest(), "big")


def x_user_id(neutral_id: str) -> str:
    """The numeric X account id (18-19 digits, stable) written for a neutral user id.

    >>> x_user_id("u000001") == x_user_id("u000001")
    True
    """
    return str(10**17 + _hash(neutral_id, b"autodm-x-user") % (9 * 10**18 - 10**17))


def x_group_id(neutral_conversation_id: str) -> str:
    """The numeric X conversation id written for a neutral group conversation."""
    return str(10**18 + _hash(neutral_conversation_id, b"autodm-x-group") % (8 * 10**18))


def x_handle(handle: str) -> str:
    """An X username (letters, digits, underscore; at most 15) for a neutral handle."""
    h = re.sub(r"[^A-Za-z0-9_]", "_", handle)[:15]
    return h or "user"


def _tco(url: str) -> str:
    n = _hash(url, b"autodm-x-tco")
    code = []
    for _ in range(10):
        n, r = divmod(n, 62)
        code.append(_B62[r])
    return "https://t.co/" + "".join(code)


def _display(url: str) -> str:
    d = re.sub(r"^https?://(www\.)?", "", url)
    return d if len(d) <= 26 else d[:26] + "…"


# --------------------------------------------------------------------------- Jackson pretty print


def _lit(s: str) -> str:
    return orjson.dumps(s).decode("utf-8")


def jackson(obj: Any, level: int = 0) -> str:
    """``obj`` as X's archive files print it (Jackson): ``"key" : value``, 2-space indent, ``[ ]``.

    >>> print(jackson([{"a": [], "b": ["x"]}]))
    [ {
      "a" : [ ],
      "b" : [ "x" ]
    } ]
    """
    if isinstance(obj, dict):
        if not obj:
            return "{ }"
        pad = "  " * level
        inner = ",\n".join(f"{pad}  {_lit(str(k))} : {jackson(v, level + 1)}" for k, v in obj.items())
        return "{\n" + inner + "\n" + pad + "}"
    if isinstance(obj, list | tuple):
        if not obj:
            return "[ ]"
        return "[ " + ", ".join(jackson(v, level) for v in obj) + " ]"
    return orjson.dumps(obj).decode("utf-8")


def js_file(global_name: str, items: list[Any]) -> bytes:
    """A whole ``data/*.js`` file: ``window.YTD.<global_name> = [ ... ]``."""
    return f"window.YTD.{global_name} = {jackson(items)}".encode()


# --------------------------------------------------------------------------- texts


class _Texts:
    """Neutral text -> (X text with t.co links, HTML-escaped; urls entries as Jackson text)."""

    def __init__(self) -> None:
        self._tco: dict[str, str] = {}

    def tco(self, url: str) -> str:
        t = self._tco.get(url)
        if t is None:
            t = self._tco[url] = _tco(url)
        return t

    def convert(self, text: str, extra: Any, with_urls: bool) -> tuple[str, list[tuple[str, str]]]:
        """Return the archive's text and its (t.co, expanded) links, in text order, extras last."""
        links: list[tuple[str, str]] = []
        if "http" in text:
            parts: list[str] = []
            last = 0
            for m in _URL.finditer(text):
                url = m.group().rstrip(_TRAILING)
                if not url.partition("://")[2]:
                    continue
                short = self.tco(url)
                parts += [_escape(text[last:m.start()]), short]
                last = m.start() + len(url)
                links.append((short, url))
            parts.append(_escape(text[last:]))
            out = "".join(parts)
        else:
            out = _escape(text)
        if with_urls and extra is not None and len(extra):
            links += [(self.tco(str(u)), str(u)) for u in extra]
        return out, links


def _escape(s: str) -> str:
    if "&" in s or "<" in s or ">" in s:
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s


def _urls_block(links: list[tuple[str, str]]) -> str:
    """The ``urls`` value at a message's indentation (entries at level 4)."""
    if not links:
        return "[ ]"
    return "[ " + ", ".join(
        '{\n          "url" : ' + _lit(s) + ',\n          "expanded" : ' + _lit(u)
        + ',\n          "display" : ' + _lit(_display(u)) + "\n        }"
        for s, u in links
    ) + " ]"


# --------------------------------------------------------------------------- the neutral inbox


class _Plan:
    """The neutral messages as column lists, grouped into X conversations, newest first."""

    def __init__(self, inbox: Inbox) -> None:
        m = inbox.messages
        n = len(m)
        self.owner = inbox.owner.id or "owner"
        sent = m["sent_at"].dt.tz_convert("UTC").dt.tz_localize(None).dt.round("ms")
        ms = sent.to_numpy(dtype="datetime64[ms]")
        self.ms = ms.astype(np.int64)
        self.times = [t + "Z" for t in np.datetime_as_string(ms, unit="ms").tolist()]
        sender = m["sender_id"].astype(object)
        self.sender = sender.where(sender.notna(), self.owner).astype(str).tolist()
        recipient = m["recipient_id"].astype(object)
        self.recipient = recipient.where(recipient.notna(), None).tolist()
        self.text = m["text"].fillna("").astype(str).tolist()
        self.urls = m["urls"].tolist()
        self.kind = m["kind"].fillna("message").astype(str).tolist()
        self.conv = m["conversation_id"].astype(object).where(m["conversation_id"].notna(), "").astype(str).tolist()
        self.ids = self._message_ids(n)
        codes, names = pd.factorize(pd.Series(self.conv, dtype=object))
        self.names = [str(c) for c in names]
        order = np.lexsort((-np.arange(n), -self.ms, codes)) if n else np.array([], dtype=int)
        bounds = np.flatnonzero(np.diff(codes[order])) + 1
        self.rows = [g.tolist() for g in np.split(order, bounds)] if n else []
        self.people = self._participants(codes, len(names))
        self.xid: dict[str, str] = {}

    def _message_ids(self, n: int) -> list[str]:
        """Snowflake-like ids from the time (older than 2010: short ids), unique."""
        idx = np.arange(n, dtype=np.int64)
        low = (idx * 2654435761) & 0x3FFFFF
        snow = ((self.ms - SNOWFLAKE_EPOCH_MS) << 22) | low
        old = np.maximum(self.ms // 10, 1) + idx
        ids = np.where(self.ms >= SNOWFLAKE_EPOCH_MS, snow, old).astype(str).tolist()
        if len(set(ids)) != n:
            seen: set[str] = set()
            for i, v in enumerate(ids):
                while v in seen:
                    v = str(int(v) + 1)
                seen.add(v)
                ids[i] = v
        return ids

    def _participants(self, codes: np.ndarray, k: int) -> list[list[str]]:
        """Per conversation: the neutral ids of everyone but the owner, in order of appearance."""
        frame = pd.DataFrame({
            "code": np.concatenate([codes, codes]),
            "who": pd.Series(self.sender + self.recipient, dtype=object),
        })
        frame = frame[frame["who"].notna() & (frame["who"] != self.owner)].drop_duplicates()
        out: list[list[str]] = [[] for _ in range(k)]
        for code, who in zip(frame["code"].tolist(), frame["who"].tolist(), strict=True):
            out[code].append(str(who))
        return out

    def x(self, neutral: str) -> str:
        v = self.xid.get(neutral)
        if v is None:
            v = self.xid[neutral] = x_user_id(neutral)
        return v


# --------------------------------------------------------------------------- output


class _Out:
    """Writes members into one zip (streamed) or a folder."""

    def __init__(self, out: Path, zipped: bool, top: str | None) -> None:
        self.out, self.zipped, self.top = out, zipped, top
        self.sizes: dict[str, int] = {}
        if zipped:
            out.parent.mkdir(parents=True, exist_ok=True)
            self.tmp = out.with_name(out.name + ".tmp")
            self.zf: zipfile.ZipFile | None = zipfile.ZipFile(self.tmp, "w", compression=zipfile.ZIP_DEFLATED,
                                                              compresslevel=_LEVEL)
        else:
            out.mkdir(parents=True, exist_ok=True)
            self.zf = None

    @contextmanager
    def open(self, path: str) -> Iterator[IO[bytes]]:
        full = f"{self.top}/{path}" if self.top else path
        if self.zf is not None:
            info = zipfile.ZipInfo(full, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            if hasattr(info, "compress_level"):  # Python 3.13+
                info.compress_level = _LEVEL
            else:  # zipfile reads it on open("w")
                info._compresslevel = _LEVEL  # type: ignore[attr-defined]
            with self.zf.open(info, "w", force_zip64=True) as fh:
                yield fh
        else:
            target = self.out / full
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as fh:
                yield fh

    def add(self, path: str, data: bytes) -> None:
        with self.open(path) as fh:
            fh.write(data)
        self.sizes[path] = len(data)

    def close(self) -> Path:
        if self.zf is not None:
            self.zf.close()
            self.tmp.replace(self.out)
        return self.out


_MESSAGE = '{\n      "messageCreate" : {\n'
_WELCOME = '{\n      "welcomeMessageCreate" : {\n'
_REACTIONS = '        "reactions" : [ ],\n'
_MEDIA_EDITS = '        "mediaUrls" : [ ],\n        "editHistory" : [ ],\n'


class _Writer:
    """Formats the conversations of a plan in one era's field set."""

    def __init__(self, plan: _Plan, era: str, chunk: int) -> None:
        self.p, self.era, self.chunk = plan, era, max(chunk, 1)
        self.texts = _Texts()
        self.with_urls = era != "2019"
        self.xsender = [plan.x(u) for u in plan.sender]
        self._cids: dict[int, str] = {}

    def message(self, i: int, recipient: str | None) -> str:
        """One event at its place in the file (a messages array element, level 2)."""
        p = self.p
        text, links = self.texts.convert(p.text[i], p.urls[i], self.with_urls)
        welcome = p.kind[i] == "welcome"
        head = _WELCOME if welcome else _MESSAGE
        if recipient is not None:
            head += '        "recipientId" : "' + recipient + '",\n'
        if self.era == "2019":
            body = '        "text" : ' + _lit(text) + ',\n        "mediaUrls" : [ ],\n'
        elif self.era == "2020":
            body = (("" if welcome else _REACTIONS) + '        "urls" : ' + _urls_block(links) + ',\n        "text" : '
                    + _lit(text) + ',\n        "mediaUrls" : [ ],\n')
        else:
            body = (("" if welcome else _REACTIONS) + _MEDIA_EDITS + '        "urls" : ' + _urls_block(links)
                    + ',\n        "text" : ' + _lit(text) + ",\n")
        return (f'{head}{body}        "senderId" : "{self.xsender[i]}",\n        "id" : "{p.ids[i]}",\n'
                f'        "createdAt" : "{p.times[i]}"\n      }}\n    }}')

    def conversation_id(self, k: int, group: bool) -> str:
        """X's id of conversation ``k``: ``<small>-<big>`` account ids for 1:1, one number for a group."""
        cid = self._cids.get(k)
        if cid is None:
            p = self.p
            if group:
                cid = x_group_id(p.names[k])
            else:
                owner_x = p.x(p.owner)
                a, b = sorted((p.x(p.people[k][0]) if p.people[k] else owner_x, owner_x), key=int)
                cid = f"{a}-{b}"
            self._cids[k] = cid
        return cid

    def chunks(self, k: int) -> list[tuple[int, int]]:
        """(start, size) of each dmConversation entry of conversation ``k``, newest first."""
        n = len(self.p.rows[k])
        return [(s, min(self.chunk, n - s)) for s in range(0, n, self.chunk)]

    def entry(self, k: int, start: int, group: bool) -> str:
        """One dmConversation entry: the messages ``start`` .. ``start + chunk`` of conversation ``k``."""
        p = self.p
        rows = p.rows[k]
        people = p.people[k]
        owner_x = p.x(p.owner)
        other = p.x(people[0]) if people else owner_x
        events = []
        for i in rows[start:start + self.chunk]:
            recipient = None if group else (other if p.sender[i] == p.owner else owner_x)
            events.append(self.message(i, recipient))
        if group and start + self.chunk >= len(rows) and p.sender[rows[-1]] != p.owner:
            events.append(self._joined(rows[-1], people))
        return ('{\n  "dmConversation" : {\n    "conversationId" : "' + self.conversation_id(k, group)
                + '",\n    "messages" : [ ' + ", ".join(events) + " ]\n  }\n}")

    def _joined(self, oldest: int, people: list[str]) -> str:
        """The owner being added to a group before its oldest message."""
        p = self.p
        at = np.datetime_as_string(np.datetime64(int(p.ms[oldest]) - 1000, "ms"), unit="ms") + "Z"
        snapshot = sorted({p.x(u) for u in people} | {p.x(p.owner)}, key=int)
        ev = {"joinConversation": {"initiatingUserId": p.x(p.sender[oldest]), "participantsSnapshot": snapshot,
                                   "createdAt": at}}
        return jackson(ev, 2)


def _balanced(sizes: list[int], parts: int) -> list[int]:
    """Part number of each entry: contiguous runs of about equal message counts."""
    total = max(sum(sizes), 1)
    out, acc = [], 0
    for s in sizes:
        out.append(min(parts - 1, acc * parts // total))
        acc += s
    return out


def _names(era: str, group: bool, k: int) -> tuple[str, str]:
    """(file name in data/, global name) of part ``k``."""
    base = "direct-message" if era == "2019" else "direct-messages"
    glob = base.replace("-", "_")
    if group:
        base, glob = base + "-group", glob + "_group"
    return (f"data/{base}.js" if k == 0 else f"data/{base}-part{k}.js"), f"{glob}.part{k}"


def write_x_archive(
    inbox: Inbox,
    out: Path,
    *,
    parts: int = 1,
    zipped: bool = True,
    top_folder: str | None = None,
    era: str = "2022",
    chunk: int = 1000,
) -> Path:
    """Write ``inbox`` as an X archive at ``out`` (a zip, or a folder with ``zipped=False``).

    ``parts`` > 1 splits the 1:1 conversations over ``direct-messages.js`` and
    ``direct-messages-part1.js`` ... (a conversation may straddle two parts); ``chunk`` is the
    most messages one dmConversation entry holds. ``era``: 2022 (reactions, mediaUrls,
    editHistory, urls), 2020 (no editHistory), 2019 (no urls, reactions or editHistory, singular
    ``direct-message.js`` names and no manifest.js).
    """
    if era not in ERAS:
        raise ValueError(f"era must be one of {', '.join(ERAS)}")
    if parts < 1:
        raise ValueError("parts must be at least 1")
    with gc_paused():
        plan = _Plan(inbox)
        w = _Writer(plan, era, chunk)
        sink = _Out(Path(out), zipped, top_folder)
        try:
            written = _write_messages(plan, w, sink, era, parts)
            _write_rest(inbox, plan, sink, era, written)
        except BaseException:
            if sink.zf is not None:
                sink.zf.close()
                sink.tmp.unlink(missing_ok=True)
            raise
        return sink.close()


def _write_messages(plan: _Plan, w: _Writer, sink: _Out, era: str, parts: int) -> _Written:
    """Write the 1:1 and group message files; return (file, global name, entries) per kind."""
    group = [len(people) > 1 for people in plan.people]
    written: _Written = {}
    for is_group in (False, True):
        mine = [k for k in range(len(plan.rows)) if group[k] == is_group]
        mine.sort(key=lambda k: (int(w.conversation_id(k, is_group).partition("-")[0]), k))
        pieces = [(k, start, size) for k in mine for start, size in w.chunks(k)]
        n_parts = 1 if is_group else parts
        assign = _balanced([size for _, _, size in pieces], n_parts)
        files = []
        pos = 0
        for part in range(n_parts):
            path, glob = _names(era, is_group, part)
            count = 0
            with sink.open(path) as fh:
                written_bytes = fh.write(f"window.YTD.{glob} = [ ".encode())
                buf: list[str] = []
                size = 0
                while pos < len(pieces) and assign[pos] == part:
                    k, start, _ = pieces[pos]
                    entry = w.entry(k, start, is_group)
                    buf.append(entry if count == 0 else ", " + entry)
                    size += len(entry)
                    count += 1
                    pos += 1
                    if size > 1 << 20:
                        written_bytes += fh.write("".join(buf).encode("utf-8"))
                        buf, size = [], 0
                written_bytes += fh.write(("".join(buf) + (" ]" if count else "]")).encode("utf-8"))
            sink.sizes[path] = written_bytes
            files.append((path, glob, count))
        written[is_group] = files
    return written


def _write_rest(inbox: Inbox, plan: _Plan, sink: _Out, era: str, written: _Written) -> None:
    """account.js, follower.js, following.js, manifest.js, Your archive.html."""
    owner = inbox.owner
    owner_x = plan.x(plan.owner)
    handle = x_handle(owner.handle or owner.name or "user")
    name = owner.name or handle
    first = int(plan.ms.min()) if len(plan.ms) else 1_577_836_800_000
    last = int(plan.ms.max()) if len(plan.ms) else first
    created = np.datetime_as_string(np.datetime64(first - 400 * 86_400_000, "ms"), unit="ms") + "Z"
    account = {"email": f"{handle.lower()}@example.com", "createdVia": "web", "username": handle,
               "accountId": owner_x, "createdAt": created, "accountDisplayName": name}
    sink.add("data/account.js", js_file("account.part0", [{"account": account}]))
    f = inbox.follows
    ids = f["user_id"].astype(object).where(f["user_id"].notna(), f["user_name"].astype(object)).tolist()
    dirs = f["direction"].astype(str).tolist()
    counts = {}
    for kind, keep in (("follower", ("follower", "connection")), ("following", ("following", "connection"))):
        items = []
        seen: set[str] = set()
        for uid, d in zip(ids, dirs, strict=True):
            if d in keep and uid is not None and uid is not pd.NA:
                xid = plan.x(str(uid))
                if xid not in seen:
                    seen.add(xid)
                    items.append(f'{{\n  "{kind}" : {{\n    "accountId" : "{xid}",\n    "userLink" : '
                                 f'"https://twitter.com/intent/user?user_id={xid}"\n  }}\n}}')
        body = "[ " + ", ".join(items) + " ]" if items else "[ ]"
        sink.add(f"data/{kind}.js", f"window.YTD.{kind}.part0 = {body}".encode())
        counts[kind] = len(items)
    if era != "2019":
        types: dict[str, Any] = {
            "account": {"files": [{"fileName": "data/account.js", "globalName": "YTD.account.part0", "count": "1"}]},
            "directMessages": {"mediaDirectory": "data/direct_messages_media", "files": [
                {"fileName": p, "globalName": f"YTD.{g}", "count": str(c)} for p, g, c in written[False]]},
            "directMessagesGroup": {"mediaDirectory": "data/direct_messages_group_media", "files": [
                {"fileName": p, "globalName": f"YTD.{g}", "count": str(c)} for p, g, c in written[True]]},
            "directMessagesGroupMedia": {"mediaDirectory": "data/direct_messages_group_media"},
            "directMessagesMedia": {"mediaDirectory": "data/direct_messages_media"},
        }
        for kind in ("follower", "following"):
            types[kind] = {"files": [{"fileName": f"data/{kind}.js", "globalName": f"YTD.{kind}.part0",
                                      "count": str(counts[kind])}]}
        generated = np.datetime_as_string(np.datetime64(last + 86_400_000, "ms"), unit="ms") + "Z"
        manifest = {
            "userInfo": {"accountId": owner_x, "userName": handle, "displayName": name},
            "archiveInfo": {"sizeBytes": str(sum(sink.sizes.values())), "generationDate": generated,
                            "isPartialArchive": False, "maxPartSizeBytes": "53687091200"},
            "readmeInfo": {"fileName": "data/README.txt", "directory": "data/", "name": "README.txt"},
            "dataTypes": types,
        }
        sink.add("data/manifest.js", f"window.__THAR_CONFIG = {jackson(manifest)}".encode())
        sink.add("data/README.txt", b"Twitter archive\n\nSimulated by autodm: every id, name and text is invented.\n")
    sink.add("Your archive.html", _HTML.encode())


_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Your archive</title>
</head>
<body>
<noscript>Open this file in a browser with JavaScript to browse your archive.</noscript>
<div id="root"></div>
<script src="data/manifest.js"></script>
</body>
</html>
"""
