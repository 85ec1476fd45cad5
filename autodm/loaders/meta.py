"""Instagram and Facebook Messenger "Download your information" exports (JSON), every era.

Messages: ``.../messages/{inbox,message_requests,filtered_threads,archived_threads,e2ee_cutover}/
<thread>/message_<n>.json`` (2020 on, with or without a ``your_instagram_activity/`` or
``your_facebook_activity/`` parent), Instagram's legacy root ``messages.json`` (to ~2019) and
Messenger's end-to-end-encrypted download (camelCase keys, clean UTF-8, one file per thread).
Follows: Instagram ``followers_<n>.json`` / ``following.json`` (legacy ``connections.json``),
Messenger ``your_friends.json``, ``people_who_followed_you.json``, ``who_you've_followed.json``.

Meta writes each UTF-8 byte as its own ``\\u00XX`` escape; :func:`repair` undoes that on every
string (never on the E2EE download). Messages carry display names only, so ``sender_id`` is the
repaired display name and the owner's id is the owner's display name; follows carry usernames
(Instagram) or names (Messenger), joined later by :func:`autodm.inbox.join_follows`.

Several inputs are read as one export: its parts, or exports of one account (two date ranges),
whose copies of a thread file are each read and their shared messages kept once; the exports of
two accounts (profile files naming different owners) are refused. A follow list or profile file
that cannot be read is skipped and counted, like a thread file; the messages are kept.
"""

from __future__ import annotations

import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any, BinaryIO

import orjson

from autodm.errors import InputError, LimitError
from autodm.inbox import FollowRows, Inbox, MessageRows, Owner, Skips, make_inbox
from autodm.loaders import jsonload
from autodm.loaders import tree as tree_mod
from autodm.loaders.tree import ExportTree

#: Thread folders read, as named in the export (``message_requests`` is where unsolicited DMs wait).
THREAD_FOLDERS = ("inbox", "message_requests", "filtered_threads", "archived_threads", "e2ee_cutover")
THREAD_RE = re.compile(
    r"(?:^|/)(" + "|".join(THREAD_FOLDERS) + r")/([^/]+)/message_(\d+)\.(json|html)$", re.IGNORECASE
)
#: Parts of the export that hold no DMs the owner received (Meta AI chats, the cross-app copy).
IGNORED_RE = re.compile(r"(?:^|/)(cross[-_]app[-_]inbox)/", re.IGNORECASE)
LEGACY_RE = re.compile(r"(?:^|/)messages\.json$", re.IGNORECASE)  # at any depth (formats.md 0)
#: A thread file away from its export's folders (one message_N.json, or its folder, passed alone).
LONE_THREAD_RE = re.compile(r"(?:^|/)message_\d+\.json$", re.IGNORECASE)
FOLLOWERS_RE = re.compile(r"(?:^|/)followers(?:_\d+)?\.json$", re.IGNORECASE)
FOLLOWING_RE = re.compile(r"(?:^|/)following\.json$", re.IGNORECASE)
FB_FOLLOWERS_RE = re.compile(r"(?:^|/)people_who_followed_you\.json$", re.IGNORECASE)
FB_FOLLOWING_RE = re.compile(r"(?:^|/)who_you.{0,3}ve_followed\.json$", re.IGNORECASE)
FRIENDS_RE = re.compile(r"(?:^|/)(?:your_friends|friends)\.json$", re.IGNORECASE)
IG_OWNER_SUFFIX = "personal_information/personal_information.json"
FB_OWNER_SUFFIX = "profile_information/profile_information.json"

#: Path markers that decide the platform when ``--platform`` is not given.
IG_PATH_MARKERS = ("your_instagram_activity/", "followers_and_following/", IG_OWNER_SUFFIX)
FB_PATH_MARKERS = (
    "your_facebook_activity/", "e2ee_cutover/", "your_friends.json", "people_who_followed_you.json",
    "ve_followed.json", FB_OWNER_SUFFIX, "friends/friends.json", "filtered_threads/",
)

#: Paths only a Meta export has, messages or not: they make an export without any thread
#: files an Instagram/Messenger export that has no messages (not autodm's own format).
EXPORT_MARKERS = (
    "your_instagram_activity/", "your_facebook_activity/", "followers_and_following/",
    "connections/friends/", "connections/followers/", IG_OWNER_SUFFIX, FB_OWNER_SUFFIX,
)

#: Top folders of a standard export: JSON files under them are never the E2EE download.
_STANDARD_DIRS = frozenset({
    "your_instagram_activity", "your_facebook_activity", "connections", "personal_information",
    "followers_and_following", "ads_information", "logged_information", "preferences",
    "security_and_login_information", "apps_and_websites_off_of_instagram", "media", "content",
    "friends", "friends_and_followers", "following_and_followers", "profile_information",
    "about_you", "ads", "ads_and_businesses", "apps_and_websites", "comments", "likes_and_reactions",
    "location", "photos_and_videos", "posts", "search_history", "other_activity", "stories",
    "your_topics", "events", "groups", "pages", "marketplace", "saved_items_and_collections",
    "messages", "inbox", "message_requests", "filtered_threads", "archived_threads", "e2ee_cutover",
    "activity_across_facebook", "your_activity_across_facebook",
})
_E2EE_MARKERS = (b'"senderName"', b'"threadName"')

MEDIA_KEYS = frozenset({"photos", "videos", "gifs", "audio_files", "files", "sticker", "attachments"})
#: Messenger ``type`` values that are platform events, not something a person wrote.
SYSTEM_TYPES = frozenset({"call", "subscribe", "unsubscribe"})


# --------------------------------------------------------------------------- mojibake repair


def fix_meta_text(s: str) -> str:
    """Undo Meta's byte-per-character encoding: ``"cafÃ©"`` -> ``"café"``; other strings unchanged.

    >>> fix_meta_text("caf\\u00c3\\u00a9")
    'café'
    """
    if s.isascii():
        return s
    try:
        return s.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s  # has characters above U+00FF (already fine) or is not UTF-8 bytes


def repair(obj: Any) -> Any:
    """Apply :func:`fix_meta_text` to every string (keys too) of a parsed JSON value, in place."""
    if isinstance(obj, dict):
        bad_keys = None
        for k, v in obj.items():
            t = type(v)
            if t is str:
                if not v.isascii():
                    obj[k] = fix_meta_text(v)
            elif t is dict or t is list:
                repair(v)
            if not k.isascii():
                bad_keys = [*(bad_keys or []), k]
        for k in bad_keys or ():
            obj[fix_meta_text(k)] = obj.pop(k)
        return obj
    if isinstance(obj, list):
        for i, v in enumerate(obj):
            t = type(v)
            if t is str:
                if not v.isascii():
                    obj[i] = fix_meta_text(v)
            elif t is dict:
                # inlined for the common case (a message object): one call per list, not per message
                bad_keys = None
                for k, w in v.items():
                    tw = type(w)
                    if tw is str:
                        if not w.isascii():
                            v[k] = fix_meta_text(w)
                    elif tw is dict or tw is list:
                        repair(w)
                    if not k.isascii():
                        bad_keys = [*(bad_keys or []), k]
                for k in bad_keys or ():
                    v[fix_meta_text(k)] = v.pop(k)
            elif t is list:
                repair(v)
        return obj
    if isinstance(obj, str):
        return fix_meta_text(obj)
    return obj


# --------------------------------------------------------------------------- platform texts

#: Texts Meta writes into ``content`` for events (localized to the account's language).
#: ``{n}`` is the sender's name (checked against the sender), ``{x}`` anything short.
SYSTEM_TEMPLATES = (
    # English
    "Liked a message", "{n} liked a message", "You sent an attachment.", "{n} sent an attachment.",
    "Reacted {x} to your message", "{n} reacted {x} to your message", "You reacted {x} to {x}",
    "Started a video chat", "Started an audio call", "Video chat ended", "Audio call ended",
    "Missed video chat", "Missed audio call", "{n} started a video chat", "{n} started an audio call",
    "{n} started a call", "You started a video chat", "You started an audio call", "{n} joined the video chat",
    "{n} joined the call", "You missed a call from {n}", "You missed a video chat with {n}",
    "{n} missed your call", "{n} missed your video chat", "The video chat ended", "The call ended",
    "{n} sent a photo.", "{n} sent a video.", "{n} sent a GIF.", "{n} sent a GIF from {x}",
    "{n} sent a sticker.", "{n} sent a voice message.", "{n} sent an audio clip.", "{n} sent a link.",
    "You sent a photo.", "You sent a video.", "You sent a GIF.", "You sent a sticker.",
    "You sent a voice message.", "You sent a link.", "Mentioned you in their story",
    "{n} mentioned you in their story", "You mentioned {x} in your story", "{n} unsent a message",
    "You unsent a message", "{n} named the group {x}", "{n} changed the group photo",
    "{n} added {x} to the group", "{n} removed {x} from the group", "{n} left the group",
    "{n} created the group", "{n} set the nickname for {x} to {x}", "{n} set your nickname to {x}",
    "{n} set {x} nickname to {x}", "{n} changed the chat theme", "{n} changed the theme to {x}",
    "{n} set the emoji to {x}", "{n} set the quick reaction to {x}", "You are now connected on Messenger",
    "Say hi to your new Facebook friend{x}", "You can now message and call each other{x}",
    "{n} waved at you", "You waved at {x}", "{n} is waving at you",
    # German
    "Gefällt eine Nachricht", "Hat eine Nachricht mit \"Gefällt mir\" markiert",
    "{n} hat eine Nachricht mit \"Gefällt mir\" markiert", "{n} hat einen Anhang gesendet.",
    "Du hast einen Anhang gesendet.", "{n} hat ein Foto gesendet.", "{n} hat ein Video gesendet.",
    "Du hast ein Foto gesendet.", "Hat mit {x} auf deine Nachricht reagiert",
    "{n} hat mit {x} auf deine Nachricht reagiert", "Hat {x} auf deine Nachricht reagiert",
    "{n} hat einen Videochat gestartet", "{n} hat einen Anruf gestartet", "Du hast einen Videochat gestartet",
    "Videochat beendet", "Anruf beendet", "{n} hat die Gruppe verlassen", "{n} hat die Gruppe {x} genannt",
    # French
    "A aimé un message", "{n} a aimé un message", "{n} a envoyé une pièce jointe.",
    "Vous avez envoyé une pièce jointe.", "{n} a envoyé une photo.", "Vous avez envoyé une photo.",
    "A réagi {x} à votre message", "{n} a réagi {x} à votre message", "{n} a lancé un appel vidéo",
    "{n} a commencé un appel vidéo", "Appel vidéo terminé", "{n} a quitté le groupe",
    # Spanish
    "Le gustó un mensaje", "Indicó que le gusta un mensaje", "{n} indicó que le gusta un mensaje",
    "{n} envió un archivo adjunto.", "Enviaste un archivo adjunto.", "{n} envió una foto.",
    "Enviaste una foto.", "Reaccionó {x} a tu mensaje", "{n} reaccionó {x} a tu mensaje",
    "{n} inició una videollamada", "Videollamada finalizada", "{n} salió del grupo",
    # Portuguese
    "Curtiu uma mensagem", "{n} curtiu uma mensagem", "{n} enviou um anexo.", "Você enviou um anexo.",
    "{n} enviou uma foto.", "Você enviou uma foto.", "Reagiu {x} à sua mensagem",
    "{n} reagiu {x} à sua mensagem", "{n} iniciou uma chamada de vídeo", "{n} iniciou uma videochamada",
    "Chamada de vídeo encerrada", "{n} saiu do grupo",
    # Italian
    "Ha messo \"Mi piace\" a un messaggio", "{n} ha messo \"Mi piace\" a un messaggio",
    "{n} ha inviato un allegato.", "Hai inviato un allegato.", "{n} ha inviato una foto.",
    "Hai inviato una foto.", "Ha reagito {x} al tuo messaggio", "{n} ha reagito {x} al tuo messaggio",
    "{n} ha avviato una videochiamata", "Videochiamata terminata", "{n} ha abbandonato il gruppo",
)
_QUOTES = re.compile("[„“”«»‘’‚']")
_MAX_SYSTEM_LEN = 200


def _norm(text: str) -> str:
    return _QUOTES.sub('"', text.strip().casefold()).rstrip(" .!。")


@dataclass
class _SystemTexts:
    exact: frozenset[str]
    suffixes: tuple[str, ...]
    prefixes: tuple[str, ...]
    contains: re.Pattern[str]
    patterns: tuple[re.Pattern[str], ...]


def _compile_templates(templates: tuple[str, ...]) -> _SystemTexts:
    exact: set[str] = set()
    suffixes: list[str] = []
    prefixes: list[str] = []
    contains: list[str] = []
    patterns: list[re.Pattern[str]] = []
    for template in templates:
        t = _norm(template)
        pieces = re.split(r"(\{[nx]\})", t)
        literals = [p for p in pieces if p and p not in ("{n}", "{x}")]
        if len(pieces) == 1:
            exact.add(t)
            continue
        if pieces[-1] and len(pieces[-1]) >= 5:
            suffixes.append(pieces[-1])
        elif pieces[0] and len(pieces[0]) >= 4:
            prefixes.append(pieces[0])
        else:
            contains.append(max(literals, key=len))
        rx = "".join(
            "(?P<n>.{1,80}?)" if p == "{n}" else ".{1,80}?" if p == "{x}" else re.escape(p) for p in pieces
        )
        patterns.append(re.compile(rx, re.DOTALL))
    contains_rx = re.compile("|".join(re.escape(c) for c in contains) or "(?!)")
    return _SystemTexts(frozenset(exact), tuple(suffixes), tuple(prefixes), contains_rx, tuple(patterns))


_SYSTEM = _compile_templates(SYSTEM_TEMPLATES)


_PLAIN, _SYSTEM_LINE, _MAYBE = 0, 1, 2


@lru_cache(maxsize=1 << 16)
def _text_kind(text: str) -> int:
    """What the text alone says (cached: inboxes repeat texts): a system line, not one, or maybe
    one, depending on who sent it."""
    t = _norm(text)
    s = _SYSTEM
    if t in s.exact:
        return _SYSTEM_LINE
    if not (t.endswith(s.suffixes) or t.startswith(s.prefixes) or s.contains.search(t)):
        return _PLAIN
    return _MAYBE


def is_system_text(text: str, sender_name: str | None = None, has_payload: bool = False) -> bool:
    """True when ``text`` is a platform-generated line ("Liked a message", "Sam sent an attachment.").

    A ``{n}`` name in the template must be the sender's name (or first name) unless the message
    carries an attachment/share (``has_payload``), so people writing similar words are not caught.
    """
    if not text or len(text) > _MAX_SYSTEM_LEN:
        return False
    kind = _text_kind(text)
    if kind != _MAYBE:
        return kind == _SYSTEM_LINE
    t = _norm(text)
    s = _SYSTEM
    names: set[str] = set()
    if sender_name:
        full = _norm(sender_name)
        names = {full, full.split(" ", 1)[0]}
    for rx in s.patterns:
        m = rx.fullmatch(t)
        if m is None:
            continue
        who = m.groupdict().get("n")
        if who is None or has_payload or not names or who.strip() in names:
            return True
    return False


# --------------------------------------------------------------------------- reading


@dataclass
class _Found:
    """What the export holds, by member path."""

    threads: dict[str, dict[int, str]] = field(default_factory=lambda: defaultdict(dict))
    #: Further copies of a thread's files (the same message_N.json in another input, e.g. two
    #: date-range exports of one account), one layer per copy: each read, repeated messages dropped
    copies: dict[str, list[dict[int, str]]] = field(default_factory=lambda: defaultdict(list))
    html: list[str] = field(default_factory=list)
    legacy: list[str] = field(default_factory=list)
    e2ee: list[str] = field(default_factory=list)
    e2ee_other: list[str] = field(default_factory=list)  # other JSON beside E2EE thread files
    ignored: int = 0


def _opens_with(head: bytes) -> bytes:
    """The first byte of a JSON file's head after a BOM and whitespace (b"" when there is none)."""
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]


def _is_e2ee_head(head: bytes) -> bool:
    return _opens_with(head) == b"{" and any(k in head for k in _E2EE_MARKERS)


def _e2ee_candidates(tree: ExportTree, anywhere: bool) -> list[str]:
    """JSON files that may be E2EE thread files: outside a standard export's folders, or
    ``anywhere`` (no message_N.json layout in the tree) in any folder, ``messages/`` included,
    for the download's files are told by their camelCase keys, not by where they sit."""
    out = []
    for p in tree.paths():
        low = p.lower()
        if not low.endswith(".json") or THREAD_RE.search(p):
            continue
        if not anywhere and _STANDARD_DIRS.intersection(low.split("/")[:-1]):
            continue
        out.append(p)
    return sorted(out)


def _is_legacy(tree: ExportTree, path: str) -> bool:
    parent = path.rsplit("/", 1)[0] + "/" if "/" in path else ""
    low = {p.lower() for p in tree.paths()}
    if f"{parent}profile.json".lower() in low or f"{parent}connections.json".lower() in low:
        return True
    head = tree.read_head(path)
    return _opens_with(head) == b"[" and b'"conversation"' in head


def detect(tree: ExportTree) -> bool:
    """An Instagram/Messenger export: thread files (JSON or HTML), legacy messages.json, or E2EE files."""
    if tree.match(THREAD_RE):
        return True
    if any(_is_legacy(tree, p) for p in tree.match(LEGACY_RE)):
        return True
    # every non-empty candidate until one starts like a thread: empty, cut or unrelated files
    # beside the threads must not hide the download (a head is at most 64 KiB)
    cands = [p for p in _e2ee_candidates(tree, anywhere=True) if tree.members[p].size > 0]
    if any(_is_e2ee_head(tree.read_head(p)) for p in cands):
        return True
    return bool(_lone_threads(tree)) or _has_export_files(tree)


def _has_export_files(tree: ExportTree) -> bool:
    """Whether ``tree`` holds JSON files only a Meta export has (its profile, its follow lists)."""
    return any(low.endswith(".json") and any(mk in low for mk in EXPORT_MARKERS)
               for low in (p.lower() for p in tree.paths()))


def _lone_threads(tree: ExportTree) -> list[str]:
    """Thread files (``message_N.json`` holding participants and messages) outside an export's folders."""
    out = []
    for p in tree.match(LONE_THREAD_RE):
        if THREAD_RE.search(p):
            continue
        head = tree.read_head(p)
        if _opens_with(head) == b"{" and b'"participants"' in head and b'"messages"' in head:
            out.append(p)
    return out


def _scan(tree: ExportTree) -> _Found:
    found = _Found()
    layout = False  # any message_N.json / .html in a thread folder
    for path in tree.paths():
        m = THREAD_RE.search(path)
        if m is None:
            continue
        layout = True
        if IGNORED_RE.search(path):
            found.ignored += 1
            continue
        if m.group(4).lower() == "html":
            found.html.append(path)
            continue
        conv = f"{m.group(1).lower()}/{m.group(2)}"
        n = int(m.group(3))
        if n in found.threads[conv]:
            # the same thread file at another place (another input, another top folder): exact
            # copies are read once by the tree; one that differs holds other (or more) messages
            layers = found.copies[conv]
            layer = next((lay for lay in layers if n not in lay), None)
            if layer is None:
                layers.append(layer := {})
            layer[n] = path
            continue
        found.threads[conv][n] = path
    found.legacy = [p for p in tree.match(LEGACY_RE) if _is_legacy(tree, p)]
    cands = [p for p in _e2ee_candidates(tree, anywhere=not layout) if p not in found.legacy]
    kinds = {p: _head_kind(tree.read_head(p)) for p in cands}  # a word per file, not 64 KiB
    found.e2ee = [p for p in cands if kinds[p] == "thread"]
    folders = {_parent(p) for p in found.e2ee}
    # beside the thread files, an empty file or a JSON object that does not start like one may
    # be a thread cut short; anything else (a list, other text) is some other file
    found.e2ee_other = [p for p in cands if kinds[p] == "maybe" and _parent(p) in folders]
    return found


def _head_kind(head: bytes) -> str:
    """thread (starts like an E2EE thread file), maybe (empty, or another JSON object), other."""
    if _is_e2ee_head(head):
        return "thread"
    return "maybe" if _opens_with(head) in (b"", b"{") else "other"


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


class _Reader:
    """Reads members like :meth:`ExportTree.read_text`, for exports of thousands of thread files.

    Each member is read straight from the open archive (:func:`tree.read_raw_member`), not
    through a ``ZipFile.open`` per file; anything unusual goes through zipfile. A member over the
    size or ratio limits, a read error or bytes that are not UTF-8 are handed to the tree, so its
    checks and error messages stay the only ones.
    """

    def __init__(self, tree: ExportTree) -> None:
        self.tree = tree
        self.zips: dict[str, zipfile.ZipFile] = {}
        self.files: dict[str, BinaryIO] = {}

    def read_text(self, path: str) -> str:
        m = self.tree.members[path]
        ratio = m.size / max(m.compressed, 1)
        if m.kind != "zip" or m.size > tree_mod.MAX_MEMBER_BYTES or (ratio > tree_mod.MAX_RATIO
                                                                     and m.size > 1024**2):
            return self.tree.read_text(path)
        try:
            key = str(m.container)
            fh = self.files.get(key)
            if fh is None:
                fh = self.files[key] = open(m.container, "rb")  # noqa: SIM115 (closed by close())
            data = tree_mod.read_raw_member(fh, m)  # no ZipFile.open per member: most of the cost
            if data is None:  # anything unusual: zipfile reads it, or says what is wrong
                zf = self.zips.get(key)
                if zf is None:
                    zf = self.zips[key] = zipfile.ZipFile(m.container)
                entry = zf.infolist()[m.index] if m.index >= 0 else (m.inner or path)  # the tree's entry
                with zf.open(entry) as zfh:
                    data = zfh.read(m.size + 1)  # never past the header's size: a lying header is no bomb
            if len(data) > tree_mod.MAX_MEMBER_BYTES:
                return self.tree.read_text(path)
            return data.decode("utf-8-sig")
        except (*tree_mod.ZIP_ERRORS, RuntimeError):
            return self.tree.read_text(path)  # raises the tree's InputError for this member

    def close(self) -> None:
        for zf in self.zips.values():
            zf.close()
        self.zips.clear()
        for fh in self.files.values():
            fh.close()
        self.files.clear()


def _parse(tree: ExportTree, path: str, reader: _Reader | None = None) -> Any:
    """Parse one JSON member; InputError with line and column when it is not valid JSON."""
    return _parse_text(tree, path, reader)[0]


def _parse_text(tree: ExportTree, path: str, reader: _Reader | None = None) -> tuple[Any, str]:
    """:func:`_parse`, and the text parsed."""
    text = reader.read_text(path) if reader is not None else tree.read_text(path)
    if not text.strip():
        raise InputError(f"{tree.display(path)}: the file is empty; expected Meta's JSON")
    try:
        return jsonload.loads(text), text
    except orjson.JSONDecodeError as e:
        raise InputError(
            f"{tree.display(path)}: invalid JSON at line {e.lineno}, column {e.colno}: {jsonload.what(e)}"
        ) from None


def _parse_repaired(tree: ExportTree, path: str, reader: _Reader | None = None) -> Any:
    """:func:`_parse`, then :func:`repair`; skipped when the text is ASCII without escapes (then
    every string in it, keys too, is ASCII, which repair leaves as it is)."""
    doc, text = _parse_text(tree, path, reader)
    if text.isascii() and "\\u" not in text:
        return doc
    return repair(doc)


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) and v != "" else None


def _time_raw(v: Any) -> Any:
    """A raw epoch value for the bulk converter: numbers as they are, digit strings as ints."""
    if isinstance(v, bool):
        return str(v)  # unreadable on purpose
    if isinstance(v, int | float) or v is None:
        return v
    if isinstance(v, str):
        s = v.strip()
        return int(s) if s.isascii() and s.isdigit() else (s or None)  # "²".isdigit(), int() refuses it
    return repr(v)


# --------------------------------------------------------------------------- messages


@dataclass
class _State:
    """What loading collects besides the rows."""

    reader: _Reader
    rows: MessageRows = field(default_factory=MessageRows)
    participants: list[set[str]] = field(default_factory=list)
    fb_content: bool = False  # thread_type / type keys seen
    ig_content: bool = False  # is_geoblocked_for_viewer seen
    unsent: int = 0
    #: One str object per distinct sender name and text (later stages hash each once)
    shared: dict[str, str] = field(default_factory=dict)
    #: Thread files read, and the first one skipped as unreadable (raised if none could be read)
    files_read: int = 0
    first_bad: InputError | None = None


def _thread_participants(doc: dict[str, Any], key: str = "name") -> list[str]:
    out: list[str] = []
    plist = doc.get("participants")
    for p in plist if isinstance(plist, list) else []:
        name = p.get(key) if isinstance(p, dict) else p
        if isinstance(name, str) and name:
            out.append(name)
    return out


def _thread_doc(tree: ExportTree, path: str, st: _State, skips: Skips, *, repaired: bool) -> dict[str, Any] | None:
    """One thread file's object with its "messages" list; None (skipped and counted) when the file
    is not that JSON, so one broken thread never costs the others (``--strict``: the error stops)."""
    try:
        doc = (_parse_repaired if repaired else _parse)(tree, path, st.reader)
        if not isinstance(doc, dict) or not isinstance(doc.get("messages"), list):
            what = ("a thread object", "Instagram/Messenger message_N.json") if repaired else \
                ("an object", "Messenger E2EE download")
            raise InputError(f'{tree.display(path)}: expected {what[0]} with a "messages" list ({what[1]})')
    except LimitError:
        raise  # a safety limit is never skipped
    except InputError as e:
        _lost_thread(tree, path, e, st, skips)
        return None
    st.files_read += 1
    return doc


def _lost_file(where: str, error: InputError, reason: str, expected: str, skips: Skips) -> None:
    """A follow list or profile file that cannot be read: skipped and counted, the messages kept
    (follow times then missing, the owner inferred); ``--strict``: its error stops."""
    if skips.strict:
        if str(error).endswith(f"expected {expected}"):
            raise error  # the wrong shape: the error says what was expected
        raise InputError(f"{error} ({reason}; expected {expected})")
    skips.skip(where, "(the whole file)", reason, expected)


def _lost_thread(tree: ExportTree, path: str, error: InputError, st: _State, skips: Skips) -> None:
    """A thread file that cannot be read: skipped and counted (``--strict``: its error stops)."""
    if skips.strict:
        raise error
    skips.skip(tree.display(path), "(the whole file)", "unreadable thread file")
    st.first_bad = st.first_bad or error


def _load_thread(tree: ExportTree, conv: str, files: dict[int, str], st: _State, skips: Skips) -> None:
    """All message_<n>.json of one thread (newest first in the files)."""
    seen: dict[Any, int] = {}
    names: list[str] = []
    still = True
    for n in sorted(files):
        path = files[n]
        doc = _thread_doc(tree, path, st, skips, repaired=True)
        if doc is None:
            continue
        names = names or _thread_participants(doc)
        if doc.get("is_still_participant") is False:
            still = False
        if "thread_type" in doc:
            st.fb_content = True
        _add_messages(doc["messages"], tree.display(path), conv, names, seen, st, skips)
    if still and names:
        st.participants.append(set(names))


def _add_messages(
    msgs: list[Any], where: str, conv: str, names: list[str], seen: dict[Any, int], st: _State, skips: Skips
) -> None:
    pair = names if len(names) == 2 else None
    for i, msg in enumerate(msgs, start=1):
        if not isinstance(msg, dict):
            skips.skip(where, f"message {i}", "message is not an object", "a JSON object per message")
            continue
        if msg.get("is_unsent") is True:
            st.unsent += 1
            continue
        sender = msg.get("sender_name")
        if not isinstance(sender, str) or not sender:
            skips.skip(where, f"message {i}", "message without sender_name", "sender_name (a display name)")
            continue
        content = msg.get("content")
        if content is not None and not isinstance(content, str):
            skips.skip(where, f"message {i}", "content is not a string", "content as a string")
            continue
        text = content or ""
        urls: list[str] = []
        share = msg.get("share")
        if isinstance(share, dict) and isinstance(share.get("link"), str) and share["link"]:
            urls.append(share["link"])
        mtype = msg.get("type")
        if mtype is not None:
            st.fb_content = True
        elif not st.ig_content and "is_geoblocked_for_viewer" in msg:
            st.ig_content = True
        payload = share is not None or not MEDIA_KEYS.isdisjoint(msg)
        if "call_duration" in msg or (isinstance(mtype, str) and mtype.casefold() in SYSTEM_TYPES):
            kind = "system"
        elif not text:
            kind = "message" if urls else "system"
        else:
            kind = "system" if is_system_text(text, sender, payload) else "message"
        _add_row(st, conv, seen, pair, sender, _time_raw(msg.get("timestamp_ms")), text, urls, kind, where, i)


def _add_row(st: _State, conv: str, seen: dict[Any, int], pair: list[str] | None, sender: str, ts: Any,
             text: str, urls: list[str], kind: str, where: str, i: int) -> None:
    """Add one thread message: id from thread and time (``.k`` for the k-th repeat of a time),
    recipient the other person of a two-person thread."""
    k = seen.get(ts, 0)
    seen[ts] = k + 1
    recipient = None
    if pair is not None and sender in pair:
        recipient = pair[1] if pair[0] == sender else pair[0]
    share = st.shared.setdefault
    sender = share(sender, sender)
    st.rows.add_row((f"{conv}@{ts}" if k == 0 else f"{conv}@{ts}.{k}", conv, sender, sender, None, recipient, ts,
                     share(text, text), urls, None, kind, where, f"message {i}"))


def _load_e2ee(tree: ExportTree, path: str, st: _State, skips: Skips) -> None:
    """One thread of Messenger's end-to-end-encrypted download (clean UTF-8: no repair)."""
    doc = _thread_doc(tree, path, st, skips, repaired=False)
    if doc is None:
        return
    where = tree.display(path)
    names = _thread_participants(doc)
    if names:
        st.participants.append(set(names))
    conv = "e2ee/" + PurePosixPath(path).stem
    pair = names if len(names) == 2 else None
    seen: dict[Any, int] = {}
    for i, msg in enumerate(doc["messages"], start=1):
        if not isinstance(msg, dict):
            skips.skip(where, f"message {i}", "message is not an object", "a JSON object per message")
            continue
        if msg.get("isUnsent") is True:
            st.unsent += 1
            continue
        sender = msg.get("senderName")
        if not isinstance(sender, str) or not sender:
            skips.skip(where, f"message {i}", "message without senderName", "senderName (a display name)")
            continue
        text = msg.get("text")
        if text is not None and not isinstance(text, str):
            skips.skip(where, f"message {i}", "text is not a string", "text as a string")
            continue
        text = text or ""
        mtype = msg.get("type")
        payload = bool(msg.get("media"))
        if mtype == "placeholder" or not text:
            kind = "system"
        else:
            kind = "system" if is_system_text(text, sender, payload) else "message"
        _add_row(st, conv, seen, pair, sender, _time_raw(msg.get("timestamp")), text, [], kind, where, i)


def _check_e2ee_other(tree: ExportTree, path: str, st: _State, skips: Skips) -> None:
    """A JSON file beside the E2EE thread files that does not start like one: valid JSON is some
    other file (left alone); an empty, cut or undecodable one is a thread lost, so it is counted."""
    try:
        _parse(tree, path, st.reader)
    except LimitError:
        return  # not known to be a thread, and never read: ignored as before
    except InputError as e:
        _lost_thread(tree, path, e, st, skips)


def _iso_to_ms(v: Any) -> Any:
    """Legacy ``created_at`` (ISO 8601) to epoch ms; unreadable values are passed on (and counted)."""
    if not isinstance(v, str):
        return _time_raw(v)
    try:
        dt = datetime.fromisoformat(v.strip())
    except ValueError:
        return v
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return round(dt.timestamp() * 1000)


def _load_legacy(tree: ExportTree, path: str, st: _State, skips: Skips) -> None:
    """Instagram's legacy ``messages.json`` (to ~2019): usernames, ISO times, all threads in one file."""
    doc = _parse_repaired(tree, path, st.reader)
    where = tree.display(path)
    if not isinstance(doc, list):
        raise InputError(f'{where}: expected a list of conversations ({{"participants", "conversation"}})')
    for ci, thread in enumerate(doc, start=1):
        if not isinstance(thread, dict) or not isinstance(thread.get("conversation"), list):
            skips.skip(where, f"conversation {ci}", "conversation without a message list",
                       'an object with "participants" and "conversation"')
            continue
        names = _thread_participants(thread)
        if names:
            st.participants.append(set(names))
        conv = "legacy/" + "+".join(sorted(names)) if names else f"legacy/{ci}"
        pair = names if len(names) == 2 else None
        seen: dict[Any, int] = {}
        for i, msg in enumerate(thread["conversation"], start=1):
            rec = f"conversation {ci} message {i}"
            if not isinstance(msg, dict):
                skips.skip(where, rec, "message is not an object", "a JSON object per message")
                continue
            sender = msg.get("sender")
            if not isinstance(sender, str) or not sender:
                skips.skip(where, rec, "message without sender", "sender (a username)")
                continue
            text = msg.get("text")
            if text is not None and not isinstance(text, str):
                skips.skip(where, rec, "text is not a string", "text as a string")
                continue
            text = text or (msg.get("heart") if isinstance(msg.get("heart"), str) else "") or ""
            urls = [u for u in (msg.get("link"), msg.get("media_share_url")) if isinstance(u, str) and u]
            payload = bool(urls) or any(k in msg for k in ("media", "media_url", "story_share"))
            if not text:
                kind = "message" if urls else "system"
            else:
                kind = "system" if is_system_text(text, sender, payload) else "message"
            ts = _iso_to_ms(msg.get("created_at"))
            k = seen.get(ts, 0)
            seen[ts] = k + 1
            recipient = None
            if pair is not None and sender in pair:
                recipient = pair[1] if pair[0] == sender else pair[0]
            st.rows.add(
                message_id=f"{conv}@{ts}" if k == 0 else f"{conv}@{ts}.{k}", conversation_id=conv,
                sender_id=sender, sender_name=sender, sender_username=sender, recipient_id=recipient,
                sent_at=ts, text=text, urls=urls, kind=kind, file=where, record=rec,
            )


# --------------------------------------------------------------------------- follows


def _entries(doc: Any, keys: tuple[str, ...], where: str, expected: str) -> list[Any]:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        for k in keys:
            if isinstance(doc.get(k), list):
                return doc[k]
        if not doc:
            return []
    raise InputError(f"{where}: expected {expected}")


def _href_user(href: Any) -> str | None:
    if not isinstance(href, str) or not href.strip():
        return None
    last = href.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return last or None


def _add_follow_entries(
    entries: list[Any], where: str, direction: str, frows: FollowRows, skips: Skips
) -> None:
    """Instagram ``string_list_data`` entries and Messenger ``{name, timestamp}`` entries."""
    for i, e in enumerate(entries, start=1):
        rec = f"entry {i}"
        if not isinstance(e, dict):
            skips.skip(where, rec, "follow entry is not an object", "an object per account")
            continue
        sld = e.get("string_list_data")
        if isinstance(sld, list) and sld:
            items = [x for x in sld if isinstance(x, dict)]
            if not items:
                skips.skip(where, rec, "follow entry without a username", "string_list_data with value or href")
                continue
            for item in items:
                name = _str(item.get("value")) or _str(e.get("title")) or _href_user(item.get("href"))
                if name is None:
                    skips.skip(where, rec, "follow entry without a username", "value, title or href")
                    continue
                ts = _time_raw(item.get("timestamp"))
                frows.add(user_name=name, followed_at=ts or None, direction=direction, file=where, record=rec)
            continue
        name = _str(e.get("name")) or _str(e.get("title")) or _str(e.get("value"))
        if name is None:
            skips.skip(where, rec, "follow entry without a username", "value, title, href or name")
            continue
        ts = _time_raw(e.get("timestamp"))
        frows.add(user_name=name, followed_at=ts or None, direction=direction, file=where, record=rec)


def _load_follows(tree: ExportTree, legacy: bool, skips: Skips, reader: _Reader) -> FollowRows:
    frows = FollowRows()
    ig_list = "a list of accounts or {\"relationships_%s\": [...]}"
    files: list[tuple[re.Pattern[str], tuple[str, ...], str, str]] = [
        (FOLLOWERS_RE, ("relationships_followers", "followers_v3", "followers_v2", "followers"), "follower",
         ig_list % "followers"),
        (FOLLOWING_RE, ("relationships_following", "following_v3", "following_v2", "following"), "following",
         ig_list % "following"),
        (FB_FOLLOWERS_RE, ("followers_v3", "followers_v2", "followers"), "follower",
         '{"followers_v3": [...]} or {"followers_v2": [...]}'),
        (FB_FOLLOWING_RE, ("following_v3", "following_v2", "following"), "following",
         '{"following_v3": [...]} or {"following_v2": [...]}'),
        (FRIENDS_RE, ("friends_v2", "friends_v3", "friends"), "connection",
         '{"friends_v2": [...]} or {"friends": [...]}'),
    ]
    for rx, keys, direction, expected in files:
        for path in tree.match(rx):
            if IGNORED_RE.search(path):
                continue
            where = tree.display(path)
            try:
                entries = _entries(_parse_repaired(tree, path, reader), keys, where, expected)
            except LimitError:
                raise  # a safety limit is never skipped
            except InputError as e:
                _lost_file(where, e, "unreadable follow list", expected, skips)
                continue
            _add_follow_entries(entries, where, direction, frows, skips)
    if legacy:
        for path in tree.match(r"(?:^|/)connections\.json$"):
            where = tree.display(path)
            expected = '{"followers": {username: time}, "following": {...}}'
            try:
                doc = _parse_repaired(tree, path, reader)
                if not isinstance(doc, dict):
                    raise InputError(f"{where}: expected {expected}")
            except LimitError:
                raise
            except InputError as e:
                _lost_file(where, e, "unreadable follow list", expected, skips)
                continue
            for key, direction in (("followers", "follower"), ("following", "following")):
                block = doc.get(key) or {}
                if not isinstance(block, dict):
                    skips.skip(where, key, f"{key} is not an object", "{username: date-time}")
                    continue
                for j, (name, when) in enumerate(block.items(), start=1):
                    frows.add(user_name=name, followed_at=_time_raw(when), direction=direction,
                              file=where, record=f"{key} entry {j}")
    return frows


# --------------------------------------------------------------------------- owner


#: What each kind of profile file is expected to hold (named when one cannot be read).
_PROFILE_EXPECTED = {
    "instagram": '{"profile_user": [{"string_map_data": {"Username": {"value"}, "Name": {"value"}}}]}',
    "facebook": '{"profile_v2": {"name": {"full_name"}, "username"}}',
    "legacy": '{"username", "name"}',
}


@dataclass
class _Profile:
    """One profile file of the export and the owner it names."""

    path: str
    kind: str  # instagram | facebook | legacy
    owner: Owner


def _profile_paths(tree: ExportTree, legacy: bool) -> list[tuple[str, str]]:
    """Profile files and their kind, in the order of the inputs they come from."""
    out = [(p, "instagram") for p in tree.find(IG_OWNER_SUFFIX)]
    out += [(p, "facebook") for p in tree.find(FB_OWNER_SUFFIX)]
    if legacy:
        out += [(p, "legacy") for p in tree.match(r"(?:^|/)profile\.json$")]
    order = {src: i for i, src in enumerate(tree.sources)}
    return sorted(out, key=lambda pk: (order.get(tree.members[pk[0]].container, len(order)), pk[0]))


def _read_profiles(tree: ExportTree, legacy: bool, skips: Skips, reader: _Reader) -> list[_Profile]:
    """Every profile file naming an owner (Instagram's personal_information.json, Messenger's
    profile_information.json, legacy profile.json); an unreadable one is skipped and counted
    (the owner is then inferred from the threads), ``--strict``: its error stops."""
    out = []
    for path, kind in _profile_paths(tree, legacy):
        where = tree.display(path)
        try:
            doc = _parse_repaired(tree, path, reader)
            if not isinstance(doc, dict):
                raise InputError(f"{where}: expected {_PROFILE_EXPECTED[kind]}")
        except LimitError:
            raise  # a safety limit is never skipped
        except InputError as e:
            _lost_file(where, e, "unreadable profile file", _PROFILE_EXPECTED[kind], skips)
            continue
        owner = _OWNER_READERS[kind](doc)
        if owner.id is not None:
            out.append(_Profile(path, kind, owner))
    return out


def _instagram_owner(doc: dict[str, Any]) -> Owner:
    users = doc.get("profile_user")
    if not isinstance(users, list) or not users or not isinstance(users[0], dict):
        return Owner()
    smd = users[0].get("string_map_data")
    if not isinstance(smd, dict):
        return Owner()
    by_key = {k.casefold(): v for k, v in smd.items() if isinstance(v, dict)}
    username = _str((by_key.get("username") or {}).get("value"))
    name = _str((by_key.get("name") or {}).get("value"))
    if username or name:
        return Owner(id=name or username, name=name or username, handle=username)
    return Owner()


def _facebook_owner(doc: dict[str, Any]) -> Owner:
    prof = doc.get("profile_v2") or doc.get("profile")
    if not isinstance(prof, dict):
        return Owner()
    nm = prof.get("name")
    name = _str(nm.get("full_name")) if isinstance(nm, dict) else _str(nm)
    if name:
        return Owner(id=name, name=name, handle=_str(prof.get("username")))
    return Owner()


def _legacy_owner(doc: dict[str, Any]) -> Owner:
    username = _str(doc.get("username"))
    if username:
        return Owner(id=username, name=_str(doc.get("name")) or username, handle=username)
    return Owner()


_OWNER_READERS = {"instagram": _instagram_owner, "facebook": _facebook_owner, "legacy": _legacy_owner}


_KIND_EXPORT = {"instagram": "Instagram export", "facebook": "Messenger export", "legacy": "Instagram export"}


def _same_account(a: Owner, b: Owner) -> bool:
    """Whether two profile files may name one account: the same username, or the same display
    name (a username changed between two exports); True when they share neither kind of name."""
    if a.handle and b.handle and a.handle.casefold() == b.handle.casefold():
        return True
    if a.name and b.name and a.name == b.name:
        return True
    return not ((a.handle and b.handle) or (a.name and b.name))


def _check_one_account(tree: ExportTree, profiles: list[_Profile]) -> None:
    """Refuse the exports of several accounts read as one: the owner would come from one of them,
    and the other's own messages would be scored as DMs received. Exports of one account (two
    date ranges, an older and a newer one) pass. Errors name inputs, never the accounts."""
    from autodm.loaders import ONE_EXPORT  # the package imports this module first

    for i, a in enumerate(profiles):
        for b in profiles[i + 1:]:
            if _same_account(a.owner, b.owner):
                continue
            ma, mb = tree.members[a.path], tree.members[b.path]
            what = _KIND_EXPORT[a.kind]
            if ma.container != mb.container:
                raise InputError(
                    f"{ma.container} is the {what} of one account and {mb.container} that of another "
                    f"(their {PurePosixPath(ma.path).name} name different owners): {ONE_EXPORT}"
                )
            raise InputError(
                f"{ma.container}: holds the {what}s of two accounts ({tree.display(a.path)} and "
                f"{tree.display(b.path)} name different owners); scan each export on its own"
            )


def _owner_of(profiles: list[_Profile], kind: str) -> Owner:
    """The owner named by the first profile file of this kind (Owner() when there is none)."""
    return next((p.owner for p in profiles if p.kind == kind), Owner())


def _every_thread(participants: list[set[str]]) -> str | None:
    """The one name present in every thread (needs 2+ threads), else None."""
    if len(participants) < 2:
        return None
    common = set.intersection(*participants)
    return next(iter(common)) if len(common) == 1 else None


# --------------------------------------------------------------------------- load


def _marker_counts(tree: ExportTree) -> tuple[int, int]:
    """How many paths of ``tree`` carry an Instagram marker, and how many a Facebook one."""
    ig = fb = 0
    for low in (p.lower() for p in tree.paths()):
        ig += any(mk in low for mk in IG_PATH_MARKERS)
        fb += any(mk in low for mk in FB_PATH_MARKERS)
    return ig, fb


def part_platform(tree: ExportTree) -> str | None:
    """instagram or facebook for one input of several, by its names and layout (the legacy
    messages.json is Instagram's, the E2EE download Messenger's); None when it does not say."""
    ig, fb = _marker_counts(tree)
    if ig != fb:
        return "instagram" if ig > fb else "facebook"
    found = _scan(tree)
    if found.legacy and not found.e2ee:
        return "instagram"
    if found.e2ee and not found.legacy:
        return "facebook"
    return None


def _path_platform(tree: ExportTree, found: _Found) -> str | None:
    ig, fb = _marker_counts(tree)
    ig += bool(found.legacy)
    if ig != fb:
        return "instagram" if ig > fb else "facebook"
    return None


def load(tree: ExportTree, skips: Skips, platform: str | None = None) -> Inbox:
    """Load an Instagram or Messenger export; ``platform`` (instagram | facebook) skips detection."""
    found = _scan(tree)
    if not (found.threads or found.legacy or found.e2ee):
        if found.html:
            raise InputError(
                f"{tree.name}: this Instagram/Messenger download is an HTML export; request a JSON "
                "export (Download your information -> Format: JSON)"
            )
        lone = _lone_threads(tree)
        if lone:
            raise InputError(
                f"{tree.display(lone[0])}: an Instagram/Messenger thread file outside its export "
                f"({len(lone)} such file{'s' if len(lone) > 1 else ''}); pass the whole export (its zip or "
                "unzipped folder): autodm needs its owner and follow lists to tell your messages from theirs"
            )
        looked_for = ("messages/inbox/<thread>/message_N.json (or message_requests/, filtered_threads/, "
                      "archived_threads/, e2ee_cutover/), messages.json or the E2EE download's thread files")
        if _has_export_files(tree):
            ig, fb = _marker_counts(tree)
            kind = "an Instagram" if ig > fb else "a Messenger" if fb > ig else "an Instagram/Messenger"
            raise InputError(
                f"{tree.name}: {kind} export without any messages (looked for {looked_for}); "
                "request a JSON export with Messages selected, and pass every part of it"
            )
        raise InputError(f"{tree.name}: no Instagram/Messenger messages found; expected {looked_for}")
    if found.ignored:
        skips.note("cross-app inbox thread files (ignored)", found.ignored)
    st = _State(reader=_Reader(tree))
    try:
        profiles = _read_profiles(tree, bool(found.legacy), skips, st.reader)
        _check_one_account(tree, profiles)
        return _load(tree, found, st, skips, platform, profiles)
    finally:
        st.reader.close()


def _load(tree: ExportTree, found: _Found, st: _State, skips: Skips, platform: str | None,
          profiles: list[_Profile]) -> Inbox:
    for conv in sorted(found.threads):
        _load_thread(tree, conv, found.threads[conv], st, skips)
        for layer in found.copies.get(conv, ()):
            # numbered apart from the first copy, so a message both hold gets the same id (and is
            # kept once by make_inbox) while one only this copy holds is added
            _load_thread(tree, conv, layer, st, skips)
    for path in found.e2ee:
        _load_e2ee(tree, path, st, skips)
    for path in found.e2ee_other:
        _check_e2ee_other(tree, path, st, skips)
    for path in found.legacy:
        _load_legacy(tree, path, st, skips)
    if st.first_bad is not None and not st.files_read and not found.legacy:
        raise st.first_bad  # no thread could be read: nothing good to keep, so say why
    if st.unsent:
        skips.note("unsent message (skipped)", st.unsent)

    if platform not in ("instagram", "facebook"):
        platform = _path_platform(tree, found)
        if platform is None:
            fb = bool(found.e2ee) or (st.fb_content and not st.ig_content)
            platform = "facebook" if fb else "instagram"

    kind = "legacy" if found.legacy else "instagram" if platform == "instagram" else "facebook"
    owner = _owner_of(profiles, kind)
    common = _every_thread(st.participants)
    if owner.id is None and common is not None:
        owner = Owner(id=common, name=common)
    elif owner.id is not None and common is not None and not any(owner.id in p for p in st.participants):
        owner = Owner(id=common, name=common, handle=owner.handle)  # renamed since the messages
    frows = _load_follows(tree, bool(found.legacy), skips, st.reader)
    return make_inbox(
        platform=platform, source=tree.name, messages=st.rows, follows=frows, owner=owner, skips=skips,
        message_times="epoch_ms", follow_times="auto",
    )
