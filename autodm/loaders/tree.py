"""One view over the files of an export, whether it came as zips, a folder or a single file.

Members are found by path suffix, case-insensitively, at any depth (people unzip into an extra
top folder). Nothing is ever extracted to disk: zip members are read into memory on demand.

An export is data from strangers, so the tree is defensive:

- **zip bombs**: a member over ``MAX_MEMBER_BYTES``, a member (over 1 MiB) whose header claims
  more than ``MAX_RATIO`` times its compressed size, an archive whose members claim more than
  ``MAX_TOTAL_BYTES`` (or more than ``MAX_RATIO`` times the zip's own size), or more than
  ``MAX_MEMBERS`` files is refused with an :class:`InputError`. Reads never go past the size a
  member's header claims (zipfile stops there and the CRC check fails on a lie), so a header
  that understates its size cannot inflate memory. Each limit has an ``AUTODM_<NAME>``
  environment variable (bytes, or a count).
- only **stored and deflate** members are read (what every platform exports): bzip2 and LZMA
  decompress without an output bound in zipfile, so they could hide a bomb; an **encrypted**
  member is refused with a clear error at open time.
- member names with ``..`` or a drive letter are ignored, absolute names made relative;
  **symlinks** (zip members marked as links, links inside a folder) are never followed;
  AppleDouble files (``__MACOSX/``, ``._name``) are ignored.
- a **zip inside the export** is not opened (its members would have to sit in memory, and a
  zip of zips is the classic recursive bomb): it is ignored with a warning that says to pass it
  as an input of its own.

What was ignored is logged (paths only) and listed in :attr:`ExportTree.ignored`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import stat
import struct
import weakref
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from autodm.errors import InputError, LimitError, one_line

log = logging.getLogger(__name__)

_BAD_ENV: list[str] = []


def _env_int(name: str, default: int) -> int:
    """A positive whole number from the environment, else ``default`` (a bad value is reported at open)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        _BAD_ENV.append(f"{name}={raw[:40]!r}: expected a positive whole number (bytes or a count)")
        return default
    return value


#: The byte-order marks of UTF-16 (little- and big-endian): a CSV a spreadsheet saved as "Unicode Text".
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
#: Refuse a member larger than this when uncompressed (bytes); AUTODM_MAX_MEMBER_BYTES overrides.
MAX_MEMBER_BYTES = _env_int("AUTODM_MAX_MEMBER_BYTES", 4 * 1024**3)
#: Refuse a member (or archive) that claims over this many times its compressed size; AUTODM_MAX_RATIO.
MAX_RATIO = _env_int("AUTODM_MAX_RATIO", 1000)
#: Refuse an export whose files add up to more than this (bytes); AUTODM_MAX_TOTAL_BYTES.
MAX_TOTAL_BYTES = _env_int("AUTODM_MAX_TOTAL_BYTES", 64 * 1024**3)
#: Refuse an export with more files than this; AUTODM_MAX_MEMBERS.
MAX_MEMBERS = _env_int("AUTODM_MAX_MEMBERS", 500_000)
#: The ratio limit applies only above this size: small members cannot hurt.
RATIO_FLOOR = 1024**2

_READABLE_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
_METHOD_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA", 9: "deflate64", 93: "zstd",
                 98: "PPMd", 99: "AES encryption"}
#: What a corrupt zip can make zipfile raise, beyond BadZipFile.
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, struct.error,
              zlib.error, NotImplementedError, UnicodeDecodeError, KeyError, IndexError, OverflowError)
#: Bytes read from the start of a member to tell what it is.
HEAD_BYTES = 65536
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
#: Reasons in :attr:`ExportTree.ignored`.
NESTED_ZIP = "zip inside the export"
SYMLINK = "symlink"
UNSAFE_NAME = "unsafe name (.. or a drive letter)"
APPLE_DOUBLE = "macOS metadata file"
NOT_REGULAR = "not a regular file"
UNREADABLE = "unreadable file or folder"
SAME_FILE = "exact copy of a file in another input"
#: How a second, different file at the same path in another input is named in the tree
#: (``<input 2>/messages.csv``): a folder of its own, so suffix and pattern look-ups still find it.
_COPY_MARK = "<input "


@dataclass(frozen=True)
class Member:
    """A file inside the export: where it lives and its path relative to the export root."""

    path: str  # posix path relative to the container root, as found
    container: Path  # the zip file, the folder, or the single file itself
    kind: str  # "zip" | "dir" | "file"
    size: int
    compressed: int
    inner: str = ""  # the name inside the zip, when it differs from ``path``
    index: int = -1  # position in the zip's central directory (exact even with duplicate names)
    #: (header offset, CRC-32, method, flags) from the zip's directory, for :func:`read_raw_member`
    raw: tuple[int, int, int, int] | None = field(default=None, repr=False, compare=False)


class ExportTree:
    """The files of one export, from one or more zips, folders or single files.

    >>> tree = ExportTree.open([Path("twitter-2024.zip")])      # doctest: +SKIP
    >>> tree.find("data/account.js")                            # doctest: +SKIP
    ['twitter-2024/data/account.js']
    """

    def __init__(self, members: dict[str, Member], sources: list[Path],
                 ignored: Counter[str] | None = None) -> None:
        self.members = members
        self.sources = sources
        #: Files left out on purpose, by reason ("zip inside the export", "symlink", ...).
        self.ignored: Counter[str] = ignored if ignored is not None else Counter()
        self._lower = {p.lower(): p for p in members}
        self._zips: dict[Path, zipfile.ZipFile] = {}
        self._finalizer = weakref.finalize(self, _close_all, self._zips)

    @classmethod
    def open(cls, paths: list[Path]) -> ExportTree:
        """Index the given zips / folders / files; raise InputError naming a bad one."""
        if _BAD_ENV:
            raise InputError(f"environment variable {_BAD_ENV[0]}")
        members: dict[str, Member] = {}
        ignored: Counter[str] = Counter()
        total = 0
        for path in paths:
            skipped: Counter[str] = Counter()
            try:
                if not path.exists():
                    raise InputError(f"{path}: no such file or folder")
                if path.is_dir():
                    found = _index_dir(path, skipped)
                elif _looks_like_zip(path):
                    found = _index_zip(path, skipped)
                else:
                    size = path.stat().st_size
                    found = [Member(path.name, path, "file", size, size)]
            except OSError as e:  # a name too long, a permission denied on the way ...
                raise InputError(f"{_short(str(path))}: cannot read ({e.strerror or e})") from None
            _note_ignored(path, skipped)
            ignored.update(skipped)
            for m in found:
                total += m.size
                key = m.path
                first = members.get(key)
                if first is not None and first.container != m.container:
                    # the same file name in another input (LinkedIn's Basic and Complete zips,
                    # Instagram's date-range exports, an older and a newer archive): an exact copy
                    # adds nothing, a different one is kept too, under a name of its own
                    if _same_content(first, m):
                        ignored[SAME_FILE] += 1
                        continue
                    n = 2
                    while (key := f"{_COPY_MARK}{n}>/{m.path}") in members:
                        n += 1
                members.setdefault(key, m)
                if len(members) > MAX_MEMBERS:
                    raise LimitError(
                        f"{path}: more than {MAX_MEMBERS} files in the export; "
                        "set AUTODM_MAX_MEMBERS to allow more"
                    )
            if total > MAX_TOTAL_BYTES:
                raise LimitError(
                    f"{path}: the export unpacks to over {MAX_TOTAL_BYTES} bytes; refusing it "
                    "(set AUTODM_MAX_TOTAL_BYTES to allow more)"
                )
        return cls(members, list(paths), ignored)

    def close(self) -> None:
        """Close the zip files opened for reading (also done when the tree is garbage-collected)."""
        _close_all(self._zips)

    def __enter__(self) -> ExportTree:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def name(self) -> str:
        return ", ".join(str(p) for p in self.sources)

    def paths(self) -> list[str]:
        return list(self.members)

    def find(self, suffix: str) -> list[str]:
        """Members whose path ends with ``suffix`` (whole path components), any case, any depth."""
        s = suffix.lower().lstrip("/")
        return sorted(
            orig for low, orig in self._lower.items() if low == s or low.endswith("/" + s)
        )

    def match(self, pattern: str | re.Pattern[str]) -> list[str]:
        """Members whose lowercased path matches the regex (searched, not anchored)."""
        rx = re.compile(pattern) if isinstance(pattern, str) else pattern
        return sorted(orig for low, orig in self._lower.items() if rx.search(low))

    def display(self, path: str) -> str:
        """How to name a member in a message: ``export.zip:data/account.js``."""
        m = self.members[path]
        if m.kind == "file":
            return str(m.container)
        return f"{m.container}:{m.path}" if m.kind == "zip" else str(m.container / m.path)

    def read_bytes(self, path: str) -> bytes:
        """The member's bytes, refusing members over the size or ratio limits.

        A zip member is read from a zip kept open between reads (an export of thousands of
        files is read in linear time) and never past the size its header claims.
        """
        m = self.members[path]
        if m.size > MAX_MEMBER_BYTES:
            raise LimitError(
                f"{self.display(path)}: {m.size} bytes{' uncompressed' if m.kind == 'zip' else ''} is "
                f"over the {MAX_MEMBER_BYTES}-byte limit (set AUTODM_MAX_MEMBER_BYTES to allow more)"
            )
        if m.kind != "zip":
            return self._read_file(m)
        if m.size > RATIO_FLOOR and m.size / max(m.compressed, 1) > MAX_RATIO:
            raise LimitError(
                f"{self.display(path)}: compression ratio {m.size // max(m.compressed, 1)}:1 "
                f"is over {MAX_RATIO}:1, which looks like a zip bomb; refusing it "
                "(set AUTODM_MAX_RATIO to allow more)"
            )
        try:
            zf = self._zip(m.container)
            info = zf.infolist()[m.index] if m.index >= 0 else zf.getinfo(m.inner or m.path)
            with zf.open(info) as fh:
                # zipfile never returns more than the header's file_size (and fails the CRC check
                # when the data is longer), so this read is bounded by a size already checked
                return fh.read(m.size + 1)
        except RuntimeError as e:  # encrypted member (refused at open; kept for safety)
            raise InputError(f"{self.display(path)}: {e}; export it again without a password") from None
        except ZIP_ERRORS as e:
            raise InputError(f"{self.display(path)}: cannot read this zip member ({_why(e)}); "
                             "the download looks corrupt or truncated") from None

    def read_head(self, path: str, n: int = HEAD_BYTES) -> bytes:
        """The first ``n`` bytes of a member, to sniff its kind; b"" when it cannot be read (a
        link out of an export folder included: sniffing never follows one either)."""
        m = self.members[path]
        try:
            if m.kind == "zip":
                zf = self._zip(m.container)
                info = zf.infolist()[m.index] if m.index >= 0 else zf.getinfo(m.inner or m.path)
                with zf.open(info) as fh:
                    return fh.read(n)
            _, fd = self._open_file(m)
            with os.fdopen(fd, "rb") as fh:
                return fh.read(n)
        except (*ZIP_ERRORS, RuntimeError, InputError):  # RuntimeError: an encrypted member
            return b""

    def read_text(self, path: str) -> str:
        """The member decoded as UTF-8 (a BOM is accepted), or UTF-16 with its BOM (a CSV re-saved
        by a spreadsheet); InputError when it is neither."""
        data = self.read_bytes(path)
        try:
            if data.startswith(UTF16_BOMS):
                return data.decode("utf-16")
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            line = data.count(b"\n", 0, e.start) + 1
            raise InputError(
                f"{self.display(path)}: not UTF-8 text (bad byte at line {line}, offset {e.start}); "
                "expected the export's file unchanged"
            ) from None

    def _zip(self, container: Path) -> zipfile.ZipFile:
        zf = self._zips.get(container)
        if zf is None:
            zf = self._zips[container] = zipfile.ZipFile(container)
        return zf

    @staticmethod
    def _open_file(m: Member) -> tuple[Path, int]:
        """A plain file's path and an open descriptor: never through a link out of the export folder."""
        file = m.container if m.kind == "file" else m.container / m.path
        if m.kind == "dir":
            root = os.path.realpath(m.container)
            real = os.path.realpath(file)
            if os.path.commonpath([root, real]) != root or os.path.islink(file):
                raise InputError(f"{file}: is a link; autodm never follows links inside an export folder")
        flags = os.O_RDONLY | (getattr(os, "O_NOFOLLOW", 0) if m.kind == "dir" else 0)
        try:
            return file, os.open(file, flags)
        except OSError as e:
            raise InputError(f"{file}: cannot read ({e.strerror})") from None

    def _read_file(self, m: Member) -> bytes:
        """A plain file's bytes: never through a link out of the export folder, never past the limit."""
        file, fd = self._open_file(m)
        with os.fdopen(fd, "rb") as fh:
            try:
                st = os.fstat(fh.fileno())
                if stat.S_ISREG(st.st_mode) and st.st_size > MAX_MEMBER_BYTES:
                    raise LimitError(f"{file}: {st.st_size} bytes is over the {MAX_MEMBER_BYTES}-byte "
                                     "limit (set AUTODM_MAX_MEMBER_BYTES to allow more)")
                return _read_capped(fh, st.st_size if stat.S_ISREG(st.st_mode) else 0, str(file))
            except OSError as e:
                raise InputError(f"{file}: cannot read ({e.strerror})") from None


def _read_capped(fh: BinaryIO, expect: int, name: str) -> bytes:
    """Read ``fh`` to the end, refusing more than MAX_MEMBER_BYTES (pipes, growing files)."""
    data = fh.read(expect + 1) if expect else b""
    if expect and len(data) <= expect:
        return data
    chunks = [data]
    total = len(data)
    while True:
        block = fh.read(1024**2)
        if not block:
            return b"".join(chunks)
        total += len(block)
        if total > MAX_MEMBER_BYTES:
            raise LimitError(f"{name}: more than {MAX_MEMBER_BYTES} bytes; refusing it "
                             "(set AUTODM_MAX_MEMBER_BYTES to allow more)")
        chunks.append(block)


def _same_content(a: Member, b: Member) -> bool:
    """Whether two members hold the same bytes: same size and CRC-32 (from a zip's directory,
    or computed for a plain file; two files of different sizes are never read)."""
    if a.size != b.size:
        return False
    crc_a, crc_b = _crc(a), _crc(b)
    return crc_a is not None and crc_a == crc_b


def _crc(m: Member) -> int | None:
    if m.raw is not None:
        return m.raw[1]
    if m.kind == "zip":
        return None
    try:
        _, fd = ExportTree._open_file(m)
    except InputError:
        return None
    crc = 0
    with os.fdopen(fd, "rb") as fh:
        try:
            while chunk := fh.read(1 << 20):
                crc = zlib.crc32(chunk, crc)
        except OSError:
            return None  # unreadable now: kept as a file of its own, whose read says what is wrong
    return crc


def _close_all(zips: dict[Path, zipfile.ZipFile]) -> None:
    for zf in zips.values():
        with contextlib.suppress(Exception):
            zf.close()
    zips.clear()


def _short(text: str, limit: int = 200) -> str:
    """``text`` cut to ``limit`` characters for a message."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _why(e: BaseException) -> str:
    """A short reason for a zip read error (zipfile's messages name members, never their contents)."""
    return _short(str(e) or type(e).__name__, 120)


def _looks_like_zip(path: Path) -> bool:
    """A ``.zip`` name, or a file that starts like a zip (a renamed download)."""
    if path.suffix.lower() == ".zip":
        return True
    try:
        with open(path, "rb") as fh:
            return fh.read(4) in _ZIP_MAGIC
    except OSError:
        return False


def _declared_entries(path: Path) -> int | None:
    """The number of entries the zip's end record declares, read before parsing the directory."""
    try:
        with open(path, "rb") as fh:
            end = zipfile._EndRecData(fh)  # the stdlib's own end-of-directory reader
    except ZIP_ERRORS:
        return None
    return None if not end else int(end[zipfile._ECD_ENTRIES_TOTAL])


def _index_zip(path: Path, ignored: Counter[str]) -> list[Member]:
    declared = _declared_entries(path)
    if declared is not None and declared > MAX_MEMBERS:
        raise LimitError(f"{path}: {declared} files in the zip is more than {MAX_MEMBERS}; "
                         "set AUTODM_MAX_MEMBERS to allow more")
    try:
        zf = zipfile.ZipFile(path)
    except ZIP_ERRORS as e:
        raise InputError(f"{path}: not a readable zip file ({_why(e)}); corrupt or truncated download?") from None
    out: list[Member] = []
    nested: list[str] = []
    total = 0
    with zf:
        for i, info in enumerate(zf.infolist()):
            if info.is_dir():
                continue
            name = _safe_member_name(info.filename)
            if name is None:
                ignored[UNSAFE_NAME] += 1
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                ignored[SYMLINK] += 1  # symlinks inside a zip are never followed
                continue
            if _apple_double(name):
                ignored[APPLE_DOUBLE] += 1
                continue
            if info.flag_bits & 0x1:
                raise InputError(
                    f"{path}:{name}: the zip is encrypted (password-protected); export it again "
                    "without a password, or unzip it yourself and pass the folder"
                )
            if info.compress_type not in _READABLE_METHODS:
                method = _METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
                raise InputError(
                    f"{path}:{name}: compressed with {method}; autodm reads zips with standard "
                    "(deflate) compression, as the platforms export them: unzip it and pass the folder"
                )
            if name.lower().endswith(".zip"):
                nested.append(name)
                continue
            total += info.file_size
            out.append(Member(name, path, "zip", info.file_size, info.compress_size, info.filename, i,
                              (info.header_offset, info.CRC, info.compress_type, info.flag_bits)))
    archive = max(path.stat().st_size, 1)
    if total > RATIO_FLOOR and total / archive > MAX_RATIO:
        raise LimitError(
            f"{path}: its files claim {total} bytes from a {archive}-byte zip (over {MAX_RATIO}:1), "
            "which looks like a zip bomb; refusing it (set AUTODM_MAX_RATIO to allow more)"
        )
    _note_nested(path, nested, ignored)
    return out


def _note_nested(where: Path, nested: list[str], ignored: Counter[str]) -> None:
    if not nested:
        return
    ignored[NESTED_ZIP] += len(nested)
    shown = ", ".join(nested[:3]) + (f" and {len(nested) - 3} more" if len(nested) > 3 else "")
    log.warning("%s: ignored %d zip file(s) inside the export (%s); autodm does not open a zip in a "
                "zip or folder: pass each one as an input of its own", one_line(str(where)), len(nested),
                one_line(shown))


def _note_ignored(where: Path, ignored: Counter[str]) -> None:
    """Log what was left out (a warning for the suspicious, info for macOS metadata)."""
    odd = {k: v for k, v in ignored.items() if k not in (NESTED_ZIP, APPLE_DOUBLE)}
    if odd:
        # "symlink (752)": the reasons are nouns in the singular, so no count goes before them
        log.warning("%s: ignored %d file(s): %s", one_line(str(where)), sum(odd.values()),
                    ", ".join(f"{k} ({v})" for k, v in sorted(odd.items())))
    if ignored[APPLE_DOUBLE]:
        log.info("%s: ignored %d macOS metadata files", one_line(str(where)), ignored[APPLE_DOUBLE])


def read_raw_member(fh: BinaryIO, m: Member) -> bytes | None:
    """A zip member's bytes read straight from the open archive ``fh``; None when anything is unusual.

    For exports of many small files, where ``ZipFile.open`` costs more than the data: the same
    checks zipfile makes (local header signature and name, sizes, CRC-32), and None, for the
    caller to read the member through zipfile (and its errors), on any mismatch.
    """
    if m.raw is None or m.size > MAX_MEMBER_BYTES:
        return None
    offset, crc, method, flags = m.raw
    if flags & 0x61 or method not in _READABLE_METHODS:  # encrypted, patched or strongly encrypted
        return None
    if m.compressed > m.size + m.size // 1000 + 1024:  # more than deflate can add: read no such span
        return None
    try:
        fh.seek(offset)
        head = fh.read(30)
        if len(head) != 30 or head[:4] != b"PK\x03\x04":
            return None
        n_name, n_extra = struct.unpack_from("<HH", head, 26)
        if fh.read(n_name) != m.inner.encode("utf-8" if flags & 0x800 else "cp437"):
            return None
        fh.seek(n_extra, 1)
        raw = fh.read(m.compressed)
        if len(raw) != m.compressed:
            return None
        if method == zipfile.ZIP_DEFLATED:
            d = zlib.decompressobj(-15)
            data = d.decompress(raw, m.size + 1)
            if not d.eof:
                return None
        else:
            data = raw
    except (OSError, zlib.error, UnicodeEncodeError, ValueError, OverflowError):
        return None
    return data if len(data) == m.size and zlib.crc32(data) == crc else None


def _apple_double(name: str) -> bool:
    """macOS zip metadata: ``__MACOSX/...`` and ``._name`` files (never export data)."""
    return name.startswith("__MACOSX/") or name.rpartition("/")[2].startswith("._")


#: A member name already relative and clean: segments of ordinary characters, none starting with ".".
_PLAIN_NAME = re.compile(r"[^/\\\x00.:][^/\\\x00:]*(?:/[^/\\\x00.][^/\\\x00]*)*")


def _safe_member_name(name: str) -> str | None:
    """A zip member's path made relative; names that climb out (``..``) are dropped."""
    if _PLAIN_NAME.fullmatch(name):
        return name  # what _any_member_name returns for it, without building a path
    return _any_member_name(name)


def _any_member_name(name: str) -> str | None:
    """:func:`_safe_member_name` for any name."""
    p = PurePosixPath(name.replace("\\", "/"))
    parts = [x for x in p.parts if x not in ("/", "", ".")]
    if not parts or ".." in parts or re.match(r"^[A-Za-z]:$", parts[0]) or "\x00" in name:
        return None
    return "/".join(parts)


def _index_dir(root: Path, ignored: Counter[str]) -> list[Member]:
    out: list[Member] = []
    nested: list[str] = []

    def unreadable(_: OSError) -> None:
        ignored[UNREADABLE] += 1

    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=unreadable):
        linked = {d for d in dirnames if os.path.islink(os.path.join(dirpath, d))}
        if linked:
            ignored[SYMLINK] += len(linked)  # os.walk would not enter them either; counted here
        dirnames[:] = sorted(d for d in dirnames if d not in linked)
        for fn in sorted(filenames):
            full = Path(dirpath) / fn
            try:
                st = full.lstat()
            except OSError:
                ignored[UNREADABLE] += 1
                continue
            if stat.S_ISLNK(st.st_mode):
                ignored[SYMLINK] += 1
                continue
            if not stat.S_ISREG(st.st_mode):
                ignored[NOT_REGULAR] += 1  # a FIFO or device would block or never end
                continue
            rel = full.relative_to(root).as_posix()
            if _apple_double(rel):
                ignored[APPLE_DOUBLE] += 1
            elif fn.lower().endswith(".zip"):
                nested.append(rel)
            else:
                out.append(Member(rel, root, "dir", st.st_size, st.st_size))
    _note_nested(root, nested, ignored)
    return out
