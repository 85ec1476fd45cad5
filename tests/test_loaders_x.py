"""autodm.loaders.x (X / Twitter archives) and autodm.simulate.x (the archive writer)."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner
from x_fixtures import (
    ACCOUNT,
    ACCOUNT_2020,
    ARCHIVE_2022_IGNORED,
    ARCHIVE_2022_MESSAGES,
    DM_2020,
    DM_BAD_EVENTS,
    DM_BAD_EVENTS_SKIPPED,
    DM_EMPTY,
    DM_PART0,
    DM_PART1,
    FOLLOWER,
    FOLLOWING,
    FORMATS_EXAMPLE,
    MANIFEST,
    OTHER_ID,
    OWNER_ID,
    TOP,
    archive_2022,
    no_dm_archive,
    other_account_archive,
    singular_files,
    write_folder,
    write_zip,
)

from autodm.cli import app
from autodm.errors import InputError, RecordError
from autodm.inbox import FollowRows, Inbox, MessageRows, Owner, Skips, join_follows, make_inbox
from autodm.loaders import ExportTree, detect, load_inbox
from autodm.loaders import x as xl
from autodm.simulate.timeline import SimConfig, simulate_inbox
from autodm.simulate.x import jackson, js_file, write_x_archive, x_group_id, x_handle, x_user_id


def _inspect(*paths: Path, extra: tuple[str, ...] = ()) -> dict[str, object]:
    r = CliRunner().invoke(app, ["inspect", "--json", *extra, *map(str, paths)])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def _rows(inbox: Inbox) -> list[tuple[str, str, str, bool, str, list[str]]]:
    m = inbox.messages
    return list(zip(m["message_id"], m["sender_id"], m["text"], m["outgoing"], m["kind"],
                    [list(u) for u in m["urls"]], strict=True))


def _follows(inbox: Inbox) -> list[tuple[str, str]]:
    return sorted(zip(inbox.follows["user_id"], inbox.follows["direction"], strict=True))


# --------------------------------------------------------------------------- hand-written archives


def test_2022_archive_zip(tmp_path: Path) -> None:
    z = write_zip(tmp_path / "twitter-2022-08-01-0a1b2c3d.zip", archive_2022())
    tree = ExportTree.open([z])
    assert detect(tree) == "x"
    ib = load_inbox([z])
    assert ib.platform == "x"
    assert ib.owner == Owner(id=OWNER_ID, name="Alex Example", handle="alex_example")
    assert _rows(ib) == ARCHIVE_2022_MESSAGES
    m = ib.messages.set_index("message_id")
    assert str(m.loc["1500000000000000001", "sent_at"]) == "2022-05-01 10:00:07.123000+00:00"
    assert str(m["sent_at"].dtype) == "datetime64[ns, UTC]"
    assert m.loc["1500000000000000001", "conversation_id"] == "1111-2222"
    assert m.loc["1500000000000000001", "recipient_id"] == "2222"
    assert m.loc["1500000000000000002", "recipient_id"] == "1111"
    assert m.loc["1500000000000000032", "conversation_id"] == "1500000000000000900"
    assert pd.isna(m.loc["1500000000000000032", "recipient_id"])  # group DMs have no recipientId
    assert m["sender_name"].isna().all() and m["sender_username"].isna().all()
    assert "1500000000000000777" not in m.index  # the headers file is ignored
    assert ib.skips.counts == {}
    assert dict(ib.skips.notes) == ARCHIVE_2022_IGNORED
    assert _follows(ib) == [("1111", "follower"), ("1111", "following"), ("3333", "follower"),
                            ("4444", "following"), ("5555", "follower")]
    assert ib.follows["followed_at"].isna().all() and ib.follows["precision"].isna().all()


def test_2022_archive_through_the_cli(tmp_path: Path) -> None:
    z = write_zip(tmp_path / "twitter.zip", archive_2022())
    info = _inspect(z)
    assert info["source"] == str(z)
    assert {k: info[k] for k in ("platform", "owner_id", "owner_name", "messages", "incoming", "outgoing",
                                 "conversations", "senders", "kinds", "follows", "follows_with_time",
                                 "incoming_with_follow_time", "skipped", "ignored", "first", "last")} == {
        "platform": "x", "owner_id": "2222", "owner_name": "Alex Example", "messages": 10, "incoming": 7,
        "outgoing": 3, "conversations": 4, "senders": 4, "kinds": {"message": 9, "welcome": 1}, "follows": 5,
        "follows_with_time": 0, "incoming_with_follow_time": 0.0, "skipped": {}, "ignored": ARCHIVE_2022_IGNORED,
        "first": "2022-05-01T10:00:07.123+00:00", "last": "2022-07-10T18:00:00+00:00",
    }


def test_folder_with_extra_top_folder_and_any_case(tmp_path: Path) -> None:
    files = {k.replace("data/direct-messages.js", "Data/Direct-Messages.js"): v for k, v in archive_2022().items()}
    root = write_folder(tmp_path / "unzipped", files, top=TOP)
    ib = load_inbox([root])
    assert _rows(ib) == ARCHIVE_2022_MESSAGES
    z = write_zip(tmp_path / "top.zip", archive_2022(), top=TOP)
    assert _rows(load_inbox([z])) == ARCHIVE_2022_MESSAGES


def test_formats_md_example_verbatim(tmp_path: Path) -> None:
    only = write_folder(tmp_path / "a", {"data/direct-messages.js": FORMATS_EXAMPLE})
    ib = load_inbox([only])
    assert _rows(ib) == [("1500000000000000001", "1111", "Thanks for the follow! Free guide: https://example.org/guide",
                          False, "message", ["https://example.org/guide"])]
    assert ib.owner.id is None  # one conversation: either id could be the owner
    with_account = write_folder(tmp_path / "b", {"data/direct-messages.js": FORMATS_EXAMPLE,
                                                  "data/account.js": ACCOUNT})
    ib = load_inbox([with_account])
    assert ib.owner.id == "2222" and not ib.messages["outgoing"].any()
    assert ib.messages["recipient_id"].tolist() == ["2222"]


def test_2020_archive_old_fields_and_short_ids(tmp_path: Path) -> None:
    empty_group = "window.YTD.direct_messages_group.part0 = [ ]"
    root = write_folder(tmp_path / "x", {"data/direct-messages.js": DM_2020, "data/account.js": ACCOUNT_2020,
                                         "data/direct-messages-group.js": empty_group})
    ib = load_inbox([root])
    assert _rows(ib) == [
        ("66204814", "685513",
         "Hi! Thanks for following us. For support questions, check out http://www.example.org/support",
         False, "message", []),
        ("352344194087530497", "730043", "", False, "message", []),  # id, senderId and createdAt only
        ("352991039667187712", "20674328", "Got it, thanks", True, "message", []),
    ]
    assert ib.owner == Owner(id="20674328", name="Sam Sample", handle="samsample")


def test_owner_inferred_from_conversation_ids_without_account(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "x", {"data/direct-messages.js": DM_2020})
    ib = load_inbox([root])
    assert ib.owner.id == "20674328"
    assert ib.messages.set_index("message_id").loc["352991039667187712", "outgoing"]
    assert int(ib.messages["outgoing"].sum()) == 1


def test_owner_from_manifest_when_account_is_missing(tmp_path: Path) -> None:
    files = archive_2022()
    del files["data/account.js"]
    ib = load_inbox([write_zip(tmp_path / "x.zip", files)])
    assert ib.owner == Owner(id="2222", name="Alex Example", handle="alex_example")
    assert int(ib.messages["outgoing"].sum()) == 3


@pytest.mark.parametrize("empty", ["= [ ]", "= []", "= [\n]\n"])
def test_empty_group_file(tmp_path: Path, empty: str) -> None:
    files = archive_2022()
    files["data/direct-messages-group.js"] = f"window.YTD.direct_messages_group.part0 {empty}"
    ib = load_inbox([write_zip(tmp_path / "x.zip", files)])
    assert len(ib.messages) == 8
    assert "1500000000000000900" not in set(ib.messages["conversation_id"])


def test_glob_fallback_without_manifest(tmp_path: Path) -> None:
    files = archive_2022()
    del files["data/manifest.js"]
    files["data/direct-messages-part2.js"] = DM_PART1.replace("part1 =", "part2 =").replace(
        "1500000000000000021", "1500000000000000020")
    ib = load_inbox([write_zip(tmp_path / "x.zip", files)])
    assert len(ib.messages) == 11  # part2 found by name: its ...020 is new, the rest repeats part1
    assert ib.skips.notes["duplicate message id (kept the first)"] == 3


def test_manifest_lists_parts_and_a_missing_part_is_counted(tmp_path: Path) -> None:
    files = archive_2022()
    del files["data/direct-messages-part1.js"]
    ib = load_inbox([write_zip(tmp_path / "x.zip", files)])
    assert ib.skips.notes["X message file listed in manifest.js but missing from the export"] == 1
    assert len(ib.messages) == 8  # 021 and 022 are lost; 023 is in part0 too
    # a part the manifest lists under an unusual name is read through the manifest
    files = archive_2022()
    files["data/direct-messages-part01.js"] = files.pop("data/direct-messages-part1.js")
    manifest = MANIFEST.replace("data/direct-messages-part1.js", "data/direct-messages-part01.js")
    files["data/manifest.js"] = manifest
    ib = load_inbox([write_zip(tmp_path / "y.zip", files)])
    assert _rows(ib) == ARCHIVE_2022_MESSAGES


def test_unreadable_manifest_falls_back_to_names(tmp_path: Path) -> None:
    files = archive_2022()
    files["data/manifest.js"] = "window.__THAR_CONFIG = {"
    ib = load_inbox([write_zip(tmp_path / "x.zip", files)])
    assert _rows(ib) == ARCHIVE_2022_MESSAGES
    assert ib.skips.notes["X manifest.js unreadable (found the files by name)"] == 1


def test_older_singular_names(tmp_path: Path) -> None:
    ib = load_inbox([write_zip(tmp_path / "x.zip", singular_files())])
    assert _rows(ib) == ARCHIVE_2022_MESSAGES
    assert _follows(ib) == [("1111", "follower"), ("3333", "follower"), ("5555", "follower")]


def test_bom_and_trailing_semicolon(tmp_path: Path) -> None:
    files = archive_2022()
    files["data/direct-messages.js"] = "\ufeff" + DM_PART0 + ";\n"
    files["data/account.js"] = "\ufeff" + ACCOUNT
    ib = load_inbox([write_zip(tmp_path / "x.zip", files)])
    assert _rows(ib) == ARCHIVE_2022_MESSAGES


def test_compact_and_odd_layouts_are_parsed_whole(tmp_path: Path) -> None:
    doc = json.loads(DM_PART0.split("=", 1)[1])
    compact = "window.YTD.direct_messages.part0 = " + json.dumps(doc)
    # valid JSON in which "\n}, {" closes a nested object: the split fails and the file is parsed whole,
    # without counting the first element's bad event twice
    bad_first = '{"dmConversation": {"conversationId": "1111-2222", "messages": [ {"messageCreate": {"id": "9"}} ]}\n}'
    nested = ('{"dmConversation": {"conversationId": "2222-4444", "messages": [ {"messageCreate": {"id": "1", '
              '"senderId": "4444", "createdAt": "2022-01-01T00:00:00.000Z", "text": "a"}\n}, {"messageCreate": '
              '{"id": "2", "senderId": "2222", "createdAt": "2022-01-01T00:01:00.000Z", "text": "b"}} ]}}')
    odd = f"window.YTD.direct_messages.part0 = [ {bad_first}, {nested} ]"
    for text, n, skipped in ((compact, 6, {}), (odd, 2, {"message without id, senderId or createdAt": 1})):
        files = {"data/direct-messages.js": text, "data/account.js": ACCOUNT}
        ib = load_inbox([write_folder(tmp_path / str(n), files)])
        assert len(ib.messages) == n
        assert dict(ib.skips.counts) == skipped


def test_iter_elements_any_chunking() -> None:
    data = DM_PART0.encode("utf-8")
    whole = list(xl.iter_elements([data], "f"))
    assert [e["dmConversation"]["conversationId"] for e in whole] == ["1111-2222", "2222-3333", "2222-4444"]
    for size in (1, 2, 3, 5, 7, 64, 1000):
        chunks = [data[i:i + size] for i in range(0, len(data), size)]
        assert list(xl.iter_elements(chunks, "f")) == whole
    assert list(xl.iter_elements([b"window.YTD.direct_messages_group.part0 = [ ]"], "f")) == []


def test_streamed_inflate_gives_the_same_inbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    z = write_zip(tmp_path / "x.zip", archive_2022())
    monkeypatch.setattr(xl, "STREAM_MIN_BYTES", 0)
    monkeypatch.setattr(xl, "_CHUNK", 37)
    ib = load_inbox([z])
    assert _rows(ib) == ARCHIVE_2022_MESSAGES
    assert dict(ib.skips.notes) == ARCHIVE_2022_IGNORED


# --------------------------------------------------------------------------- bad input


def test_bad_events_are_skipped_and_counted(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "x", {"data/direct-messages.js": DM_BAD_EVENTS, "data/account.js": ACCOUNT})
    ib = load_inbox([root])
    assert ib.messages["message_id"].tolist() == ["1500000000000000106", "1500000000000000107"]
    assert ib.messages["outgoing"].tolist() == [False, True]
    assert dict(ib.skips.counts) == DM_BAD_EVENTS_SKIPPED
    with pytest.raises(RecordError, match=r"record conversation 1111-2222 event 1: message without id"):
        load_inbox([root], strict=True)
    info = _inspect(root)
    assert info["skipped"] == DM_BAD_EVENTS_SKIPPED and info["messages"] == 2
    r = CliRunner().invoke(app, ["inspect", "--strict", str(root)])
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "direct-messages.js: record conversation 1111-2222 event 1" in r.stderr
    assert "no time" not in r.stderr  # never message text


def test_unknown_event_kinds_are_counted(tmp_path: Path) -> None:
    text = DM_PART0.replace('"welcomeMessageCreate"', '"someFutureEvent"').replace(
        '"reactions" : [ {', '"reactions" : [ {', 1)
    ib = load_inbox([write_folder(tmp_path / "x", {"data/direct-messages.js": text, "data/account.js": ACCOUNT})])
    assert ib.skips.notes["X event someFutureEvent"] == 1 and len(ib.messages) == 5


def test_invalid_json_names_file_line_and_column(tmp_path: Path) -> None:
    bad = DM_PART0.replace('"text" : "Sure, 7pm?",', '"text" : "Sure, 7pm?"')
    lines = bad.split("\n")
    line = next(i for i, s in enumerate(lines, 1) if '"Sure, 7pm?"' in s) + 1  # the error is on the next line
    root = write_folder(tmp_path / "x", {"data/direct-messages.js": bad})
    with pytest.raises(InputError) as e:
        load_inbox([root])
    col = len(lines[line - 1]) - len(lines[line - 1].lstrip()) + 1
    assert str(e.value).startswith(f"{root / 'data/direct-messages.js'}: invalid JSON at line {line}, column {col}: ")
    first_line = write_folder(tmp_path / "y", {"data/direct-messages.js": "window.YTD.direct_messages.part0 = [ {,"})
    with pytest.raises(InputError, match=r"invalid JSON at line 1, column 39: "):
        load_inbox([first_line])
    r = CliRunner().invoke(app, ["inspect", str(root)])
    assert r.exit_code == 2 and r.stdout == "" and r.stderr.count("\n") == 1
    assert f"invalid JSON at line {line}, column {col}" in r.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("var data = [ ]", "not an X archive data file; expected it to start with window.YTD.<type>.part<N>"),
        ("window.YTD.direct_messages.part0 [ ]", "no '=' after window.YTD."),
        ("window.YTD.direct_messages.part0 = { }", "expected a JSON array of dmConversation objects"),
        ("", "not an X archive data file"),
        ('window.YTD.direct_messages.part0 = [ {\n  "dmConversation" : { }\n} ]',
         "no readable messages found in this x export"),  # only bad records: not an empty archive
    ],
)
def test_whole_file_problems(tmp_path: Path, text: str, message: str) -> None:
    root = write_folder(tmp_path / "x", {"data/direct-messages.js": text, "data/account.js": ACCOUNT})
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace("[", r"\[")):
        load_inbox([root])


def test_not_utf8_names_line_and_column(tmp_path: Path) -> None:
    data = DM_PART0.encode("utf-8").replace(b"Perfect, see", b"Perfect, \xff see")
    lines = data.split(b"\n")
    line = next(i for i, s in enumerate(lines, 1) if b"\xff" in s)
    col = lines[line - 1].index(b"\xff") + 1
    root = write_folder(tmp_path / "x", {"data/direct-messages.js": data})
    with pytest.raises(InputError, match=rf"not UTF-8 text \(bad byte at line {line}, column {col}\)"):
        load_inbox([root])


def test_bad_account_and_follower_files(tmp_path: Path) -> None:
    files = archive_2022()
    files["data/account.js"] = "window.YTD.account.part0 = [ {\n  \"account\" : \n} ]"
    with pytest.raises(InputError, match=r"account\.js: invalid JSON at line 3, column 1"):
        load_inbox([write_zip(tmp_path / "a.zip", files)], strict=True)
    files = archive_2022()
    files["data/follower.js"] = FOLLOWER.replace('"accountId" : "3333",', '"accountId" : 3333,')
    ib = load_inbox([write_zip(tmp_path / "b.zip", files)])
    assert ib.skips.counts == {"follower without accountId": 1}
    assert len(ib.follows) == 4


def test_no_message_file(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "x", {"data/account.js": ACCOUNT, "data/manifest.js": MANIFEST})
    assert detect(ExportTree.open([root])) == "x"
    with pytest.raises(InputError, match=r"no direct-messages\.js in this X archive"):
        load_inbox([root])
    headers_only = write_folder(tmp_path / "h", {"data/direct-message-headers.js": "window.YTD.x.part0 = [ ]"})
    assert not xl.detect(ExportTree.open([headers_only]))


def test_truncated_and_corrupt_zips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    z = write_zip(tmp_path / "x.zip", archive_2022())
    data = z.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: len(data) // 2])
    r = CliRunner().invoke(app, ["inspect", str(cut)])
    assert r.exit_code == 2 and r.stdout == "" and r.stderr.count("\n") == 1 and "zip" in r.stderr
    # flip bytes inside the compressed data of direct-messages.js: inflating it fails
    with zipfile.ZipFile(z) as zf:
        info = zf.getinfo("data/direct-messages.js")
    start = info.header_offset + 30 + len(info.filename) + 40
    broken = bytearray(data)
    for i in range(start, start + 200):
        broken[i] ^= 0x5A
    bad = tmp_path / "bad.zip"
    bad.write_bytes(bytes(broken))
    with pytest.raises(InputError, match=r"direct-messages\.js: cannot read this zip member"):
        load_inbox([bad])
    monkeypatch.setattr(xl, "STREAM_MIN_BYTES", 0)
    monkeypatch.setattr(xl, "_CHUNK", 64)
    with pytest.raises(InputError, match=r"direct-messages\.js: cannot read this zip member"):
        load_inbox([bad])


# --------------------------------------------------------------------------- the writer


def neutral_inbox() -> Inbox:
    """A small platform-neutral inbox: two 1:1 threads, a group, a welcome message, links, follows."""
    rows = MessageRows()
    t0 = pd.Timestamp("2023-03-01T09:00:00Z").value // 10**9

    def add(mid: str, conv: str, sender: str, recipient: str | None, dt: float, text: str,
            kind: str = "message", urls: tuple[str, ...] = ()) -> None:
        names = {"owner": "Alex Example", "u0001": "Sam Sample", "u0002": "Chloé Müller ✨",
                 "u0003": "Jordan Okafor", "u0004": "Yuki Tanaka"}
        rows.add(message_id=mid, conversation_id=conv, sender_id=sender, recipient_id=recipient,
                 sender_name=names[sender], sender_username=sender, sent_at=t0 + dt, text=text,
                 outgoing=sender == "owner", kind=kind, urls=urls)

    add("m1", "c-u0001", "u0001", "owner", 12.345, "Welcome! Thanks for following 🚀", kind="welcome")
    add("m2", "c-u0001", "u0001", "owner", 30.5,
        "Grab my guide: https://example.org/guide?x=1&y=2. Also <this> & that http://bit.ly/abc")
    add("m3", "c-u0001", "owner", "u0001", 3600, "Thanks <3 & see you")
    add("m4", "c-u0002", "u0002", "owner", 7200.001, 'Hi "Alex"!\nLunch?', urls=("https://calendly.com/chloe",))
    add("m5", "c-u0002", "owner", "u0002", 7300, "")
    add("m6", "g1", "u0003", None, 9000, "Welcome to the group")
    add("m7", "g1", "u0004", None, 9100, "Hello all &amp; hi")
    add("m8", "g1", "owner", None, 9200, "Hi both")
    follows = FollowRows()
    for uid, direction in (("u0001", "follower"), ("u0002", "following"), ("u0003", "connection"),
                           ("u0006", "follower")):
        follows.add(user_id=uid, user_name=uid, followed_at=None, direction=direction)
    return make_inbox(platform="canonical", source="test", messages=rows, follows=follows,
                      owner=Owner(id="owner", name="Alex Example", handle="alex.example"), skips=Skips(),
                      message_times="epoch_s")


def _neutral_keys(inbox: Inbox) -> list[tuple[int, str, str, bool, str]]:
    m = inbox.messages
    ms = (m["sent_at"].dt.round("ms").astype("int64") // 10**6).tolist()
    return sorted(zip(ms, [x_user_id(s) for s in m["sender_id"]], m["text"], m["outgoing"], m["kind"], strict=True))


def _loaded_keys(inbox: Inbox) -> list[tuple[int, str, str, bool, str]]:
    m = inbox.messages
    ms = (m["sent_at"].astype("int64") // 10**6).tolist()
    return sorted(zip(ms, m["sender_id"], m["text"], m["outgoing"], m["kind"], strict=True))


def _check_round_trip(loaded: Inbox, neutral: Inbox) -> None:
    assert loaded.platform == "x"
    assert _loaded_keys(loaded) == _neutral_keys(neutral)
    assert loaded.owner == Owner(id=x_user_id("owner"), name="Alex Example", handle="alex_example")
    assert loaded.skips.counts == {}


def test_writer_round_trip_zip(tmp_path: Path) -> None:
    neutral = neutral_inbox()
    z = write_x_archive(neutral, tmp_path / "twitter.zip")
    assert z == tmp_path / "twitter.zip"
    with zipfile.ZipFile(z) as zf:
        names = set(zf.namelist())
    assert {"Your archive.html", "data/manifest.js", "data/account.js", "data/direct-messages.js",
            "data/direct-messages-group.js", "data/follower.js", "data/following.js"} <= names
    loaded = load_inbox([z])
    _check_round_trip(loaded, neutral)
    m = loaded.messages.set_index("text")
    owner, u1, u2 = x_user_id("owner"), x_user_id("u0001"), x_user_id("u0002")
    a, b = sorted((owner, u1), key=int)
    assert m.loc["Thanks <3 & see you", "conversation_id"] == f"{a}-{b}"
    assert m.loc["Thanks <3 & see you", "recipient_id"] == u1
    assert m.loc["Welcome to the group", "conversation_id"] == x_group_id("g1")
    assert pd.isna(m.loc["Welcome to the group", "recipient_id"])
    grab = "Grab my guide: https://example.org/guide?x=1&y=2. Also <this> & that http://bit.ly/abc"
    assert m.loc[grab, "urls"] == ["https://example.org/guide?x=1&y=2", "http://bit.ly/abc"]
    assert m.loc['Hi "Alex"!\nLunch?', "urls"] == ["https://calendly.com/chloe"]  # the neutral extra link
    assert m.loc["Welcome! Thanks for following 🚀", "kind"] == "welcome"
    assert dict(loaded.skips.notes) == {"X event joinConversation": 1}
    # follows: ids only, no times; they join the senders on id
    assert _follows(loaded) == sorted([(u1, "follower"), (x_user_id("u0003"), "follower"),
                                       (x_user_id("u0006"), "follower"), (u2, "following"),
                                       (x_user_id("u0003"), "following")])
    assert loaded.follows["followed_at"].isna().all()
    assert {u1, u2} <= set(loaded.follows["user_id"])


def test_writer_files_are_exact_jackson(tmp_path: Path) -> None:
    root = write_x_archive(neutral_inbox(), tmp_path / "folder", zipped=False)
    for f in sorted((root / "data").glob("*.js")):
        text = f.read_text(encoding="utf-8")
        head, body = text.split(" = ", 1)
        assert jackson(json.loads(body)) == body, f.name
        if head.startswith("window.YTD."):
            assert text.encode() == js_file(head.removeprefix("window.YTD."), json.loads(body))
    dm = (root / "data/direct-messages.js").read_text(encoding="utf-8")
    assert dm.startswith('window.YTD.direct_messages.part0 = [ {\n  "dmConversation" : {\n    "conversationId" : "')
    assert '"reactions" : [ ],\n        "mediaUrls" : [ ],\n        "editHistory" : [ ],\n        "urls" : [ {' in dm
    assert "https://t.co/" in dm and "&lt;this&gt; &amp; that" in dm
    doc = json.loads(dm.split(" = ", 1)[1])
    for entry in doc:  # newest first in every conversation
        times = [next(iter(ev.values()))["createdAt"] for ev in entry["dmConversation"]["messages"]]
        assert times == sorted(times, reverse=True)
    manifest = (root / "data/manifest.js").read_text(encoding="utf-8")
    assert manifest.startswith('window.__THAR_CONFIG = {\n  "userInfo" : {\n    "accountId" : "')
    assert (root / "Your archive.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_jackson_style() -> None:
    assert jackson([]) == "[ ]"
    assert jackson([{"a": {"b": [1, "x"], "c": []}}, {"d": True}]) == (
        '[ {\n  "a" : {\n    "b" : [ 1, "x" ],\n    "c" : [ ]\n  }\n}, {\n  "d" : true\n} ]')


def test_writer_parts_folder_and_top_folder(tmp_path: Path) -> None:
    neutral = neutral_inbox()
    root = write_x_archive(neutral, tmp_path / "export", parts=3, zipped=False, top_folder=TOP, chunk=1)
    data = root / TOP / "data"
    assert sorted(p.name for p in data.glob("direct-messages*.js")) == [
        "direct-messages-group.js", "direct-messages-part1.js", "direct-messages-part2.js", "direct-messages.js"]
    assert (data / "direct-messages-part2.js").read_text(encoding="utf-8").startswith(
        "window.YTD.direct_messages.part2 = [ {")
    manifest = json.loads((data / "manifest.js").read_text(encoding="utf-8").split(" = ", 1)[1])
    files = manifest["dataTypes"]["directMessages"]["files"]
    assert [f["fileName"] for f in files] == ["data/direct-messages.js", "data/direct-messages-part1.js",
                                              "data/direct-messages-part2.js"]
    assert sum(int(f["count"]) for f in files) == 5  # chunk=1: one entry per 1:1 message
    _check_round_trip(load_inbox([root]), neutral)


def test_writer_several_zips_of_one_export(tmp_path: Path) -> None:
    neutral = neutral_inbox()
    root = write_x_archive(neutral, tmp_path / "export", parts=3, zipped=False, chunk=2)
    first = ("data/manifest.js", "data/account.js", "data/direct-messages.js", "data/follower.js", "Your archive.html")
    zips = []
    for k, keep in enumerate((lambda p: p in first, lambda p: p not in first)):
        z = tmp_path / f"twitter-part{k + 1}.zip"
        with zipfile.ZipFile(z, "w") as zf:
            for f in sorted(root.rglob("*")):
                rel = f.relative_to(root).as_posix()
                if f.is_file() and keep(rel):
                    zf.write(f, rel)
        zips.append(z)
    _check_round_trip(load_inbox(zips), neutral)
    alone = load_inbox(zips[:1])
    assert alone.skips.notes["X message file listed in manifest.js but missing from the export"] == 3
    assert len(alone.messages) < len(neutral.messages)


def test_writer_2019_era(tmp_path: Path) -> None:
    neutral = neutral_inbox()
    z = write_x_archive(neutral, tmp_path / "old.zip", era="2019")
    with zipfile.ZipFile(z) as zf:
        names = set(zf.namelist())
        dm = zf.read("data/direct-message.js").decode("utf-8")
    assert "data/manifest.js" not in names and "data/direct-message-group.js" in names
    assert dm.startswith("window.YTD.direct_message.part0 = [ {")
    assert '"urls"' not in dm and '"reactions"' not in dm and '"editHistory"' not in dm
    loaded = load_inbox([z])
    texts = set(loaded.messages["text"])
    assert "Thanks <3 & see you" in texts
    assert any(t.startswith("Grab my guide: https://t.co/") for t in texts)  # no urls: t.co stays
    assert len(loaded.messages) == len(neutral.messages)
    assert loaded.owner.id == x_user_id("owner")


def test_writer_2020_era_and_bad_arguments(tmp_path: Path) -> None:
    neutral = neutral_inbox()
    z = write_x_archive(neutral, tmp_path / "x2020.zip", era="2020")
    with zipfile.ZipFile(z) as zf:
        dm = zf.read("data/direct-messages.js").decode("utf-8")
    assert '"editHistory"' not in dm and '"reactions" : [ ],\n        "urls" : ' in dm
    _check_round_trip(load_inbox([z]), neutral)
    with pytest.raises(ValueError, match="era"):
        write_x_archive(neutral, tmp_path / "y.zip", era="1999")
    with pytest.raises(ValueError, match="parts"):
        write_x_archive(neutral, tmp_path / "y.zip", parts=0)


def test_ids_are_stable_numeric_and_distinct() -> None:
    ids = [x_user_id(f"u{i:06d}") for i in range(2000)]
    assert len(set(ids)) == 2000
    assert all(s.isdigit() and 18 <= len(s) <= 19 and int(s) < 2**63 for s in ids)
    assert x_user_id("owner") == x_user_id("owner") != x_user_id("owner2")
    assert x_handle("alex.example") == "alex_example" and x_handle("a" * 30) == "a" * 15


def _corpus() -> pd.DataFrame:
    n = 60
    auto = [f"Thanks for the follow! Guide {i}: https://example.org/g/{i}" for i in range(n)]
    personal = [f"hey, coffee at {i}? <3 & 🙂" for i in range(n)]
    return pd.DataFrame({
        "text": auto + personal,
        "label": [1] * n + [0] * n,
        "category": ["drip_followup"] * 10 + ["self_promo"] * (n - 10) + ["chat"] * n,
        "hard": [False] * (n + 40) + [True] * 20,
        "template_id": [f"t{i}" for i in range(2 * n)],
    })


def test_simulated_timeline_round_trip(tmp_path: Path) -> None:
    neutral, _ = simulate_inbox(_corpus(), 400, seed=5, config=SimConfig(platform="x"))
    z = write_x_archive(neutral, tmp_path / "sim.zip", parts=2, chunk=3)
    loaded = load_inbox([z])
    _check_round_trip(loaded, neutral)
    assert loaded.messages["kind"].value_counts().to_dict() == neutral.messages["kind"].value_counts().to_dict()
    followers = neutral.follows[neutral.follows["direction"] == "follower"]["user_id"]
    assert set(loaded.follows.loc[loaded.follows["direction"] == "follower", "user_id"]) == {
        x_user_id(u) for u in followers}
    assert np.isin(loaded.messages.loc[~loaded.messages["outgoing"], "sender_id"],
                   [x_user_id(u) for u in neutral.messages["sender_id"]]).all()


def test_follows_join_on_id_without_times(tmp_path: Path) -> None:
    loaded = load_inbox([write_x_archive(neutral_inbox(), tmp_path / "t.zip")])
    j = join_follows(loaded).set_index("text")
    sam = j.loc["Welcome! Thanks for following 🚀"]
    assert (sam["follow_join"], sam["follow_direction"]) == ("id", "follower") and pd.isna(sam["followed_at"])
    chloe = j.loc['Hi "Alex"!\nLunch?']
    assert (chloe["follow_join"], chloe["follow_direction"]) == ("id", "following")
    assert j.loc["Hello all &amp; hi", "follow_join"] == "none"  # u0004 is in no follow list
    assert j["followed_at"].isna().all()


def test_a_big_follow_list_is_read_element_by_element_with_the_same_result(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """follower.js was parsed as one JSON document: a million entries made a million dicts at
    once, and with realistic follow lists the 1M-message scan peaked at 2.12 GiB (1.64 now). A
    file in X's layout is now split like the message files; any other layout, or a damaged
    file, is parsed whole as before (the same ids, the same skips)."""
    inbox, _ = simulate_inbox(_corpus(), 300, seed=5, config=SimConfig(platform="x"))
    archive = write_x_archive(inbox, tmp_path / "x.zip")
    whole = xl.parse_js
    parsed: list[str] = []
    monkeypatch.setattr(xl, "parse_js", lambda data, name, *a: parsed.append(name) or whole(data, name, *a))
    ib = load_inbox([archive])
    assert not [n for n in parsed if "/follow" in n.rsplit(":", 1)[-1]]  # neither follow list parsed whole
    assert len(ib.follows) > 3 * ib.messages["sender_id"].nunique()
    def unsplittable(chunks: object, name: str) -> Iterator[object]:
        raise xl._Unsplittable
        yield  # a generator, as iter_elements is

    monkeypatch.setattr(xl, "iter_elements", unsplittable)
    pd.testing.assert_frame_equal(load_inbox([archive]).follows, ib.follows)  # parsed whole: the same rows
    assert [n for n in parsed if "/follow" in n.rsplit(":", 1)[-1]]


def test_a_damaged_big_follow_list_stops_its_inflating_thread_before_the_whole_parse(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fallback parsed the file again inside the except block, whose traceback kept the
    streaming generator (and its inflating thread, with its queued chunks) alive meanwhile."""
    import threading

    inbox, _ = simulate_inbox(_corpus(), 300, seed=5, config=SimConfig(platform="x"))
    folder = tmp_path / "x"
    with zipfile.ZipFile(write_x_archive(inbox, tmp_path / "x.zip")) as z:
        z.extractall(folder)
    following = next(folder.rglob("following.js"))
    text = following.read_text(encoding="utf-8")
    cut = text.index("}, {", len(text) // 2)
    following.write_text(text[:cut] + "}, {{ broken" + text[cut + 4:], encoding="utf-8")
    archive = write_zip(tmp_path / "damaged.zip",
                        {str(f.relative_to(folder)): f.read_bytes() for f in folder.rglob("*") if f.is_file()})
    monkeypatch.setattr(xl, "STREAM_MIN_BYTES", 1)  # every member inflated by the thread
    monkeypatch.setattr(xl, "_CHUNK", 1024)
    whole = xl._side_doc
    alive: list[bool] = []

    def side_doc(*a: object, **k: object) -> object:
        alive.append(any(t.name == "autodm-x-inflate" for t in threading.enumerate()))
        return whole(*a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(xl, "_side_doc", side_doc)
    ib = load_inbox([archive])
    assert alive and not any(alive)
    assert ib.skips.counts["unreadable following.js, its follows left out"] == 1


def test_a_lone_surrogate_in_one_text_costs_one_character_not_the_archive(tmp_path: Path) -> None:
    """X cuts texts mid-emoji and writes the half left as a lone \\ud83d escape, which orjson
    rejects: the archive loads, that character reads as U+FFFD, every other message as before."""
    files = archive_2022()
    old = '"Here is our menu https://t.co/Pic999"'
    assert files["data/direct-messages.js"].count(old) == 1
    files["data/direct-messages.js"] = files["data/direct-messages.js"].replace(
        old, '"Here is our menu \\ud83d https://t.co/Pic999"')
    ib = load_inbox([write_zip(tmp_path / "x.zip", files)])
    texts = dict(zip(ib.messages["message_id"], ib.messages["text"], strict=True))
    assert texts["1500000000000000012"] == "Here is our menu \ufffd"
    want = {mid: text for mid, _, text, *_ in ARCHIVE_2022_MESSAGES if mid != "1500000000000000012"}
    assert {k: v for k, v in texts.items() if k in want} == want
    ib.messages["text"].str.encode("utf-8")  # writable as UTF-8



def test_two_accounts_archives_are_refused_not_one_dropped(tmp_path: Path) -> None:
    # both archives hold data/direct-messages.js: read as one tree, the first input's file won
    neutral = neutral_inbox()
    mine = write_x_archive(neutral, tmp_path / "mine.zip")
    other = write_x_archive(Inbox(messages=neutral.messages, follows=neutral.follows,
                                  owner=Owner(id="9999", name="Someone Else", handle="someone"),
                                  platform="x", source="other"), tmp_path / "other.zip")
    with pytest.raises(InputError, match=r"mine\.zip is the X archive of account \d+ and .*other\.zip that of "
                                         r"account \d+"):
        load_inbox([mine, other])
    assert len(load_inbox([mine, mine]).messages) == len(load_inbox([mine]).messages)  # the same one twice: fine


# --------------------------------------------------------------------------- side files, parts, accounts


def _cut(text: str) -> str:
    """A file cut short, as by an interrupted copy or download."""
    return text[: len(text) // 2]


@pytest.mark.parametrize(("member", "text", "kept"), [
    ("data/follower.js", _cut(FOLLOWER), [("1111", "following"), ("4444", "following")]),
    ("data/following.js", _cut(FOLLOWING), [("1111", "follower"), ("3333", "follower"), ("5555", "follower")]),
    ("data/following.js", "window.YTD.following.part0 = { }", [("1111", "follower"), ("3333", "follower"),
                                                               ("5555", "follower")]),
])
def test_an_unreadable_follow_list_is_skipped_not_the_messages(tmp_path: Path, member: str, text: str,
                                                                kept: list[tuple[str, str]]) -> None:
    files = archive_2022()
    files[member] = text
    z = write_zip(tmp_path / "x.zip", files)
    ib = load_inbox([z])
    assert _rows(ib) == ARCHIVE_2022_MESSAGES
    assert _follows(ib) == kept
    direction = member.removeprefix("data/").removesuffix(".js")
    reason = f"unreadable {direction}.js, its follows left out"
    assert ib.skips.counts == {reason: 1}
    assert ib.skips.first == {reason: f"{z}:{member}, the whole file"}
    with pytest.raises(InputError, match=rf"x\.zip:{member}: (invalid JSON at line|expected window\.YTD)"):
        load_inbox([z], strict=True)
    r = CliRunner().invoke(app, ["scan", "-f", "jsonl", str(z)])
    assert r.exit_code == 0, r.output
    assert len(r.stdout.splitlines()) == 7  # the incoming messages
    assert r.stderr.count("\n") == 1 and f"skipped 1 bad record: {reason}" in r.stderr and member in r.stderr
    r = CliRunner().invoke(app, ["scan", "--strict", "-f", "jsonl", str(z)])
    assert r.exit_code == 2 and r.stdout == "" and r.stderr.count("\n") == 1
    assert r.stderr.startswith(f"error: {z}:{member}: ")


def test_an_unreadable_account_js_falls_back_to_the_manifest_then_the_conversations(tmp_path: Path) -> None:
    reason = "unreadable account.js, owner from manifest.js or the conversations"
    files = archive_2022()
    files["data/account.js"] = _cut(ACCOUNT)
    z = write_zip(tmp_path / "x.zip", files)
    ib = load_inbox([z])
    assert ib.owner == Owner(id=OWNER_ID, name="Alex Example", handle="alex_example")
    assert _rows(ib) == ARCHIVE_2022_MESSAGES  # the owner's own messages still outgoing
    assert _follows(ib) == [("1111", "follower"), ("1111", "following"), ("3333", "follower"),
                            ("4444", "following"), ("5555", "follower")]
    assert ib.skips.counts == {reason: 1}
    assert ib.skips.first == {reason: f"{z}:data/account.js, the whole file"}
    with pytest.raises(InputError, match=r"x\.zip:data/account\.js: invalid JSON at line"):
        load_inbox([z], strict=True)
    del files["data/manifest.js"]
    files["data/account.js"] = "window.YTD.account.part0 = { }"  # not the array X writes
    ib = load_inbox([write_zip(tmp_path / "y.zip", files)])
    assert ib.owner.id == OWNER_ID and ib.owner.name is None  # inferred from the conversation ids
    assert _rows(ib) == ARCHIVE_2022_MESSAGES
    assert ib.skips.counts == {reason: 1}


def test_a_part_missing_from_a_split_archive_is_warned_about(tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    files = archive_2022()
    part1 = {"data/direct-messages-part1.js": files.pop("data/direct-messages-part1.js")}
    first = write_zip(tmp_path / "twitter-part0.zip", files)
    second = write_zip(tmp_path / "twitter-part1.zip", part1)
    with caplog.at_level("WARNING", logger="autodm.loaders.x"):
        ib = load_inbox([first])
    assert len(ib.messages) == 8
    assert [r.getMessage() for r in caplog.records] == [
        f"{first}: manifest.js lists data/direct-messages-part1.js but it is not in the input, so those "
        "messages are left out; give every part (zip) of the archive together, e.g. autodm scan "
        "twitter-part1.zip twitter-part2.zip"]
    caplog.clear()
    with caplog.at_level("WARNING", logger="autodm.loaders.x"):
        ib = load_inbox([first, second])
    assert _rows(ib) == ARCHIVE_2022_MESSAGES and not caplog.records
    r = CliRunner().invoke(app, ["scan", "-f", "jsonl", str(first)])
    assert r.exit_code == 0 and len(r.stdout.splitlines()) == 5
    assert r.stderr.count("\n") == 1 and "data/direct-messages-part1.js" in r.stderr
    assert "give every part" in r.stderr
    info = _inspect(first)  # still counted under "ignored"
    assert info["ignored"]["X message file listed in manifest.js but missing from the export"] == 1


def test_several_missing_parts_are_named_in_one_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    files = archive_2022()
    del files["data/direct-messages-part1.js"], files["data/direct-messages-group.js"]
    extra = "".join(f""", {{
        "fileName" : "data/direct-messages-part{n}.js",
        "globalName" : "YTD.direct_messages.part{n}",
        "count" : "1"
      }}""" for n in (2, 3, 4))
    files["data/manifest.js"] = MANIFEST.replace('"globalName" : "YTD.direct_messages.part1",\n        "count" : "1"\n'
                                                 "      }", '"globalName" : "YTD.direct_messages.part1",\n        '
                                                 '"count" : "1"\n      }' + extra)
    with caplog.at_level("WARNING", logger="autodm.loaders.x"):
        load_inbox([write_folder(tmp_path / "x", files)])
    (line,) = [r.getMessage() for r in caplog.records]
    assert ("lists data/direct-messages-part1.js, data/direct-messages-part2.js, data/direct-messages-part3.js "
            "and 2 more but they are not in the input") in line


def test_one_folder_with_two_accounts_archives_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "archives"
    write_folder(root, archive_2022(), top="twitter-A")
    write_folder(root, other_account_archive(), top="twitter-B")
    with pytest.raises(InputError, match=rf"twitter-A/data/account\.js is from the X archive of account {OWNER_ID} "
                                         rf"and .*twitter-B/data/account\.js from that of account {OTHER_ID}: one "
                                         "input must hold one account's archive"):
        load_inbox([root])
    r = CliRunner().invoke(app, ["scan", "-f", "jsonl", str(root)])
    assert r.exit_code == 2 and r.stdout == "" and r.stderr.count("\n") == 1
    # without account.js the manifests tell the accounts apart
    (root / "twitter-A" / "data" / "account.js").unlink()
    (root / "twitter-B" / "data" / "account.js").unlink()
    with pytest.raises(InputError, match=rf"manifest\.js is from the X archive of account {OWNER_ID} and"):
        load_inbox([root])
    # two archives of one account (exported on two dates) are one account's messages
    same = tmp_path / "same"
    write_folder(same, archive_2022(), top="twitter-2022-08-01")
    write_folder(same, archive_2022(), top="twitter-2023-01-01")
    ib = load_inbox([same])
    assert ib.owner.id == OWNER_ID and _rows(ib) == ARCHIVE_2022_MESSAGES


def test_an_archive_without_dms_loads_empty_and_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    z = write_zip(tmp_path / "x.zip", no_dm_archive())
    with caplog.at_level("WARNING", logger="autodm.loaders.x"):
        ib = load_inbox([z])
    assert [r.getMessage() for r in caplog.records] == [
        f"{z}: this X archive holds no direct messages (its direct-messages files are empty)"]
    assert ib.messages.empty and ib.platform == "x" and ib.skips.total == 0
    assert ib.owner == Owner(id=OWNER_ID, name="Alex Example", handle="alex_example")
    assert list(ib.messages.columns) == list(load_inbox([write_zip(tmp_path / "f.zip", archive_2022())]).messages)
    assert str(ib.messages["sent_at"].dtype) == "datetime64[ns, UTC]" and ib.messages["outgoing"].dtype == bool
    assert len(ib.follows) == 5
    info = _inspect(z)
    assert (info["messages"], info["incoming"], info["owner_id"], info["follows"]) == (0, 0, OWNER_ID, 5)
    # the bare files of formats.md §1.2, "= []" included, and only non-message events
    root = write_folder(tmp_path / "bare", {"data/direct-messages.js": "window.YTD.direct_messages.part0 = []",
                                            "data/account.js": ACCOUNT})
    assert load_inbox([root]).messages.empty
    # a damaged follow list beside it is that file's skip, not a damaged DM file ("no readable messages")
    (root / "data" / "follower.js").write_text('window.YTD.follower.part0 = [ { "follower" : {', encoding="utf-8")
    ib = load_inbox([root])
    assert ib.messages.empty and dict(ib.skips.counts) == {"unreadable follower.js, its follows left out": 1}
    joined = """window.YTD.direct_messages_group.part0 = [ {
  "dmConversation" : {
    "conversationId" : "1500000000000000900",
    "messages" : [ {
      "joinConversation" : {
        "initiatingUserId" : "6666",
        "participantsSnapshot" : [ "2222", "6666" ],
        "createdAt" : "2022-06-01T12:00:00.000Z"
      }
    } ]
  }
} ]"""
    root = write_folder(tmp_path / "joined", {"data/direct-messages.js": DM_EMPTY,
                                              "data/direct-messages-group.js": joined, "data/account.js": ACCOUNT})
    ib = load_inbox([root])
    assert ib.messages.empty and ib.skips.notes == {"X event joinConversation": 1}

