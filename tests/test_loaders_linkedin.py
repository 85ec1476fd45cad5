"""autodm.loaders.linkedin (LinkedIn data export CSVs) and autodm.simulate.linkedin (the export writer)."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from linkedin_fixtures import (
    CHLOE,
    CONNECTIONS,
    CONNECTIONS_NO_URL,
    CONNECTIONS_NOTES,
    CURRENT_HEADER,
    CURRENT_IGNORED,
    CURRENT_MESSAGES,
    INVITATIONS,
    INVITATIONS_OLD,
    JORDAN,
    KIM,
    MESSAGES_CURRENT,
    MESSAGES_LEGACY,
    OWNER_NAME,
    OWNER_URL,
    PAT,
    RECRUITER,
    ROBIN,
    TOP,
    YUKI,
    ZIP_NAME,
    export_current,
    export_legacy,
    write_folder,
    write_zip,
)
from typer.testing import CliRunner

from autodm.cli import app
from autodm.errors import InputError, RecordError
from autodm.inbox import FollowRows, Inbox, MessageRows, Owner, Skips, join_follows, make_inbox
from autodm.loaders import ExportTree, detect, load_inbox
from autodm.loaders.linkedin import clean_content, is_system_text, parse_day, parse_time
from autodm.simulate.linkedin import (
    CONNECTIONS_HEADER,
    INVITATIONS_HEADER,
    MESSAGES_HEADER,
    conversation_id,
    profile_url,
    write_linkedin_export,
)
from autodm.simulate.timeline import SimConfig, simulate_inbox


def _ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz="UTC")


def _epoch(s: str) -> int:
    return int(_ts(s).timestamp())


def _rows(inbox: Inbox) -> list[tuple[str, str, bool, str]]:
    m = inbox.messages
    return list(zip(m["sender_id"], m["text"], m["outgoing"], m["kind"], strict=True))


def _follows(inbox: Inbox) -> list[tuple[str | None, str, str, str, str]]:
    f = inbox.follows
    return list(zip([None if pd.isna(u) else u for u in f["user_id"]], f["user_name"],
                    [t.isoformat() for t in f["followed_at"]], f["precision"], f["direction"], strict=True))


def _inspect(*paths: Path, extra: tuple[str, ...] = ()) -> dict[str, object]:
    r = CliRunner().invoke(app, ["inspect", "--json", *extra, *map(str, paths)])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def _fails(path: Path, *extra: str) -> str:
    """Run ``inspect`` expecting one clear error line; return it."""
    r = CliRunner().invoke(app, ["inspect", "--json", *extra, str(path)])
    assert r.exit_code == 2, r.output
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: "), r.stderr
    assert "Traceback" not in r.output
    return r.stderr.strip()


CURRENT_FOLLOWS = [
    (KIM, "Kim Lee", "2024-06-30T00:00:00+00:00", "day", "connection"),
    (YUKI, "Yuki Tanaka", "2024-06-01T00:00:00+00:00", "day", "connection"),
    (JORDAN, "Jordan Okafor", "2024-05-20T09:16:00+00:00", "day", "connection"),  # bounded by the invitation
    (ROBIN, "Robin Sample", "2024-03-07T14:59:00+00:00", "day", "connection"),  # bounded by the invitation
    (CHLOE, "Chloé Müller", "2023-01-15T00:00:00+00:00", "day", "connection"),
]


# --------------------------------------------------------------------------- the current export


def test_current_export_zip(tmp_path: Path) -> None:
    z = write_zip(tmp_path / ZIP_NAME, export_current())
    assert detect(ExportTree.open([z])) == "linkedin"
    ib = load_inbox([z])
    assert ib.platform == "linkedin" and ib.source == str(z)
    assert ib.owner == Owner(id=OWNER_URL, name=OWNER_NAME, handle="alex-example-5e6f7a")
    assert _rows(ib) == CURRENT_MESSAGES
    assert ib.skips.counts == {}
    assert dict(ib.skips.notes) == CURRENT_IGNORED
    m = ib.messages
    assert str(m["sent_at"].dtype) == "datetime64[ns, UTC]"
    assert m["message_id"].is_unique and m["message_id"].str.fullmatch(r"li-[0-9a-f]{16}").all()
    by_text = m.set_index("text")
    robin = by_text.loc["Hi Alex, thanks for connecting! 🚀\nGrab my free guide: https://example.org/guide"]
    assert robin["sent_at"] == _ts("2024-03-07 15:00:42")
    assert (robin["conversation_id"], robin["recipient_id"], robin["sender_name"]) == ("2-Um9iaW4=", OWNER_URL,
                                                                                       "Robin Sample")
    chloe = by_text.loc['Tu viens au café demain ?\nShe said "bring the cat"']
    assert chloe["sender_name"] == "Chloé Müller"  # double-encoded name repaired
    assert by_text.loc["Merci ! See you at the café", "recipient_id"] == CHLOE
    inmail = by_text.loc["Quick question, Alex\n\nHi Alex,\n\nWe're hiring & think you’d fit. Apply here"]
    assert list(inmail["urls"]) == ["https://jobs.example.com/apply?id=7"] and inmail["sender_id"] == RECRUITER
    # a group: recipients split on ";" and ", ", no single recipient
    group = m[m["conversation_id"] == "2-R3JvdXA="]
    assert group["recipient_id"].isna().all() and len(group) == 3
    # blank conversation ids: one key from the participants' URLs; URL spellings unified
    kim = m[m["text"].isin(["Hello from Kim", "Hi Kim"])]
    assert set(kim["conversation_id"]) == {
        "participants:linkedin.com/in/alex-example-5e6f7a+linkedin.com/in/kim-lee-7a8b9c"}
    assert kim["sender_id"].tolist() == [KIM, OWNER_URL] and kim["recipient_id"].tolist() == [OWNER_URL, KIM]
    # invitations: their own conversations, minute times
    inv = m[m["kind"] == "invitation"]
    assert inv["conversation_id"].tolist() == ["invitation:linkedin.com/in/robin-sample-0a1b2c",
                                               "invitation:linkedin.com/in/jordan-okafor-4d5c6b",
                                               "invitation:linkedin.com/in/pat-growth-3c2b1a"]
    assert inv["sent_at"].tolist() == [_ts("2024-03-07 14:58"), _ts("2024-05-20 09:15"), _ts("2024-08-01 23:02")]
    assert inv["recipient_id"].tolist() == [OWNER_URL, JORDAN, OWNER_URL]
    assert _follows(ib) == CURRENT_FOLLOWS


def test_current_export_through_the_cli(tmp_path: Path) -> None:
    z = write_zip(tmp_path / ZIP_NAME, export_current())
    info = _inspect(z)
    assert info == {
        "source": str(z), "platform": "linkedin", "owner_id": OWNER_URL, "owner_name": OWNER_NAME,
        "messages": 14, "incoming": 10, "outgoing": 4, "conversations": 8, "senders": 7,
        "first": "2024-03-07T14:58:00+00:00", "last": "2024-08-01T23:02:00+00:00",
        "kinds": {"message": 9, "invitation": 3, "system": 2},
        "follows": 5, "follows_with_time": 5, "incoming_with_follow_time": 0.7,
        "skipped": {}, "skipped_first": {}, "ignored": CURRENT_IGNORED,
    }


def test_follows_join_on_the_profile_url(tmp_path: Path) -> None:
    ib = load_inbox([write_zip(tmp_path / "li.zip", export_current())])
    j = join_follows(ib)
    inc = j[~j["outgoing"]]
    got = {(s, t.isoformat()): (None if pd.isna(f) else f.isoformat(), p if not pd.isna(p) else None, how)
           for s, t, f, p, how in zip(inc["sender_id"], inc["sent_at"], inc["followed_at"], inc["follow_precision"],
                                      inc["follow_join"], strict=True)}
    assert got == {
        # the invitation note comes before the connection it led to: no follow time for it
        (ROBIN, "2024-03-07T14:58:00+00:00"): (None, None, "url"),
        (ROBIN, "2024-03-07T15:00:42+00:00"): ("2024-03-07T14:59:00+00:00", "day", "url"),
        (ROBIN, "2024-03-10T15:01:00+00:00"): ("2024-03-07T14:59:00+00:00", "day", "url"),
        (CHLOE, "2024-04-01T17:59:00+00:00"): ("2023-01-15T00:00:00+00:00", "day", "url"),
        (CHLOE, "2024-04-01T18:00:00+00:00"): ("2023-01-15T00:00:00+00:00", "day", "url"),
        (RECRUITER, "2024-05-01T08:00:00+00:00"): (None, None, "none"),
        (JORDAN, "2024-06-01T12:00:00+00:00"): ("2024-05-20T09:16:00+00:00", "day", "url"),
        (YUKI, "2024-06-01T12:05:00+00:00"): ("2024-06-01T00:00:00+00:00", "day", "url"),
        # the connection's URL is spelled Kim-Lee-7a8b9c (no slash): joined on the normalised URL
        (KIM, "2024-07-01T10:00:00+00:00"): ("2024-06-30T00:00:00+00:00", "day", "url"),
        (PAT, "2024-08-01T23:02:00+00:00"): (None, None, "none"),  # a pending invitation: no connection
    }


def test_folder_with_top_folder_and_any_case(tmp_path: Path) -> None:
    files = {k.upper() if k != "messages.csv" else "Messages.csv": v for k, v in export_current().items()}
    root = write_folder(tmp_path / "unzipped", files, top=TOP)
    ib = load_inbox([root])
    assert _rows(ib) == CURRENT_MESSAGES
    assert dict(ib.skips.notes) == CURRENT_IGNORED
    z = write_zip(tmp_path / "top.zip", export_current(), top=TOP)
    assert _rows(load_inbox([z])) == CURRENT_MESSAGES


def test_single_messages_csv_infers_the_owner_from_conversations(tmp_path: Path) -> None:
    f = tmp_path / "messages.csv"
    f.write_text(MESSAGES_CURRENT, encoding="utf-8")
    assert detect(ExportTree.open([f])) == "linkedin"
    ib = load_inbox([f])
    assert ib.owner == Owner(id=OWNER_URL, name=OWNER_NAME, handle="alex-example-5e6f7a")
    assert _rows(ib) == [r for r in CURRENT_MESSAGES if r[3] != "invitation"]
    assert ib.follows.empty
    assert dict(ib.skips.notes) == {"LinkedIn draft message (dropped)": 2,
                                    "LinkedIn CSV row of only commas (ignored)": 1}


def test_columns_mapped_by_name_with_extra_columns_and_bom(tmp_path: Path) -> None:
    frame = pd.read_csv(io.StringIO(MESSAGES_CURRENT), dtype=str, keep_default_na=False)
    frame = frame[list(reversed(frame.columns))].assign(**{"SOME NEW COLUMN": "x"})
    data = b"\xef\xbb\xbf" + frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8")
    root = write_folder(tmp_path / "e", {"messages.csv": data, "Connections.csv": CONNECTIONS,
                                         "Invitations.csv": INVITATIONS})
    ib = load_inbox([root])
    assert _rows(ib) == CURRENT_MESSAGES
    assert _follows(ib) == CURRENT_FOLLOWS


# --------------------------------------------------------------------------- older files


def test_legacy_export(tmp_path: Path) -> None:
    z = write_zip(tmp_path / "old.zip", export_legacy())
    ib = load_inbox([z])
    assert ib.owner == Owner(id=OWNER_NAME, name=OWNER_NAME)
    assert _rows(ib) == [
        ("Chloé Müller", "Coffee?\n\nAre you free\nnext week?", False, "message"),
        ("Robin Sample", "Hello Alex, would love to connect", False, "invitation"),
        ("Robin Sample", "Thanks for connecting, Alex! Check out my webinar: https://example.org/webinar", False,
         "message"),
        (OWNER_NAME, "Thanks Robin", True, "message"),
        ("Pat Growth", "Let's connect {first_name}!", False, "invitation"),
        ("Jordan Okafor", "Merry Christmas!", False, "message"),
    ]
    m = ib.messages
    assert m["conversation_id"].tolist() == ["legacy/Chloé Müller", "invitation:robinsample", "legacy/Robin Sample",
                                             "legacy/Robin Sample", "invitation:patgrowth", "legacy/Jordan Okafor"]
    assert m["recipient_id"].tolist() == [OWNER_NAME, OWNER_NAME, OWNER_NAME, "Robin Sample", OWNER_NAME, OWNER_NAME]
    assert m["sent_at"].iloc[2] == _ts("2019-11-06 02:08:20")  # naive = UTC
    assert _follows(ib) == [(None, "Robin Sample", "2019-11-06T00:00:00+00:00", "day", "connection"),
                            (None, "Jordan Okafor", "2019-12-01T00:00:00+00:00", "day", "connection")]
    j = join_follows(ib).set_index("text")
    row = j.loc["Thanks for connecting, Alex! Check out my webinar: https://example.org/webinar"]
    assert (row["followed_at"], row["follow_precision"]) == (_ts("2019-11-06"), "day")
    assert row["follow_join"] != "none"  # joined by name: these files have no URLs
    assert j.loc["Merry Christmas!", "followed_at"] == _ts("2019-12-01")
    info = _inspect(z)
    assert (info["messages"], info["incoming"], info["outgoing"], info["conversations"], info["senders"],
            info["kinds"], info["incoming_with_follow_time"]) == (6, 5, 1, 5, 4, {"message": 4, "invitation": 2}, 0.4)


def test_connections_preamble_variants(tmp_path: Path) -> None:
    rows = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n" \
           f"Robin,Sample,{ROBIN},,Example Ltd,Growth Lead,07 Mar 2024\n,,,,,,\n"
    expected = [(ROBIN, "Robin Sample", "2024-03-07T00:00:00+00:00", "day", "connection")]
    variants = {
        "preamble": CONNECTIONS_NOTES + rows,
        "none": rows,
        "crlf_bom": "\ufeff" + (CONNECTIONS_NOTES + rows).replace("\n", "\r\n"),
        "extra blank lines": "Notes:\n\n" + CONNECTIONS_NOTES.split("\n", 1)[1] + "\n\n" + rows,
    }
    for name, text in variants.items():
        root = write_folder(tmp_path / name.replace(" ", "_"), {"messages.csv": MESSAGES_CURRENT,
                                                                 "Connections.csv": text})
        ib = load_inbox([root])
        assert _follows(ib) == expected, name
        assert ib.skips.notes["LinkedIn CSV row of only commas (ignored)"] == 2, name
    root = write_folder(tmp_path / "nourl", {"messages.csv": MESSAGES_LEGACY, "Connections.csv": CONNECTIONS_NO_URL})
    assert [u for u, *_ in _follows(load_inbox([root]))] == [None, None]


def test_invitations_old_header_and_formats(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "o", {"messages.csv": MESSAGES_LEGACY, "Invitations.csv": INVITATIONS_OLD})
    ib = load_inbox([root])
    inv = ib.messages[ib.messages["kind"] == "invitation"]
    assert inv["sent_at"].tolist() == [_ts("2019-11-05 22:15"), _ts("2019-11-20 16:05")]
    assert inv["sender_id"].tolist() == ["Robin Sample", "Pat Growth"]  # no URLs: names
    assert ib.skips.counts == {}


def test_invitation_bounds_a_connection_by_name_without_urls(tmp_path: Path) -> None:
    conns = CONNECTIONS_NO_URL.replace("06 Nov 2019", "05 Nov 2019")  # accepted the day Robin invited
    root = write_folder(tmp_path / "n", {"messages.csv": MESSAGES_LEGACY, "Connections.csv": conns,
                                         "Invitations.csv": INVITATIONS_OLD})
    assert _follows(load_inbox([root])) == [
        (None, "Robin Sample", "2019-11-05T22:16:00+00:00", "day", "connection"),
        (None, "Jordan Okafor", "2019-12-01T00:00:00+00:00", "day", "connection"),
    ]
    # an invitation from another URL with the same name is someone else: no bound
    invs = INVITATIONS.replace(ROBIN, "https://www.linkedin.com/in/x-9")
    root = write_folder(tmp_path / "u", {"messages.csv": MESSAGES_CURRENT, "Connections.csv": CONNECTIONS,
                                         "Invitations.csv": invs})
    assert _follows(load_inbox([root]))[3] == (ROBIN, "Robin Sample", "2024-03-07T00:00:00+00:00", "day", "connection")


def test_messages_with_urls_join_an_older_connections_file_by_name(tmp_path: Path) -> None:
    """Current messages.csv (profile URLs) beside an older Connections.csv (no URL column): the
    join falls back to the name (formats.md 4.3), but never to a namesake listed under another URL."""
    conns = CONNECTIONS_NO_URL.replace("06 Nov 2019", "07 Mar 2024")
    ib = load_inbox([write_folder(tmp_path / "old", {"messages.csv": MESSAGES_CURRENT, "Connections.csv": conns})])
    j = join_follows(ib).set_index("message_id")
    robin = j[(j["sender_id"] == ROBIN) & ~j["outgoing"]]
    assert len(robin) >= 2 and robin["follow_join"].isin(["username", "name"]).all()  # by name, not URL
    assert (robin["followed_at"] == _ts("2024-03-07 00:00")).all() and (robin["follow_precision"] == "day").all()
    other = CONNECTIONS.replace(ROBIN, "https://www.linkedin.com/in/robin-sample-other")
    ib = load_inbox([write_folder(tmp_path / "new", {"messages.csv": MESSAGES_CURRENT, "Connections.csv": other})])
    j = join_follows(ib)
    assert (j.loc[j["sender_id"] == ROBIN, "follow_join"] == "none").all()


@pytest.mark.parametrize(("raw", "expected"), [
    ("3/9/24, 4:05 PM", "2024-03-09 16:05"),
    ("3/9/24, 4:05\u202fPM", "2024-03-09 16:05"),  # newer ICU puts a narrow no-break space before PM
    ("12/31/23, 12:00 AM", "2023-12-31 00:00"),
    ("1/2/24, 12:30 PM", "2024-01-02 12:30"),
    ("3/9/2024, 16:05", "2024-03-09 16:05"),
    ("25/12/23, 10:00", "2023-12-25 10:00"),  # the first number cannot be a month: day first
    ("2024-03-09 16:05:00 UTC", "2024-03-09 16:05"),
    ("2024-03-09T16:05:00Z", "2024-03-09 16:05"),
    ("09 Mar 2024 16:05", "2024-03-09 16:05"),
    ("Mar 9, 2024, 4:05 PM", "2024-03-09 16:05"),
    ("March 9, 2024", "2024-03-09 00:00"),
])
def test_sent_at_formats(raw: str, expected: str) -> None:
    assert parse_time(raw) == _epoch(expected)


@pytest.mark.parametrize("raw", ["", "yesterday", "13/13/24, 1:00 PM", "3/9/24, 13:05 PM", "3/9/24, 4:65 PM",
                                 "31 Feb 2024", "07 Foo 2024", "3/9/24 4:05 XM", "1/1/1960, 1:00 PM"])
def test_sent_at_unreadable(raw: str) -> None:
    assert parse_time(raw) is None


def _invitations(*sent_at: str) -> str:
    """An Invitations.csv (current header) of incoming notes sent at these times, one inviter each."""
    rows = [f'P{i} Sample,{OWNER_NAME},"{at}",Note {i},INCOMING,https://www.linkedin.com/in/p{i}-sample,{OWNER_URL}'
            for i, at in enumerate(sent_at)]
    return "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n" + "\n".join(rows) + "\n"


def _note_times(ib: Inbox) -> dict[str, str]:
    inv = ib.messages[ib.messages["kind"] == "invitation"]
    return {text: t.strftime("%Y-%m-%d %H:%M") for text, t in zip(inv["text"], inv["sent_at"], strict=True)}


@pytest.mark.parametrize(("sent_at", "expected"), [
    # one day-first date makes the whole file day-first: 3/9/24 is 3 September, as 13/9/24 shows
    (("13/9/24, 4:05 PM", "3/9/24, 4:05 PM"), ["2024-09-13 16:05", "2024-09-03 16:05"]),
    (("3/9/24, 4:05 PM", "25/12/23, 10:00"), ["2024-09-03 16:05", "2023-12-25 10:00"]),
    # otherwise the documented M/D/YY
    (("3/9/24, 4:05 PM", "3/15/24, 9:00 AM"), ["2024-03-09 16:05", "2024-03-15 09:00"]),
    (("3/9/24, 4:05 PM", "2024-03-10 08:00:00 UTC"), ["2024-03-09 16:05", "2024-03-10 08:00"]),
])
def test_sent_at_order_is_decided_once_per_file(tmp_path: Path, sent_at: tuple[str, ...],
                                                expected: list[str]) -> None:
    """Sent At's day/month order used to be guessed row by row, so 3/9/24 (read March) and 13/9/24
    (read September) mixed two orders in one file (formats.md 4.4: M/D/YY, other formats reported)."""
    root = write_folder(tmp_path / "o", {"messages.csv": MESSAGES_CURRENT, "Invitations.csv": _invitations(*sent_at)})
    ib = load_inbox([root])
    assert _note_times(ib) == {f"Note {i}": t for i, t in enumerate(expected)}
    assert ib.skips.counts == {}


def test_sent_at_in_both_orders_leaves_the_ambiguous_rows_unread(tmp_path: Path) -> None:
    """13/9/24 and 9/13/24 in one file: no order can be known, so a date that reads both ways is
    skipped and counted, not guessed; those that read one way only (and 5/5/24) are kept."""
    invs = _invitations("13/9/24, 4:05 PM", "9/13/24, 4:05 PM", "3/9/24, 4:05 PM", "5/5/24, 1:00 PM")
    root = write_folder(tmp_path / "o", {"messages.csv": MESSAGES_CURRENT, "Invitations.csv": invs})
    ib = load_inbox([root])
    assert _note_times(ib) == {"Note 0": "2024-09-13 16:05", "Note 1": "2024-09-13 16:05", "Note 3": "2024-05-05 13:00"}
    reason = "invitation Sent At in an unknown day/month order"
    assert ib.skips.counts == {reason: 1} and ib.skips.first[reason] == f"{root}/Invitations.csv: record row 3 (line 4)"
    assert _fails(root, "--strict") == (f"error: {root}/Invitations.csv: record row 3 (line 4): {reason} (expected "
                                        "one day/month order per file; this file has dates like 13/9/24 and like "
                                        "9/13/24)")


def test_connected_on_slashed_order_is_decided_once_per_file(tmp_path: Path) -> None:
    """A Connections.csv re-saved with D/M/Y dates: 03/09/2024 is 3 September, as 13/09/2024 shows."""
    conns = CONNECTIONS.replace("30 Jun 2024", "13/09/2024").replace("01 Jun 2024", "03/09/2024")
    ib = load_inbox([write_folder(tmp_path / "c", {"messages.csv": MESSAGES_CURRENT, "Connections.csv": conns})])
    assert [f[2][:10] for f in _follows(ib)[:2]] == ["2024-09-13", "2024-09-03"]
    both = conns.replace("20 May 2024", "09/13/2024")
    ib = load_inbox([write_folder(tmp_path / "b", {"messages.csv": MESSAGES_CURRENT, "Connections.csv": both})])
    assert ib.skips.counts == {"Connected On date in an unknown day/month order": 1}
    assert [f[2][:10] for f in _follows(ib)] == ["2024-09-13", "2024-09-13", "2024-03-07", "2023-01-15"]


def test_connected_on_formats() -> None:
    assert parse_day("07 Mar 2024") == _epoch("2024-03-07")
    assert parse_day("7 Mar 2024") == parse_day("07 March 2024") == parse_day("2024-03-07") == _epoch("2024-03-07")
    assert parse_day("3/7/24") == _epoch("2024-03-07")
    assert parse_day("07 Mar 2024 10:00") is None and parse_day("07 Mär 2024") is None


# --------------------------------------------------------------------------- owner inference


def _two_person_messages() -> str:
    a, b = "https://www.linkedin.com/in/aa-1", "https://www.linkedin.com/in/bb-2"
    return (f"{CURRENT_HEADER}\n"
            f"2-X,,Ann Able,{a},Bo Brown,{b},2024-01-01 10:00:00 UTC,,hello,INBOX,,No,No\n"
            f"2-X,,Bo Brown,{b},Ann Able,{a},2024-01-01 11:00:00 UTC,,hi back,INBOX,,No,No\n")


def test_owner_ties_are_broken_or_left_unknown(tmp_path: Path) -> None:
    a, b = "https://www.linkedin.com/in/aa-1", "https://www.linkedin.com/in/bb-2"
    alone = write_folder(tmp_path / "alone", {"messages.csv": _two_person_messages()})
    ib = load_inbox([alone])
    assert ib.owner == Owner() and not ib.messages["outgoing"].any()  # one conversation of two: unknowable
    # Bo is one of the connections, so Ann is the owner
    conns = CONNECTIONS_NOTES + "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n" \
        f"Bo,Brown,{b},,,,01 Jan 2024\n"
    ib = load_inbox([write_folder(tmp_path / "c", {"messages.csv": _two_person_messages(), "Connections.csv": conns})])
    assert (ib.owner.id, ib.owner.name) == (a, "Ann Able")
    assert ib.messages["outgoing"].tolist() == [True, False]
    # Profile.csv names Bo
    profile = "First Name,Last Name,Headline\nBo,Brown,Founder\n"
    ib = load_inbox([write_folder(tmp_path / "p", {"messages.csv": _two_person_messages(), "Profile.csv": profile})])
    assert (ib.owner.id, ib.owner.name) == (b, "Bo Brown")
    # an OUTGOING invitation names its sender, whatever the conversations say
    invs = f"From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n" \
           f"Bo Brown,Cy,\"1/1/24, 9:00 AM\",,OUTGOING,{b},https://www.linkedin.com/in/cy-3\n"
    ib = load_inbox([write_folder(tmp_path / "i", {"messages.csv": MESSAGES_CURRENT, "Invitations.csv": invs})])
    assert ib.owner.id == b


# --------------------------------------------------------------------------- texts


@pytest.mark.parametrize(("raw", "text", "urls"), [
    ("plain text, no change", "plain text, no change", []),
    ("Hi <first name>, I <3 this & <i think> so", "Hi <first name>, I <3 this & <i think> so", []),
    ("AT&T and R&D &copy stay", "AT&T and R&D &copy stay", []),
    ("Tom &amp; Jerry &#x1F680; &nbsp;ok", "Tom & Jerry 🚀  ok", []),
    ("<b>Bold</b> offer\nline two", "Bold offer\nline two", []),
    ("<div>One</div>\n<div>Two<br/>Three</div>", "One\nTwo\nThree", []),
    ('<a href="https://ex.org/x?a=1&amp;b=2">https://ex.org/x?a=1&amp;b=2</a>', "https://ex.org/x?a=1&b=2", []),
    ('<p>See <a href="https://ex.org/a">here</a></p><style>p {color: red}</style>', "See here",
     ["https://ex.org/a"]),
    ("caf\u00c3\u00a9 \u00f0\u009f\u0098\u00a2", "café 😢", []),
])
def test_clean_content(raw: str, text: str, urls: list[str]) -> None:
    assert clean_content(raw) == (text, urls)


@pytest.mark.parametrize(("text", "system"), [
    ("Message request accepted", True), ("message request accepted.", True),
    ("A LinkedIn member left the conversation.", True), ("Sam Sample joined the conversation", True),
    ("Sam added Kim Lee to the conversation", True), ("This message has been deleted.", True),
    ("Your message request was accepted, thanks!", False), ("Let's take this conversation offline", False),
    ("I left the conversation with my manager feeling great about the offer, thanks so much", False), ("", False),
])
def test_system_texts(text: str, system: bool) -> None:
    assert is_system_text(text) is system


# --------------------------------------------------------------------------- bad input


BAD_CASES = {
    "messages in UTF-16 without its BOM": ({"messages.csv": MESSAGES_CURRENT.encode("utf-16-le"),
                                            "Connections.csv": CONNECTIONS},
                                           r"messages\.csv: contains a NUL byte \(line 1\); expected the export's"),
    "a binary messages.csv": ({"messages.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
                               "Connections.csv": CONNECTIONS}, r"messages\.csv: not UTF-8 text \(bad byte at line 1"),
    "messages without DATE": ({"messages.csv": MESSAGES_CURRENT.replace(",DATE,", ",WHEN,", 1),
                               "Connections.csv": CONNECTIONS}, r"messages\.csv: line 1: missing column\(s\) DATE;"),
    "messages not LinkedIn's": ({"messages.csv": "a,b,c\n1,2,3\n", "Connections.csv": CONNECTIONS},
                                r"messages\.csv: no header line in its first 10 lines; expected CONVERSATION ID"),
    "legacy without DIRECTION": ({"messages.csv": "FROM,TO,DATE,SUBJECT,CONTENT,FOLDER\nA,B,2019-01-01T00:00:00,,x,"
                                                  "INBOX\n", "Connections.csv": CONNECTIONS},
                                 r"messages\.csv: line 1: missing column\(s\) SENDER PROFILE URL; expected .* "
                                 r"\(or the legacy FROM,TO,DATE,SUBJECT,CONTENT,DIRECTION,FOLDER\)"),
    "no messages.csv, unreadable invitations": ({"Connections.csv": CONNECTIONS, "Invitations.csv": INVITATIONS.replace(
        "Sent At", "Sent")}, r"Invitations\.csv: line 1: missing column\(s\) Sent At"),
    "no messages.csv": ({"Connections.csv": CONNECTIONS, "Invitations.csv": INVITATIONS.replace(
        "Hey {first_name}, let's connect! I help founders 10x their pipeline.", "").replace(
        "Hi Alex, I'd love to add you to my network.", "").replace("Great meeting you at the meetup!", "")},
                        r"no messages\.csv in this LinkedIn export"),
    "every DATE unreadable": ({"messages.csv": CURRENT_HEADER + "\n2-X,,A,https://www.linkedin.com/in/a,B,"
                                               "https://www.linkedin.com/in/b,yesterday,,hi,INBOX,,No,No\n",
                               "Profile.csv": "First Name\nA\n"},
                              r"no readable messages found in this linkedin export"),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_input_is_one_clear_line(tmp_path: Path, case: str) -> None:
    files, pattern = BAD_CASES[case]
    z = write_zip(tmp_path / "bad.zip", files)
    line = _fails(z)
    assert str(z) in line
    assert re.search(pattern, line), line
    with pytest.raises(InputError):
        load_inbox([z])


#: Side files that cannot be read: (files replacing export_current's, the error --strict stops with).
BAD_SIDE_FILES = {
    "connections without Connected On": ({"Connections.csv": CONNECTIONS.replace(",Connected On", ",Since")},
                                         r"Connections\.csv: line 4: missing column\(s\) Connected On;"),
    "connections without a header": ({"Connections.csv": "Notes:\nhello\n"},
                                     r"Connections\.csv: no header line .*expected First Name,Last Name,URL"),
    "latin-1 invitations": ({"Invitations.csv": "From,To\nJos\xe9,A\n".encode("latin-1")},
                            r"Invitations\.csv: not UTF-8 text \(bad byte at .*offset 11\)"),
    "invitations without Sent At": ({"Invitations.csv": INVITATIONS.replace("Sent At", "Sent")},
                                    r"Invitations\.csv: line 1: missing column\(s\) Sent At"),
}


@pytest.mark.parametrize("case", list(BAD_SIDE_FILES))
def test_an_unreadable_side_file_is_skipped_not_the_export(tmp_path: Path, case: str,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    """A Connections.csv or Invitations.csv that cannot be read (a column renamed in a spreadsheet)
    used to refuse the whole export; now that file is skipped and counted, with one warning naming
    it, and every message is kept; --strict stops with the file's error."""
    files, pattern = BAD_SIDE_FILES[case]
    z = write_zip(tmp_path / "side.zip", {**export_current(), **files})
    ib = load_inbox([z])
    conns = "Connections.csv" in files
    reason = "unreadable connections file" if conns else "unreadable invitations file"
    name = next(iter(files))
    assert ib.skips.counts == {reason: 1}
    assert ib.skips.first == {reason: f"{z}:{name}, the whole file"}
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warned) == 1 and re.search(pattern, warned[0]) and str(z) in warned[0], warned
    if conns:  # no connection times; every message kept
        assert ib.follows.empty and _rows(ib) == CURRENT_MESSAGES
    else:  # the invitation notes are lost, the messages and connections kept
        assert _rows(ib) == [r for r in CURRENT_MESSAGES if r[3] != "invitation"]
        assert [f[0] for f in _follows(ib)] == [f[0] for f in CURRENT_FOLLOWS]
    r = CliRunner().invoke(app, ["inspect", "--json", str(z)])
    assert r.exit_code == 0 and json.loads(r.stdout)["skipped"] == {reason: 1}
    assert re.search(pattern, r.stderr) and "Traceback" not in r.output
    line = _fails(z, "--strict")
    assert str(z) in line and re.search(pattern, line), line
    with pytest.raises(InputError):
        load_inbox([z], strict=True)


def test_the_repro_connections_without_connected_on(tmp_path: Path) -> None:
    """The reviewer's file: a Connections.csv (preamble, URL column) whose Connected On was deleted."""
    conns = CONNECTIONS_NOTES + f"First Name,Last Name,URL,Email Address,Company,Position\nRobin,Sample,{ROBIN},,,\n"
    root = write_folder(tmp_path / "c", {"messages.csv": MESSAGES_CURRENT, "Connections.csv": conns,
                                         "Invitations.csv": INVITATIONS})
    ib = load_inbox([root])
    assert ib.skips.counts == {"unreadable connections file": 1} and ib.follows.empty
    assert len(ib.messages) == len(CURRENT_MESSAGES)
    assert _fails(root, "--strict") == (f"error: {root}/Connections.csv: line 4: missing column(s) Connected On; "
                                        "expected the header First Name,Last Name,URL,Email Address,Company,"
                                        "Position,Connected On")


def _bad_rows() -> dict[str, str]:
    messages = MESSAGES_CURRENT.replace("2024-04-01 18:00:00 UTC", "01/04/2024 18:00").replace(
        "Sample Recruiting,https://www.linkedin.com/in/sample-recruiter-9z8y7x", ",")
    connections = CONNECTIONS.replace("01 Jun 2024", "31 Feb 2024")
    invitations = INVITATIONS.replace('"8/2/24, 7:00 AM"', "soon").replace(",OUTGOING,", ",SIDEWAYS,")
    return {"messages.csv": messages, "Connections.csv": connections, "Invitations.csv": invitations}


def test_bad_rows_are_skipped_and_counted(tmp_path: Path) -> None:
    z = write_zip(tmp_path / "rows.zip", _bad_rows())
    ib = load_inbox([z])
    assert ib.skips.counts == {"unreadable message DATE": 1, "message without a sender": 1,
                               "unreadable Connected On date": 1, "unreadable invitation Sent At": 1,
                               "unknown invitation Direction": 1}
    lost = {'Tu viens au café demain ?\nShe said "bring the cat"',
            "Quick question, Alex\n\nHi Alex,\n\nWe're hiring & think you’d fit. Apply here",
            "Great meeting you at the meetup!"}
    assert _rows(ib) == [r for r in CURRENT_MESSAGES if r[1] not in lost]
    assert [f[0] for f in _follows(ib)] == [KIM, JORDAN, ROBIN, CHLOE]
    info = _inspect(z)
    assert info["skipped"] == dict(ib.skips.counts) and info["messages"] == len(CURRENT_MESSAGES) - 3


@pytest.mark.parametrize(("file", "expected"), [
    ("messages.csv", r"messages\.csv: record row 4 \(line 6\): unreadable message DATE \(expected a DATE like "
                     r"2024-03-09 16:05:00 UTC\)"),
    ("Connections.csv", r"Connections\.csv: record row 2 \(line 6\): unreadable Connected On date \(expected a date "
                        r"like 07 Mar 2024\)"),
    ("Invitations.csv", r"Invitations\.csv: record row 2 \(line 3\): unreadable invitation Sent At"),
])
def test_strict_names_the_file_and_row(tmp_path: Path, file: str, expected: str) -> None:
    bad = _bad_rows()
    files = {**export_current(), file: bad[file]}
    if file == "messages.csv":
        files[file] = MESSAGES_CURRENT.replace("2024-04-01 18:00:00 UTC", "01/04/2024 18:00")
    if file == "Invitations.csv":
        files[file] = INVITATIONS.replace('"8/2/24, 7:00 AM"', "soon")
    z = write_zip(tmp_path / "strict.zip", files)
    line = _fails(z, "--strict")
    assert re.search(expected, line), line
    with pytest.raises(RecordError):
        load_inbox([z], strict=True)
    assert load_inbox([z]).skips.total == 1  # without --strict: skipped and counted


@pytest.mark.parametrize(("bad", "reason"), [(b"\xe9", "not UTF-8 text"), (b"\x00", "contains a NUL byte")])
def test_a_bad_byte_loses_only_its_row(tmp_path: Path, bad: bytes, reason: str) -> None:
    """A latin-1 é or a NUL in a messages.csv row (one in a quoted multi-line cell) used to refuse the
    whole file; now that row alone is skipped and counted, and --strict stops there."""
    data = MESSAGES_CURRENT.encode().replace(b"She said", b"She" + bad + b" said").replace(
        b"Hello from Kim", b"Hello " + bad + b"from Kim")
    z = write_zip(tmp_path / "bytes.zip", {**export_current(), "messages.csv": data})
    ib = load_inbox([z])
    assert ib.skips.counts == {reason: 2}
    assert ib.skips.first[reason] == f"{z}:messages.csv: record row 4 (line 6)"
    lost = {'Tu viens au café demain ?\nShe said "bring the cat"', "Hello from Kim"}
    assert _rows(ib) == [r for r in CURRENT_MESSAGES if r[1] not in lost]
    assert [f[1:] for f in _follows(ib)] == [f[1:] for f in CURRENT_FOLLOWS]  # Kim's URL: the skipped row's spelling
    expected = "UTF-8" if bad == b"\xe9" else "text without NUL bytes"
    assert _fails(z, "--strict") == f"error: {z}:messages.csv: record row 4 (line 6): {reason} (expected {expected})"


def test_a_bad_byte_in_connections_or_invitations_loses_only_its_row(tmp_path: Path) -> None:
    files = {**export_current(), "Connections.csv": CONNECTIONS.encode().replace(b"Designer", b"D\xe9signer"),
             "Invitations.csv": INVITATIONS.encode().replace(b"the meetup", b"the\x00meetup")}
    z = write_zip(tmp_path / "bytes.zip", files)
    ib = load_inbox([z])
    assert ib.skips.counts == {"not UTF-8 text": 1, "contains a NUL byte": 1}
    assert ib.skips.first == {"not UTF-8 text": f"{z}:Connections.csv: record row 2 (line 6)",
                              "contains a NUL byte": f"{z}:Invitations.csv: record row 4 (line 5)"}
    assert [f[0] for f in _follows(ib)] == [KIM, JORDAN, ROBIN, CHLOE]
    assert "Great meeting you at the meetup!" not in set(ib.messages["text"])


def test_a_row_with_the_wrong_number_of_fields_is_named_so(tmp_path: Path) -> None:
    """A messages.csv row of 4 fields was skipped as "unreadable message DATE" (its cells were padded,
    so DATE read blank); a row with an extra non-blank cell read its columns shifted. Each is now
    "wrong number of fields", in every LinkedIn CSV; blank cells past the header are harmless."""
    messages = MESSAGES_CURRENT.replace("Hello from Kim,INBOX,,No,No\n", "Hello from Kim,INBOX,,No,No,,\n") + (
        "2-U2hvcnQ=,,Sam Short,https://www.linkedin.com/in/sam-short\n")
    connections = CONNECTIONS + "Sam,Short,https://www.linkedin.com/in/sam-short\n"
    invitations = INVITATIONS + (f'Lee Long,Alex Example,"8/3/24, 9:00 AM",Hi,INCOMING,{PAT},{OWNER_URL},extra\n')
    bad = {"messages.csv": messages, "Connections.csv": connections, "Invitations.csv": invitations}
    z = write_zip(tmp_path / "fields.zip", bad)
    ib = load_inbox([z])
    assert ib.skips.counts == {"wrong number of fields": 3}
    assert _rows(ib) == CURRENT_MESSAGES and _follows(ib) == CURRENT_FOLLOWS
    assert _fails(z, "--strict") == (f"error: {z}:messages.csv: record row 15 (line 18): wrong number of fields "
                                     "(expected 13 fields as in the header; this row has 4)")
    clean = {"messages.csv": MESSAGES_CURRENT, "Connections.csv": CONNECTIONS, "Invitations.csv": INVITATIONS}
    for file, rec in [("Connections.csv", "row 7 (line 11)"), ("Invitations.csv", "row 5 (line 6)")]:
        one = write_zip(tmp_path / f"one-{file}.zip", {**clean, file: bad[file]})
        with pytest.raises(RecordError, match=re.escape(f"{file}: record {rec}: wrong number of fields (expected")):
            load_inbox([one], strict=True)
    legacy = MESSAGES_LEGACY + "Jordan Okafor,Alex Example,2019-12-25T08:00:00,,hm\n"
    root = write_folder(tmp_path / "legacy", {"messages.csv": legacy})
    assert load_inbox([root]).skips.counts == {"wrong number of fields": 1}
    assert _fails(root, "--strict").endswith("messages.csv: record row 5 (line 7): wrong number of fields (expected 7 "
                                             "fields as in the header; this row has 5)")


def test_a_row_that_stops_before_optional_columns_is_read(tmp_path: Path) -> None:
    """A messages.csv row cut after CONTENT (no FOLDER or draft flags) was read before the width
    check came in, and must still be: only rows that cannot reach DATE, CONTENT or FROM are skipped."""
    cut = MESSAGES_CURRENT.replace("Merci ! See you at the café,INBOX,,No,No", "Merci ! See you at the café")
    assert cut != MESSAGES_CURRENT
    ib = load_inbox([write_folder(tmp_path / "cut", {"messages.csv": cut})])
    full = load_inbox([write_folder(tmp_path / "full", {"messages.csv": MESSAGES_CURRENT})])
    assert ib.skips.counts == {} and _rows(ib) == _rows(full)


def test_legacy_bad_direction_and_missing_sender(tmp_path: Path) -> None:
    text = MESSAGES_LEGACY + "Jordan Okafor,Alex Example,2019-12-25T08:00:00,,hm,SIDEWAYS,INBOX\n" \
                             ",Alex Example,2019-12-26T08:00:00,,who?,INCOMING,INBOX\n"
    root = write_folder(tmp_path / "l", {"messages.csv": text})
    ib = load_inbox([root])
    assert ib.skips.counts == {"unknown message DIRECTION": 1, "message without a sender": 1}
    assert len(ib.messages) == 4
    line = _fails(root, "--strict")
    assert "messages.csv: record row 5 (line 7): unknown message DIRECTION (expected INCOMING or OUTGOING)" in line


def test_detection_leaves_canonical_csv_alone(tmp_path: Path) -> None:
    f = tmp_path / "messages.csv"
    f.write_text("id,sender_id,sent_at,text\n1,a,2024-01-01T00:00:00Z,hi\n", encoding="utf-8")
    assert detect(ExportTree.open([f])) == "canonical"
    conns = tmp_path / "Connections.csv"
    conns.write_text(CONNECTIONS, encoding="utf-8")
    assert detect(ExportTree.open([conns])) == "linkedin"
    assert "no messages.csv in this LinkedIn export" in _fails(conns)


# --------------------------------------------------------------------------- the writer


def _corpus() -> pd.DataFrame:
    n = 60
    auto = [f"Thanks for connecting! Grab my guide {i}: https://example.org/g/{i}" for i in range(n)]
    personal = [f"Great to meet you at the meetup {i}, coffee next week?\nCheers 🙂" for i in range(n)]
    return pd.DataFrame({
        "text": auto + personal,
        "label": [1] * n + [0] * n,
        "category": ["drip_followup"] * 10 + ["self_promo"] * (n - 10) + ["chat"] * n,
        "hard": [False] * (n + 40) + [True] * 20,
        "template_id": [f"t{i}" for i in range(2 * n)],
    })


def test_simulated_round_trip(tmp_path: Path) -> None:
    neutral, labels = simulate_inbox(_corpus(), 400, seed=11, config=SimConfig(platform="linkedin"))
    z = write_linkedin_export(neutral, tmp_path / ZIP_NAME)
    loaded = load_inbox([z])
    assert loaded.platform == "linkedin" and loaded.skips.counts == {}
    assert dict(loaded.skips.notes) == {"LinkedIn assistant chat file (ignored)": 1}
    assert len(loaded.incoming) == len(neutral.incoming) == len(labels)
    assert sorted(loaded.incoming["text"]) == sorted(neutral.incoming["text"])
    assert sorted(loaded.messages["text"]) == sorted(neutral.messages["text"])
    # the loader gives each incoming invitation note its own conversation (invitation:<inviter>)
    notes = neutral.messages[neutral.messages["kind"] == "invitation"]
    assert len(notes) > 0
    assert loaded.messages["conversation_id"].nunique() == (neutral.messages["conversation_id"].nunique()
                                                            + notes["sender_id"].nunique())
    assert loaded.owner.name == neutral.owner.name and loaded.owner.id == profile_url("owner", neutral.owner.name)
    # times to the second; senders are the profile URLs the writer gave them
    names = dict(zip(neutral.messages["sender_id"], neutral.messages["sender_name"], strict=True))
    want = sorted(zip(neutral.incoming["sent_at"].dt.floor("s"),
                      [profile_url(s, names[s]) for s in neutral.incoming["sender_id"]], strict=True))
    assert sorted(zip(loaded.incoming["sent_at"], loaded.incoming["sender_id"], strict=True)) == want
    # every neutral follow is a connection with its day, or, when that day holds the person's
    # invitation note, the end of the note's minute (the loader's lower bound)
    assert len(loaded.follows) == len(neutral.follows)
    f = neutral.follows
    note_at = notes.groupby("sender_id")["sent_at"].max()
    at = f["user_id"].map(note_at)
    same_day = at.notna() & (at.dt.floor("D") == f["followed_at"])
    want_f = f["followed_at"].where(~same_day, at + pd.Timedelta(minutes=1))
    url = [profile_url(u, names.get(u, n)) for u, n in zip(f["user_id"], f["user_name"], strict=True)]
    assert sorted(zip(loaded.follows["user_id"], loaded.follows["followed_at"], strict=True)) == sorted(
        zip(url, want_f, strict=True))
    assert same_day.any() and (~same_day).any()
    # the url join finds the same follow times (people whose connection moved aside)
    moved = set(f.loc[same_day, "user_id"])
    jn, jl = join_follows(neutral), join_follows(loaded)
    moved_urls = {profile_url(u, names.get(u)) for u in moved}
    got = sorted((str(t), str(f)) for t, f, how, s, r in zip(jl["text"], jl["followed_at"], jl["follow_join"],
                                                            jl["sender_id"], jl["recipient_id"], strict=True)
                 if how == "url" and not pd.isna(f) and s not in moved_urls and r not in moved_urls)
    exp = sorted((str(t), str(f)) for t, f, how, s, r in zip(jn["text"], jn["followed_at"], jn["follow_join"],
                                                            jn["sender_id"], jn["recipient_id"], strict=True)
                 if how == "id" and not pd.isna(f) and s not in moved and r not in moved)
    assert got == exp and len(got) > 100


def test_simulated_invitation_notes_are_incoming_invitations_with_the_feature_set(tmp_path: Path) -> None:
    from autodm.scan import design

    neutral, labels = simulate_inbox(_corpus(), 1500, seed=12, config=SimConfig(platform="linkedin"))
    notes = neutral.messages[neutral.messages["kind"] == "invitation"].merge(labels, on="message_id")
    assert len(notes) > 15 and set(notes["label"]) == {0, 1}
    z = write_linkedin_export(neutral, tmp_path / ZIP_NAME)
    with zipfile.ZipFile(z) as zf:
        rows = list(csv.DictReader(io.StringIO(zf.read("Invitations.csv").decode("utf-8"))))
    incoming = [r for r in rows if r["Direction"] == "INCOMING"]
    assert len(incoming) == len(notes) and all(r["Message"] for r in incoming)
    assert all(re.fullmatch(r"\d{1,2}/\d{1,2}/\d\d, \d{1,2}:\d\d [AP]M", r["Sent At"]) for r in incoming)
    assert {r["To"] for r in incoming} == {"Alex Example"}
    assert all(r["inviterProfileUrl"].startswith("https://www.linkedin.com/in/") for r in incoming)
    loaded = load_inbox([z])
    got = loaded.messages[loaded.messages["kind"] == "invitation"]
    assert sorted(got["text"]) == sorted(notes["text"]) and not got["outgoing"].any()
    assert sorted(got["sent_at"]) == sorted(notes["sent_at"])
    joined, frame = design(loaded)
    inv = (joined["kind"] == "invitation").to_numpy()
    assert (frame.loc[inv, "invitation"] == 1).all() and (frame.loc[~inv, "invitation"] == 0).all()
    # the note's time bounds its connection from below: no note looks sent after its connection
    conn = loaded.follows.set_index("user_id")["followed_at"]
    noted = got.assign(conn=got["sender_id"].map(conn))
    assert noted["conn"].notna().mean() > 0.8
    assert (noted["conn"].isna() | (noted["sent_at"] < noted["conn"])).all()


def _neutral() -> Inbox:
    """A small neutral inbox: an HTML-looking text, an invitation note, a group, a multi-line text."""
    rows = MessageRows()
    t0 = _epoch("2024-03-01 09:00")
    names = {"owner": "Alex Example", "u1": "Sam Sample", "u2": "Chloé Müller ✨", "u3": "Jordan Okafor",
             "u4": "Yuki Tanaka"}

    def add(mid: str, conv: str, sender: str, recipient: str | None, dt: float, text: str,
            kind: str = "message") -> None:
        rows.add(message_id=mid, conversation_id=conv, sender_id=sender, recipient_id=recipient,
                 sender_name=names[sender], sent_at=t0 + dt, text=text, outgoing=sender == "owner", kind=kind)

    add("m1", "inv-u1", "u1", "owner", 0, "Hi {first_name}, let's connect!", kind="invitation")
    add("m2", "c-u1", "u1", "owner", 3630.5, "Thanks for connecting <b>Alex</b> &amp; welcome: https://ex.org/a")
    add("m3", "c-u1", "owner", "u1", 7200, 'Hi "Sam",\nthanks!')
    add("m4", "c-u2", "u2", "owner", 9000, "Message request accepted", kind="system")
    add("m5", "c-u2", "u2", "owner", 9060, "AT&T <first name> R&D")
    add("m6", "g1", "u3", None, 12000, "Welcome to the group")
    add("m7", "g1", "u4", None, 12100, "Hello all")
    add("m8", "g1", "owner", None, 12200, "Hi both")
    follows = FollowRows()
    for uid, day in (("u1", "2024-03-01"), ("u2", "2023-05-05"), ("u3", "2024-02-01")):
        follows.add(user_id=uid, user_name=uid, followed_at=_epoch(day), precision="day", direction="connection")
    return make_inbox(platform="canonical", source="test", messages=rows, follows=follows,
                      owner=Owner(id="owner", name="Alex Example", handle="alex.example"), skips=Skips(),
                      message_times="epoch_s")


def test_writer_files_and_round_trip(tmp_path: Path) -> None:
    neutral = _neutral()
    z = write_linkedin_export(neutral, tmp_path / "sub" / ZIP_NAME)
    assert z == tmp_path / "sub" / ZIP_NAME and not list(z.parent.glob("*.tmp"))
    with zipfile.ZipFile(z) as zf:
        assert zf.namelist() == ["messages.csv", "Connections.csv", "Invitations.csv", "Profile.csv", "Skills.csv",
                                 "guide_messages.csv"]
        messages = zf.read("messages.csv").decode("utf-8")
        connections = zf.read("Connections.csv").decode("utf-8")
        invitations = zf.read("Invitations.csv").decode("utf-8")
    assert messages.split("\n", 1)[0] == ",".join(MESSAGES_HEADER) == CURRENT_HEADER
    assert "&lt;b&gt;Alex&lt;/b&gt; &amp;amp; welcome" in messages  # would be changed by the HTML cleanup
    assert "AT&T <first name> R&D" in messages  # would not: written as is
    assert ",2024-03-01 10:00:30 UTC," in messages and conversation_id("c-u1") in messages
    assert connections.startswith("Notes:\n\"") and "\n\n" + ",".join(CONNECTIONS_HEADER) + "\n" in connections
    assert f"Sam,Sample,{profile_url('u1', 'Sam Sample')},," in connections and connections.endswith(",05 May 2023\n")
    assert invitations.split("\n")[:2] == [
        ",".join(INVITATIONS_HEADER),
        f'Sam Sample,Alex Example,"3/1/24, 9:00 AM","Hi {{first_name}}, let\'s connect!",INCOMING,'
        f"{profile_url('u1', 'Sam Sample')},{profile_url('owner', 'Alex Example')}",
    ]
    loaded = load_inbox([z])
    assert sorted(_rows(loaded)) == sorted(
        (profile_url(s, n), t, o, k) for s, n, t, o, k in zip(
            neutral.messages["sender_id"], neutral.messages["sender_name"], neutral.messages["text"],
            neutral.messages["outgoing"], neutral.messages["kind"], strict=True))
    assert loaded.owner == Owner(id=profile_url("owner", "Alex Example"), name="Alex Example",
                                 handle=profile_url("owner", "Alex Example").rsplit("/", 1)[1])
    group = loaded.messages[loaded.messages["text"].isin(["Welcome to the group", "Hello all", "Hi both"])]
    assert group["conversation_id"].nunique() == 1 and group["recipient_id"].isna().all()
    assert _follows(loaded) == [
        (profile_url("u1", "Sam Sample"), "Sam Sample", "2024-03-01T09:01:00+00:00", "day", "connection"),
        (profile_url("u3", "Jordan Okafor"), "Jordan Okafor", "2024-02-01T00:00:00+00:00", "day", "connection"),
        (profile_url("u2", "Chloé Müller ✨"), "Chloé Müller ✨", "2023-05-05T00:00:00+00:00", "day", "connection"),
    ]  # Sam's connection day holds his invitation: bounded by it


def test_writer_is_deterministic(tmp_path: Path) -> None:
    neutral, _ = simulate_inbox(_corpus(), 150, seed=3, config=SimConfig(platform="linkedin"))
    a = write_linkedin_export(neutral, tmp_path / "a.zip").read_bytes()
    b = write_linkedin_export(neutral, tmp_path / "b.zip").read_bytes()
    assert a == b
    assert profile_url("u000001", "Sam Sample") == profile_url("u000001", "Sam Sample") != profile_url("u000002",
                                                                                                      "Sam Sample")
    assert profile_url("u000001", "Chloé Müller ✨").startswith("https://www.linkedin.com/in/chloe-muller-")
    assert conversation_id("c-u1").startswith("2-") and conversation_id("c-u1") != conversation_id("c-u2")


def test_messages_csv_resaved_as_utf16_reads_the_same(tmp_path: Path) -> None:
    u8 = load_inbox([write_folder(tmp_path / "u8", {"messages.csv": MESSAGES_CURRENT, "Connections.csv": CONNECTIONS})])
    u16 = load_inbox([write_folder(tmp_path / "u16", {"messages.csv": MESSAGES_CURRENT.encode("utf-16"),
                                                      "Connections.csv": CONNECTIONS})])
    pd.testing.assert_frame_equal(u16.messages.drop(columns="message_id"), u8.messages.drop(columns="message_id"))


@pytest.mark.parametrize(("name", "text"), [("Messages.csv", MESSAGES_CURRENT), ("messages.csv", MESSAGES_LEGACY),
                                            ("Connections.csv", CONNECTIONS), ("Invitations.csv", INVITATIONS)])
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_lone_utf16_file_is_detected_as_linkedin(tmp_path: Path, name: str, text: str, encoding: str) -> None:
    """A LinkedIn CSV re-saved as "Unicode Text" (UTF-16 with its BOM) and given alone was not
    recognised (its header words were looked for as UTF-8) and fell to the canonical loader."""
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    f = write_folder(tmp_path / "u", {name: data}) / name
    assert detect(ExportTree.open([f])) == "linkedin"
    if name.lower() == "messages.csv":
        plain = load_inbox([write_folder(tmp_path / "p", {name: text}) / name])
        pd.testing.assert_frame_equal(load_inbox([f]).messages.drop(columns="message_id"),
                                      plain.messages.drop(columns="message_id"))


#: An older Invitations.csv (Notes preamble, no URL columns) beside current messages: Robin's and
#: Pat's notes in, the owner's note to Jordan out.
INVITATIONS_NO_URLS = """Notes:
"This file lists the invitations you have sent and received."

From,To,Sent At,Message,Direction
Robin Sample,Alex Example,"3/7/24, 2:58 PM","Hi Alex, I'd love to add you to my network.",INCOMING
Alex Example,Jordan Okafor,"5/20/24, 9:15 AM",Great meeting you at the meetup!,OUTGOING
Pat Growth,Alex Example,"8/1/24, 11:02 PM","Hey {first_name}, let's connect!",INCOMING
"""


def test_an_invitation_without_urls_joins_its_sender_by_a_unique_name(tmp_path: Path) -> None:
    """An older Invitations.csv has names only: Robin's note had sender_id "Robin Sample" while
    Robin's messages had the profile URL, so `senders` showed two people. A name that goes with
    exactly one URL in the messages and connections now takes it (formats.md 4.3: URL, else name)."""
    files = {"messages.csv": MESSAGES_CURRENT, "Connections.csv": CONNECTIONS, "Invitations.csv": INVITATIONS_NO_URLS}
    ib = load_inbox([write_folder(tmp_path / "a", files)])
    inv = ib.messages[ib.messages["kind"] == "invitation"].set_index("text")
    robin = inv.loc["Hi Alex, I'd love to add you to my network."]
    assert robin["sender_id"] == ROBIN and robin["conversation_id"] == "invitation:linkedin.com/in/robin-sample-0a1b2c"
    jordan = inv.loc["Great meeting you at the meetup!"]
    assert jordan["sender_id"] == OWNER_URL and jordan["recipient_id"] == JORDAN
    assert inv.loc["Hey {first_name}, let's connect!", "sender_id"] == "Pat Growth"  # no URL known: the name
    assert ib.messages.loc[~ib.messages["outgoing"], "sender_id"].nunique() == 7  # Robin once, not twice
    j = join_follows(ib).set_index("text")
    assert j.loc["Hi Alex, I'd love to add you to my network.", "follow_join"] == "url"
    # a namesake under another URL among the connections: two Robins, so the name stays a name
    other = CONNECTIONS + "Robin,Sample,https://www.linkedin.com/in/robin-sample-other,,,,01 Jan 2024\n"
    ib = load_inbox([write_folder(tmp_path / "b", {**files, "Connections.csv": other})])
    inv = ib.messages[ib.messages["kind"] == "invitation"].set_index("text")
    assert inv.loc["Hi Alex, I'd love to add you to my network.", "sender_id"] == "Robin Sample"
    # two connections named Robin Sample, one without a URL (an older file): two people, no join
    twice = CONNECTIONS_NO_URL + "Robin,Sample,,,,07 Mar 2024\n"
    ib = load_inbox([write_folder(tmp_path / "c", {**files, "Connections.csv": twice})])
    inv = ib.messages[ib.messages["kind"] == "invitation"].set_index("text")
    assert inv.loc["Hi Alex, I'd love to add you to my network.", "sender_id"] == "Robin Sample"


def test_simulated_messages_csv_is_not_sorted_by_date(tmp_path: Path) -> None:
    """formats.md §4.2: rows are not sorted; the writer keeps each conversation's rows together."""
    neutral, _ = simulate_inbox(_corpus(), 600, seed=13, config=SimConfig(platform="linkedin"))
    z = write_linkedin_export(neutral, tmp_path / ZIP_NAME)
    with zipfile.ZipFile(z) as zf:
        rows = list(csv.DictReader(io.StringIO(zf.read("messages.csv").decode("utf-8"))))
    convs = [r["CONVERSATION ID"] for r in rows]
    starts = [c for k, c in enumerate(convs) if k == 0 or convs[k - 1] != c]
    assert len(starts) == len(set(convs))  # grouped
    newest = {}
    for r in rows:
        newest.setdefault(r["CONVERSATION ID"], r["DATE"])
    by_conv = [newest[c] for c in starts]
    assert by_conv != sorted(by_conv, reverse=True) and by_conv != sorted(by_conv)
    assert sorted(_rows(load_inbox([z]))) == sorted(_rows(load_inbox([write_linkedin_export(
        neutral, tmp_path / "again.zip")])))


def test_two_accounts_exports_are_refused_in_one_folder_or_as_two_inputs(tmp_path: Path) -> None:
    # their messages were merged and one owner inferred: the other account's own messages were
    # read as received, its received ones as sent
    mine = export_current()
    other = {k: v.replace("Alex,Example", "Bo,Other").replace(OWNER_URL, "https://www.linkedin.com/in/bo-other-1")
             for k, v in mine.items()}
    folder = write_folder(write_folder(tmp_path / "both", mine, "alex"), other, "bo")
    with pytest.raises(InputError, match=r"both: holds the LinkedIn exports of two accounts \(.*alex/Profile\.csv "
                                         r"and .*bo/Profile\.csv name different people\); scan each export on "
                                         "its own$"):
        load_inbox([folder])
    a, b = write_zip(tmp_path / "a.zip", mine), write_zip(tmp_path / "b.zip", other)
    with pytest.raises(InputError, match=r"a\.zip is the LinkedIn export of one account and .*b\.zip that of another "
                                         r"\(their Profile\.csv name different people\): several inputs must be parts "
                                         "of one export; scan them one at a time$"):
        load_inbox([a, b])
    r = CliRunner().invoke(app, ["scan", str(folder)])
    assert r.exit_code == 2 and r.stdout == "" and r.stderr.count("\n") == 1
    assert "Bo Other" not in r.stderr and "Alex Example" not in r.stderr
    # one account's Basic and Complete exports in one folder are one account: read
    ib = load_inbox([write_folder(write_folder(tmp_path / "one", mine, "basic"), mine, "complete")])
    assert ib.owner.id == OWNER_URL and len(ib.messages) == len(load_inbox([a]).messages)
