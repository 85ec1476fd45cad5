"""Writers for every output format, spreadsheet-safe, atomic when writing files.

Formats: table (rich, for terminals), csv, tsv, json, jsonl, xlsx. In csv, tsv and xlsx a text
cell that a spreadsheet could run as a formula (leading ``=``, ``+``, ``-``, ``@``, tab, CR, or
their full-width forms) gets a leading apostrophe (OWASP CSV injection); plain numbers such as
``-5`` stay numbers. Files are written to a temp file in the same folder and renamed into place,
so an error or Ctrl-C never leaves half a file.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson
import pandas as pd

from autodm.errors import OutputError

FORMATS = ("table", "csv", "tsv", "json", "jsonl", "xlsx")
_DANGER = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d+)?|\.\d+)([eE][+-]?\d+)?$")
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_MAX_CELL = 32_767


def neutralise(value: str) -> str:
    """Make a text cell inert in spreadsheets: prefix ``'`` when it could start a formula.

    >>> neutralise("=HYPERLINK(1)"), neutralise("-5"), neutralise("hello")
    ("'=HYPERLINK(1)", '-5', 'hello')
    """
    if not value:
        return value
    stripped = value.lstrip(" \u3000")
    first = stripped[:1]
    if first in _DANGER and not _PLAIN_NUMBER.match(value.strip()):
        return "'" + value
    return value


def _safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            values = [neutralise(v) if isinstance(v, str) else v for v in s.tolist()]
            out[col] = pd.Series(values, index=s.index, dtype=object)
    return out


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Timestamps as ISO 8601 UTC strings, lists as space-joined strings, NA as None."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.dt.strftime("%Y-%m-%dT%H:%M:%SZ").astype(object).where(s.notna(), None)
        elif s.dtype == object:
            values = [" ".join(map(str, v)) if isinstance(v, list | tuple) else v for v in s.tolist()]
            out[col] = pd.Series(values, index=s.index, dtype=object)
    return out.astype(object).where(out.notna(), None)


@contextlib.contextmanager
def atomic_path(path: Path, forbid: tuple[Path, ...] = ()) -> Iterator[Path]:
    """Yield a temp path beside ``path``; rename it into place only if the block succeeds."""
    path = Path(path)
    target = path.resolve()
    if any(target == Path(p).resolve() for p in forbid):
        raise OutputError(f"{path}: refusing to overwrite an input file; choose another -o path")
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name for -o")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise OutputError(f"{path}: the folder {parent} does not exist")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _delimited(df: pd.DataFrame, sep: str, safe: bool) -> str:
    plain = _plain(df)
    if safe:
        plain = _safe_frame(plain)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(list(plain.columns))
    writer.writerows(plain.itertuples(index=False, name=None))
    return buf.getvalue()


def _json_default(v: Any) -> Any:
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    raise TypeError


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return _plain(df).to_dict("records")


def render(df: pd.DataFrame, fmt: str, *, safe: bool = True) -> bytes:
    """The bytes of ``df`` in ``fmt`` (csv, tsv, json, jsonl, xlsx)."""
    if fmt == "csv":
        return _delimited(df, ",", safe).encode("utf-8")
    if fmt == "tsv":
        return _delimited(df, "\t", safe).encode("utf-8")
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
    if safe:
        plain = _safe_frame(plain)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("scores")
    ws.append(list(plain.columns))
    for row in plain.itertuples(index=False, name=None):
        cells = []
        for v in row:
            if isinstance(v, str):
                c = WriteOnlyCell(ws, value=_ILLEGAL_XLSX.sub("", v)[:XLSX_MAX_CELL])
                c.data_type = "s"  # a string, never a formula
                cells.append(c)
            else:
                cells.append(v)
        ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write(df: pd.DataFrame, fmt: str, out: Path | None, *, stream: IO[bytes] | None = None,
          safe: bool = True, bom: bool | None = None, forbid: tuple[Path, ...] = ()) -> None:
    """Write ``df`` as ``fmt`` to the file ``out`` (atomically) or to ``stream`` (stdout).

    ``bom``: prefix csv/tsv with a UTF-8 byte-order mark so Excel reads the accents right;
    by default on for files, off for streams (pipes).
    """
    if fmt == "table":
        raise OutputError("the table format is for terminals; use --format csv with -o")
    data = render(df, fmt, safe=safe)
    use_bom = (out is not None) if bom is None else bom
    if use_bom and fmt in ("csv", "tsv"):
        data = b"\xef\xbb\xbf" + data
    if out is None:
        if fmt == "xlsx":
            raise OutputError("xlsx is a binary format; write it to a file with -o scores.xlsx")
        assert stream is not None
        stream.write(data)
        stream.flush()
        return
    try:
        with atomic_path(out, forbid) as tmp:
            tmp.write_bytes(data)
    except OSError as e:
        raise OutputError(f"{out}: cannot write ({e.strerror})") from None
