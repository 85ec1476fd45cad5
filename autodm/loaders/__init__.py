"""Loaders: one module per export family, each turning an export into an :class:`Inbox`.

``load_inbox(paths)`` is the one entry point: it indexes the files (zips, folders, single files),
detects the family, loads, adds ``--follows`` times and returns the Inbox.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd

from autodm.errors import InputError, LimitError, RecordError, one_line
from autodm.inbox import Inbox, Skips, follows_frame
from autodm.loaders import canonical, linkedin, meta, x
from autodm.loaders import tree as tree_mod
from autodm.loaders.tree import ExportTree

log = logging.getLogger(__name__)

#: Detection order: platform layouts first, the single-file canonical format last.
FAMILIES: dict[str, ModuleType] = {"x": x, "meta": meta, "linkedin": linkedin, "canonical": canonical}
PLATFORM_FAMILY = {
    "x": "x", "instagram": "meta", "facebook": "meta", "linkedin": "linkedin",
    "canonical": "canonical",
}
LOOKED_FOR = (
    "X: data/direct-messages*.js; Instagram/Messenger: messages/inbox/<thread>/message_N.json "
    "or messages.json; LinkedIn: messages.csv, Connections.csv or Invitations.csv; autodm: one .json, .jsonl "
    "or .csv file"
)


def detect(tree: ExportTree) -> str:
    """Name the export family of ``tree`` (x, meta, linkedin, canonical) or raise InputError."""
    for name, module in FAMILIES.items():
        if module.detect(tree):
            return name
    raise InputError(f"{tree.name}: not a DM export autodm knows; looked for {LOOKED_FOR}")


def read_stdin() -> bytes:
    """All of stdin, refused past the limit a single file has (``AUTODM_MAX_MEMBER_BYTES``)."""
    limit = tree_mod.MAX_MEMBER_BYTES
    data = sys.stdin.buffer.read(limit + 1)
    if len(data) > limit:
        raise LimitError(f"stdin: more than the {limit}-byte limit of one input "
                         "(set AUTODM_MAX_MEMBER_BYTES to allow more)")
    return data


def load_inbox(
    paths: list[Path] | list[str],
    *,
    platform: str | None = None,
    strict: bool = False,
    follows: Path | None = None,
) -> Inbox:
    """Load one export (its zips, folder or file; ``-`` = canonical JSON/JSONL/CSV on stdin).

    >>> inbox = load_inbox(["data/examples/inbox.json"])       # doctest: +SKIP
    """
    skips = Skips(strict=strict)
    try:
        inbox = _load(paths, platform, skips)
    except RecordError:
        raise
    except InputError as e:
        if skips.total and NO_MESSAGES in str(e):  # every record bad: say which, and why
            raise type(e)(f"{e}; {skip_summary(skips)}") from e
        raise
    if follows is not None:
        inbox = add_follows(inbox, follows)
    return inbox


#: What make_inbox says when an export holds no message it could read.
NO_MESSAGES = "no readable messages found"
#: Reasons named in an error line at most (the rest are counted).
SUMMARY_REASONS = 3


def skip_summary(skips: Skips) -> str:
    """The skipped records in one phrase, as the warning after a load gives them: how many, each
    reason with its count, where it was first met and what was expected there.

    >>> s = Skips(); s.skip("a.json", 1, "text is not a string", "text as a string"); skip_summary(s)
    'skipped 1 bad record: text is not a string (1; first at a.json: record 1; expected text as a string)'
    """
    parts: list[str] = []
    for reason, n in list(skips.counts.items())[:SUMMARY_REASONS]:  # in the order first met
        said = [str(n)]
        if reason in skips.first:
            said.append(f"first at {skips.first[reason]}")
        if reason in skips.expected:
            said.append(f"expected {skips.expected[reason]}")
        parts.append(f"{reason} ({'; '.join(said)})")
    if (more := len(skips.counts) - SUMMARY_REASONS) > 0:
        parts.append(f"and {more} other reason{'s' if more > 1 else ''}")
    total = skips.total
    return f"skipped {total} bad record{'s' if total != 1 else ''}: " + ", ".join(parts)


def _load(paths: list[Path] | list[str], platform: str | None, skips: Skips) -> Inbox:
    """:func:`load_inbox` without ``--follows``."""
    if [str(p) for p in paths] == ["-"]:
        if platform not in (None, "canonical"):
            raise InputError(f"stdin: only autodm's canonical format can be read from stdin, not {platform}")
        data = read_stdin()
        if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            raise InputError("stdin: this is a zip; give its path instead (autodm scan export.zip): an export "
                             "is read from a file, only autodm's canonical JSON/JSONL/CSV from stdin")
        inbox = canonical.load_bytes(data, "<stdin>", skips)
    else:
        if not paths:
            raise InputError("no input given; expected an export zip, folder or file")
        tree = ExportTree.open([Path(p) for p in paths])
        if not tree.members:
            if tree.ignored[tree_mod.NESTED_ZIP]:
                raise InputError(f"{tree.name}: holds only zip files, which autodm does not open inside a "
                                 "folder or zip; pass the zip itself (autodm scan FOLDER/export.zip)")
            raise InputError(f"{tree.name}: the export is empty (no files in it)")
        if platform is not None and platform not in PLATFORM_FAMILY:
            raise InputError(f"unknown platform {platform!r}; expected one of {', '.join(PLATFORM_FAMILY)}")
        family = PLATFORM_FAMILY[platform] if platform else detect(tree)
        if platform is None:  # --platform skips detection, and this check with it
            if len(paths) > 1:
                check_one_export([Path(p) for p in paths])
            else:
                check_one_tree(tree)
        inbox = FAMILIES[family].load(tree, skips, platform)
    _warn_if_owner_unknown(inbox)  # stdin too
    return inbox


def _warn_if_owner_unknown(inbox: Inbox) -> None:
    """An export whose owner could not be told (one thread of an encrypted Messenger download, a
    LinkedIn export with one conversation) has none of its messages marked outgoing: the owner's
    own messages are then scored as received. Say so rather than let them pass for a stranger's."""
    if inbox.owner_side_known or inbox.messages.empty:
        return
    if inbox.platform == "canonical":
        log.warning("%s: no owner and no message marked outgoing, so whether you wrote or replied is "
                    "unknown and counts for nothing; your own messages, if any, are scored as received",
                    one_line(inbox.source))
        return
    log.warning("%s: could not tell which account is yours (no profile file, and no sender in every "
                "conversation), so your own messages, if any, are scored as received; whether you "
                "replied counts for nothing", one_line(inbox.source))


#: What each kind of export is called in an error.
KIND_NAMES = {"x": "an X archive", "instagram": "an Instagram export", "facebook": "a Messenger export",
              "meta": "an Instagram/Messenger export", "linkedin": "a LinkedIn export",
              "canonical": "an autodm file"}
ONE_EXPORT = "several inputs must be parts of one export; scan them one at a time"


def check_one_export(paths: list[Path]) -> None:
    """Several inputs must be parts of one export: an X archive beside an autodm file would be read
    as the archive alone, silently dropping the other's messages. Parts that say nothing on their
    own (a zip of media) pass."""
    kinds: dict[str, Path] = {}
    accounts: dict[str, Path] = {}  # X: one archive per account; two would share member paths, and one would vanish
    for path in paths:
        with ExportTree.open([path]) as part:
            check_one_tree(part)  # a part that is itself two exports (a folder holding both)
            try:
                family = detect(part)
                if family == "canonical" and not _looks_canonical(path, part):
                    continue  # one platform file of a split export (followers_1.json, Profile.csv)
                kind = (meta.part_platform(part) or "meta") if family == "meta" else family
                owner = x.part_owner(part) if family == "x" else None
            except InputError:
                continue  # an export's part without messages of its own; the whole is checked as one
        kinds.setdefault(kind, path)
        if owner is not None:
            accounts.setdefault(owner, path)
    if len(accounts) > 1:
        (a1, p1), (a2, p2) = list(accounts.items())[:2]
        raise InputError(f"{p1} is the X archive of account {a1} and {p2} that of account {a2}: {ONE_EXPORT}")
    if "meta" in kinds and len(kinds) == 2 and {"instagram", "facebook"} & kinds.keys():
        kinds.pop("meta")  # an unmarked Meta part beside a marked one: one export
    if len(kinds) > 1:
        (k1, p1), (k2, p2) = list(kinds.items())[:2]
        raise InputError(f"{p1} is {KIND_NAMES[k1]} and {p2} is {KIND_NAMES[k2]}: {ONE_EXPORT}")


#: Paths only an Instagram export has, and paths only a Messenger export has (meta's own markers).
_META_MARKERS = {kind: re.compile("|".join(map(re.escape, markers)))
                 for kind, markers in (("instagram", meta.IG_PATH_MARKERS), ("facebook", meta.FB_PATH_MARKERS))}


def check_one_tree(tree: ExportTree) -> None:
    """One folder or zip must hold one export. Two unzipped side by side were read as one tree:
    an Instagram and a Messenger export merged into one inbox under one platform, an X archive
    beside an Instagram export read alone (the first family detected), the other's messages
    dropped without a word. Refused as several inputs from different exports are, naming a path
    that shows each (a marker folder or file, never a thread folder: those hold people's names)."""
    kinds = kinds_in(tree)
    if len(kinds) > 1:
        (k1, w1), (k2, w2) = list(kinds.items())[:2]
        raise InputError(f"{tree.name}: holds {KIND_NAMES[k1]} ({w1}) and {KIND_NAMES[k2]} ({w2}): {ONE_EXPORT}")


def kinds_in(tree: ExportTree) -> dict[str, str]:
    """Every kind of export whose files ``tree`` holds (x, instagram, facebook, meta when Meta's
    files do not say which, linkedin), each with a member path that shows it. A lone file is
    its one kind: autodm's own format is never looked for inside a folder (a scan's output saved
    there has its columns)."""
    kinds: dict[str, str] = {}
    if x.detect(tree):
        kinds["x"] = (tree.match(x.DM_RE) or tree.find(x.ACCOUNT))[0]
    if meta.detect(tree):
        kinds.update(_meta_kinds(tree))
    if linkedin.detect(tree):
        csvs = (linkedin.MESSAGES, linkedin.CONNECTIONS, linkedin.INVITATIONS)
        kinds["linkedin"] = next(p for name in csvs for p in tree.find(name))
    return kinds


def _meta_kinds(tree: ExportTree) -> dict[str, str]:
    """instagram and/or facebook by the paths only one of the two exports has (the markers that
    decide the platform of one export), with the path up to its first marker; else meta."""
    found: dict[str, tuple[str, str]] = {}  # kind: (the first path in order with its marker, its shown part)
    for path in tree.paths():
        low = path.lower()
        for kind, rx in _META_MARKERS.items():
            if (m := rx.search(low)) and (kind not in found or path < found[kind][0]):
                found[kind] = (path, path[:m.end()])
    if found:
        return {kind: shown for kind, (_, shown) in sorted(found.items())}
    threads = tree.match(meta.THREAD_RE)
    if threads:
        m = meta.THREAD_RE.search(threads[0])
        return {"meta": threads[0][:m.start(2)] if m else threads[0]}  # up to the thread folder
    first = sorted(p for p in tree.paths() if p.lower().endswith(".json"))
    return {"meta": first[0].rsplit("/", 1)[0] + "/" if first and "/" in first[0] else "its JSON files"}


def _looks_canonical(path: Path, part: ExportTree) -> bool:
    """Whether a lone .json/.jsonl/.csv input holds autodm's own messages (their sender_id),
    judged on its first 64 KiB: not a platform file that is one part of a split export."""
    first = part.paths()[0]
    if part.members[first].size == 0:
        return False  # an empty part says nothing of its own; the whole export is checked as one
    head = part.read_head(first)
    return not head or b"sender_id" in head.lower()  # unreadable: the autodm file it looks like


def add_follows(inbox: Inbox, path: Path) -> Inbox:
    """Add follow times from a CSV/JSON file (``--follows``) to those the export has."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot read the follows file ({e.strerror})") from None
    rows = canonical.load_follows_file(data, str(path), inbox.skips)
    extra = follows_frame(rows, "auto", inbox.skips)
    if extra.empty:
        raise InputError(f"{path}: no follows in the file; expected user_id, followed_at rows")
    frames = [f for f in (inbox.follows, extra) if not f.empty]
    inbox.follows = pd.concat(frames, ignore_index=True)
    return inbox


__all__ = ["FAMILIES", "ExportTree", "detect", "load_inbox"]
