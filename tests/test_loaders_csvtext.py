"""autodm.loaders.csvtext: CSV rows from bytes, the few rows with bad bytes marked, a non-text file refused."""

from __future__ import annotations

import csv
import io

import pytest

from autodm.errors import InputError
from autodm.loaders.csvtext import NOT_UTF8, NUL, CsvRows, header_width, misfit

HINT = "save it as UTF-8"


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def _read(data: bytes) -> tuple[CsvRows, list[tuple[int, list[str], str | None]]]:
    rows = CsvRows(data, "m.csv", HINT)
    return rows, list(rows)


ROWS = [["id", "text"], ["1", "café 🚀"], ["2", "two\nlines"], ["3", "plain"], ["4", "last"]]


def test_a_valid_file_is_read_on_the_fast_path() -> None:
    rows, got = _read(_csv(ROWS))
    assert [cells for _, cells, _ in got] == ROWS
    assert [line for line, _, _ in got] == [1, 2, 3, 5, 6]  # row 3 spans lines 3-4
    assert {p for _, _, p in got} == {None} and not rows.checked and rows.bad == 0
    rows.check()


@pytest.mark.parametrize(("bad", "problem"), [(b"\xe9", NOT_UTF8), (b"\x00", NUL), (b"\xed\xa0\xbd", NOT_UTF8)])
def test_only_the_row_with_a_bad_byte_is_marked(bad: bytes, problem: str) -> None:
    """A latin-1 é, a NUL, a UTF-8-encoded surrogate: the row is marked, its cells still split right."""
    data = _csv(ROWS).replace(b"plain", b"pl" + bad + b"ain")
    rows, got = _read(data)
    assert [line for line, _, _ in got] == [1, 2, 3, 5, 6]
    assert [p for _, _, p in got] == [None, None, None, problem, None]
    assert [cells for _, cells, p in got if p is None] == [ROWS[0], ROWS[1], ROWS[2], ROWS[4]]
    assert len(got[3][1]) == 2 and got[3][1][0] == "3"
    rows.check()  # one bad row in five: the file is read


def test_a_bad_byte_in_a_quoted_multiline_cell_marks_that_whole_row() -> None:
    data = _csv(ROWS).replace(b"two\nlines", b"two\nl\xe9nes\nmore")
    _, got = _read(data)
    assert [(line, p) for line, _, p in got] == [(1, None), (2, None), (3, NOT_UTF8), (6, None), (7, None)]
    assert got[3][1] == ["3", "plain"]


def test_a_bad_byte_far_into_a_big_file_rereads_past_the_rows_given() -> None:
    """The strict decoder fails a chunk ahead of the row; the rows before come once, in order."""
    n = 50_000
    data = b"id,text\n" + b"".join(b"%d,message %d\n" % (i, i) for i in range(n))
    data = data.replace(b"message 40000\n", b"message 4\xe90000\n")
    rows, got = _read(data)
    assert len(got) == n + 1 and rows.checked and (rows.rows, rows.bad) == (n + 1, 1)
    assert [line for line, _, _ in got] == list(range(1, n + 2))
    assert [i for i, (_, _, p) in enumerate(got) if p] == [40_001]
    assert got[40_000][1] == ["39999", "message 39999"] and got[40_002][1] == ["40001", "message 40001"]
    assert rows.line_num == n + 1


def test_a_utf8_bom_is_dropped_and_utf16_with_its_bom_is_read() -> None:
    _, got = _read(b"\xef\xbb\xbf" + _csv(ROWS).replace(b"plain", b"pl\xe9in"))
    assert got[0][1] == ["id", "text"] and got[3][2] == NOT_UTF8
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(ROWS)
    rows, got = _read(text.getvalue().encode("utf-16"))
    assert [cells for _, cells, _ in got] == ROWS and {p for _, _, p in got} == {None}
    rows.check()


@pytest.mark.parametrize(("data", "message"), [
    ("id,text\n1,café\n2,crème\n3,ok\n".encode("latin-1"),
     r"m\.csv: not UTF-8 text \(bad byte at line 2, offset 13\); save it as UTF-8"),
    (_csv(ROWS).decode().encode("utf-16-le"), r"m\.csv: contains a NUL byte \(line 1\); save it as UTF-8"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", r"m\.csv: not UTF-8 text \(bad byte at line 1, offset 0"),
    (b"id,text\n1,a\xff\n2,\x00\n", r"m\.csv: not UTF-8 text \(bad byte at line 2, offset 11\)"),
    (b"id,text\n1,\x00\n2,a\xff\n", r"m\.csv: contains a NUL byte \(line 2\)"),
    ("id,text\n1,a\x00\n".encode("utf-32"), r"m\.csv: contains a NUL byte \(line 1\)"),
])
def test_a_file_that_is_not_text_is_refused_with_one_line(data: bytes, message: str) -> None:
    """Bad bytes in at least half of the rows: another encoding, UTF-16 without BOM, a binary, UTF-32."""
    rows = CsvRows(data, "m.csv", HINT)
    list(rows)
    with pytest.raises(InputError, match=message):
        rows.check()


def test_utf16_that_does_not_decode_is_refused_while_reading() -> None:
    data = "id,text\n1,a\n".encode("utf-16") + b"\x00\xd8"  # a lone high surrogate at the end
    with pytest.raises(InputError, match=r"m\.csv: not UTF-16 text \(bad byte at offset \d+\); save it as UTF-8"):
        list(CsvRows(data, "m.csv", HINT))


@pytest.mark.parametrize(("cells", "width", "least", "wrong", "kept"), [
    (["a", "b", "c"], 3, None, None, 3),
    (["a", "b", "c", " ", ""], 3, None, None, 3),  # blank cells past the header: dropped
    (["a", "b", "c", "d"], 3, None, "3 fields as in the header; this row has 4", 4),
    (["a"], 3, None, "3 fields as in the header; this row has 1", 1),
    (["a", "b"], 3, 2, None, 2),  # stops before an optional column
    (["a"], 3, 2, "3 fields as in the header; this row has 1", 1),
])
def test_misfit(cells: list[str], width: int, least: int | None, wrong: str | None, kept: int) -> None:
    assert (misfit(cells, width, least), len(cells)) == (wrong, kept)


def test_header_width_leaves_out_blank_trailing_cells() -> None:
    assert [header_width(h) for h in (["a", "b"], ["a", "b", "", " "], ["", "b"], [])] == [2, 2, 2, 0]
