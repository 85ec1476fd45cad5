from __future__ import annotations

import json
from pathlib import Path

import pytest
from spreadsheet_fixtures import SPREADSHEET_STYLES, saved
from typer.testing import CliRunner

from autodm.cli import app
from autodm.errors import InputError, RecordError
from autodm.loaders import load_inbox

INBOX = {
    "owner": {"id": "me", "name": "Me"},
    "messages": [
        {"id": "1", "sender_id": "a", "sent_at": "2024-01-01T10:00:05Z", "text": "Thanks for following!",
         "urls": ["https://example.org"]},
        {"id": "2", "sender_id": "me", "recipient_id": "a", "sent_at": 1704103300, "text": "hi"},
        {"id": "3", "sender_id": "b", "sent_at": "not a time", "text": "x"},
        {"id": "4", "sender_id": "b", "sent_at": "2024-01-03T00:00:00+01:00", "text": "hey", "kind": "welcome"},
    ],
    "follows": [{"user_id": "a", "followed_at": "2024-01-01T10:00:00Z"}, {"user_name": "bee", "followed_at": None}],
}


def _write(tmp_path: Path, name: str, data: object) -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(data), encoding="utf-8")
    return p


def test_inbox_json(tmp_path: Path) -> None:
    ib = load_inbox([_write(tmp_path, "inbox.json", INBOX)])
    m = ib.messages.set_index("message_id")
    assert list(m.index) == ["1", "2", "4"]
    assert m.loc["2", "outgoing"] and not m.loc["1", "outgoing"]
    assert m.loc["2", "conversation_id"] == "a" and m.loc["1", "conversation_id"] == "a"
    assert m.loc["1", "urls"] == ["https://example.org"]
    assert m.loc["4", "kind"] == "welcome"
    assert str(m.loc["4", "sent_at"]) == "2024-01-02 23:00:00+00:00"
    assert ib.skips.counts == {"unreadable message time": 1}
    assert len(ib.follows) == 2 and ib.follows["followed_at"].notna().sum() == 1


def test_jsonl_and_csv_and_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = "\n".join(json.dumps(m) for m in INBOX["messages"]) + "\n{broken\n"
    p = tmp_path / "m.jsonl"
    p.write_text(lines, encoding="utf-8")
    ib = load_inbox([p])
    assert len(ib.messages) == 3
    assert ib.skips.counts["invalid JSON (key must be a string)"] == 1 or ib.skips.total == 2
    c = tmp_path / "m.csv"
    c.write_text("id,sender_id,sent_at,text,outgoing\n1,a,2024-01-01T00:00:00Z,\"hello, you\",false\n"
                 "2,me,1704103300,hi,true\n", encoding="utf-8")
    ib = load_inbox([c])
    assert list(ib.messages["text"]) == ["hello, you", "hi"]
    assert list(ib.messages["outgoing"]) == [False, True]


def test_follows_option_adds_times(tmp_path: Path) -> None:
    src = _write(tmp_path, "inbox.json", {"messages": INBOX["messages"][:1]})
    f = tmp_path / "follows.csv"
    f.write_text("user_id,followed_at\na,2024-01-01T10:00:00Z\n", encoding="utf-8")
    ib = load_inbox([src], follows=f)
    assert ib.follows["followed_at"].notna().sum() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b'{"messages": [', "invalid JSON at line 1, column"),
        (b'{"nope": 1}', 'expected an object with a "messages" list'),
        (b"id,text\n1,hi\n", "lacks the column"),
        ("id,sender_id,sent_at,text\n1,a,2024-01-01,café\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_bad_files(tmp_path: Path, content: bytes, message: str) -> None:
    name = "m.csv" if content.startswith(b"id") else "inbox.json"
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(InputError, match=message):
        load_inbox([p])


def test_strict_stops_at_first_bad_record(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="record 3"):
        load_inbox([_write(tmp_path, "inbox.json", INBOX)], strict=True)


def test_two_files_concatenated_with_the_same_ids_lose_no_message_quietly(tmp_path: Path) -> None:
    one = [{"id": "1", "sender_id": "a", "sent_at": "2024-01-01T10:00:00Z", "text": "hello"}]
    two = [{"id": "1", "sender_id": "b", "sent_at": "2024-02-01T10:00:00Z", "text": "Thanks for following!"}]
    p = tmp_path / "all.jsonl"
    p.write_text("".join(json.dumps(m) + "\n" for m in one + two + one), encoding="utf-8")
    ib = load_inbox([p])
    assert len(ib.messages) == 1
    assert ib.skips.counts == {"message id used twice with different content": 1}  # the third line: a repeat
    r = CliRunner().invoke(app, ["inspect", "--strict", str(p)])
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1
    assert ("all.jsonl: record on line 2: message id used twice with different content "
            "(expected a unique id per message)") in r.stderr


def test_cli_inspect_json_and_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    p = _write(tmp_path, "inbox.json", INBOX)
    r = runner.invoke(app, ["inspect", "--json", str(p)])
    assert r.exit_code == 0, r.output
    info = json.loads(r.stdout)
    assert (info["platform"], info["messages"], info["incoming"], info["outgoing"]) == ("canonical", 3, 2, 1)
    assert info["skipped"] == {"unreadable message time": 1}
    assert info["kinds"] == {"message": 2, "welcome": 1}
    r = runner.invoke(app, ["inspect", "--strict", str(p)])
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and "record 3: unreadable message time" in r.stderr
    r = runner.invoke(app, ["inspect", str(tmp_path / "nope.zip")])
    assert r.exit_code == 2 and "no such file" in r.stderr and "Traceback" not in r.stderr


def test_unknown_layout_lists_what_was_looked_for(tmp_path: Path) -> None:
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "photo.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "export" / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="looked for X: data/direct-messages"):
        load_inbox([tmp_path / "export"])


def test_stdin_with_a_bom_is_still_json(tmp_path: Path) -> None:
    """A UTF-8 BOM in front of a JSON inbox on stdin was sniffed as CSV ('lacks the columns')."""
    data = b"\xef\xbb\xbf" + json.dumps(INBOX).encode()
    r = CliRunner().invoke(app, ["inspect", "-", "--json"], input=data)
    assert r.exit_code == 0, r.stderr
    as_file = tmp_path / "bom.json"
    as_file.write_bytes(data)
    assert json.loads(r.stdout)["messages"] == len(load_inbox([as_file]).messages) > 0


def test_json_that_is_not_utf8_names_the_byte(tmp_path: Path) -> None:
    lines = json.dumps(INBOX, indent=1).encode().split(b"\n")
    lines[3] = lines[3][:5] + b"\xe9" + lines[3][6:]
    bad = tmp_path / "latin1.json"
    bad.write_bytes(b"\n".join(lines))
    with pytest.raises(InputError, match=r"latin1\.json: not UTF-8 text \(bad byte at line 4, column 6\); "
                                         r"save it as UTF-8"):
        load_inbox([bad])
    jl = tmp_path / "m.jsonl"
    jl.write_bytes(b"\n".join([json.dumps(m).encode() for m in INBOX["messages"]] + [b'{"id": "\xe9"}']))
    assert load_inbox([jl]).skips.counts.get("not UTF-8 text") == 1


def test_a_zip_on_stdin_is_told_to_come_as_a_path() -> None:
    data = (Path(__file__).resolve().parents[1] / "data" / "examples" / "twitter-archive.zip").read_bytes()
    r = CliRunner().invoke(app, ["scan", "-", "--format", "csv"], input=data)
    assert r.exit_code == 2 and r.stdout == ""
    assert "stdin: this is a zip; give its path instead (autodm scan export.zip)" in r.stderr


def _saved_as(path: Path, rows: list[list[str]], style: str) -> Path:
    path.write_bytes(saved(rows, style))
    return path


@pytest.mark.parametrize("style", sorted(SPREADSHEET_STYLES))
def test_follows_file_a_spreadsheet_saved_is_read(tmp_path: Path, style: str) -> None:
    # "CSV lacks the column(s) followed_at, user_id" for a file that has both, separated by ";"
    src = _write(tmp_path, "inbox.json", {"messages": INBOX["messages"][:1]})
    rows = [["user_id", "followed_at"], ["a", "2024-01-01T10:00:00Z"], ["c", "2024-02-01T10:00:00Z"]]
    ib = load_inbox([src], follows=_saved_as(tmp_path / "follows.csv", rows, style))
    assert ib.follows["user_id"].tolist() == ["a", "c"]
    assert ib.follows["followed_at"].notna().all() and ib.skips.total == 0
    r = CliRunner().invoke(app, ["scan", str(src), "--follows", str(tmp_path / "follows.csv"), "-f", "csv"])
    assert r.exit_code == 0, r.stderr
    assert "2024-01-01T10:00:00Z" in r.stdout  # the sender's follow time joined


@pytest.mark.parametrize("style", sorted(SPREADSHEET_STYLES))
def test_canonical_csv_a_spreadsheet_saved_is_read(tmp_path: Path, style: str) -> None:
    # a text holding the separator is quoted, as a spreadsheet quotes it
    rows = [["id", "sender_id", "sent_at", "text"], ["1", "a", "2024-01-01T00:00:00Z", '"hello, you;	ok"'],
            ["2", "b", "2024-01-02T00:00:00Z", "hi"]]
    for folder in (tmp_path / "alone", tmp_path / "in-a-folder"):
        folder.mkdir()
        p = _saved_as(folder / "m.csv", rows, style)
        ib = load_inbox([p if folder.name == "alone" else folder])
        assert ib.messages["text"].tolist() == ["hello, you;\tok", "hi"] and ib.skips.total == 0


def test_a_semicolon_csv_on_stdin_or_in_a_zip_is_read() -> None:
    """The separator was found from the file on disk only: stdin and zip members had to use commas."""
    data = b"id;sender_id;sent_at;text\n1;a;2024-01-01T00:00:00Z;hi, you\n"
    r = CliRunner().invoke(app, ["inspect", "--json", "-"], input=data)
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["messages"] == 1


def test_an_owner_unknown_warning_for_stdin_as_for_a_file(tmp_path: Path) -> None:
    """The warning was given for a file only: `autodm scan - < texts.csv` read the threads as
    unknown without a word."""
    data = b"id,sender_id,sent_at,text\n1,a,2024-01-01T00:00:00Z,hi\n"
    (tmp_path / "m.csv").write_bytes(data)
    for args, stdin in ((["inspect", "-"], data), (["inspect", str(tmp_path / "m.csv")], None)):
        r = CliRunner().invoke(app, args, input=stdin)
        assert r.exit_code == 0 and "no owner and no message marked outgoing" in r.stderr, r.stderr
