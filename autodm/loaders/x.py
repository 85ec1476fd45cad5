"""X / Twitter archives (formats.md §1): ``data/direct-messages*.js``, ``account.js``, follow lists.

Each ``data/*.js`` file is ``window.YTD.<type>.part<N> = [...]``: the JSON after the first ``=``
is parsed with orjson. Message files are found through ``manifest.js`` (every part it lists)
and by name (``direct-messages[-group][-partN].js`` and the older singular ``direct-message*``);
the ``*-headers.js`` copies without text are ignored. Events run newest first and a long
conversation may be cut into several entries (even across parts) that repeat a message:
make_inbox keeps the first of each message id. ``welcomeMessageCreate`` (X's business "Welcome
Message", set up in advance) becomes kind="welcome"; other events (joinConversation,
reactionCreate, ...) are counted and skipped.
Texts are HTML-unescaped and their t.co links replaced by the ``expanded`` targets; DM media
self links (``https://twitter.com/messages/media/<id>``) are dropped from text and urls.
Follow lists have account ids only and no times: follows rows with ``followed_at`` missing.

Side files never cost the messages: an unreadable follow list or ``account.js`` is skipped as a
whole file (the owner then comes from ``manifest.js`` or the conversation ids; ``--strict`` stops).
A part ``manifest.js`` lists but the input lacks (one zip of a split archive) is warned about.
One input holding the archives of two accounts is refused: each account's own messages would
be read as incoming to the other. An archive with no DMs at all loads as an empty Inbox, with a
warning, so ``inspect`` can say so.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from html import unescape
from itertools import repeat
from pathlib import Path
from typing import Any

import orjson

from autodm.errors import InputError, LimitError, one_line
from autodm.inbox import (
    FollowRows,
    Inbox,
    MessageRows,
    Owner,
    Skips,
    follows_frame,
    gc_paused,
    make_inbox,
    messages_frame,
)
from autodm.loaders import jsonload
from autodm.loaders import tree as tree_mod
from autodm.loaders.tree import ExportTree

log = logging.getLogger(__name__)

#: Message files: ``direct-messages.js``, ``-partN``, ``-group``, older singular names; no headers.
DM_RE = re.compile(r"(?:^|/)direct-messages?(-group)?(?:-part(\d+))?\.js$")
FOLLOW_RE = {
    "follower": re.compile(r"(?:^|/)data/follower(?:-part\d+)?\.js$"),
    "following": re.compile(r"(?:^|/)data/following(?:-part\d+)?\.js$"),
}
MANIFEST = "data/manifest.js"
ACCOUNT = "data/account.js"
#: ``expanded`` targets of the t.co link X appends to a DM carrying a photo, video or GIF.
MEDIA_PREFIXES = (
    "https://twitter.com/messages/media/", "http://twitter.com/messages/media/",
    "https://x.com/messages/media/", "http://x.com/messages/media/",
)
_KIND_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")
_BOM = b"\xef\xbb\xbf"
_WS = b" \t\r\n"
_SEP = b"\n}, {"  # between two top-level elements of X's pretty print (a raw newline is never in a string)


def detect(tree: ExportTree) -> bool:
    """An X archive: a direct-message(s) .js file, or ``data/account.js`` beside ``data/manifest.js``."""
    if tree.match(DM_RE):
        return True
    return bool(tree.find(ACCOUNT)) and bool(tree.find(MANIFEST))


def load(tree: ExportTree, skips: Skips, platform: str | None = None) -> Inbox:
    """Load an X archive (zip, folder or several zips of one export) into an Inbox."""
    with gc_paused():
        manifests = _manifests(tree, skips)
        files = _message_files(tree, manifests, skips)
        if not files:
            raise InputError(
                f"{tree.name}: no direct-messages.js in this X archive; expected data/direct-messages.js "
                "(or its parts, or the older data/direct-message.js)"
            )
        owner = _owner(tree, manifests, skips)
        acc = _Rows()
        bad_before = skips.total
        for path in files:
            _read_messages(tree, path, acc, skips)
        bad_messages = skips.total - bad_before  # a damaged follow list below is no damaged DM
        for kind, n in sorted(acc.events.items()):
            skips.note(f"X event {kind}", n)
        if owner.id is None:
            owner.id = _infer_owner(acc.conversations)
        follows = _follows(tree, skips)
        log.info("X archive: %d message files, %d messages read", len(files), len(acc.rows))
        if not len(acc.rows) and not bad_messages:  # valid files holding no DM at all
            log.warning("%s", one_line(f"{tree.name}: this X archive holds no direct messages (its "
                                       "direct-messages files are empty)"))
            return _empty_inbox(tree, acc.rows, follows, owner, skips)
        return make_inbox(
            platform="x", source=tree.name, messages=acc.rows, follows=follows, owner=owner, skips=skips,
            message_times="iso", follow_times="epoch_s",
        )


def _empty_inbox(tree: ExportTree, rows: MessageRows, follows: FollowRows, owner: Owner, skips: Skips) -> Inbox:
    """The Inbox of an archive without DMs (make_inbox refuses one): typed empty messages, its follows."""
    df = messages_frame(rows, "x", "iso", skips)
    df["outgoing"] = df["outgoing"].fillna(False).astype(bool)
    fdf = follows_frame(follows, "epoch_s", skips).reset_index(drop=True)
    return Inbox(messages=df, follows=fdf, owner=owner, platform="x", source=tree.name, skips=skips)


# --------------------------------------------------------------------------- the .js wrapper


def _start(data: bytes, name: str, prefix: bytes) -> int:
    """Where the JSON of a wrapped file starts (after the first ``=``); checks the wrapper's prefix."""
    start = 3 if data.startswith(_BOM) else 0
    while start < len(data) and data[start] in _WS:
        start += 1
    if data[start:start + len(prefix)] != prefix:
        what = "window.__THAR_CONFIG = {...}" if prefix != b"window.YTD." else "window.YTD.<type>.part<N> = [...]"
        raise InputError(f"{name}: not an X archive data file; expected it to start with {what}")
    eq = data.find(b"=", start)
    if eq < 0:
        raise InputError(f"{name}: no '=' after {prefix.decode()}...; expected <name> = <JSON>")
    return eq + 1


def _span(data: bytes, name: str, prefix: bytes) -> tuple[int, int]:
    """Where the JSON of a wrapped file starts and ends (trailing blanks and ``;`` dropped)."""
    begin = _start(data, name, prefix)
    end = len(data)
    while end > begin and data[end - 1] in b" \t\r\n;":
        end -= 1
    return begin, end


def parse_js(data: bytes, name: str, prefix: bytes = b"window.YTD.") -> Any:
    """Parse one ``window.YTD.<type>.part<N> = <JSON>`` file; InputError with line and column."""
    begin, end = _span(data, name, prefix)
    body = memoryview(data)[begin:end]
    try:
        return jsonload.loads(body)
    except orjson.JSONDecodeError as e:
        raise _json_error(data, name, begin, e) from None


def _json_error(data: bytes, name: str, begin: int, e: orjson.JSONDecodeError) -> InputError:
    """The InputError for invalid JSON, with the line and column in the whole file."""
    bad = jsonload.bad_utf8(data, begin) if "UTF-8" in e.msg else None
    if bad is not None:
        return InputError(f"{name}: not UTF-8 text (bad byte at line {bad[0]}, column {bad[1]}); "
                          "expected the archive's file unchanged")
    line = data.count(b"\n", 0, begin) + e.lineno
    col = e.colno
    if e.lineno == 1:  # the JSON starts after "window.YTD.x.part0 =" on the same line
        head = data[data.rfind(b"\n", 0, begin) + 1:begin]
        col += len(head.decode("utf-8", "replace").lstrip("\ufeff"))
    return InputError(f"{name}: invalid JSON at line {line}, column {col}: {jsonload.what(e)}")


class _Unsplittable(Exception):
    """The file is not in X's pretty layout: parse it whole instead."""


def _load_piece(piece: memoryview) -> Any:
    try:
        return jsonload.loads(piece)
    except orjson.JSONDecodeError:
        raise _Unsplittable from None


def iter_elements(chunks: Iterable[bytes], name: str) -> Iterator[Any]:
    """Yield the elements of a ``window.YTD... = [ ... ]`` file, given as consecutive byte chunks.

    X pretty-prints every top-level element as ``{`` ... ``\n}`` joined by ``, `` and a raw newline
    never occurs inside a JSON string, so ``\n}, {`` splits the array without parsing it whole:
    a big file never holds all its objects at once (much faster, a fraction of the memory).
    Raises :class:`_Unsplittable` when the text does not split cleanly (then parse it whole).
    """
    buf = b""
    head = True
    for chunk in chunks:
        buf = buf + chunk if buf else chunk
        pos = 0
        if head:
            eq = buf.find(b"=", 0, 4096)
            if (eq < 0 or not buf[eq + 1:eq + 4096].strip()) and len(buf) < 4096:
                continue  # the wrapper is cut: wait for the next chunk
            pos = _start(buf, name, b"window.YTD.")
            while pos < len(buf) and buf[pos] in _WS:
                pos += 1
            if pos >= len(buf) or buf[pos] != 0x5B:  # "[" follows "="
                raise _Unsplittable
            pos += 1
            head = False
        mv = memoryview(buf)
        find = buf.find
        k = find(_SEP, pos)
        while k >= 0:
            yield _load_piece(mv[pos:k + 2])
            pos = k + 4
            k = find(_SEP, pos)
        buf = buf[pos:]
    if head:
        _start(buf, name, b"window.YTD.")  # a short file: report a wrong wrapper as such
        raise _Unsplittable
    end = len(buf)
    while end and buf[end - 1] in b" \t\r\n;":
        end -= 1
    if not end or buf[end - 1] != 0x5D:  # the closing "]"
        raise _Unsplittable
    end -= 1
    start = 0
    while start < end and buf[start] in _WS:
        start += 1
    if start < end:
        yield _load_piece(memoryview(buf)[start:end])


def _read_messages(tree: ExportTree, path: str, acc: _Rows, skips: Skips) -> None:
    """Read one message file into ``acc``: element by element, else (odd layout) parsed whole."""
    name = tree.display(path)
    mark = acc.checkpoint(skips)
    try:
        acc.read(iter_elements(member_chunks(tree, path), name), name, skips)
        return
    except _Unsplittable:
        acc.restore(mark, skips)
    doc = parse_js(_read_bytes(tree, path), name)
    if not isinstance(doc, list):
        raise InputError(f"{name}: expected a JSON array of dmConversation objects after '='")
    acc.read(doc, name, skips)


# --------------------------------------------------------------------------- reading members

#: Zip members at least this big are inflated in a thread while the main thread parses.
STREAM_MIN_BYTES = 32 * 1024**2
_CHUNK = 16 * 1024**2


def _read_bytes(tree: ExportTree, path: str) -> bytes:
    """``tree.read_bytes``, with corrupt deflate data reported as an InputError."""
    try:
        return tree.read_bytes(path)
    except zlib.error as e:
        raise InputError(f"{tree.display(path)}: cannot read this zip member ({e}); "
                         "the download looks corrupt") from None


def member_chunks(tree: ExportTree, path: str) -> Iterator[bytes]:
    """The member's bytes as consecutive chunks; a big zip member is inflated in a background thread.

    zlib releases the GIL, so on two cores inflating overlaps with parsing. The size and ratio
    limits of :meth:`ExportTree.read_bytes` apply (small or suspicious members go through it).
    """
    m = tree.members[path]
    ratio_ok = not (m.compressed and m.size / max(m.compressed, 1) > tree_mod.MAX_RATIO)
    if m.kind != "zip" or m.size < STREAM_MIN_BYTES or m.size > tree_mod.MAX_MEMBER_BYTES or not ratio_ok:
        yield _read_bytes(tree, path)
        return
    yield from _inflate_in_thread(m.container, m.inner or m.path, tree.display(path))


def _inflate_in_thread(container: Path, inner: str, display: str) -> Iterator[bytes]:
    q: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=3)
    stop = threading.Event()
    limit = tree_mod.MAX_MEMBER_BYTES

    def put(item: bytes | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            total = 0
            with zipfile.ZipFile(container) as zf, zf.open(inner) as fh:
                while not stop.is_set():
                    block = fh.read(_CHUNK)
                    if not block:
                        break
                    total += len(block)
                    if total > limit:
                        raise InputError(f"{display}: member is larger than its header claims")
                    if not put(block):
                        return
            put(None)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, zlib.error) as e:
            put(InputError(f"{display}: cannot read this zip member ({e})"))
        except RuntimeError as e:  # encrypted member
            put(InputError(f"{display}: {e}; export it again without a password"))
        except BaseException as e:  # handed to the consumer, which re-raises it
            put(e)

    worker = threading.Thread(target=produce, name="autodm-x-inflate", daemon=True)
    worker.start()
    try:
        while True:
            item = q.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


def _read_doc(tree: ExportTree, path: str, prefix: bytes = b"window.YTD.") -> Any:
    return parse_js(_read_bytes(tree, path), tree.display(path), prefix)


# --------------------------------------------------------------------------- which files


def _manifests(tree: ExportTree, skips: Skips) -> list[tuple[str, dict[str, Any]]]:
    """Every readable ``data/manifest.js`` (one per archive) as (path, dict); an unreadable one is
    noted and left out: the file names are known anyway."""
    out: list[tuple[str, dict[str, Any]]] = []
    for path in tree.find(MANIFEST):
        try:
            doc = _read_doc(tree, path, b"window.__THAR_CONFIG")
        except LimitError:
            raise
        except InputError as e:
            log.info("%s", e)
            skips.note("X manifest.js unreadable (found the files by name)")
            continue
        if isinstance(doc, dict):
            out.append((path, doc))
    return out


def _manifest_files(manifest: dict[str, Any]) -> list[str]:
    """Every ``fileName`` the manifest lists for the direct-message data types (not headers)."""
    types = manifest.get("dataTypes")
    out: list[str] = []
    if not isinstance(types, dict):
        return out
    for key, entry in types.items():
        if not isinstance(key, str) or not key.lower().startswith("directmessage") or not isinstance(entry, dict):
            continue
        files = entry.get("files")
        for f in files if isinstance(files, list) else []:
            name = f.get("fileName") if isinstance(f, dict) else None
            if isinstance(name, str) and DM_RE.search(name.lower()):
                out.append(name)
    return out


def _part_key(path: str) -> tuple[int, int, str]:
    m = DM_RE.search(path.lower())
    group = 1 if m and m.group(1) else 0
    part = int(m.group(2)) if m and m.group(2) else 0
    return group, part, path


def _message_files(tree: ExportTree, manifests: list[tuple[str, dict[str, Any]]], skips: Skips) -> list[str]:
    """The message files: all the manifests list plus any found by name. A listed file the input
    lacks (one zip of a split archive given alone) is counted and warned about: its DMs are lost."""
    found = set(tree.match(DM_RE))
    missing: list[str] = []
    for name in dict.fromkeys(n for _, m in manifests for n in _manifest_files(m)):
        hits = tree.find(name)
        if hits:
            found.update(hits)
        else:
            missing.append(name)
            skips.note("X message file listed in manifest.js but missing from the export")
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        log.warning("%s", one_line(
            f"{tree.name}: manifest.js lists {shown} but {'it is' if len(missing) == 1 else 'they are'} "
            "not in the input, so those messages are left out; give every part (zip) of the archive "
            "together, e.g. autodm scan twitter-part1.zip twitter-part2.zip"))
    return sorted(found, key=_part_key)


# --------------------------------------------------------------------------- owner, follows


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


#: What a side file must hold (in a one-line error or skip).
_ACCOUNT_SHAPE = 'window.YTD.account.part0 = [{"account": {"accountId": "<digits>", ...}}]'


def _side_doc(tree: ExportTree, path: str, skips: Skips, reason: str, expected: str) -> list[Any] | None:
    """A side file (account.js, a follow list) as its JSON array; None when unreadable: skipped
    as a whole file, as the messages do not need it (``--strict``: its own error stops)."""
    name = tree.display(path)
    try:
        doc = _read_doc(tree, path)
        if not isinstance(doc, list):
            raise InputError(f"{name}: expected {expected}")
    except LimitError:
        raise
    except InputError as e:
        if skips.strict:
            raise
        log.info("%s", e)
        skips.skip(name, "(the whole file)", reason, expected)
        return None
    return doc


def _account(doc: list[Any]) -> Owner | None:
    """The first account with an id in an ``account.js`` array."""
    for item in doc:
        acct = item.get("account") if isinstance(item, dict) else None
        if isinstance(acct, dict) and _str(acct.get("accountId")):
            return Owner(id=_str(acct.get("accountId")), name=_str(acct.get("accountDisplayName")),
                         handle=_str(acct.get("username")))
    return None


def _owner(tree: ExportTree, manifests: list[tuple[str, dict[str, Any]]], skips: Skips) -> Owner:
    """The owner from ``account.js``, else from the manifest's ``userInfo``. Every account.js and
    manifest is read: two accounts in one input (two unzipped archives in one folder) are refused."""
    owners: list[tuple[str, Owner]] = []
    for path in tree.find(ACCOUNT):
        doc = _side_doc(tree, path, skips, "unreadable account.js, owner from manifest.js or the "
                        "conversations", _ACCOUNT_SHAPE)
        found = _account(doc) if doc is not None else None
        if found is not None:
            owners.append((path, found))
    for path, manifest in manifests:
        info = manifest.get("userInfo")
        if isinstance(info, dict) and _str(info.get("accountId")):
            owners.append((path, Owner(id=_str(info.get("accountId")), name=_str(info.get("displayName")),
                                       handle=_str(info.get("userName")))))
    if not owners:
        return Owner()
    first_path, owner = owners[0]
    for path, other in owners[1:]:
        if other.id != owner.id:
            raise InputError(
                f"{tree.display(first_path)} is from the X archive of account {_safe(owner.id or '')} "
                f"and {tree.display(path)} from that of account {_safe(other.id or '')}: one input "
                "must hold one account's archive; scan each archive on its own")
        owner.name = owner.name or other.name
        owner.handle = owner.handle or other.handle
    return owner


def part_owner(tree: ExportTree) -> str | None:
    """The account id in this input's ``account.js``; None without one (a part of a split archive)."""
    try:
        return _owner(tree, [], Skips()).id if tree.find(ACCOUNT) else None
    except InputError:
        return None


def _infer_owner(conversations: set[str]) -> str | None:
    """Without account.js: the one account id found in every 1:1 conversation id ("<a>-<b>")."""
    common: set[str] | None = None
    for cid in conversations:
        a, sep, b = cid.partition("-")
        if not sep or not a.isdigit() or not b.isdigit():
            continue
        common = {a, b} if common is None else common & {a, b}
        if not common:
            return None
    return next(iter(common)) if common is not None and len(common) == 1 else None


def _follows(tree: ExportTree, skips: Skips) -> FollowRows:
    """``follower.js`` / ``following.js``: account ids, no names, no times."""
    rows = FollowRows()
    c = rows.cols
    for direction, rx in FOLLOW_RE.items():
        shape = f'window.YTD.{direction}.part0 = [{{"{direction}": {{"accountId": "<digits>", ...}}}}]'
        for path in tree.match(rx):
            name = tree.display(path)
            chunks = member_chunks(tree, path)
            streamed: tuple[list[str], list[int]] | None = None
            try:  # element by element: a big list never holds a million parsed objects at once
                streamed = _follow_ids(iter_elements(chunks, name), direction)
            except LimitError:
                raise
            except (_Unsplittable, InputError):  # an odd layout or a damaged file: parsed whole below
                pass
            finally:
                chunks.close()  # stops its inflating thread before the file is read again
            if streamed is None:
                doc = _side_doc(tree, path, skips, f"unreadable {direction}.js, its follows left out", shape)
                if doc is None:  # which also says what is wrong with it, once
                    continue
                streamed = _follow_ids(doc, direction)
            ids, missing = streamed
            for i in missing:
                skips.skip(name, f"entry {i}", f"{direction} without accountId",
                           f'{{"{direction}": {{"accountId": "<digits>"}}}}')
            none = [None] * len(ids)
            c["user_id"].extend(ids)
            c["user_name"].extend(none)
            c["followed_at"].extend(none)
            c["precision"].extend(none)
            c["direction"].extend([direction] * len(ids))
            rows.where.extend(zip(repeat(name), ids))
    return rows


def _follow_ids(items: Iterable[Any], direction: str) -> tuple[list[str], list[int]]:
    """The account ids of a follow list's entries, and the numbers of the entries without one."""
    ids: list[str] = []
    missing: list[int] = []
    for i, item in enumerate(items, start=1):
        body = item.get(direction) if type(item) is dict else None
        uid = body.get("accountId") if type(body) is dict else None
        if type(uid) is not str or not uid:
            missing.append(i)
            continue
        ids.append(uid)
    return ids, missing


# --------------------------------------------------------------------------- messages


def _unescape(text: str) -> str:
    """``html.unescape``, with a fast path for the three entities X writes (``&amp; &lt; &gt;``)."""
    if "&" in text.replace("&amp;", "").replace("&lt;", "").replace("&gt;", ""):
        return unescape(text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _expand(text: str, urls: list[Any]) -> tuple[str, list[str]]:
    """Replace each t.co ``url`` in ``text`` by its ``expanded`` target; media self links are dropped."""
    if len(urls) == 1:  # the common case, inline
        u = urls[0]
        short = u.get("url") if type(u) is dict else None
        target = u.get("expanded") if type(u) is dict else None
        if type(short) is str and short and type(target) is str and target:
            if target.startswith(MEDIA_PREFIXES):
                return text.replace(short, "").strip(), []
            return text.replace(short, target), [target]
    pairs = []
    for u in urls:
        if isinstance(u, dict):
            short, target = u.get("url"), u.get("expanded")
            if isinstance(target, str) and target:
                pairs.append((short if isinstance(short, str) else "", target))
    links = [t for _, t in pairs if not t.startswith(MEDIA_PREFIXES)]
    media = False
    for short, target in sorted(pairs, key=lambda p: -len(p[0])):
        if not short:
            continue
        if target.startswith(MEDIA_PREFIXES):
            text = text.replace(short, "")
            media = True
        else:
            text = text.replace(short, target)
    if media:
        text = text.strip()
    return text, links


class _Rows:
    """Accumulates messages from every part: column lists, conversation ids, counts of other events."""

    def __init__(self) -> None:
        self.rows = MessageRows()
        self.events: dict[str, int] = {}
        self.conversations: set[str] = set()
        #: One str object per distinct sender, recipient and text: a million messages from a few
        #: thousand accounts hold a few thousand strings, hashed once, not a million copies.
        self.shared: dict[str, str] = {}

    def checkpoint(self, skips: Skips) -> tuple[Any, ...]:
        """What to restore if a file must be read again another way."""
        return (len(self.rows), dict(self.events), set(self.conversations), skips.counts.copy(), skips.notes.copy(),
                dict(skips.first))

    def restore(self, mark: tuple[Any, ...], skips: Skips) -> None:
        n, self.events, self.conversations, skips.counts, skips.notes, skips.first = mark
        for col in self.rows.cols.values():
            del col[n:]
        del self.rows.where[n:]

    def _other(self, ev: dict[str, Any], name: str, record: str, skips: Skips) -> None:
        """An event that is not a message: counted by kind (one key naming it), else skipped as bad."""
        if len(ev) != 1:
            skips.skip(name, record, "event is not an object with one kind key", '{"messageCreate": {...}}')
            return
        key = next(iter(ev))
        label = key if _KIND_NAME.fullmatch(key) else "(unrecognised)"
        self.events[label] = self.events.get(label, 0) + 1

    #: The columns of the tuples :meth:`_read` collects, in order.
    _READ_COLUMNS = ("message_id", "conversation_id", "sender_id", "recipient_id", "sent_at", "text", "urls", "kind")

    def read(self, doc: Iterable[Any], name: str, skips: Skips) -> None:
        """Append the messages of one file's entries (``{"dmConversation": ...}`` objects)."""
        c = self.rows.cols
        n0 = len(c["message_id"])
        got: list[tuple[Any, ...]] = []
        try:
            self._read(doc, name, skips, got.append)
        finally:
            if got:  # one tuple per message, turned into columns at C speed
                for key, values in zip(self._READ_COLUMNS, zip(*got, strict=True), strict=True):
                    c[key].extend(values)
            del got
            added = len(c["message_id"]) - n0
            none = [None] * added
            for key in ("sender_name", "sender_username", "outgoing"):
                c[key].extend(none)  # no names in X DMs; outgoing is filled from the owner's id by make_inbox
            self.rows.where.extend(zip(repeat(name), c["message_id"][n0:]))

    def _read(self, doc: Iterable[Any], name: str, skips: Skips, add: Any) -> None:
        conversations = self.conversations
        share = self.shared.setdefault
        for ci, conv in enumerate(doc, start=1):
            dm = conv.get("dmConversation") if type(conv) is dict else None
            cid = dm.get("conversationId") if type(dm) is dict else None
            evs = dm.get("messages") if type(dm) is dict else None
            if type(cid) is not str or not cid or type(evs) is not list:
                skips.skip(name, f"entry {ci}", "not a dmConversation with conversationId and messages",
                           '{"dmConversation": {"conversationId": "...", "messages": [...]}}')
                continue
            conversations.add(cid)
            for ev in evs:
                if type(ev) is not dict:
                    skips.skip(name, _where(cid, evs, ev), "event is not an object", '{"messageCreate": {...}}')
                    continue
                body = ev.get("messageCreate")
                kind = "message"
                if body is None:
                    body = ev.get("welcomeMessageCreate")
                    kind = "welcome"
                    if body is None:
                        self._other(ev, name, _where(cid, evs, ev), skips)
                        continue
                if type(body) is not dict:
                    skips.skip(name, _where(cid, evs, ev), "message event is not an object", "an object")
                    continue
                mid = body.get("id")
                sender = body.get("senderId")
                at = body.get("createdAt")
                text = body.get("text", "")
                if type(mid) is not str or type(sender) is not str or type(at) is not str or not mid or not sender:
                    skips.skip(name, _where(cid, evs, ev), "message without id, senderId or createdAt",
                               "id, senderId and createdAt as strings")
                    continue
                if not mid.isdigit():  # X ids are numbers; the id also names the message in error lines
                    skips.skip(name, _where(cid, evs, ev), "message id is not a number", "an id of digits")
                    continue
                if not at.startswith("20"):  # X's DMs are from 2006 on; odd years would overflow pandas
                    skips.skip(name, f"message {mid}", "unreadable message time", "a time in the export's format")
                    continue
                if type(text) is not str:
                    if text is not None:
                        skips.skip(name, f"message {mid}", "text is not a string", "text as a string")
                        continue
                    text = ""
                if "&" in text:
                    text = _unescape(text)
                urls = body.get("urls")
                if urls and type(urls) is list:
                    text, links = _expand(text, urls)
                else:
                    links = []
                rid = body.get("recipientId")
                rid = share(rid, rid) if type(rid) is str and rid else None
                add((mid, cid, share(sender, sender), rid, at, share(text, text), links, kind))


def _where(cid: str, evs: list[Any], ev: Any) -> str:
    """A bad event's record label (computed only when one is found)."""
    return f"conversation {_safe(cid)} event {next(i for i, e in enumerate(evs, 1) if e is ev)}"


def _safe(s: str) -> str:
    """An id from the file as it may appear in a one-line message."""
    return s if len(s) <= 40 and s.isprintable() else ascii(s[:40])


__all__ = ["detect", "load", "parse_js"]
