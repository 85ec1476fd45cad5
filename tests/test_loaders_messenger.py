"""The Facebook Messenger half of autodm.loaders.meta (and autodm.simulate.meta's Messenger writer)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from meta_fixtures import (
    E2EE_GURU,
    E2EE_SAM,
    FB23_FRIENDS,
    FB_SAM,
    JURGEN,
    OWNER,
    fb_2018_files,
    fb_2023_files,
    neutral_inbox,
    other_account,
    write_zip,
)
from typer.testing import CliRunner

from autodm.cli import app
from autodm.errors import InputError, RecordError
from autodm.inbox import Inbox, join_follows
from autodm.loaders import ExportTree, detect, load_inbox
from autodm.simulate.meta import write_messenger_export


def _ms(ts: pd.Timestamp) -> int:
    return int(ts.round("ms").value // 10**6)


def _by_time(inbox: Inbox) -> list[tuple[int, str, str, bool, str]]:
    m = inbox.messages
    return sorted(zip(m["sent_at"].map(_ms), m["sender_name"], m["text"], m["outgoing"], m["kind"], strict=True))


def _inspect(*paths: Path) -> dict[str, object]:
    r = CliRunner().invoke(app, ["inspect", "--json", *map(str, paths)])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


SUMMARY = ("platform", "owner_id", "messages", "incoming", "outgoing", "conversations", "kinds", "follows",
           "follows_with_time", "incoming_with_follow_time", "skipped")


# --------------------------------------------------------------------------- 2018-2022 layout


def test_2018_export_with_all_thread_folders(tmp_path: Path) -> None:
    z = write_zip(tmp_path / "facebook.zip", fb_2018_files(), top="facebook-alexexample-20190101")
    assert detect(ExportTree.open([z])) == "meta"
    ib = load_inbox([z])
    assert ib.platform == "facebook"
    assert (ib.owner.id, ib.owner.name, ib.owner.handle) == (OWNER, OWNER, "alex.example")
    assert _by_time(ib) == [
        (1546300400000, "Sam Sample", "Grüß dich! Schön, dass wir verbunden sind 😀", False, "message"),
        (1546300500000, OWNER, "Schau mal: https://example.org", True, "message"),
        (1546300600000, "Sam Sample", "Sam Sample hat dich angerufen.", False, "system"),  # type Call
        (1546300700000, "Sam Sample", "", False, "system"),  # a sticker
        (1546300800000, "Sam Sample", "Sam hat einen Anhang gesendet.", False, "system"),  # German platform text
        (1546400100000, "Sam Sample", "Sam Sample hat Jürgen zur Gruppe hinzugefügt.", False, "system"),  # Subscribe
        (1546400200000, JURGEN, "Servus! Schöne Grüße", False, "message"),
        (1546400300000, JURGEN, "Jürgen hat die Gruppe verlassen.", False, "system"),  # Unsubscribe
        (1546500000000, "Growth Guru", "Thanks for connecting! Here is my free course: https://example.org/course",
         False, "message"),
        (1546600000000, "Old Friend", "long time no see", False, "message"),
        (1546700000000, "Bulk Sender", "Hi! Quick question for you", False, "message"),
    ]
    assert sorted(ib.messages["conversation_id"].unique()) == [
        "archived_threads/OldFriend_n4o5p6", "filtered_threads/GrowthGuru_k1l2m3", "inbox/SamSample_a1b2c3d4e5",
        "inbox/Stammtisch_f6g7h8i9j0", "message_requests/BulkSender_q7r8s9"]
    m = ib.messages.set_index("text")
    assert list(m.loc["Schau mal: https://example.org", "urls"]) == ["https://example.org"]
    assert sorted(zip(ib.follows["user_name"], ib.follows["direction"], ib.follows["followed_at"].map(_ms),
                      strict=True)) == [(JURGEN, "connection", 1546100000000), ("Sam Sample", "connection",
                                                                                1546000000000)]
    assert {k: v for k, v in _inspect(z).items() if k in SUMMARY} == {
        "platform": "facebook", "owner_id": OWNER, "messages": 11, "incoming": 10, "outgoing": 1,
        "conversations": 5, "kinds": {"message": 6, "system": 5}, "follows": 2, "follows_with_time": 2,
        "incoming_with_follow_time": 0.7, "skipped": {},
    }
    j = join_follows(ib).set_index("text")
    row = j.loc["Servus! Schöne Grüße"]
    assert (row["follow_join"], row["follow_direction"]) == ("username", "connection")
    assert int(row["followed_at"].timestamp()) == 1546100000


def test_platform_from_content_when_paths_say_nothing(tmp_path: Path) -> None:
    only = {"messages/inbox/SamSample_a1b2c3d4e5/message_1.json": FB_SAM,
            "messages/inbox/Other_1/message_1.json": FB_SAM.replace("Sam Sample", "Kim Kay")}
    ib = load_inbox([write_zip(tmp_path / "m.zip", only)])
    assert ib.platform == "facebook" and ib.owner.id == OWNER and int(ib.messages["outgoing"].sum()) == 2
    no_thread_type = {k: v.replace('"thread_type": "Regular",', "") for k, v in only.items()}
    assert load_inbox([write_zip(tmp_path / "n.zip", no_thread_type)]).platform == "facebook"  # `type` keys


# --------------------------------------------------------------------------- 2023+ layout


def test_2023_export(tmp_path: Path) -> None:
    z = write_zip(tmp_path / "facebook-2023.zip", fb_2023_files())
    ib = load_inbox([z])
    assert ib.platform == "facebook"  # despite Instagram-like is_geoblocked_for_viewer keys
    assert (ib.owner.id, ib.owner.handle) == (OWNER, "alex.example")
    assert _by_time(ib) == [
        (1700000100000, "Sam Sample", "Sam a envoyé une pièce jointe.", False, "system"),
        (1700000200000, OWNER, "Salut Sam", True, "message"),
        (1700000300000, "Sam Sample", "À bientôt 👋", False, "message"),
        (1700000350000, "María García", "Le gustó un mensaje", False, "system"),
        (1700000400000, "María García", "¿Qué tal?", False, "message"),
    ]
    assert sorted(ib.messages["conversation_id"].unique()) == [
        "e2ee_cutover/mariagarcia_10159876543210987", "inbox/samsample_10158234567890123"]
    assert sorted(zip(ib.follows["user_name"], ib.follows["direction"], ib.follows["followed_at"].map(_ms),
                      strict=True)) == [
        ("Growth Guru", "follower", 1700000000000), ("María García", "connection", 1699000000000),
        ("María García", "following", 1698000000000), ("Sam Sample", "connection", 1699990000000)]
    j = join_follows(ib).set_index("text")
    row = j.loc["¿Qué tal?"]
    assert (row["follow_join"], row["follow_direction"]) == ("username", "connection")  # the latest before it
    assert int(row["followed_at"].timestamp()) == 1699000000


def test_follow_file_problems(tmp_path: Path) -> None:
    files = dict(fb_2023_files())
    files["connections/friends/your_friends.json"] = FB23_FRIENDS.replace("1699990000", '"yesterday"').replace(
        '"friends_v2": [', '"friends_v2": [\n    {"timestamp": 1699000001},\n    42,')
    z = write_zip(tmp_path / "f.zip", files)
    ib = load_inbox([z])
    assert ib.skips.counts == {"follow entry without a username": 1, "follow entry is not an object": 1,
                               "unreadable follow time": 1}
    assert len(ib.follows) == 3
    with pytest.raises(RecordError, match=r"your_friends\.json: record entry 1: follow entry without a username"):
        load_inbox([z], strict=True)
    # a follow list of the wrong shape or cut short: that file is skipped and counted, the rest kept
    files["connections/friends/your_friends.json"] = FB23_FRIENDS
    files["connections/followers/people_who_followed_you.json"] = '{"followers_v3": 5}'
    g = write_zip(tmp_path / "g.zip", files)
    ib = load_inbox([g])
    assert ib.skips.counts == {"unreadable follow list": 1} and len(ib.messages) == 5 and len(ib.follows) == 3
    assert ib.skips.first["unreadable follow list"].endswith("people_who_followed_you.json, the whole file")
    with pytest.raises(InputError, match=r'people_who_followed_you\.json: expected \{"followers_v3": \[\.\.\.\]\}'):
        load_inbox([g], strict=True)
    files["connections/followers/people_who_followed_you.json"] = '{"followers_v3": [\n  {"name": "x",}\n]}'
    h = write_zip(tmp_path / "h.zip", files)
    assert load_inbox([h]).skips.counts == {"unreadable follow list": 1}
    with pytest.raises(InputError, match=r"people_who_followed_you\.json: invalid JSON at line 2, column 15: .*; "
                                         r'expected \{"followers_v3": \[\.\.\.\]\}'):
        load_inbox([h], strict=True)


@pytest.mark.parametrize("name", ["connections/friends/your_friends.json",
                                  "personal_information/profile_information/profile_information.json"])
def test_cut_friends_or_profile_file_is_skipped_not_fatal(tmp_path: Path, name: str) -> None:
    files = dict(fb_2023_files())
    files[name] = files[name][:40]  # a download cut short
    z = write_zip(tmp_path / "cut.zip", files)
    whole = load_inbox([write_zip(tmp_path / "whole.zip", fb_2023_files())])
    ib = load_inbox([z])
    assert len(ib.messages) == len(whole.messages) == 5
    reason = "unreadable profile file" if "profile" in name else "unreadable follow list"
    assert ib.skips.counts == {reason: 1}
    assert ib.owner.id == OWNER  # from the profile, or inferred from the threads without it
    assert len(ib.follows) == (4 if "profile" in name else 2)
    r = CliRunner().invoke(app, ["scan", "-f", "jsonl", str(z)])
    assert r.exit_code == 0 and r.stdout.count("\n") == 2  # as from the whole export
    assert r.stderr.count("\n") == 1 and reason in r.stderr and "the whole file" in r.stderr
    r = CliRunner().invoke(app, ["scan", "--strict", str(z)])
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "invalid JSON at line" in r.stderr and "expected {" in r.stderr


def test_messenger_exports_of_two_accounts_are_refused(tmp_path: Path) -> None:
    a = write_zip(tmp_path / "fb-a.zip", fb_2023_files())
    b = write_zip(tmp_path / "fb-b.zip", other_account(fb_2023_files()))
    with pytest.raises(InputError, match=r"fb-a\.zip is the Messenger export of one account and .*fb-b\.zip that "
                                         r"of another \(their profile_information\.json name different owners\)"):
        load_inbox([a, b])


# --------------------------------------------------------------------------- E2EE download


def test_e2ee_download_clean_utf8(tmp_path: Path) -> None:
    files = {"Sam Sample_1.json": E2EE_SAM, "Growth Guru_2.json": E2EE_GURU, "media/photo_1.jpg": "jpg"}
    z = write_zip(tmp_path / "secure-storage.zip", files)
    assert detect(ExportTree.open([z])) == "meta"
    ib = load_inbox([z])
    assert ib.platform == "facebook" and ib.owner.id == OWNER
    assert _by_time(ib) == [
        (1711900000000, "Sam Sample", "Café demain ? 😢", False, "message"),
        (1711900100000, OWNER, "on m'a dit cafÃ© — ça reste tel quel", True, "message"),  # not "fixed" twice
        (1711900200000, "Sam Sample", "", False, "system"),  # media only
        (1711940000000, "Growth Guru", "placeholder", False, "system"),
        (1711950000000, "Growth Guru", "Thanks for connecting! https://example.org/x", False, "message"),
    ]
    assert sorted(ib.messages["conversation_id"].unique()) == ["e2ee/Growth Guru_2", "e2ee/Sam Sample_1"]
    assert ib.skips.notes == {"unsent message (skipped)": 1}
    # one thread file on its own (no folders): still the E2EE format, not autodm's canonical JSON
    single = tmp_path / "Sam Sample_1.json"
    single.write_text(E2EE_SAM, encoding="utf-8")
    assert detect(ExportTree.open([single])) == "meta"
    alone = load_inbox([single])
    assert alone.platform == "facebook" and len(alone.messages) == 3 and alone.owner.id is None
    # with the regular export passed beside it
    both = load_inbox([write_zip(tmp_path / "fb.zip", fb_2023_files()), z])
    assert both.platform == "facebook" and len(both.messages) == 10 and both.owner.id == OWNER


@pytest.mark.parametrize("folder", ["messages", "inbox", "secure_storage/messages", "media"])
def test_e2ee_download_in_a_folder_with_a_standard_name(tmp_path: Path, folder: str) -> None:
    files = {f"{folder}/Sam Sample_1.json": E2EE_SAM, f"{folder}/Growth Guru_2.json": E2EE_GURU,
             "media/photo_1.jpg": "jpg"}
    z = write_zip(tmp_path / "secure-storage.zip", files)
    assert detect(ExportTree.open([z])) == "meta"  # by its camelCase keys, wherever it sits
    ib = load_inbox([z])
    assert ib.platform == "facebook" and ib.owner.id == OWNER and len(ib.messages) == 5
    assert sorted(ib.messages["conversation_id"].unique()) == ["e2ee/Growth Guru_2", "e2ee/Sam Sample_1"]
    # beside a standard export's thread files, its own folders are not searched for them
    std = {**fb_2023_files(), f"your_facebook_activity/{folder}/Sam Sample_1.json": E2EE_SAM}
    ib = load_inbox([write_zip(tmp_path / "fb.zip", std)])
    assert not ib.messages["conversation_id"].str.startswith("e2ee/").any()


def test_e2ee_bad_records_and_shape(tmp_path: Path) -> None:
    bad = E2EE_SAM.replace('"timestamp": 1711900000000', '"timestamp": "soon"').replace(
        '"senderName": "Alex Example", ', "")
    z = write_zip(tmp_path / "e.zip", {"Sam Sample_1.json": bad, "Growth Guru_2.json": E2EE_GURU})
    ib = load_inbox([z])
    assert ib.skips.counts == {"message without senderName": 1, "unreadable message time": 1}
    assert len(ib.messages) == 3
    r = CliRunner().invoke(app, ["inspect", "--strict", str(z)])
    assert r.exit_code == 2 and r.stdout == "" and r.stderr.count("\n") == 1
    assert "Sam Sample_1.json: record message 3: message without senderName" in r.stderr
    shape = write_zip(tmp_path / "s.zip", {"a.json": '{"threadName": "x", "messages": 3}'})
    with pytest.raises(InputError, match=r'a\.json: expected an object with a "messages" list \(Messenger E2EE'):
        load_inbox([shape])


def test_e2ee_empty_or_cut_thread_file_is_counted_not_fatal(tmp_path: Path) -> None:
    # detection sniffed only the smallest JSON file: an empty one hid the whole download
    files = {"Sam Sample_1.json": E2EE_SAM, "Growth Guru_2.json": E2EE_GURU, "Kim Lee_3.json": "",
             "Jo Park_4.json": '{"participants": ["Jo Pa', "manifest.json": '{"version": 2}'}
    z = write_zip(tmp_path / "secure-storage.zip", files)
    assert detect(ExportTree.open([z])) == "meta"
    ib = load_inbox([z])
    assert len(ib.messages) == 5 and ib.platform == "facebook"
    assert ib.skips.counts == {"unreadable thread file": 2}  # the empty and the cut one; the manifest is no thread
    r = CliRunner().invoke(app, ["inspect", "--json", str(z)])
    assert json.loads(r.stdout)["skipped_first"] == {"unreadable thread file": f"{z}:Jo Park_4.json, the whole file"}
    r = CliRunner().invoke(app, ["inspect", "--strict", str(z)])
    assert r.exit_code == 2 and r.stderr.count("\n") == 1
    assert f"{z}:Jo Park_4.json: invalid JSON at line 1" in r.stderr  # the first in path order
    # many empty or unrelated small files beside the threads still do not hide them
    crowd = {"Sam Sample_1.json": E2EE_SAM, **{f"empty_{i}.json": "" for i in range(9)},
             **{f"meta_{i}.json": '{"v": 1}' for i in range(9)}, "list.json": "[1, 2"}
    ib = load_inbox([write_zip(tmp_path / "crowd.zip", crowd)])
    assert len(ib.messages) == 3 and ib.skips.counts == {"unreadable thread file": 9}  # not the list


# --------------------------------------------------------------------------- bad input


def test_bad_thread_records(tmp_path: Path) -> None:
    files = dict(fb_2018_files())
    files["messages/inbox/SamSample_a1b2c3d4e5/message_1.json"] = FB_SAM.replace(
        '"timestamp_ms": 1546300700000', '"timestamp_ms": true').replace(
        '"content": "Schau mal: https://example.org"', '"content": ["not", "text"]')
    z = write_zip(tmp_path / "b.zip", files)
    ib = load_inbox([z])
    assert ib.skips.counts == {"unreadable message time": 1, "content is not a string": 1}
    assert len(ib.messages) == 9
    with pytest.raises(RecordError, match=r"SamSample_a1b2c3d4e5/message_1\.json: record message 4: content is "
                                          r"not a string \(expected content as a string\)"):
        load_inbox([z], strict=True)


def test_html_messenger_export(tmp_path: Path) -> None:
    z = write_zip(tmp_path / "fb.zip", {"messages/inbox/SamSample_a1b2c3d4e5/message_1.html": "<html></html>",
                                        "friends/friends.html": "<html></html>"})
    with pytest.raises(InputError, match="is an HTML export; request a JSON export"):
        load_inbox([z])


# --------------------------------------------------------------------------- the writer


def _assert_round_trip(neutral: Inbox, loaded: Inbox, *, follows: bool = True) -> None:
    want = sorted(zip(neutral.messages["sent_at"].map(_ms), neutral.messages["text"],
                      neutral.messages["sender_name"], neutral.messages["outgoing"], strict=True))
    got = sorted(zip(loaded.messages["sent_at"].map(_ms), loaded.messages["text"],
                     loaded.messages["sender_name"], loaded.messages["outgoing"], strict=True))
    assert got == want
    assert loaded.platform == "facebook" and loaded.owner.id == OWNER
    assert loaded.messages["conversation_id"].nunique() == neutral.messages["conversation_id"].nunique()
    if follows:
        names = dict(zip(neutral.messages["sender_id"], neutral.messages["sender_name"], strict=True))
        nf = neutral.follows
        want_f = sorted(zip(nf["user_id"].map(names), nf["direction"], nf["followed_at"].map(_ms), strict=True))
        lf = loaded.follows
        assert sorted(zip(lf["user_name"], lf["direction"], lf["followed_at"].map(_ms), strict=True)) == want_f


@pytest.mark.parametrize("era", ["2018", "2020", "2023"])
def test_writer_round_trip_each_era(tmp_path: Path, era: str) -> None:
    neutral = neutral_inbox()
    out = write_messenger_export(neutral, tmp_path / f"fb-{era}.zip", era=era)
    ib = load_inbox([out])
    _assert_round_trip(neutral, ib)
    assert ib.owner.handle == "alex.example"
    j = join_follows(ib).set_index("text")
    guru = j.loc["Thanks for the follow! Free guide 🚀 → https://example.org/free"]
    assert (guru["follow_join"], guru["follow_direction"]) == ("username", "follower")
    assert (guru["sent_at"] - guru["followed_at"]).total_seconds() == pytest.approx(7.25, abs=1e-6)
    names = zipfile.ZipFile(out).namelist()
    root = "your_facebook_activity/messages/inbox/" if era == "2023" else "messages/inbox/"
    assert sum(n.startswith(root) for n in names) == 5
    first = json.loads(zipfile.ZipFile(out).read(next(n for n in names if "/inbox/chloemuller_" in n)))
    assert ("thread_type" in first) is (era != "2023")
    assert ("type" in first["messages"][0]) is (era != "2023")
    assert first["messages"][0]["timestamp_ms"] > first["messages"][-1]["timestamp_ms"]


def test_writer_mojibake_and_requests(tmp_path: Path) -> None:
    neutral = neutral_inbox()
    out = write_messenger_export(neutral, tmp_path / "fb", zipped=False, requests_fraction=0.4)
    box = out / "your_facebook_activity/messages/message_requests"
    requests = sorted(p.name.split("_")[0] for p in box.iterdir())
    assert requests == ["growthguru", "kimk"]
    friends = (out / "connections/friends/your_friends.json").read_text(encoding="ascii")
    assert r'"name": "J\u00c3\u00bcrgen Gro\u00c3\u009f"' in friends
    _assert_round_trip(neutral, load_inbox([out]))


def test_writer_e2ee_and_parts(tmp_path: Path) -> None:
    neutral = neutral_inbox()
    out = write_messenger_export(neutral, tmp_path / "e2ee.zip", e2ee=True)
    names = zipfile.ZipFile(out).namelist()
    assert len(names) == 5 and all("/" not in n and n.endswith(".json") for n in names)
    raw = zipfile.ZipFile(out).read(next(n for n in names if n.startswith("chloemuller"))).decode("utf-8")
    assert "Chloé Müller ✨" in raw and "\\u00c3" not in raw  # clean UTF-8
    doc = json.loads(raw)
    assert set(doc) == {"participants", "threadName", "messages"} and "senderName" in doc["messages"][0]
    _assert_round_trip(neutral, load_inbox([out]), follows=False)
    folder = write_messenger_export(neutral, tmp_path / "fb.zip", parts=2, era="2018")
    _assert_round_trip(neutral, load_inbox(sorted(folder.glob("*.zip"))))


def test_simulated_friends_list_keeps_display_names_and_namesakes(tmp_path: Path) -> None:
    """Messenger lists name people: a friend who never writes and bears a sender's name is written
    with that very name (not a made-unique username), so the name join meets real namesakes."""
    from autodm.corpus import load_corpus
    from autodm.simulate.timeline import SimConfig, simulate_inbox

    neutral, _ = simulate_inbox(load_corpus(), 1500, seed=9, config=SimConfig(platform="facebook"))
    z = write_messenger_export(neutral, tmp_path / "fb.zip")
    loaded = load_inbox([z])
    f, m = loaded.follows, loaded.messages
    senders = set(m.loc[~m["outgoing"], "sender_name"])
    assert len(f) > 3 * len(senders) and (f["direction"] == "connection").sum() > len(senders)
    counts = f["user_name"].value_counts()
    assert counts[counts.index.isin(senders) & (counts > 1)].size >= 3  # a sender and a namesake
    assert sorted(f["user_name"]) == sorted(neutral.follows["user_name"])
