"""autodm's own format: ``inbox.json``, one message object per line (``.jsonl``), or a ``.csv``.

``inbox.json`` is ``{"owner": {"id", "name"}, "messages": [...], "follows": [...]}`` (owner and
follows optional; a bare array of messages is accepted too). A message has ``id`` (or
``message_id``), ``sender_id``, ``sent_at`` (ISO 8601 with zone, or epoch seconds) and ``text``;
optionally ``conversation_id``, ``sender_name``, ``recipient_id``, ``urls``, ``outgoing``,
``kind`` and ``followed_at`` (the sender's follow time, as a scan export carries it). A follow
has ``user_id`` (or ``user_name``) and ``followed_at``.
"""

from __future__ import annotations

import csv
import io
from pathlib import PurePosixPath
from typing import Any

import orjson

from autodm.errors import InputError
from autodm.inbox import FollowRows, Inbox, MessageRows, Owner, Skips, make_inbox
from autodm.loaders.tree import ExportTree

SUFFIXES = (".json", ".jsonl", ".ndjson", ".csv")
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


def detect(tree: ExportTree) -> bool:
    """A single .json/.jsonl/.csv file (not a platform's own file) is canonical input."""
    paths = tree.paths()
    return len(paths) == 1 and PurePosixPath(paths[0]).suffix.lower() in SUFFIXES


def load(tree: ExportTree, skips: Skips, platform: str | None = None) -> Inbox:
    """Load the single canonical file of ``tree``."""
    paths = tree.paths()
    if len(paths) != 1:
        raise InputError(
            f"{tree.name}: canonical input is one .json, .jsonl or .csv file, found {len(paths)} files"
        )
    path = paths[0]
    return load_bytes(tree.read_bytes(path), tree.display(path), skips)


def load_bytes(data: bytes, name: str, skips: Skips, fmt: str | None = None) -> Inbox:
    """Parse canonical input from bytes; ``fmt`` is json | jsonl | csv (guessed from ``name``)."""
    if fmt is None:
        suffix = PurePosixPath(name).suffix.lower()
        fmt = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}.get(suffix, "json")
        if name == "<stdin>":
            fmt = _sniff(data)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        raise InputError(f"{name}: the file is empty; expected canonical messages")
    owner = Owner()
    follows_raw: list[Any] = []
    if fmt == "csv":
        messages_raw: list[Any] = _read_csv(data, name)
    elif fmt == "jsonl":
        messages_raw = _read_jsonl(data, name, skips)
    else:
        doc = _parse_json(data, name)
        if isinstance(doc, list):
            messages_raw = doc
        elif isinstance(doc, dict) and isinstance(doc.get("messages"), list):
            messages_raw = doc["messages"]
            follows_raw = doc.get("follows") or []
            if not isinstance(follows_raw, list):
                raise InputError(f"{name}: \"follows\" must be a list of follow objects")
            o = doc.get("owner") or {}
            if not isinstance(o, dict):
                raise InputError(f"{name}: \"owner\" must be an object with \"id\" and \"name\"")
            owner = Owner(id=_str(o.get("id")), name=_str(o.get("name")),
                          handle=_str(o.get("handle")))
        else:
            raise InputError(
                f'{name}: expected an object with a "messages" list (autodm inbox.json) '
                "or a list of message objects"
            )
    rows, follows = MessageRows(), FollowRows()
    for i, msg in enumerate(messages_raw, start=1):
        _add_message(rows, follows, msg, name, i, skips, owner.id)
    for i, f in enumerate(follows_raw, start=1):
        _add_follow(follows, f, name, i, skips)
    return make_inbox(
        platform="canonical", source=name, messages=rows, follows=follows, owner=owner,
        skips=skips, message_times="auto", follow_times="auto",
    )


def _sniff(data: bytes) -> str:
    head = data.lstrip()[:1]
    if head == b"[":
        return "json"
    if head == b"{":
        first = data.lstrip().split(b"\n", 1)[0]
        try:
            obj = orjson.loads(first)
        except orjson.JSONDecodeError:
            return "json"
        return "json" if isinstance(obj, dict) and "messages" in obj else "jsonl"
    return "csv"


def _parse_json(data: bytes, name: str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise InputError(
            f"{name}: invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}"
        ) from None


def _read_jsonl(data: bytes, name: str, skips: Skips) -> list[Any]:
    out: list[Any] = []
    for lineno, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append(orjson.loads(line))
        except orjson.JSONDecodeError as e:
            skips.skip(name, f"on line {lineno}", f"invalid JSON ({e.msg})", "one JSON object per line")
            out.append(None)
    return out


def _read_csv(data: bytes, name: str) -> list[dict[str, str]]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(
            f"{name}: not UTF-8 (bad byte at offset {e.start}); save the CSV as UTF-8"
        ) from None
    if "\x00" in text:
        raise InputError(f"{name}: contains NUL bytes; expected a text CSV file")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    fields = {(f or "").strip().lower() for f in reader.fieldnames or []}
    need = {"sender_id", "sent_at", "text"}
    if not (need <= fields and fields & {"id", "message_id"}):
        missing = sorted((need | {"id"}) - fields - ({"id"} if "message_id" in fields else set()))
        raise InputError(f"{name}: CSV lacks the column(s) {', '.join(missing)}; "
                         "expected id, sender_id, sent_at, text")
    return [{(k or "").strip().lower(): v for k, v in row.items()} for row in reader]


def _str(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int | float | str):
        s = str(v)
        return s if s != "" else None
    return None


def _bool(v: Any) -> bool | None:
    if v is None or isinstance(v, bool):
        return v
    s = str(v).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return None if s == "" else False
    raise ValueError(v)


def _urls(v: Any) -> list[str]:
    if v is None or v == "":
        return []
    if isinstance(v, str):
        return [u for u in v.replace(",", " ").split() if u]
    if isinstance(v, list) and all(isinstance(u, str) for u in v):
        return v
    raise ValueError(v)


def _time(v: Any) -> Any:
    """Raw time for the bulk converter: digit strings (CSV) become numbers (epoch seconds)."""
    if isinstance(v, str):
        s = v.strip()
        if s.lstrip("-").replace(".", "", 1).isdigit():
            return float(s)
        return s or None
    return v


def _add_message(
    rows: MessageRows, follows: FollowRows, msg: Any, name: str, i: int, skips: Skips,
    owner_id: str | None,
) -> None:
    if msg is None:
        return  # already counted (invalid JSONL line)
    if not isinstance(msg, dict):
        skips.skip(name, i, "message is not an object", "a JSON object per message")
        return
    mid = _str(msg.get("id", msg.get("message_id")))
    sender = _str(msg.get("sender_id"))
    if mid is None or sender is None:
        skips.skip(name, i, "message without id or sender_id", "id and sender_id")
        return
    text = msg.get("text")
    if text is not None and not isinstance(text, str):
        skips.skip(name, i, "text is not a string", "text as a string")
        return
    try:
        outgoing = _bool(msg.get("outgoing"))
        urls = _urls(msg.get("urls"))
    except ValueError:
        skips.skip(name, i, "bad outgoing or urls value", "outgoing true/false, urls a list")
        return
    if outgoing is None and owner_id is not None:
        outgoing = sender == owner_id
    kind = _str(msg.get("kind")) or "message"
    recipient = _str(msg.get("recipient_id"))
    conv = _str(msg.get("conversation_id"))
    if conv is None:  # 1:1 assumption: the conversation is the other party
        conv = recipient if outgoing else sender
    rows.add(
        message_id=mid, conversation_id=conv or sender, sender_id=sender,
        sent_at=_time(msg.get("sent_at")), text=text or "",
        sender_name=_str(msg.get("sender_name")), sender_username=_str(msg.get("sender_username")),
        recipient_id=recipient, urls=urls, outgoing=outgoing,
        kind=kind if kind in ("message", "welcome", "system", "invitation") else "message",
        file=name, record=i,
    )
    fat = _time(msg.get("followed_at"))
    if fat is not None and fat != "":
        follows.add(user_id=sender, followed_at=fat, precision="second", direction="follower",
                    file=name, record=i)


def _add_follow(follows: FollowRows, f: Any, name: str, i: int, skips: Skips) -> None:
    if not isinstance(f, dict):
        skips.skip(name, f"follow {i}", "follow is not an object", "an object with user_id")
        return
    uid, uname = _str(f.get("user_id")), _str(f.get("user_name"))
    if uid is None and uname is None:
        skips.skip(name, f"follow {i}", "follow without user_id or user_name", "user_id")
        return
    direction = _str(f.get("direction")) or "follower"
    follows.add(user_id=uid, user_name=uname, followed_at=_time(f.get("followed_at")),
                precision=_str(f.get("precision")) or "second", direction=direction,
                file=name, record=f"follow {i}")


def load_follows_file(data: bytes, name: str, skips: Skips) -> FollowRows:
    """``--follows FILE``: a CSV or JSON list of ``user_id``/``user_name``, ``followed_at``."""
    rows = FollowRows()
    text = data.lstrip(b"\xef\xbb\xbf").lstrip()
    if text[:1] in (b"[", b"{"):
        doc = _parse_json(text, name)
        items = doc.get("follows") if isinstance(doc, dict) else doc
        if not isinstance(items, list):
            raise InputError(f"{name}: expected a list of follows (user_id, followed_at)")
    else:
        try:
            s = text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise InputError(f"{name}: not UTF-8 (bad byte at offset {e.start})") from None
        reader = csv.DictReader(io.StringIO(s, newline=""))
        fields = {(f or "").strip().lower() for f in reader.fieldnames or []}
        if not fields & {"user_id", "user_name"} or "followed_at" not in fields:
            raise InputError(f"{name}: expected CSV columns user_id (or user_name), followed_at")
        items = [{(k or "").strip().lower(): (v or None) for k, v in r.items()} for r in reader]
    for i, f in enumerate(items, start=1):
        _add_follow(rows, f, name, i, skips)
    return rows
