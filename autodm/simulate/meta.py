"""Write a platform-neutral Inbox as an Instagram or Messenger "Download your information" export.

The files have Meta's real structure (formats.md §2-§3): thread folders ``<slug>_<digits>`` with
``message_<n>.json`` (newest message first, ``timestamp_ms``), follow lists with usernames
(Instagram) or names (Messenger) and epoch seconds, the owner's personal-information file, and
Meta's mojibake: every UTF-8 byte of every string written as its own ``\\u00XX`` escape.
Messages carry display names only, as in real exports.

>>> write_instagram_export(inbox, Path("instagram.zip"))        # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd

from autodm.inbox import Inbox, gc_paused

INSTAGRAM_ERAS = ("legacy", "2020", "2022", "2024")
MESSENGER_ERAS = ("2018", "2020", "2023")
_PLACEHOLDER = "@@autodm-messages@@"
_ZIP_TIME = (2024, 5, 1, 12, 0, 0)
_LEVEL = 1  # fast deflate: the writer feeds benchmarks of a million messages


# --------------------------------------------------------------------------- encoding


def mojibake(s: str) -> str:
    """Meta's view of a string: one character per UTF-8 byte (``"café"`` -> ``"cafÃ©"``)."""
    return s if s.isascii() else s.encode("utf-8").decode("latin-1")


def _lit(s: str) -> str:
    """A JSON string literal as Meta writes it: ``"caf\\u00c3\\u00a9"``."""
    return encode_basestring_ascii(mojibake(s))


_HIGH = re.compile(rb"[\x80-\xff]+")
_BYTE_ESC = [f"\\u{b:04x}".encode("ascii") for b in range(256)]


def _escape_high(m: re.Match[bytes]) -> bytes:
    return b"".join([_BYTE_ESC[b] for b in m.group()])


def meta_json(obj: Any) -> bytes:
    """Serialise like Meta: 2-space indent, every non-ASCII UTF-8 byte escaped as ``\\u00XX``.

    The same bytes as ``json.dumps(<strings' latin-1 view>, indent=2, ensure_ascii=True)``, made
    with orjson: each byte >= 0x80 of its UTF-8 output becomes one ``\\u00XX`` escape.
    """
    data = orjson.dumps(obj, option=orjson.OPT_INDENT_2)
    return data if data.isascii() else _HIGH.sub(_escape_high, data)


def _thread_file(head: dict[str, Any], blocks: list[str]) -> bytes:
    """A thread file: the header serialised by :func:`meta_json`, message blocks spliced in."""
    text = meta_json({**head, "messages": _PLACEHOLDER})
    body = "[\n" + ",\n".join(blocks) + "\n  ]" if blocks else "[]"
    return text.replace(b'"' + _PLACEHOLDER.encode() + b'"', body.encode("ascii"), 1)


def _block(fields: list[tuple[str, str]]) -> str:
    """One message object at the indentation of ``"messages": [...]``; values are JSON literals."""
    inner = ",\n".join(f'      "{k}": {v}' for k, v in fields)
    return "    {\n" + inner + "\n    }"


def _share(url: str) -> str:
    return "{\n        \"link\": " + _lit(url) + "\n      }"


# --------------------------------------------------------------------------- the neutral inbox


def _slug(s: str) -> str:
    folded = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", folded)[:24] or "user"


def _digits(key: str, n: int = 16) -> str:
    h = int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big")
    return str(h % 10**n).rjust(n, "1")


def _nz(v: Any) -> str | None:
    return None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else str(v)


@dataclass
class _Thread:
    conv: str
    counterparts: list[str]  # neutral user ids, in order of appearance
    rows: list[int]  # message row numbers, oldest first
    owner_wrote: bool


class _Neutral:
    """Column lists of the neutral inbox, people's display names and usernames, the threads."""

    def __init__(self, inbox: Inbox) -> None:
        m = inbox.messages
        self.owner_id = inbox.owner.id or "owner"
        self.owner_name = inbox.owner.name or inbox.owner.handle or self.owner_id
        self.owner_handle = inbox.owner.handle or _slug(self.owner_name)
        sent = m["sent_at"].dt.tz_convert("UTC").dt.tz_localize(None)
        ms = (sent.dt.round("ms") - pd.Timestamp(0)) // pd.Timedelta(milliseconds=1)
        self.ms = ms.to_numpy(dtype=np.int64).tolist()
        self.conv = m["conversation_id"].astype(str).tolist()
        sender = m["sender_id"].astype(object)
        self.sender = sender.where(sender.notna(), None).tolist()
        recipient = m["recipient_id"].astype(object)
        self.recipient = recipient.where(recipient.notna(), None).tolist()
        self.text = m["text"].fillna("").astype(str).tolist()
        self.urls = m["urls"].tolist()
        self.outgoing = m["outgoing"].astype(bool).tolist()
        incoming = m[~m["outgoing"].astype(bool) & m["sender_id"].notna()]
        names = incoming[incoming["sender_name"].notna()].drop_duplicates("sender_id")
        self.display: dict[str, str] = dict(zip(names["sender_id"].astype(str), names["sender_name"].astype(str),
                                                strict=True))
        unames = incoming[incoming["sender_username"].notna()].drop_duplicates("sender_id")
        self.username: dict[str, str] = dict(zip(unames["sender_id"].astype(str),
                                                 unames["sender_username"].astype(str), strict=True))
        f = inbox.follows
        fat = f["followed_at"].dt.tz_convert("UTC").dt.tz_localize(None)
        secs = ((fat.dt.round("s") - pd.Timestamp(0)) // pd.Timedelta(seconds=1)).astype("Int64").astype(object)
        self.follows = list(zip(f["user_id"].astype(object), f["user_name"].astype(object),
                                secs.where(secs.notna(), None), f["direction"].astype(object), strict=True))
        #: the name each follow row gives (Messenger lists name people by display name: kept as is,
        #: namesakes included, where usernames are made unique below)
        self.listed_name: dict[str, str] = {}
        for uid, uname, _, _ in self.follows:
            if _nz(uid) and _nz(uname):
                self.username.setdefault(str(uid), str(uname))
                self.listed_name.setdefault(str(uid), str(uname))
        self._unique_usernames()
        self.owner_follows = {str(_nz(uid) or _nz(un)) for uid, un, _, d in self.follows
                              if d in ("following", "connection")}
        self.threads = self._threads()
        self._lits: dict[Any, str] = {}

    def _unique_usernames(self) -> None:
        """Usernames are unique on the platform: a second neutral user with a taken one gets a suffix."""
        taken = {self.owner_handle}
        next_k: dict[str, int] = {}
        for uid in sorted(self.username):
            base = name = self.username[uid]
            while name in taken:
                k = next_k.get(base, 2)
                next_k[base] = k + 1
                name = f"{base}{k}"
            taken.add(name)
            self.username[uid] = name

    def _threads(self) -> list[_Thread]:
        """The conversations in id order; each with its rows oldest first and its counterparts."""
        n = len(self.ms)
        if n == 0:
            return []
        codes, convs = pd.factorize(pd.Series(self.conv, dtype=object), sort=True)
        order = np.lexsort((np.arange(n), np.asarray(self.ms, dtype=np.int64), codes))
        bounds = np.flatnonzero(np.diff(codes[order])) + 1
        groups = np.split(order, bounds)
        out = np.asarray(self.outgoing, dtype=bool)
        other = pd.Series(np.where(out, np.asarray(self.recipient, dtype=object),
                                   np.asarray(self.sender, dtype=object))[order], dtype=object)
        frame = pd.DataFrame({"code": codes[order], "other": other})
        frame = frame[frame["other"].notna() & (frame["other"] != self.owner_id)]
        firsts = frame.drop_duplicates(["code", "other"])
        fc, fo = firsts["code"].to_numpy(), firsts["other"].to_numpy(dtype=object)
        cut = np.flatnonzero(np.diff(fc)) + 1
        starts = np.concatenate([[0], cut]).astype(int) if len(fc) else np.array([], dtype=int)
        counterparts = {int(fc[st]): part.tolist() for st, part in zip(starts, np.split(fo, cut), strict=False)}
        wrote = pd.Series(out).groupby(codes).any().to_numpy()
        names = [str(c) for c in convs]
        return [
            _Thread(names[k], [str(u) for u in counterparts.get(k, [])], g.tolist(), bool(wrote[k]))
            for k, g in enumerate(groups)
        ]

    def name_of(self, uid: str) -> str:
        """The display name Meta shows for a user (the username when there is none)."""
        return self.display.get(uid) or self.username.get(uid) or uid

    def username_of(self, uid: str) -> str:
        return self.username.get(uid) or _slug(self.display.get(uid) or uid)

    def sender_name(self, i: int) -> str:
        return self.owner_name if self.outgoing[i] else self.name_of(str(self.sender[i]))

    def sender_lit(self, i: int) -> str:
        """The sender's display name as a Meta JSON literal (cached per sender)."""
        key = None if self.outgoing[i] else self.sender[i]
        lit = self._lits.get(key)
        if lit is None:
            lit = self._lits[key] = _lit(self.sender_name(i))
        return lit

    def requests(self, fraction: float) -> set[str]:
        """Threads to place in message_requests/: 1:1, never answered, from people the owner doesn't follow."""
        want = round(fraction * len(self.threads))
        eligible = [t.conv for t in self.threads
                    if len(t.counterparts) == 1 and not t.owner_wrote and t.counterparts[0] not in self.owner_follows]
        eligible.sort(key=lambda c: _digits("req:" + c))
        return set(eligible[:want])

    def folders(self) -> dict[str, str]:
        """A ``<slug>_<digits>`` folder name per conversation, unique."""
        out: dict[str, str] = {}
        used: set[str] = set()
        for t in self.threads:
            base = "".join(_slug(self.username_of(u)) for u in t.counterparts[:2]) or "thread"
            name = f"{base[:30]}_{_digits(t.conv)}"
            while name in used:
                name = f"{base[:30]}_{_digits(name)}"
            used.add(name)
            out[t.conv] = name
        return out

    def title(self, t: _Thread) -> str:
        return ", ".join(self.name_of(u) for u in t.counterparts) or self.owner_name

    def follow_rows(self, directions: tuple[str, ...]) -> list[tuple[str, str, int | None]]:
        """(neutral id, username, epoch seconds or None), newest first, for the given directions."""
        rows = []
        for uid, uname, at, d in self.follows:
            if d not in directions:
                continue
            key = _nz(uid) or _nz(uname) or ""
            name = self.username.get(key) or _nz(uname) or self.username_of(key)
            rows.append((key, name, None if at is None else int(at)))
        rows.sort(key=lambda r: -(r[2] or 0))
        return rows


# --------------------------------------------------------------------------- output


class _Sink:
    """Collects (path, bytes) and writes a zip, several zip parts, or a folder."""

    def __init__(self, out: Path, zipped: bool, parts: int, top_folder: str | None) -> None:
        if parts < 1:
            raise ValueError("parts must be at least 1")
        self.out, self.zipped, self.parts, self.top = out, zipped, parts, top_folder
        self.count = 0
        self._zips: list[zipfile.ZipFile] = []
        self._tmp: list[tuple[Path, Path]] = []
        if zipped and parts > 1:
            folder = out.with_suffix("") if out.suffix.lower() == ".zip" else out
            folder.mkdir(parents=True, exist_ok=True)
            self.result = folder
            targets = [folder / f"{folder.name}-part{k + 1}.zip" for k in range(parts)]
        elif zipped:
            out.parent.mkdir(parents=True, exist_ok=True)
            self.result = out
            targets = [out]
        else:
            out.mkdir(parents=True, exist_ok=True)
            self.result = out
            targets = []
        for target in targets:
            tmp = target.with_name(target.name + ".tmp")
            self._tmp.append((tmp, target))
            self._zips.append(zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=_LEVEL))

    def add(self, path: str, data: bytes) -> None:
        full = f"{self.top}/{path}" if self.top else path
        if self.zipped:
            info = zipfile.ZipInfo(full, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            self._zips[self.count % self.parts].writestr(info, data, compresslevel=_LEVEL)
        else:
            target = self.out / full
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        self.count += 1

    def close(self) -> Path:
        for zf in self._zips:
            zf.close()
        for tmp, target in self._tmp:
            tmp.replace(target)
        return self.result


def _chunks(rows: list[int], size: int) -> Iterator[list[int]]:
    """Newest-first chunks of ``rows`` (oldest first): message_1.json holds the newest."""
    newest = rows[::-1]
    for k in range(0, max(len(newest), 1), max(size, 1)):
        yield newest[k:k + size]


# --------------------------------------------------------------------------- Instagram


@gc_paused()
def write_instagram_export(
    inbox: Inbox,
    out: Path,
    *,
    era: str = "2024",
    zipped: bool = True,
    parts: int = 1,
    top_folder: str | None = None,
    requests_fraction: float = 0.2,
    messages_per_file: int = 10000,
    follows_per_file: int = 10000,
) -> Path:
    """Write ``inbox`` as an Instagram JSON export and return its path.

    ``era``: legacy (root messages.json, connections.json, profile.json), 2020 (messages/inbox,
    followers.json wrapped in relationships_followers), 2022 (followers_1.json bare arrays) or
    2024 (your_instagram_activity/, connections/followers_and_following/). ``zipped=False``
    writes a folder at ``out``; ``parts`` > 1 writes ``parts`` zips into the folder ``out``
    (minus ``.zip``) and returns that folder: load it with ``load_inbox(sorted(folder.glob("*.zip")))``.
    """
    if era not in INSTAGRAM_ERAS:
        raise ValueError(f"era must be one of {', '.join(INSTAGRAM_ERAS)}")
    nt = _Neutral(inbox)
    sink = _Sink(Path(out), zipped, parts, top_folder)
    if era == "legacy":
        _instagram_legacy(nt, sink)
        return sink.close()
    root = "your_instagram_activity/messages" if era == "2024" else "messages"
    requests = nt.requests(requests_fraction)
    folders = nt.folders()
    geo = era == "2024"
    for t in nt.threads:
        box = "message_requests" if t.conv in requests else "inbox"
        thread_path = f"{box}/{folders[t.conv]}"
        head = {
            "participants": [{"name": nt.name_of(u)} for u in t.counterparts] + [{"name": nt.owner_name}],
            "title": nt.title(t), "is_still_participant": True, "thread_path": thread_path, "magic_words": [],
        }
        for k, chunk in enumerate(_chunks(t.rows, messages_per_file), start=1):
            blocks = [_instagram_block(nt, i, geo) for i in chunk]
            sink.add(f"{root}/{thread_path}/message_{k}.json", _thread_file(head, blocks))
    _instagram_follows(nt, sink, era, follows_per_file)
    profile = {"Name": nt.owner_name, "Username": nt.owner_handle}
    pi = {"profile_user": [{
        "title": "", "media_map_data": {},
        "string_map_data": {k: {"href": "", "value": v, "timestamp": 0} for k, v in profile.items()},
    }]}
    pi_path = ("personal_information/personal_information/personal_information.json" if era == "2024"
               else "personal_information/personal_information.json")
    sink.add(pi_path, meta_json(pi))
    return sink.close()


def _instagram_block(nt: _Neutral, i: int, geo: bool) -> str:
    out = ['    {\n      "sender_name": ', nt.sender_lit(i), ',\n      "timestamp_ms": ', str(nt.ms[i])]
    if nt.text[i]:
        out += [',\n      "content": ', _lit(nt.text[i])]
    urls = nt.urls[i]
    if urls is not None and len(urls):
        out += [',\n      "share": ', _share(str(urls[0]))]
    if geo:
        out.append(',\n      "is_geoblocked_for_viewer": false')
    out.append("\n    }")
    return "".join(out)


def _ig_entry(name: str, ts: int | None, titled: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"href": f"https://www.instagram.com/{'_u/' if titled else ''}{name}"}
    if not titled:
        item["value"] = name
    if ts is not None:
        item["timestamp"] = ts
    if titled:
        return {"title": name, "string_list_data": [item]}
    return {"title": "", "media_list_data": [], "string_list_data": [item]}


def _instagram_follows(nt: _Neutral, sink: _Sink, era: str, per_file: int) -> None:
    folder = "connections/followers_and_following" if era == "2024" else "followers_and_following"
    followers = [_ig_entry(n, ts, False) for _, n, ts in nt.follow_rows(("follower", "connection"))]
    following = [_ig_entry(n, ts, era == "2024") for _, n, ts in nt.follow_rows(("following", "connection"))]
    if era == "2020":
        sink.add(f"{folder}/followers.json", meta_json({"relationships_followers": followers}))
    else:
        for k in range(0, max(len(followers), 1), max(per_file, 1)):
            sink.add(f"{folder}/followers_{k // per_file + 1}.json", meta_json(followers[k:k + per_file]))
    sink.add(f"{folder}/following.json", meta_json({"relationships_following": following}))


def _iso_us(ms: int) -> str:
    return pd.Timestamp(ms, unit="ms", tz="UTC").isoformat(timespec="microseconds")


def _instagram_legacy(nt: _Neutral, sink: _Sink) -> None:
    convs = []
    for t in nt.threads:
        msgs = []
        for i in reversed(t.rows):
            sender = nt.owner_handle if nt.outgoing[i] else nt.username_of(str(nt.sender[i]))
            msg: dict[str, Any] = {"sender": sender, "created_at": _iso_us(nt.ms[i]), "text": nt.text[i]}
            urls = nt.urls[i]
            if urls is not None and len(urls):
                msg["link"] = str(urls[0])
            msgs.append(msg)
        participants = [nt.username_of(u) for u in t.counterparts] + [nt.owner_handle]
        convs.append({"participants": participants, "conversation": msgs})
    sink.add("messages.json", meta_json(convs))
    conns: dict[str, dict[str, str | None]] = {"followers": {}, "following": {}}
    for key, dirs in (("followers", ("follower", "connection")), ("following", ("following", "connection"))):
        for _, name, ts in nt.follow_rows(dirs):
            conns[key][name] = None if ts is None else _iso_us(ts * 1000)[:19]
    sink.add("connections.json", meta_json(conns))
    sink.add("profile.json", meta_json({"username": nt.owner_handle, "name": nt.owner_name, "biography": ""}))


# --------------------------------------------------------------------------- Messenger


@gc_paused()
def write_messenger_export(
    inbox: Inbox,
    out: Path,
    *,
    era: str = "2023",
    e2ee: bool = False,
    zipped: bool = True,
    parts: int = 1,
    top_folder: str | None = None,
    requests_fraction: float = 0.1,
    messages_per_file: int = 10000,
) -> Path:
    """Write ``inbox`` as a Facebook Messenger JSON export and return its path.

    ``era``: 2018 (messages/inbox with ``thread_type`` and ``type``, friends/friends.json),
    2020 (friends_and_followers/ with friends_v2, followers_v2, following_v2) or 2023
    (your_facebook_activity/messages, connections/friends/your_friends.json, followers_v3).
    ``e2ee=True`` writes the end-to-end-encrypted download instead: one clean-UTF-8 file per
    thread with camelCase keys, no follow lists. ``zipped`` and ``parts`` as for Instagram.
    """
    if era not in MESSENGER_ERAS:
        raise ValueError(f"era must be one of {', '.join(MESSENGER_ERAS)}")
    nt = _Neutral(inbox)
    sink = _Sink(Path(out), zipped, parts, top_folder)
    if e2ee:
        _messenger_e2ee(nt, sink)
        return sink.close()
    root = "your_facebook_activity/messages" if era == "2023" else "messages"
    requests = nt.requests(requests_fraction)
    folders = nt.folders()
    for t in nt.threads:
        box = "message_requests" if t.conv in requests else "inbox"
        thread_path = f"{box}/{folders[t.conv]}"
        head: dict[str, Any] = {
            "participants": [{"name": nt.name_of(u)} for u in t.counterparts] + [{"name": nt.owner_name}],
            "title": nt.title(t), "is_still_participant": True,
        }
        if era != "2023":
            head["thread_type"] = "RegularGroup" if len(t.counterparts) > 1 else "Regular"
        head["thread_path"] = thread_path
        if era == "2023":
            head["magic_words"] = []
        for k, chunk in enumerate(_chunks(t.rows, messages_per_file), start=1):
            blocks = [_messenger_block(nt, i, era) for i in chunk]
            sink.add(f"{root}/{thread_path}/message_{k}.json", _thread_file(head, blocks))
    _messenger_follows(nt, sink, era)
    name = {"full_name": nt.owner_name}
    if era == "2018":
        sink.add("profile_information/profile_information.json",
                 meta_json({"profile": {"name": name, "username": nt.owner_handle}}))
    else:
        path = ("personal_information/profile_information/profile_information.json" if era == "2023"
                else "profile_information/profile_information.json")
        sink.add(path, meta_json({"profile_v2": {"name": name, "username": nt.owner_handle}}))
    return sink.close()


def _messenger_block(nt: _Neutral, i: int, era: str) -> str:
    fields = [("sender_name", nt.sender_lit(i)), ("timestamp_ms", str(nt.ms[i]))]
    if nt.text[i]:
        fields.append(("content", _lit(nt.text[i])))
    urls = nt.urls[i]
    shared = urls is not None and len(urls) > 0
    if shared:
        fields.append(("share", _share(str(urls[0]))))
    if era == "2023":
        fields += [("is_geoblocked_for_viewer", "false"), ("is_unsent_image_by_messenger_kid_parent", "false")]
    else:
        fields += [("type", '"Share"' if shared else '"Generic"'), ("is_unsent", "false")]
    return _block(fields)


def _messenger_follows(nt: _Neutral, sink: _Sink, era: str) -> None:
    def entries(dirs: tuple[str, ...]) -> list[dict[str, Any]]:
        out = []
        for key, _, ts in nt.follow_rows(dirs):
            e: dict[str, Any] = {"name": nt.display.get(key) or nt.listed_name.get(key) or nt.name_of(key)}
            if ts is not None:
                e["timestamp"] = ts
            out.append(e)
        return out

    friends, followers, following = entries(("connection",)), entries(("follower",)), entries(("following",))
    if era == "2018":
        sink.add("friends/friends.json", meta_json({"friends": friends}))
        sink.add("following_and_followers/followers.json", meta_json({"followers": followers}))
        sink.add("following_and_followers/following.json", meta_json({"following": following}))
    elif era == "2020":
        sink.add("friends_and_followers/friends.json", meta_json({"friends_v2": friends}))
        sink.add("friends_and_followers/people_who_followed_you.json", meta_json({"followers_v2": followers}))
        sink.add("friends_and_followers/who_you've_followed.json", meta_json({"following_v2": following}))
    else:
        sink.add("connections/friends/your_friends.json", meta_json({"friends_v2": friends}))
        sink.add("connections/followers/people_who_followed_you.json", meta_json({"followers_v3": followers}))
        sink.add("connections/followers/who_you've_followed.json", meta_json({"following_v3": following}))


def _messenger_e2ee(nt: _Neutral, sink: _Sink) -> None:
    folders = nt.folders()
    names: dict[str, int] = defaultdict(int)
    for t in nt.threads:
        base = folders[t.conv].rsplit("_", 1)[0]
        names[base] += 1
        thread_name = f"{nt.title(t)}_{names[base]}"
        msgs = []
        for i in reversed(t.rows):
            urls = nt.urls[i]
            link = urls is not None and len(urls) > 0
            msgs.append({
                "senderName": nt.sender_name(i), "timestamp": nt.ms[i], "text": nt.text[i],
                "type": "link" if link else "text", "isUnsent": False, "media": [], "reactions": [],
            })
        doc = {"participants": [nt.name_of(u) for u in t.counterparts] + [nt.owner_name],
               "threadName": thread_name, "messages": msgs}
        sink.add(f"{base}_{names[base]}.json", orjson.dumps(doc, option=orjson.OPT_INDENT_2))
