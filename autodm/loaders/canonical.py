"""autodm's own format: ``inbox.json``, one message object per line (``.jsonl``), or a ``.csv``.

``inbox.json`` is ``{"owner": {"id", "name"}, "messages": [...], "follows": [...]}`` (owner and
follows optional; a bare array of messages is accepted too). A message has ``id`` (or
``message_id``), ``sender_id``, ``sent_at`` (ISO 8601 with zone, or epoch seconds) and ``text``;
optionally ``conversation_id``, ``sender_name``, ``recipient_id``, ``urls``, ``outgoing``,
``kind`` and ``followed_at`` (the sender's follow time, as a scan export carries it). A follow
has ``user_id`` (or ``user_name``) and ``followed_at``.

A CSV (this file, on disk, on stdin or in a zip, or ``--follows FILE``) may be separated by
commas, semicolons (Excel's CSV in most of Europe) or tabs, told from its header line as
``train`` tells them in a labelled table (:func:`autodm.loaders.csvtext.separator`).

Hostile input: a text time must start with a year in 1970..2099 (like epoch times; anything else
is an unreadable time, skipped or an error under ``--strict``); JSON nested over 1024 levels is
an InputError (orjson does not recurse); JSONL and CSV are read a line at a time; a CSV is UTF-8
(a BOM is fine) or UTF-16 with its BOM, and a cell may be as long as the file. A row with a NUL
byte or a byte that is not UTF-8 is skipped and counted like an invalid JSONL line (a file with
them in its header or in half of its rows is an InputError naming the first), and so is a row
with more fields than the header (an unquoted comma would cut its text short) or too few to
reach every required column; a row that stops before optional columns reads them as absent.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

import orjson

from autodm.errors import InputError
from autodm.inbox import FollowRows, Inbox, MessageRows, Owner, Skips, make_inbox
from autodm.loaders import jsonload
from autodm.loaders.csvtext import EXPECTED, WRONG_WIDTH, CsvRows, header_width, misfit, separator
from autodm.loaders.tree import ExportTree

SUFFIXES = (".json", ".jsonl", ".ndjson", ".csv")
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}
#: A text time's year must be in this range (as epoch times must be 1970..2100, in inbox.py).
#: Outside it pandas parses the string but cannot hold it in nanoseconds (OutOfBoundsDatetime).
_YEARS = range(1970, 2100)
_YEAR = re.compile(r"([0-9]{4})(?![0-9])", re.ASCII)
#: Stands for a time that is given but cannot be read: the bulk converter turns it into NaT, so
#: the record is skipped as "unreadable" (or raises under --strict) like any other bad time.
_UNREADABLE_TIME = "unreadable"
#: A CSV cell may hold one long message (the csv module's default limit is 128 KiB).
_CSV_FIELD_LIMIT = 2**31 - 1
#: A CSV's required columns, one of which alternatives, and how to say what was expected.
_CsvShape = tuple[tuple[str, ...], tuple[str, ...], str]
MESSAGE_CSV: _CsvShape = (("sender_id", "sent_at", "text"), ("id", "message_id"), "id, sender_id, sent_at, text")
FOLLOW_CSV: _CsvShape = (("followed_at",), ("user_id", "user_name"), "user_id (or user_name), followed_at")


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
    """Parse canonical input from bytes; ``fmt`` is json | jsonl | csv (guessed from ``name``), a CSV's
    cells separated by commas, semicolons or tabs (:func:`~autodm.loaders.csvtext.separator`)."""
    if data.startswith(b"\xef\xbb\xbf"):  # before sniffing: a BOM is no CSV header
        data = data[3:]
    if fmt is None:
        suffix = PurePosixPath(name).suffix.lower()
        fmt = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}.get(suffix, "json")
        if name == "<stdin>":
            fmt = _sniff(data)
    if not data[:4096].strip() and not data.strip():  # the first test spares a copy of a big file
        raise InputError(f"{name}: the file is empty; expected canonical messages")
    owner = Owner()
    follows_raw: list[Any] = []
    messages_raw: Iterator[tuple[int | str, Any]]
    if fmt == "csv":
        messages_raw = _read_csv(data, name, MESSAGE_CSV, skips, separator(data[:65536]))
    elif fmt == "jsonl":
        messages_raw = _read_jsonl(data, name, skips)
    else:
        doc = _parse_json(data, name)
        if isinstance(doc, list):
            messages_raw = enumerate(doc, start=1)
        elif isinstance(doc, dict) and isinstance(doc.get("messages"), list):
            messages_raw = enumerate(doc["messages"], start=1)
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
    for i, msg in messages_raw:
        _add_message(rows, follows, msg, name, i, skips, owner.id)
    for i, f in enumerate(follows_raw, start=1):
        _add_follow(follows, f, name, i, skips)
    return make_inbox(
        platform="canonical", source=name, messages=rows, follows=follows, owner=owner,
        skips=skips, message_times="auto", follow_times="auto",
    )


def _sniff(data: bytes) -> str:
    """stdin's format: a JSON document, JSON lines or CSV, from how it starts."""
    block = data[:4096]
    start = len(block) - len(block.lstrip())
    head = data[start:start + 1]
    if head == b"[":
        return "json"
    if head == b"{":
        end = data.find(b"\n", start)
        try:
            obj = orjson.loads(memoryview(data)[start:end if end >= 0 else len(data)])
        except orjson.JSONDecodeError:
            return "json"
        return "json" if isinstance(obj, dict) and "messages" in obj else "jsonl"
    return "csv"


def _parse_json(data: bytes | memoryview, name: str) -> Any:
    """The JSON document (orjson: no recursion, a depth limit of 1024, any size in memory)."""
    try:
        return jsonload.loads(data)
    except orjson.JSONDecodeError as e:
        bad = jsonload.bad_utf8(data) if "UTF-8" in e.msg else None
        if bad is not None:
            raise InputError(f"{name}: not UTF-8 text (bad byte at line {bad[0]}, column {bad[1]}); "
                             "save it as UTF-8") from None
        raise InputError(
            f"{name}: invalid JSON at line {e.lineno}, column {e.colno}: {jsonload.what(e)}"
        ) from None



def _read_jsonl(data: bytes, name: str, skips: Skips) -> Iterator[tuple[int | str, Any]]:
    """(record, object) for each non-blank line; an invalid line is skipped (None) and counted."""
    for lineno, line in enumerate(io.BytesIO(data), start=1):  # one line at a time, no list of lines
        if not line.strip():
            continue
        record = f"on line {lineno}"
        try:
            yield record, jsonload.loads(line)
        except orjson.JSONDecodeError as e:
            what = "not UTF-8 text" if "UTF-8" in e.msg else f"invalid JSON ({e.msg})"
            skips.skip(name, record, what, "one JSON object per line, in UTF-8")
            yield record, None


def _read_csv(
    data: bytes, name: str, shape: _CsvShape, skips: Skips, delimiter: str = ",",
) -> Iterator[tuple[int | str, dict[str, str]]]:
    """(record, row) for each CSV row, keys lowercased; streamed, so memory stays near the file's size.

    A file without the ``shape``'s columns raises InputError before any row is read. A row with bytes
    that are not UTF-8 (or a NUL), with more fields than the header (blank ones aside) or too few
    for its required columns, is skipped and counted once the whole file has been read (a file with
    bad bytes in its header or in half of its rows is not text: InputError, see csvtext).
    """
    need, one_of, expected = shape
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    reader = CsvRows(data, name, "save the CSV as UTF-8", delimiter=delimiter)
    rows = iter(reader)
    bad: list[tuple[str, str, str]] = []  # (record, why, expected)
    try:
        _, head, problem = next(rows, (0, [], None))
        if problem:
            raise reader.file_error()
        keys = [h.strip().lower().lstrip("\ufeff") for h in head]
        missing = [c for c in need if c not in keys] + ([] if set(one_of) & set(keys) else [one_of[0]])
        if missing:
            raise InputError(f"{name}: CSV lacks the column(s) {', '.join(sorted(missing))}; expected {expected}")
        width = header_width(keys)
        least = 1 + max(i for i, k in enumerate(keys) if k in need or k in one_of)  # the last required cell
        for start, row, problem in rows:
            if problem:
                bad.append((f"on line {start}", problem, EXPECTED[problem]))
            elif len(row) != width and row and (wrong := misfit(row, width, least)):
                bad.append((f"on line {start}", WRONG_WIDTH, wrong))
            elif row:
                yield f"on line {start}", dict(zip(keys, row, strict=False))
    except csv.Error as e:
        if reader.bad:
            raise reader.file_error() from None
        raise InputError(f"{name}: line {reader.line_num}: not valid CSV ({e})") from None
    reader.check()
    for record, why, expected_here in bad:
        skips.skip(name, record, why, expected_here)


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
    """Raw time for the bulk converter: digit strings (CSV) become numbers (epoch seconds).

    A text time must start with a year in 1970..2099; any other text is marked unreadable here,
    since pandas would parse e.g. "0001-01-01" and then fail to convert it (a crash, not a skip).
    """
    if isinstance(v, str):
        s = v.strip()
        if s.lstrip("-").replace(".", "", 1).isdigit() and s.isascii():
            return float(s)
        if not s:
            return None
        year = _YEAR.match(s)
        return s if year and int(year.group(1)) in _YEARS else _UNREADABLE_TIME
    return v


def _add_message(
    rows: MessageRows, follows: FollowRows, msg: Any, name: str, i: int | str, skips: Skips,
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


def _add_follow(follows: FollowRows, f: Any, name: str, i: int | str, skips: Skips) -> None:
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
    """``--follows FILE``: a JSON list or a CSV (commas, semicolons or tabs) of
    ``user_id``/``user_name``, ``followed_at``."""
    rows = FollowRows()
    text = data.lstrip(b"\xef\xbb\xbf").lstrip()
    if text[:1] in (b"[", b"{"):
        doc = _parse_json(text, name)
        items = doc.get("follows") if isinstance(doc, dict) else doc
        if not isinstance(items, list):
            raise InputError(f"{name}: expected a list of follows (user_id, followed_at)")
        for i, f in enumerate(items, start=1):
            _add_follow(rows, f, name, i, skips)
        return rows
    for record, row in _read_csv(data, name, FOLLOW_CSV, skips, separator(data.lstrip(b"\xef\xbb\xbf")[:65536])):
        _add_follow(rows, {k: v or None for k, v in row.items()}, name, record, skips)
    return rows
