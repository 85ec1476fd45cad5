"""Writers for every output format, spreadsheet-safe, atomic when writing files.

Formats: table (rich, for terminals), csv, tsv, json, jsonl, xlsx.

**Spreadsheet injection** (csv, tsv, xlsx; json and jsonl are data formats and stay exact): a
text cell gets a leading apostrophe ``'`` (OWASP's advice) when a spreadsheet could run it as a
formula, that is when

- its first character is a tab, CR or LF (they hide what follows from a reader), or
- its first character after any leading whitespace (spaces, NBSP, ideographic space, zero-width
  characters) is ``=``, ``+``, ``-``, ``@`` or a full-width ``＝ ＋ － ＠``,

unless the whole cell (trimmed) is a plain number: ASCII digits with an optional sign, ``.`` or
``,`` separators and exponent (``-5``, ``-3.2``, ``+44``, ``-1,234.5``, ``1e-3``), which cannot
call anything and so stays a readable number. A phone number such as ``+44 20 7946 0958`` is not
a plain number: Excel would parse it as a formula (and show ``#NAME?``), so it is written as
``'+44 20 7946 0958`` and reads as text. ``--no-sanitize`` turns this off. xlsx cells are also
typed as strings (never formulas) and lose the control characters XML cannot hold.

**Files** are written to a new temp file in the target's folder, flushed to disk and renamed
into place, so an error, Ctrl-C or a full disk never leaves half a file (nor the temp file), and
an existing output is replaced only by a complete one. An output that is an input (the same
file by any spelling, symlink or hard link, or an existing file inside an input folder) is
refused.
"""

from __future__ import annotations

import contextlib
import errno
import io
import itertools
import os
import re
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson
import pandas as pd

from autodm.errors import OutputError

FORMATS = ("table", "csv", "tsv", "json", "jsonl", "xlsx")
_DANGER = ("=", "+", "-", "@", "＝", "＋", "－", "＠")
_CONTROL_FIRST = ("\t", "\r", "\n")
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"  # zero-width characters, stripped like whitespace
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]+)*|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?")
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_MAX_CELL = 32_767


def neutralise(value: str) -> str:
    """Make a text cell inert in spreadsheets: prefix ``'`` when it could start a formula.

    >>> neutralise("=HYPERLINK(1)"), neutralise("-5"), neutralise("hello")
    ("'=HYPERLINK(1)", '-5', 'hello')
    """
    if not value:
        return value
    first = value.lstrip().lstrip(_INVISIBLE).lstrip()[:1]
    if (value[0] in _CONTROL_FIRST or first in _DANGER) and not _PLAIN_NUMBER.fullmatch(value.strip()):
        return "'" + value
    return value


#: A cheap first look: only values this matches can need :func:`neutralise` (same stripping rule).
_MAY_START_FORMULA = re.compile(rf"[\t\r\n]|\s*[{_INVISIBLE}]*\s*[=+\-@＝＋－＠]")


def _safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with :func:`neutralise` applied to its text cells (checked once per distinct value)."""
    out = df.copy()
    match = _MAY_START_FORMULA.match
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            codes, uniq = pd.factorize(s, use_na_sentinel=True)
            hits = [i for i, v in enumerate(uniq) if isinstance(v, str) and match(v)]
            if not hits:
                continue  # the column as it was: no cell rewritten (so -0.0 stays -0.0 beside 0.0)
            fixed = np.empty(len(uniq), dtype=object)
            for i in hits:
                fixed[i] = neutralise(uniq[i])
            values = s.to_numpy(dtype=object).copy()
            at = np.isin(codes, hits)
            values[at] = fixed[codes[at]]
            out[col] = pd.Series(values, index=s.index, dtype=object)
    return out


def _utc_strings(s: pd.Series) -> pd.Series:
    """Timestamps as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC), missing as None, in one vectorised pass."""
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    values = s.to_numpy(dtype="datetime64[s]")
    text = np.char.add(np.datetime_as_string(values, unit="s"), "Z").astype(object)
    text[np.isnat(values)] = None
    return pd.Series(text, index=s.index, dtype=object)


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Timestamps as ISO 8601 UTC strings, lists as space-joined strings, NA as None."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(s):
            out[col] = _utc_strings(s)
        elif s.dtype == object and any(isinstance(v, list | tuple) for v in s.head(1000).tolist()):
            values = [" ".join(map(str, v)) if isinstance(v, list | tuple) else v for v in s.tolist()]
            out[col] = pd.Series(values, index=s.index, dtype=object)
    return out.astype(object).where(out.notna(), None)


def _is_input(path: Path, forbid: tuple[Path, ...]) -> bool:
    """Whether writing ``path`` would replace an input: the same file, or a file in an input folder."""
    target = path.resolve()
    for p in forbid:
        src = Path(p)
        real = src.resolve()
        if target == real:
            return True
        with contextlib.suppress(OSError):
            if path.exists() and src.exists() and os.path.samefile(path, src):
                return True  # a hard link, or a spelling resolve() did not unify
        if real.is_dir() and path.exists() and target.is_relative_to(real):
            return True
    return False


def refuse_input(path: Path, forbid: tuple[Path, ...]) -> None:
    """Raise OutputError if writing ``path`` would replace one of the inputs ``forbid``."""
    if _is_input(Path(path), forbid):
        raise OutputError(f"{path}: refusing to overwrite an input file; choose another -o path")


_FD_NAME = re.compile(r"^/(?:dev/(?:fd/(\d+)|(stdin|stdout|stderr))|proc/(?:self|\d+)/fd/(\d+))$")


def fd_named(path: Path) -> int | None:
    """The file descriptor ``path`` names, if it names one of this process's (``/dev/stdout``,
    ``/dev/fd/N``, ``/proc/self/fd/N``); writing goes to it as is, at its offset, never reopened
    (reopening truncates the file behind ``>>`` and ignores its append mode)."""
    m = _FD_NAME.match(os.path.abspath(path))
    if not m:
        return None
    if m.group(2):
        return ("stdin", "stdout", "stderr").index(m.group(2))
    if m.group(3) and not os.path.abspath(path).startswith(("/proc/self/", f"/proc/{os.getpid()}/")):
        return None  # another process's descriptor: not ours to write
    return int(m.group(1) or m.group(3))


def is_stream(path: Path) -> bool:
    """Whether ``path`` is written in place, not replaced by a new file: one of this process's
    descriptors (``/dev/stdout``), or a device (``/dev/null``), FIFO or socket that is there
    itself. A symlink elsewhere is never a stream: it is replaced, not written through."""
    if fd_named(path) is not None:
        return True
    try:
        if stat.S_ISLNK(os.lstat(path).st_mode) and not os.path.abspath(path).startswith(("/dev/", "/proc/")):
            return False
        mode = os.stat(path).st_mode
    except OSError:  # missing (a new file), or a dangling link
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


@contextlib.contextmanager
def open_stream(path: Path) -> Iterator[IO[bytes]]:
    """``path`` (see :func:`is_stream`) open for writing in place: no create, no truncate, no
    link followed outside /dev and /proc; a descriptor name gives a copy of that descriptor."""
    fd = fd_named(path)
    try:
        if fd is not None:
            if fd == 0:
                raise OutputError(f"{path}: is standard input; give a file name for -o")
            out = os.dup(fd)
        else:
            flags = os.O_WRONLY | getattr(os, "O_CLOEXEC", 0)
            if not os.path.abspath(path).startswith(("/dev/", "/proc/")):
                flags |= getattr(os, "O_NOFOLLOW", 0)  # a FIFO swapped for a link meanwhile: refused
            out = os.open(path, flags)
            if stat.S_ISREG(os.fstat(out).st_mode):  # swapped for a file meanwhile: never overwrite it
                os.close(out)
                raise OutputError(f"{path}: changed into a regular file while autodm ran; run again")
    except OSError as e:
        raise OutputError(f"{path}: cannot write ({e.strerror})") from None
    with open(out, "wb", closefd=True) as fh:
        try:
            yield fh
        except BaseException:
            with contextlib.suppress(OSError):  # the buffer's rest cannot go either (/dev/full):
                fh.close()  # closing would raise again, over the error on its way out
            raise
        try:
            fh.flush()
        except OSError as e:
            with contextlib.suppress(OSError):  # close() would flush, and raise, again
                fh.close()
            raise OutputError(f"{path}: cannot write ({e.strerror})") from None


def check_target(path: Path, forbid: tuple[Path, ...] = ()) -> None:
    """Raise OutputError now if ``path`` cannot be an output (call it before long work)."""
    path = Path(path)
    refuse_input(path, forbid)
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name for -o")
    if is_stream(path):
        if fd_named(path) == 0:
            raise OutputError(f"{path}: is standard input; give a file name for -o")
        if fd_named(path) is None and stat.S_ISBLK(os.stat(path).st_mode):
            raise OutputError(f"{path}: is a disk device; give a file name for -o")
        if fd_named(path) is None and not os.access(path, os.W_OK):
            raise OutputError(f"{path}: not writable")
        return
    parent = path.parent
    if not parent.is_dir():
        raise OutputError(f"{path}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: the folder {parent} is not writable")


@contextlib.contextmanager
def atomic_path(path: Path, forbid: tuple[Path, ...] = ()) -> Iterator[Path]:
    """Yield a new temp path beside ``path``; rename it into place only if the block succeeds.

    On any exception (KeyboardInterrupt included) the temp file is removed and ``path`` is
    left as it was. A new file gets the usual permissions (umask applies); a replaced one keeps its own.
    A symlink at ``path`` is replaced, never written through (a link planted in a shared folder
    cannot redirect the output). A device, FIFO or ``/dev/stdout`` has no file to replace: it is
    refused here (:func:`write` writes one in place with :func:`open_stream`).
    """
    path = Path(path)
    check_target(path, forbid)
    if is_stream(path):
        raise OutputError(f"{path}: not a regular file; give a file name")
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as e:
        raise OutputError(f"{path}: cannot write in {path.parent} ({e.strerror})") from None
    os.close(fd)
    with contextlib.suppress(OSError):  # replacing a file keeps its permissions (a private 0600 stays private)
        st = os.lstat(path)  # a link's target is not what is replaced: its mode (/dev/null's 0666) is not copied
        if stat.S_ISREG(st.st_mode):
            os.chmod(tmp, stat.S_IMODE(st.st_mode))
    try:
        yield tmp
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


#: Rows per chunk of delimited output: bounds the memory a million-row scan needs to write.
CHUNK_ROWS = 65_536


#: A value that may start a formula, found anywhere in NUL-joined values (see _plain_str_cells).
_FORMULA_AFTER_NUL = re.compile("\x00(?:" + _MAY_START_FORMULA.pattern + ")")


def _plain_str_cells(values: list[Any], sep: str, safe: bool, end: bytes) -> list[bytes] | None:
    """:func:`_cell_bytes` at C speed for the usual column: strings needing no quotes and no
    spreadsheet-safe prefix (ids, names). None when any value is not such a string."""
    if len(values) < 2 or set(map(type, values)) != {str}:
        return None
    joined = "\x00".join(values)
    if joined.count("\x00") != len(values) - 1:  # a NUL inside a value
        return None
    if sep in joined or '"' in joined or "\n" in joined or "\r" in joined:
        return None
    if safe and _FORMULA_AFTER_NUL.search("\x00" + joined):
        return None
    tail = end.decode("ascii")  # the NULs are exactly the separators (checked above)
    return (joined.replace("\x00", tail + "\x00") + tail).encode("utf-8").split(b"\x00")


def _cell_bytes(values: list[Any], sep: str, safe: bool, end: bytes = b"") -> list[bytes]:
    """Each distinct value as its finished csv/tsv cell, UTF-8 encoded, followed by ``end``.

    The csv module's QUOTE_MINIMAL, exactly: a cell holding the separator, a quote, CR or LF is
    quoted with inner quotes doubled (a lone CR is quoted too, so it never splits a row);
    missing values are empty; numbers are written as ``str()`` writes them.
    """
    fast = _plain_str_cells(values, sep, safe, end)
    return fast if fast is not None else _cell_bytes_each(values, sep, safe, end)


def _cell_bytes_each(values: list[Any], sep: str, safe: bool, end: bytes = b"") -> list[bytes]:
    """:func:`_cell_bytes`, one value at a time."""
    out: list[bytes] = []
    match = _MAY_START_FORMULA.match
    for v in values:
        if v is None:
            out.append(end)
            continue
        if isinstance(v, str):
            if safe and match(v):
                v = neutralise(v)
        elif isinstance(v, list | tuple):
            v = " ".join(map(str, v))
        else:
            v = str(v)
        if sep in v or '"' in v or "\n" in v or "\r" in v:
            v = '"' + v.replace('"', '""') + '"'
        out.append(v.encode("utf-8") + end)
    return out


def _column_cells(s: pd.Series, sep: str, safe: bool, end: bytes) -> np.ndarray:
    """The column's cells + ``end`` as an object array of bytes, each distinct value rendered once."""
    if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(s):
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            s = s.dt.tz_convert("UTC").dt.tz_localize(None)
        stamps = s.to_numpy(dtype="datetime64[s]")
        missing = np.isnat(stamps)
        if missing.all():
            return np.full(len(s), end, dtype=object)
        seen = stamps[~missing]
        if seen.min() < np.datetime64("0000-01-01") or seen.max() >= np.datetime64("10000-01-01"):
            return np.array(_cell_bytes(_utc_strings(s).tolist(), sep, safe, end), dtype=object)
        iso = np.datetime_as_string(stamps, unit="s")  # ASCII in UCS-4: keep each code's low byte
        width = 19  # YYYY-MM-DDTHH:MM:SS, years 0-9999
        raw = np.empty((len(iso), width + 1 + len(end)), dtype=np.uint8)
        raw[:, :width] = iso.view(np.uint32).reshape(len(iso), -1)[:, :width]
        raw[:, width] = ord("Z")
        raw[:, width + 1:] = np.frombuffer(end, dtype=np.uint8)
        cells = raw.view(f"S{raw.shape[1]}").ravel().astype(object)
        cells[missing] = end
        return cells
    if s.dtype == np.float64:  # by bit pattern: -0.0 and 0.0 stay apart, as str() writes them
        codes, bits = pd.factorize(s.to_numpy().view(np.int64))
        uniq: list[Any] = np.asarray(bits, dtype=np.int64).view(np.float64).tolist()
    else:
        try:
            codes, found = pd.factorize(s.to_numpy(dtype=object) if s.dtype == object else s,
                                        use_na_sentinel=True)
        except TypeError:  # unhashable cells (lists): render each one
            return np.array(_cell_bytes([None if _missing(v) else v for v in s.tolist()], sep, safe, end),
                            dtype=object)
        uniq = found.tolist()
    done = np.empty(len(uniq) + 1, dtype=object)
    plain = _plain_str_cells(uniq, sep, safe, end)  # strings only: none of them is missing
    done[:-1] = plain if plain is not None else _cell_bytes_each([None if _missing(v) else v for v in uniq],
                                                                 sep, safe, end)
    done[-1] = end
    return done[codes]


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v)


def _delimited_chunks(df: pd.DataFrame, sep: str, safe: bool) -> Iterator[bytes]:
    """The csv/tsv bytes of ``df``: the header, then chunks of :data:`CHUNK_ROWS` rows.

    Byte for byte what ``csv.writer(delimiter=sep, lineterminator="\\n")`` writes after the
    spreadsheet-safe pass, but each column's distinct values are rendered once and rows are
    joined a chunk at a time from a (rows x columns) array of cells that carry their separator.
    """
    ncols = len(df.columns)
    if not ncols:
        return
    ends = [sep.encode()] * (ncols - 1) + [b"\n"]
    columns = [_column_cells(df[c], sep, safe, e) for c, e in zip(df.columns, ends, strict=True)]
    header = _cell_bytes([str(c) for c in df.columns], sep, False)
    if ncols == 1:  # the csv module quotes a row's only cell when it is empty
        header = [c or b'""' for c in header]
        columns = [np.where(columns[0] == b"\n", b'""\n', columns[0]).astype(object)]
    yield sep.encode().join(header) + b"\n"
    for lo in range(0, len(df), CHUNK_ROWS):
        hi = min(lo + CHUNK_ROWS, len(df))
        grid = np.empty((hi - lo, ncols), dtype=object)
        for j, cells in enumerate(columns):
            grid[:, j] = cells[lo:hi]
        yield b"".join(grid.ravel().tolist())


def _json_default(v: Any) -> Any:
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    raise TypeError


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return _plain(df).to_dict("records")


def render(df: pd.DataFrame, fmt: str, *, safe: bool = True) -> bytes:
    """The bytes of ``df`` in ``fmt`` (csv, tsv, json, jsonl, xlsx)."""
    if fmt in ("csv", "tsv"):
        return b"".join(_delimited_chunks(df, "," if fmt == "csv" else "\t", safe))
    if fmt == "json":
        return orjson.dumps(_records(df), default=_json_default,
                            option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY) + b"\n"
    if fmt == "jsonl":
        opts = orjson.OPT_SERIALIZE_NUMPY
        return b"".join(orjson.dumps(r, default=_json_default, option=opts) + b"\n" for r in _records(df))
    if fmt == "xlsx":
        return _xlsx(df, safe)
    raise OutputError(f"unknown output format {fmt!r}; expected one of {', '.join(FORMATS)}")


def _xlsx(df: pd.DataFrame, safe: bool) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    plain = _plain(df)
    for col in plain.columns:  # drop what xlsx cannot hold first, so "\x01=cmd()" is neutralised as "=cmd()"
        if plain[col].dtype == object or pd.api.types.is_string_dtype(plain[col]):
            plain[col] = plain[col].map(lambda v: _ILLEGAL_XLSX.sub("", v) if isinstance(v, str) else v)
    if safe:
        plain = _safe_frame(plain)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("scores")
    ws.append(list(plain.columns))
    for row in plain.itertuples(index=False, name=None):
        cells = []
        for v in row:
            if isinstance(v, str):
                c = WriteOnlyCell(ws, value=v[:XLSX_MAX_CELL])
                c.data_type = "s"  # a string, never a formula
                cells.append(c)
            else:
                cells.append(v)
        ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _new_file(stream: IO[bytes] | None) -> bool:
    """Whether ``stream`` is an empty regular file (``> scores.csv``): a spreadsheet's file, so it
    gets the BOM a file from ``-o`` gets; never a pipe, a terminal or a file being appended to."""
    try:
        fd = stream.fileno()  # type: ignore[union-attr]
        st = os.fstat(fd)
        return stat.S_ISREG(st.st_mode) and st.st_size == 0 and os.lseek(fd, 0, os.SEEK_CUR) == 0
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return False


def _with_bom(chunks: Iterator[bytes], fmt: str) -> Iterator[bytes]:
    """csv/tsv chunks after a UTF-8 byte-order mark (Excel reads the accents right); others as they are."""
    return itertools.chain([b"\xef\xbb\xbf"], chunks) if fmt in ("csv", "tsv") else chunks


def _write_stream(chunks: Iterator[bytes], fmt: str, stream: IO[bytes], bom: bool | None, name: str) -> None:
    """Write to standard output or a stream ``-o`` names: a BOM only into an empty regular file
    (``> scores.csv``), xlsx never onto a terminal, a closed pipe left to the caller (quiet)."""
    if fmt == "xlsx" and _isatty(stream):  # a redirect to a file or a pipe takes it
        raise OutputError(XLSX_NEEDS_FILE)
    if bom if bom is not None else _new_file(stream):
        chunks = _with_bom(chunks, fmt)
    try:
        for chunk in chunks:
            write_all(stream, chunk)
        stream.flush()
    except BrokenPipeError:
        raise
    except OSError as e:  # a full disk behind "> scores.csv", /dev/full
        raise OutputError(f"cannot write {name} ({e.strerror})") from None


def write_all(stream: IO[bytes], data: bytes) -> None:
    """Write all of ``data``, whatever count each write returns: on a disk that filled in the
    middle of a chunk larger than its buffer, ``sys.stdout.buffer.write`` returned a short count
    (measured on a full tmpfs: the rest was dropped, exit 0); the next write raises ENOSPC."""
    view = memoryview(data)
    while view:
        n = stream.write(view)
        if not n:  # nothing taken and no error: do not spin
            raise OSError(errno.EIO, "the output took no bytes")
        view = view[n:]


def _isatty(stream: IO[bytes]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, OSError, ValueError):
        return False


XLSX_NEEDS_FILE = "xlsx is a binary format, not for a terminal; write it to a file with -o scores.xlsx"
TABLE_NEEDS_TERMINAL = "the table format is for terminals; use --format csv with -o"


def write(df: pd.DataFrame, fmt: str, out: Path | None, *, stream: IO[bytes] | None = None,
          safe: bool = True, bom: bool | None = None, forbid: tuple[Path, ...] = ()) -> None:
    """Write ``df`` as ``fmt`` to the file ``out`` (atomically) or to ``stream`` (stdout).

    ``bom``: prefix csv/tsv with a UTF-8 byte-order mark so Excel reads the accents right;
    by default on for files (``-o``, or stdout redirected to a new file), off for pipes and
    devices (also when ``-o`` names one).
    """
    if fmt == "table":
        raise OutputError(TABLE_NEEDS_TERMINAL)
    if fmt in ("csv", "tsv"):
        chunks: Iterator[bytes] = _delimited_chunks(df, "," if fmt == "csv" else "\t", safe)
    else:
        chunks = iter([render(df, fmt, safe=safe)])
    if out is not None and is_stream(out):  # -o /dev/stdout, a FIFO, a device: written in place
        check_target(out, forbid)
        with open_stream(out) as fh:
            _write_stream(chunks, fmt, fh, bom, str(out))
        return
    if out is None:
        assert stream is not None
        _write_stream(chunks, fmt, stream, bom, "standard output")
        return
    if bom if bom is not None else True:
        chunks = _with_bom(chunks, fmt)
    try:
        with atomic_path(out, forbid) as tmp, open(tmp, "wb") as fh:
            for chunk in chunks:
                write_all(fh, chunk)
            fh.flush()
            os.fsync(fh.fileno())  # on disk before the rename makes it the output
    except OSError as e:
        raise OutputError(f"{out}: cannot write ({e.strerror})") from None
