"""Hostile and broken input at the size and encoding level: huge, deep, NUL-laden, mis-encoded, long.

Each case ends in a correct Inbox or one clear InputError, never a RecursionError, MemoryError or
another traceback. Archive-level cases (zip bombs, links, names) live in test_loaders_tree.py.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from pathlib import Path

import pytest

from autodm.errors import InputError, RecordError
from autodm.inbox import Skips
from autodm.loaders import canonical, load_inbox

DEEP = b"[" * 100_000


def _msg(**extra: object) -> dict[str, object]:
    return {"id": "1", "sender_id": "a", "sent_at": "2024-01-01T00:00:00Z", "text": "hi", **extra}


def _write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


# --------------------------------------------------------------------------- the canonical fuzz bug

# pandas parses an ISO string of any year at microsecond resolution, then converting it to the
# Inbox's nanosecond dtype (1677-09-21 .. 2262-04-11) raised OutOfBoundsDatetime: a traceback
# for a hypothesis-generated "0001-01-01T00:00:00Z" (test_structured_exports_never_crash[canonical]).
OUT_OF_RANGE = ["0001-01-01T00:00:00Z", "0000-01-01", "-0001-01-01", "1677-01-01T00:00:00Z", "1500-06-01",
                "2262-04-12T00:00:00", "2263-01", "9999-12-31T23:59:59.999999Z", "1969-12-31T23:59:59Z"]


@pytest.mark.parametrize("when", OUT_OF_RANGE)
def test_text_time_out_of_range_is_an_unreadable_record_not_a_crash(tmp_path: Path, when: str) -> None:
    doc = {"messages": [_msg(), _msg(id="2", sent_at=when)],
           "follows": [{"user_id": "a", "followed_at": when}]}
    p = _write(tmp_path / "inbox.json", json.dumps(doc))
    inbox = load_inbox([p])
    assert inbox.messages["message_id"].tolist() == ["1"]
    assert inbox.skips.counts == {"unreadable message time": 1, "unreadable follow time": 1}
    with pytest.raises(RecordError, match="record 2: unreadable message time"):
        load_inbox([p], strict=True)
    jl = _write(tmp_path / "m.jsonl", json.dumps(_msg()) + "\n" + json.dumps(_msg(id="2", sent_at=when)) + "\n")
    assert len(load_inbox([jl]).messages) == 1
    c = _write(tmp_path / "m.csv", f"id,sender_id,sent_at,text\n1,a,2024-01-01T00:00:00Z,hi\n2,a,{when},x\n")
    assert len(load_inbox([c]).messages) == 1
    f = _write(tmp_path / "follows.csv", f"user_id,followed_at\na,{when}\n")
    skips = Skips()
    rows = canonical.load_follows_file(f.read_bytes(), str(f), skips)
    assert rows.cols["followed_at"] == ["unreadable"]


def test_times_in_range_still_read() -> None:
    doc = json.dumps({"messages": [_msg(id=str(i), sent_at=t) for i, t in enumerate(
        ["1970-01-01T00:00:00Z", "2099-12-31T23:59:59+01:00", "2024-05-01 10:00:00", "2024-05-01", 1704067200])]})
    inbox = canonical.load_bytes(doc.encode(), "inbox.json", Skips())
    assert len(inbox.messages) == 5 and inbox.skips.total == 0


# --------------------------------------------------------------------------- size and depth


def test_a_100_mb_message_text_is_read_whole(tmp_path: Path) -> None:
    text = b"x" * (100 * 1024**2)
    p = _write(tmp_path / "inbox.json", b'{"messages": [{"id": "1", "sender_id": "a", "sent_at": 1704067200, '
               b'"text": "' + text + b'"}]}')
    inbox = load_inbox([p])
    assert len(inbox.messages.loc[0, "text"]) == len(text)


def test_a_csv_cell_over_the_csv_module_default_limit_is_read(tmp_path: Path) -> None:
    long = "y" * (2 * 1024**2)  # the csv module refuses fields over 128 KiB by default
    p = _write(tmp_path / "m.csv", f'id,sender_id,sent_at,text\n1,a,1704067200,"{long}"\n')
    assert load_inbox([p]).messages.loc[0, "text"] == long


@pytest.mark.parametrize(("name", "data", "message"), [
    ("inbox.json", DEEP, r"inbox\.json: invalid JSON at line 1, column 1026: nested too deeply"),
    ("inbox.json", b'{"messages": ' + DEEP, "nested too deeply"),
    ("export/data/direct-messages.js", b"window.YTD.direct_messages.part0 = " + DEEP,
     r"direct-messages\.js: invalid JSON at line 1, column \d+: nested too deeply \(over 1024 levels\)"),
    ("export/messages/inbox/a_1/message_1.json", DEEP,
     r"message_1\.json: invalid JSON at line 1, column \d+: nested too deeply \(over 1024 levels\)"),
])
def test_100k_levels_of_nesting_is_a_clear_error(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    p = _write(tmp_path / name, data)
    target = tmp_path / "export" if name.startswith("export/") else p
    with pytest.raises(InputError, match=message):
        load_inbox([target])


def test_deep_nesting_in_a_jsonl_line_or_a_field_is_one_skipped_record(tmp_path: Path) -> None:
    p = _write(tmp_path / "m.jsonl", DEEP + b"\n" + json.dumps(_msg()).encode() + b"\n")
    inbox = load_inbox([p])
    assert len(inbox.messages) == 1 and inbox.skips.counts == {"invalid JSON (depth limit exceeded)": 1}
    nested = b"[" * 1000 + b'"u"' + b"]" * 1000  # within orjson's limit: parsed, then refused as a field
    doc = json.dumps({"messages": [_msg(), _msg(id="2", urls="NESTED")]}).encode()
    p = _write(tmp_path / "inbox.json", doc.replace(b'"NESTED"', nested))
    inbox = load_inbox([p])
    assert len(inbox.messages) == 1 and inbox.skips.counts == {"bad outgoing or urls value": 1}
    f = _write(tmp_path / "follows.json", DEEP)
    with pytest.raises(InputError, match="nested too deeply"):
        load_inbox([p], follows=f)


# --------------------------------------------------------------------------- CSV bytes


def test_csv_rows_with_a_nul_byte_are_skipped_and_counted(tmp_path: Path) -> None:
    """One NUL used to refuse the whole CSV; now its row alone is skipped (--strict stops there)."""
    p = _write(tmp_path / "m.csv", b"id,sender_id,sent_at,text\n1,a,1704067200,hi\n2,a,1704067200,h\x00i\n"
                                   b"3,a,1704067200,ok\n")
    inbox = load_inbox([p])
    assert list(inbox.messages["message_id"]) == ["1", "3"]
    assert inbox.skips.counts == {"contains a NUL byte": 1} and inbox.skips.first == {
        "contains a NUL byte": f"{p}: record on line 3"}
    with pytest.raises(RecordError, match=r"m\.csv: record on line 3: contains a NUL byte \(expected text without "
                                          r"NUL bytes\)$"):
        load_inbox([p], strict=True)
    f = _write(tmp_path / "f.csv", b"user_id,followed_at\na\x00,1704067200\nb,1704067200\nc,1704067200\n")
    follows = load_inbox([_write(tmp_path / "inbox.json", json.dumps([_msg()]))], follows=f)
    assert list(follows.follows["user_id"]) == ["b", "c"] and follows.skips.counts == {"contains a NUL byte": 1}
    f = _write(tmp_path / "f.csv", b"user_id,followed_at\na\x00,1704067200\n")  # its one row: not text
    with pytest.raises(InputError, match=r"f\.csv: contains a NUL byte \(line 2\); save the CSV as UTF-8"):
        load_inbox([_write(tmp_path / "inbox.json", json.dumps([_msg()]))], follows=f)


def test_csv_with_mixed_encodings_loses_only_the_bad_rows(tmp_path: Path) -> None:
    data = ("id,sender_id,sent_at,text\n1,a,1704067200,café\n".encode()
            + "2,a,1704067200,café\n".encode("cp1252") + "3,a,1704067200,naïve\n".encode())
    p = _write(tmp_path / "m.csv", data)
    inbox = load_inbox([p])
    assert list(inbox.messages["text"]) == ["café", "naïve"] and inbox.skips.counts == {"not UTF-8 text": 1}
    with pytest.raises(RecordError, match=r"m\.csv: record on line 3: not UTF-8 text \(expected UTF-8\)$"):
        load_inbox([p], strict=True)
    whole = _write(tmp_path / "w.csv", "id,sender_id,sent_at,text\n1,a,1704067200,café\n2,a,1704067200,crème\n"
                                       "3,a,1704067200,ok\n".encode("cp1252"))
    with pytest.raises(InputError, match=r"w\.csv: not UTF-8 text \(bad byte at line 2, offset 44\); save the CSV"):
        load_inbox([whole])


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_csv_with_a_bom_is_read(tmp_path: Path, encoding: str) -> None:
    p = _write(tmp_path / "m.csv", "id,sender_id,sent_at,text\n1,a,1704067200,café 🚀\n".encode(encoding))
    assert load_inbox([p]).messages.loc[0, "text"] == "café 🚀"


def test_a_long_csv_is_read_correctly_and_streamed(tmp_path: Path) -> None:
    n = 300_000
    p = tmp_path / "long.csv"
    with open(p, "w", encoding="utf-8") as f:
        f.write("id,sender_id,sent_at,text\n")
        f.writelines(f'{i},u{i % 5000},{1704067200 + i},"Thanks for the follow, see https://x.example/{i}"\n'
                     for i in range(n))
        f.write(f"{n},u1,not a time,bad\n")
    t0 = time.perf_counter()
    inbox = load_inbox([p])
    elapsed = time.perf_counter() - t0
    assert len(inbox.messages) == n and inbox.skips.counts == {"unreadable message time": 1}
    assert inbox.messages["message_id"].iloc[-1] == str(n - 1)
    assert elapsed < 60  # about 4 s here; linear (10M lines: about 2-3 minutes)
    assert inbox.skips.counts == {"unreadable message time": 1}
    *_, (last, row) = canonical._read_csv(p.read_bytes(), "long.csv", canonical.MESSAGE_CSV, Skips())
    assert (last, row["text"]) == (f"on line {n + 2}", "bad")  # what --strict would name
    # the CSV reader itself holds one row at a time, whatever the file's length
    data = p.read_bytes()[: 4 * 1024**2]
    tracemalloc.start()
    try:
        rows = sum(1 for _ in canonical._read_csv(data, "long.csv", canonical.MESSAGE_CSV, Skips()))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rows > 40_000 and peak < 1024**2


def test_jsonl_is_streamed_line_by_line() -> None:
    line = json.dumps(_msg()).encode() + b"\n"
    data = line * 20_000
    tracemalloc.start()
    try:
        n = sum(1 for _ in canonical._read_jsonl(data, "m.jsonl", Skips()))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert n == 20_000 and peak < 1024**2  # no list of lines, no list of objects


def test_csv_rows_longer_or_shorter_than_the_header(tmp_path: Path) -> None:
    """A row with more fields than the header (an unquoted comma: its text was cut to "hi") or too few
    for the required columns (it was "message without a time", or read without its text) is skipped
    as what it is; a row that stops before an optional column, or has blank cells past the header, is read."""
    p = _write(tmp_path / "m.csv", "id,sender_id,sent_at,text,sender_name\n1,a,1704067200,hi, extra, cells\n2,a\n"
                                   "3,b,1704067300\n4,b,1704067400,ok\n5,c,1704067500,fine,Cy,,\n")
    inbox = load_inbox([p])
    assert inbox.messages[["message_id", "text"]].values.tolist() == [["4", "ok"], ["5", "fine"]]
    assert inbox.messages["sender_name"].tolist()[1] == "Cy"
    assert inbox.skips.counts == {"wrong number of fields": 3}
    assert inbox.skips.first == {"wrong number of fields": f"{p}: record on line 2"}
    with pytest.raises(RecordError, match=r"m\.csv: record on line 2: wrong number of fields \(expected 5 fields "
                                          r"as in the header; this row has 6\)$"):
        load_inbox([p], strict=True)


@pytest.mark.parametrize(("data", "fmt"), [
    (b'  \n{"messages": []}', "json"), (b"\n\n[1]", "json"), (b' {"id": "1"}\n{"id": "2"}\n', "jsonl"),
    (b"id,sender_id\n", "csv"), (b"", "csv"), (b"{broken\n", "json"),
])
def test_stdin_format_is_sniffed_past_leading_blanks(data: bytes, fmt: str) -> None:
    assert canonical._sniff(data) == fmt
