"""One view over the files of an export, whether it came as zips, a folder or a single file.

Members are found by path suffix, case-insensitively, at any depth (people unzip into an extra
top folder). Nothing is ever extracted to disk: zip members are read into memory on demand,
with limits on their size and compression ratio so a zip bomb is refused, not expanded.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from autodm.errors import InputError

#: Refuse a member larger than this when uncompressed (bytes); AUTODM_MAX_MEMBER_BYTES overrides.
MAX_MEMBER_BYTES = int(os.environ.get("AUTODM_MAX_MEMBER_BYTES", 4 * 1024**3))
#: Refuse a member whose uncompressed size exceeds its compressed size this many times.
MAX_RATIO = int(os.environ.get("AUTODM_MAX_RATIO", 1000))
#: Refuse an archive whose members add up to more than this (bytes).
MAX_TOTAL_BYTES = int(os.environ.get("AUTODM_MAX_TOTAL_BYTES", 64 * 1024**3))
#: Refuse an archive with more members than this.
MAX_MEMBERS = int(os.environ.get("AUTODM_MAX_MEMBERS", 500_000))


@dataclass(frozen=True)
class Member:
    """A file inside the export: where it lives and its path relative to the export root."""

    path: str  # posix path relative to the container root, as found
    container: Path  # the zip file, the folder, or the single file itself
    kind: str  # "zip" | "dir" | "file"
    size: int
    compressed: int
    inner: str = ""  # the name inside the zip, when it differs from ``path``


class ExportTree:
    """The files of one export, from one or more zips, folders or single files.

    >>> tree = ExportTree.open([Path("twitter-2024.zip")])      # doctest: +SKIP
    >>> tree.find("data/account.js")                            # doctest: +SKIP
    ['twitter-2024/data/account.js']
    """

    def __init__(self, members: dict[str, Member], sources: list[Path]) -> None:
        self.members = members
        self.sources = sources
        self._lower = {p.lower(): p for p in members}

    @classmethod
    def open(cls, paths: list[Path]) -> ExportTree:
        """Index the given zips / folders / files; raise InputError naming a bad one."""
        members: dict[str, Member] = {}
        total = 0
        for path in paths:
            if not path.exists():
                raise InputError(f"{path}: no such file or folder")
            if path.is_dir():
                found = _index_dir(path)
            elif zipfile.is_zipfile(path):
                found = _index_zip(path)
            elif path.suffix.lower() == ".zip":
                raise InputError(f"{path}: not a readable zip file (corrupt or truncated download?)")
            else:
                found = [Member(path.name, path, "file", path.stat().st_size, path.stat().st_size)]
            for m in found:
                total += m.size
                members.setdefault(m.path, m)
            if len(members) > MAX_MEMBERS:
                raise InputError(
                    f"{path}: more than {MAX_MEMBERS} files in the export; "
                    "set AUTODM_MAX_MEMBERS to allow more"
                )
            if total > MAX_TOTAL_BYTES:
                raise InputError(
                    f"{path}: the export unpacks to over {MAX_TOTAL_BYTES} bytes; refusing it "
                    "(set AUTODM_MAX_TOTAL_BYTES to allow more)"
                )
        return cls(members, list(paths))

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
        return f"{m.container}:{path}" if m.kind == "zip" else str(m.container / path)

    def read_bytes(self, path: str) -> bytes:
        """The member's bytes, refusing members over the size or ratio limits."""
        m = self.members[path]
        if m.size > MAX_MEMBER_BYTES:
            raise InputError(
                f"{self.display(path)}: {m.size} bytes uncompressed is over the "
                f"{MAX_MEMBER_BYTES}-byte limit (set AUTODM_MAX_MEMBER_BYTES to allow more)"
            )
        if m.kind != "zip":
            file = m.container if m.kind == "file" else m.container / path
            try:
                return file.read_bytes()
            except OSError as e:
                raise InputError(f"{file}: cannot read ({e.strerror})") from None
        if m.compressed and m.size / max(m.compressed, 1) > MAX_RATIO and m.size > 1024**2:
            raise InputError(
                f"{self.display(path)}: compression ratio {m.size // max(m.compressed, 1)}:1 "
                f"is over {MAX_RATIO}:1, which looks like a zip bomb; refusing it "
                "(set AUTODM_MAX_RATIO to allow more)"
            )
        try:
            with zipfile.ZipFile(m.container) as zf, zf.open(m.inner or path) as fh:
                data = fh.read(MAX_MEMBER_BYTES + 1)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as e:
            raise InputError(f"{self.display(path)}: cannot read this zip member ({e})") from None
        except RuntimeError as e:  # encrypted member
            raise InputError(f"{self.display(path)}: {e}; export it again without a password") from None
        if len(data) > MAX_MEMBER_BYTES:
            raise InputError(f"{self.display(path)}: member is larger than its header claims")
        return data

    def read_text(self, path: str) -> str:
        """The member decoded as UTF-8 (a BOM is accepted); InputError when it is not UTF-8."""
        data = self.read_bytes(path)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise InputError(
                f"{self.display(path)}: not UTF-8 text (bad byte at offset {e.start}); "
                "expected the export's file unchanged"
            ) from None


def _index_zip(path: Path) -> list[Member]:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise InputError(f"{path}: not a readable zip file ({e})") from None
    out: list[Member] = []
    with zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            name = _safe_member_name(info.filename)
            if name is None:
                continue
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                continue  # symlinks inside a zip are never followed
            if info.flag_bits & 0x1:
                raise InputError(
                    f"{path}:{info.filename}: the zip is encrypted; export it again without a password"
                )
            out.append(Member(name, path, "zip", info.file_size, info.compress_size, info.filename))
    return out


def _safe_member_name(name: str) -> str | None:
    """A zip member's path made relative; names that climb out (``..``) are dropped."""
    p = PurePosixPath(name.replace("\\", "/"))
    parts = [x for x in p.parts if x not in ("/", "", ".")]
    if not parts or ".." in parts or re.match(r"^[A-Za-z]:$", parts[0]):
        return None
    return "/".join(parts)


def _index_dir(root: Path) -> list[Member]:
    out: list[Member] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for fn in sorted(filenames):
            full = Path(dirpath) / fn
            if full.is_symlink() or not full.is_file():
                continue
            rel = full.relative_to(root).as_posix()
            size = full.stat().st_size
            out.append(Member(rel, root, "dir", size, size))
    return out
