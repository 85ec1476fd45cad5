"""CSV rows from a file's bytes, decoded a row at a time; the few rows with bad bytes are marked.

UTF-8 (a BOM is fine) or UTF-16 with its BOM (a CSV a spreadsheet saved as "Unicode Text"). A
file with a few bytes that are not UTF-8, or a few NUL bytes, loses only the rows that hold
them: :class:`CsvRows` yields every row with what is wrong with its bytes (``NOT_UTF8``,
``NUL``, or None), and the loader skips and counts those rows. A file that is not text at all
is refused whole by :meth:`CsvRows.check` with one :class:`InputError` that names its first bad
byte: a binary, a UTF-16 file without its BOM (NULs throughout), a file in another encoding; the
rule is that bad rows make up at least half of the rows (header and preamble included), or
that the header itself is bad (the loader asks with :meth:`CsvRows.file_error`).

The common, all-valid file costs nothing extra: it is read with a strict decoder after one
``memchr`` for a NUL. Only when that decoder fails does the file get read again from its start
with bad bytes kept as lone surrogates (``surrogateescape``: U+DC80..U+DCFF, never a comma, quote
or newline, so the rows split where they did), past the rows already given, and every later row
is checked. A NUL (which the csv module keeps as a character) makes every row checked from the
start. A bad byte in a quoted cell taints the whole row, however many lines it spans.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

from autodm.errors import InputError
from autodm.loaders.tree import UTF16_BOMS  # UTF-32's BOMs start with UTF-16 LE's: NULs follow

UTF8_BOM = b"\xef\xbb\xbf"


def separator(head: bytes, default: str = ",") -> str:
    """The separator of a CSV's header line (in ``head``, the file's first bytes): comma,
    semicolon (what Excel saves as CSV where the decimal mark is a comma: most of Europe) or
    tab, whichever it has most of; ``default`` wins a tie (tab for a .tsv, else comma)."""
    text = head.decode("utf-16", errors="ignore") if head.startswith(UTF16_BOMS) else head.decode(
        "utf-8", errors="ignore")
    line = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = {sep: line.count(sep) for sep in (default, ",", ";", "\t")}  # the default first: it wins a tie
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else default


def csv_separator(path: Path) -> str:
    """:func:`separator` of the file at ``path`` (its suffix sets the default)."""
    default = "\t" if path.suffix.lower() == ".tsv" else ","
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
    except OSError:
        return default  # the reader reports the missing or unreadable file
    return separator(head, default)


def csv_encoding(path: Path) -> str:
    """UTF-16 when the file starts with its BOM (Excel's "Unicode Text"), else UTF-8 (BOM or not)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(2)
    except OSError:
        return "utf-8-sig"  # the reader reports the missing or unreadable file
    return "utf-16" if head in UTF16_BOMS else "utf-8-sig"
#: Why a row is bad, as :class:`~autodm.inbox.Skips` counts it, and what was expected.
NOT_UTF8 = "not UTF-8 text"
NUL = "contains a NUL byte"
EXPECTED = {NOT_UTF8: "UTF-8", NUL: "text without NUL bytes"}
#: A row with more fields than the header, or too few to reach the columns its loader needs.
WRONG_WIDTH = "wrong number of fields"
#: A bad byte decoded with ``surrogateescape``, or a NUL.
_BAD = re.compile("[\x00\udc80-\udcff]")


class CsvRows:
    """The rows of CSV bytes as ``(first line, cells, problem)``; ``problem`` is ``NOT_UTF8``, ``NUL`` or None.

    ``name`` and ``hint`` make the whole-file error: ``<name>: not UTF-8 text (bad byte at line 3,
    offset 57); <hint>``. Blank lines come as empty rows (and are not counted). Iterate once.

    >>> rows = CsvRows(b"a,b\\n1,caf\\xe9\\n2,ok\\n", "m.csv", "save it as UTF-8")
    >>> [(line, problem) for line, _, problem in rows]
    [(1, None), (2, 'not UTF-8 text'), (3, None)]
    >>> rows.check()  # one bad row in three: read
    """

    def __init__(self, data: bytes, name: str, hint: str, delimiter: str = ",") -> None:
        self.data, self.name, self.hint, self.delimiter = data, name, hint, delimiter
        self.encoding = "utf-16" if data.startswith(UTF16_BOMS) else "utf-8"
        #: Every row is checked: a NUL is somewhere, UTF-16 (its NULs are not bytes), or strict decoding failed.
        self.checked = self.encoding == "utf-16" or data.find(b"\x00") >= 0
        self.rows = 0  # non-blank rows given (counted once rows are checked: until then none is bad)
        self.bad = 0  # of which with a problem
        self.line_num = 0  # the last line read, once the rows are read or a csv.Error stopped them
        self._first_bad_line = 0

    def _text(self) -> io.TextIOWrapper:
        """A decoding view of the bytes from their start (past a UTF-8 BOM); bad bytes kept when checked."""
        raw = io.BytesIO(self.data)  # shares the bytes: no copy of a big file
        if self.data.startswith(UTF8_BOM):
            raw.seek(len(UTF8_BOM))
        errors = "surrogateescape" if self.checked and self.encoding == "utf-8" else "strict"
        return io.TextIOWrapper(raw, encoding=self.encoding, errors=errors, newline="")

    def __iter__(self) -> Iterator[tuple[int, list[str], str | None]]:
        line = 0  # the last line of the last row given
        reader = csv.reader(self._text(), delimiter=self.delimiter)
        try:
            if not self.checked:
                try:
                    for cells in reader:  # the fast path: strict decoding, nothing checked or counted
                        start, line = line + 1, reader.line_num
                        yield start, cells, None
                    return
                except UnicodeDecodeError:
                    pass
                # a bad byte ahead: read again from the start, keeping bad bytes, past the rows given
                # (they came from text before it, so they split the same way), counting them
                self.checked = True
                reader = csv.reader(self._text(), delimiter=self.delimiter)
                if line:
                    for cells in reader:
                        self.rows += bool(cells)
                        if reader.line_num >= line:
                            break
            for cells in reader:
                start, line = line + 1, reader.line_num
                problem = None
                if cells:
                    self.rows += 1
                    joined = "\x1f".join(cells)
                    if _BAD.search(joined):
                        problem = NOT_UTF8 if _BAD.search(joined.replace("\x00", "")) else NUL
                        self.bad += 1
                        self._first_bad_line = self._first_bad_line or start
                yield start, cells, problem
        except UnicodeDecodeError:  # UTF-16 that does not decode: not a text file
            raise self.file_error() from None
        finally:
            self.line_num = reader.line_num

    def check(self) -> None:
        """Refuse the whole file (:meth:`file_error`) when at least half of its rows are bad."""
        if self.bad and 2 * self.bad >= self.rows:
            raise self.file_error()

    def file_error(self) -> InputError:
        """The error that refuses the whole file, naming its first bad byte (or NUL) by line."""
        if self.encoding == "utf-16":
            try:
                self.data.decode("utf-16")
            except UnicodeDecodeError as e:
                return InputError(f"{self.name}: not UTF-16 text (bad byte at offset {e.start}); {self.hint}")
            return InputError(f"{self.name}: {NUL} (line {self._first_bad_line or 1}); {self.hint}")
        nul = self.data.find(b"\x00")
        try:
            self.data.decode("utf-8")
            bad = -1
        except UnicodeDecodeError as e:
            bad = e.start
        if nul >= 0 and not 0 <= bad < nul:
            line = self.data.count(b"\n", 0, nul) + 1
            return InputError(f"{self.name}: {NUL} (line {line}); {self.hint}")
        line = self.data.count(b"\n", 0, max(bad, 0)) + 1
        return InputError(f"{self.name}: {NOT_UTF8} (bad byte at line {line}, offset {bad}); {self.hint}")


def header_width(header: list[str]) -> int:
    """How many fields a row should have: the header's, blank ones at its end left out."""
    n = len(header)
    while n and not header[n - 1].strip():
        n -= 1
    return n


def misfit(cells: list[str], width: int, least: int | None = None) -> str | None:
    """None when the row has ``width`` fields (blank ones past them are dropped) or, given ``least``,
    at least that many and no more than ``width``; else what was expected.

    >>> misfit(["a", "b", ""], 2), misfit(["a", "b", "c", "d"], 13), misfit(["a", "b"], 4, least=2)
    (None, '13 fields as in the header; this row has 4', None)
    """
    n = len(cells)
    if n == width:
        return None
    if n > width:
        if not any(c.strip() for c in cells[width:]):
            del cells[width:]
            return None
    elif least is not None and n >= least:
        return None
    return f"{width} fields as in the header; this row has {n}"
