from __future__ import annotations

import pandas as pd
import pytest

from autodm.errors import InputError, RecordError
from autodm.inbox import (
    FollowRows,
    Inbox,
    MessageRows,
    Owner,
    Skips,
    describe,
    join_follows,
    loose_name_keys,
    loose_username_key,
    make_inbox,
    normalize_name,
    normalize_url,
    to_utc,
)


def _inbox(messages: list[dict], follows: list[dict], platform: str = "canonical",
           owner: Owner | None = None) -> Inbox:
    rows, frows = MessageRows(), FollowRows()
    for i, m in enumerate(messages):
        rows.add(message_id=m.get("id", str(i)), conversation_id=m.get("conv", "c"),
                 sender_id=m["sender"], sent_at=m["t"], text=m.get("text", "hi"),
                 sender_name=m.get("name"), sender_username=m.get("username"), outgoing=m.get("out"),
                 recipient_id=m.get("to"), file="f", record=i)
    for f in follows:
        frows.add(user_id=f.get("id"), user_name=f.get("name"), followed_at=f.get("t"),
                  precision=f.get("precision", "second"), direction=f.get("direction", "follower"))
    return make_inbox(platform=platform, source="test", messages=rows, follows=frows,
                      owner=owner or Owner(id="me"), skips=Skips(), message_times="iso", follow_times="iso")


def test_to_utc_formats() -> None:
    iso = to_utc(["2024-01-01T10:00:00Z", "2024-01-01T12:00:00+02:00", "2024-01-01T10:00:00", "junk"], "iso")
    assert [str(t) for t in iso[:3]] == ["2024-01-01 10:00:00+00:00"] * 3
    assert pd.isna(iso[3])
    ms = to_utc([1704103200000, "1704103200000"], "epoch_ms")
    assert list(ms) == [pd.Timestamp("2024-01-01 10:00:00", tz="UTC")] * 2
    auto = to_utc([1704103200, "2024-01-01T10:00:00Z", None], "auto")
    assert auto[0] == auto[1] and pd.isna(auto[2])
    assert pd.isna(to_utc([10**15], "epoch_s")[0])  # far outside 1970..2100


def test_epoch_times_are_exact_not_float_noise() -> None:
    ms = to_utc([1737681534962, "1737681534962", None], "epoch_ms")
    assert ms[0].value == ms[1].value == 1737681534962 * 10**6  # not ...54.961999872
    assert pd.isna(ms[2])
    many = list(range(1_600_000_000_000, 1_600_000_000_000 + 5000))
    assert (to_utc(many, "epoch_ms").astype("int64") == [v * 10**6 for v in many]).all()
    assert to_utc([1704103200, "1704103200"], "epoch_s")[1].value == 1704103200 * 10**9


def test_describe_shows_times_without_float_noise() -> None:
    rows = MessageRows()
    for i, ms in enumerate((1678833022900, 1737681534962, 1737681530000)):
        rows.add(message_id=str(i), conversation_id="c", sender_id="a", sent_at=ms)
    ib = make_inbox(platform="instagram", source="s", messages=rows, skips=Skips(), message_times="epoch_ms")
    d = describe(ib)
    assert (d["first"], d["last"]) == ("2023-03-14T22:30:22.900+00:00", "2025-01-24T01:18:54.962+00:00")


def test_make_inbox_sorts_dedupes_and_fills_outgoing() -> None:
    ib = _inbox([
        {"id": "2", "sender": "a", "t": "2024-01-02T00:00:00Z"},
        {"id": "1", "sender": "me", "t": "2024-01-01T00:00:00Z"},
        {"id": "2", "sender": "a", "t": "2024-01-02T00:00:00Z"},
    ], [])
    assert list(ib.messages["message_id"]) == ["1", "2"]
    assert list(ib.messages["outgoing"]) == [True, False]
    assert ib.skips.notes["duplicate message id (kept the first)"] == 1
    assert str(ib.messages["sent_at"].dtype) == "datetime64[ns, UTC]"


def test_a_reused_id_with_other_content_is_a_skipped_record_not_a_quiet_drop() -> None:
    msgs = [{"id": "1", "sender": "a", "t": "2024-01-01T00:00:00Z", "text": "hi"},
            {"id": "1", "sender": "a", "t": "2024-01-01T00:00:00Z", "text": "hi"},  # a repeat: quiet
            {"id": "1", "sender": "a", "t": "2024-01-01T00:00:00Z", "text": "another message"},
            {"id": "1", "sender": "b", "t": "2024-01-01T00:00:00Z", "text": "hi"},
            {"id": "1", "sender": "a", "t": "2024-01-05T00:00:00Z", "text": "hi"},
            {"id": "2", "sender": "a", "t": "2024-01-02T00:00:00Z"}]
    ib = _inbox(msgs, [])
    assert list(ib.messages["message_id"]) == ["1", "2"] and ib.messages["text"].iloc[0] == "hi"
    assert ib.skips.notes["duplicate message id (kept the first)"] == 1
    assert ib.skips.counts == {"message id used twice with different content": 3}
    assert ib.skips.first["message id used twice with different content"] == "f: record 2"
    rows = MessageRows()
    for i, m in enumerate(msgs):
        rows.add(message_id=m["id"], conversation_id="c", sender_id=m["sender"], sent_at=m["t"],
                 text=m.get("text", "x"), file="inbox.json", record=i + 1)
    with pytest.raises(RecordError, match=r"^inbox\.json: record 3: message id used twice with different "
                                          r"content \(expected a unique id per message\)$"):
        make_inbox(platform="canonical", source="s", messages=rows, skips=Skips(strict=True), message_times="iso")


def test_bad_time_is_skipped_and_counted_or_raises_when_strict() -> None:
    rows = MessageRows()
    rows.add(message_id="1", conversation_id="c", sender_id="a", sent_at="2024-01-01T00:00:00Z",
             file="x.json", record=1)
    rows.add(message_id="2", conversation_id="c", sender_id="a", sent_at="yesterday", file="x.json", record=2)
    ib = make_inbox(platform="canonical", source="s", messages=rows, skips=Skips(), message_times="iso")
    assert len(ib.messages) == 1 and ib.skips.counts == {"unreadable message time": 1}
    with pytest.raises(RecordError, match=r"x\.json: record 2: unreadable message time"):
        make_inbox(platform="canonical", source="s", messages=rows, skips=Skips(strict=True), message_times="iso")


def test_empty_inbox_is_an_error() -> None:
    with pytest.raises(InputError, match="no readable messages"):
        make_inbox(platform="x", source="s", messages=MessageRows(), skips=Skips(), message_times="iso")


def test_normalizers() -> None:
    assert normalize_name("Chloé  Dubois ✨") == normalize_name("chloe.dubois") == "chloedubois"
    assert normalize_name("") is None
    assert normalize_url("https://WWW.linkedin.com/in/Robin-Sample/?trk=x") == "linkedin.com/in/robin-sample"
    assert normalize_url("http://uk.linkedin.com/in/robin-sample/") == "linkedin.com/in/robin-sample"


def test_join_takes_latest_follow_before_message_and_keeps_missing_missing() -> None:
    ib = _inbox(
        [{"id": "1", "sender": "a", "t": "2024-01-01T10:00:09Z"},
         {"id": "2", "sender": "b", "t": "2024-01-01T10:00:00Z"},
         {"id": "3", "sender": "c", "t": "2024-01-01T10:00:00Z"}],
        [{"id": "a", "t": "2023-05-01T00:00:00Z"}, {"id": "a", "t": "2024-01-01T10:00:00Z"},
         {"id": "a", "t": "2024-02-01T00:00:00Z"}, {"id": "b"}],
    )
    j = join_follows(ib).set_index("message_id")
    assert j.loc["1", "followed_at"] == pd.Timestamp("2024-01-01T10:00:00Z")
    assert j.loc["1", "follow_join"] == "id"
    assert pd.isna(j.loc["2", "followed_at"]) and j.loc["2", "follow_join"] == "id"  # follows, no time
    assert j.loc["2", "follow_direction"] == "follower"
    assert pd.isna(j.loc["3", "followed_at"]) and j.loc["3", "follow_join"] == "none"


def test_join_by_name_and_ambiguous_names() -> None:
    ib = _inbox(
        [{"id": "1", "sender": "Sam Sample", "name": "Sam Sample", "t": "2024-01-01T10:01:00Z"},
         {"id": "2", "sender": "Jo Lee", "name": "Jo Lee", "t": "2024-01-01T10:01:00Z"},
         {"id": "3", "sender": "kim", "name": "kim", "t": "2024-01-01T10:01:00Z"}],
        [{"name": "sam.sample", "t": "2024-01-01T10:00:00Z"},
         {"name": "jo.lee", "t": "2024-01-01T10:00:00Z"}, {"name": "jolee", "t": "2024-01-01T09:00:00Z"},
         {"name": "kim", "t": "2024-01-01T10:00:30Z"}],
        platform="instagram",
    )
    j = join_follows(ib).set_index("message_id")
    assert j.loc["1", "follow_join"] == "name"
    assert j.loc["1", "followed_at"] == pd.Timestamp("2024-01-01T10:00:00Z")
    assert j.loc["2", "follow_join"] == "ambiguous" and pd.isna(j.loc["2", "followed_at"])
    assert j.loc["3", "follow_join"] == "username"


def test_loose_keys() -> None:
    assert loose_name_keys("Tom Patel 🚀") == {"tompatel"}
    assert loose_name_keys("Chloé Novak | Coach") == {"chloenovak", "chlonovak"}  # transliterated or dropped
    assert loose_name_keys("Jürgen Groß (he/him)") == {"jurgengross", "juergengross", "jrgengro"}
    assert loose_name_keys("Łukasz Nowak") == {"lukasznowak", "ukasznowak"}
    assert loose_name_keys("Ana") == loose_name_keys("✨") == loose_name_keys(None) == frozenset()  # too short
    # one word matches any "mark_1987" or "wang1990" in the follow list: not a name to join on
    assert loose_name_keys("Mark") == loose_name_keys("王伟 Wang") == loose_name_keys("Mark 🚀") == frozenset()
    assert loose_username_key("tom.patel36") == loose_username_key("tompatel") == "tompatel"
    assert loose_username_key("sam_o.brien_29") == "samobrien"
    assert loose_username_key("ana_3") is None and loose_username_key("2024") is None


def _follow_of(j: pd.DataFrame, sender: str) -> tuple[str, str | None]:
    row = j.set_index("sender_id").loc[sender]
    return str(row["follow_join"]), None if pd.isna(row["followed_at"]) else str(row["followed_at"])[:19]


def test_loose_join_of_display_names_to_usernames_with_digits_or_dropped_accents() -> None:
    names = ["Tom Patel 🚀", "Chloé Novak", "Chloé Rossi", "Sam O'Brien", "Jürgen Groß", "Kwame Novak (she/her)",
             "Jake Haddad | Coach", "Ana", "Noor Lee"]
    ib = _inbox([{"sender": n, "name": n, "t": "2024-01-02T00:00:00Z"} for n in names],
                [{"name": u, "t": f"2024-01-01T00:00:{i:02d}Z"} for i, u in enumerate(
                    ["tom.patel36", "chlo.novak", "chloe.rossi12", "sam.obrien29", "juergen.gross",
                     "kwame.novak", "jake.haddad45", "ana_3", "noor_lee"])], platform="instagram")
    j = join_follows(ib)
    got = {n: _follow_of(j, n) for n in names}
    assert got == {
        "Tom Patel 🚀": ("loose_name", "2024-01-01 00:00:00"),
        "Chloé Novak": ("loose_name", "2024-01-01 00:00:01"),
        "Chloé Rossi": ("loose_name", "2024-01-01 00:00:02"),
        "Sam O'Brien": ("loose_name", "2024-01-01 00:00:03"),
        "Jürgen Groß": ("loose_name", "2024-01-01 00:00:04"),
        "Kwame Novak (she/her)": ("loose_name", "2024-01-01 00:00:05"),
        "Jake Haddad | Coach": ("loose_name", "2024-01-01 00:00:06"),
        "Ana": ("none", None),  # "ana" is too short a key to join loosely
        "Noor Lee": ("name", "2024-01-01 00:00:08"),  # the tighter tier first
    }
    assert describe(ib)["incoming_with_follow_time"] == round(8 / 9, 4)


def test_loose_join_is_ambiguous_between_two_accounts_or_two_senders() -> None:
    names = ["Ana Nguyen", "Chloé Dubois", "Sam Sample", "Sam Sample | Coach", "Tom Patel 🚀", "Tom Patel (he/him)",
             "Jo Lee"]
    ib = _inbox([{"sender": n, "name": n, "t": "2024-01-02T00:00:00Z"} for n in names],
                [{"name": u, "t": "2024-01-01T00:00:00Z"} for u in
                 ["ana.nguyen1", "ana.nguyen2",  # two people called Ana Nguyen: no telling which wrote
                  "chloe.dubois7", "chlo.dubois",  # é transliterated by one account, dropped by another
                  "sam.sample",  # "Sam Sample" by name; then not also the other Sam Sample's loosely
                  "tom.patel36",  # two senders reach one account loosely: neither is joined
                  "jo.lee", "jolee", "jo.lee9"]], platform="instagram")  # ambiguous by name stays so
    j = join_follows(ib)
    got = {n: _follow_of(j, n)[0] for n in names}
    assert got == {"Ana Nguyen": "ambiguous", "Chloé Dubois": "ambiguous", "Sam Sample": "name",
                   "Sam Sample | Coach": "ambiguous", "Tom Patel 🚀": "ambiguous", "Tom Patel (he/him)": "ambiguous",
                   "Jo Lee": "ambiguous"}
    assert j.loc[j["follow_join"] == "ambiguous", "followed_at"].isna().all()


def test_loose_join_skips_senders_whose_username_is_known() -> None:
    ib = _inbox([{"sender": "1", "name": "Tom Patel", "username": "tom.patel", "t": "2024-01-02T00:00:00Z"},
                 {"sender": "2", "name": "Tom Patel", "t": "2024-01-02T00:00:00Z"}],
                [{"name": "tom.patel36", "t": "2024-01-01T00:00:00Z"}], platform="instagram")
    j = join_follows(ib).set_index("sender_id")
    assert j.loc["1", "follow_join"] == "none"  # tom.patel is not tom.patel36
    assert j.loc["2", "follow_join"] == "loose_name"


def test_loose_join_keeps_linkedin_namesakes_under_other_urls_apart() -> None:
    ib = _inbox([{"id": "1", "sender": "https://www.linkedin.com/in/robin-a", "name": "Robin Sample (she/her)",
                  "t": "2024-01-02T00:00:00Z"},
                 {"id": "2", "sender": "Robin Sample | Coach", "name": "Robin Sample | Coach",
                  "t": "2024-01-02T00:00:00Z"}],
                [{"id": "https://www.linkedin.com/in/robin-b", "name": "Robin Sample", "t": "2024-01-01T00:00:00Z",
                  "precision": "day", "direction": "connection"}], platform="linkedin")
    j = join_follows(ib).set_index("message_id")
    assert j.loc["1", "follow_join"] == "none"  # another URL: a namesake, however loosely
    assert j.loc["2", "follow_join"] == "loose_name"  # a legacy row (no URL) may match by name


def test_join_day_precision_counts_from_the_day_start() -> None:
    ib = _inbox([{"id": "1", "sender": "https://www.linkedin.com/in/robin", "t": "2024-03-07T15:00:00Z"}],
                [{"id": "https://linkedin.com/in/robin/", "t": "2024-03-07T00:00:00Z", "precision": "day",
                  "direction": "connection"}], platform="linkedin")
    j = join_follows(ib).iloc[0]
    assert j["follow_join"] == "url" and j["follow_precision"] == "day"
    assert j["followed_at"] == pd.Timestamp("2024-03-07T00:00:00Z")


def test_describe_counts() -> None:
    ib = _inbox([{"id": "1", "sender": "a", "t": "2024-01-01T10:00:09Z", "conv": "c1"},
                 {"id": "2", "sender": "me", "t": "2024-01-01T10:05:00Z", "conv": "c1"},
                 {"id": "3", "sender": "b", "t": "2024-01-02T10:00:00Z", "conv": "c2"}],
                [{"id": "a", "t": "2024-01-01T10:00:00Z"}])
    d = describe(ib)
    assert (d["messages"], d["incoming"], d["outgoing"], d["conversations"], d["senders"]) == (3, 2, 1, 2, 2)
    assert d["incoming_with_follow_time"] == 0.5
    assert d["first"] == "2024-01-01T10:00:09+00:00"


def test_linkedin_sender_with_unmatched_url_is_not_joined_by_name() -> None:
    ib = _inbox([{"id": "1", "sender": "https://www.linkedin.com/in/sam-a", "name": "Sam Sample",
                  "t": "2024-01-02T00:00:00Z"},
                 {"id": "2", "sender": "Sam Sample", "name": "Sam Sample", "t": "2024-01-02T00:00:00Z"}],
                [{"id": "https://www.linkedin.com/in/sam-b", "name": "Sam Sample", "t": "2024-01-01T00:00:00Z",
                  "precision": "day", "direction": "connection"}], platform="linkedin")
    j = join_follows(ib).set_index("message_id")
    assert j.loc["1", "follow_join"] == "none" and pd.isna(j.loc["1", "followed_at"])
    assert j.loc["2", "follow_join"] == "username"  # legacy rows (no URL) still join by name


def test_iso_times_outside_the_supported_years_are_unreadable_not_a_crash() -> None:
    out = to_utc(["0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z", "2024-01-01T00:00:00Z"], "iso")
    assert out.isna().tolist() == [True, True, False] and str(out.dtype) == "datetime64[ns, UTC]"


def test_outgoing_message_joins_the_recipients_follow() -> None:
    """The owner's DM to a new follower 5 s after the follow: the recipient's follow is joined
    (it was never looked up: the owner's own id is in no follow list), the sender's for the rest."""
    ib = _inbox(
        [{"id": "o1", "sender": "me", "to": "u1", "conv": "c1", "out": True, "t": "2024-05-01T09:00:05Z"},
         {"id": "r1", "sender": "u1", "to": "me", "conv": "c1", "t": "2024-05-01T12:00:00Z"},
         {"id": "o2", "sender": "me", "to": "u9", "conv": "c9", "out": True, "t": "2024-05-01T09:00:05Z"},
         {"id": "g1", "sender": "me", "conv": "group", "out": True, "t": "2024-05-01T09:00:05Z"}],
        [{"id": "u1", "t": "2024-05-01T09:00:00Z"}],
    )
    j = join_follows(ib).set_index("message_id")
    assert j.loc["o1", "followed_at"] == pd.Timestamp("2024-05-01T09:00:00Z") and j.loc["o1", "follow_join"] == "id"
    assert j.loc["r1", "followed_at"] == pd.Timestamp("2024-05-01T09:00:00Z") and j.loc["r1", "follow_join"] == "id"
    assert j.loc["o2", "follow_join"] == "none" and pd.isna(j.loc["o2", "followed_at"])  # a stranger
    assert j.loc["g1", "follow_join"] == "no_recipient" and pd.isna(j.loc["g1", "followed_at"])  # unknown


def test_outgoing_join_by_the_recipients_name_even_when_they_never_wrote() -> None:
    """Instagram names people by display name (a two-person thread's recipient too) and lists
    follows by username: the recipient's name goes through the same name tiers as a sender's."""
    ib = _inbox(
        [{"id": "o1", "sender": "Me Myself", "name": "Me Myself", "to": "Tom Patel 🚀", "conv": "c1", "out": True,
          "t": "2024-05-01T09:00:05Z"},
         {"id": "o2", "sender": "Me Myself", "name": "Me Myself", "to": "Sam Sample", "conv": "c2", "out": True,
          "t": "2024-05-01T09:00:09Z"},
         {"id": "r2", "sender": "Sam Sample", "name": "Sam Sample", "to": "Me Myself", "conv": "c2",
          "t": "2024-05-01T10:00:00Z"}],
        [{"name": "tom.patel36", "t": "2024-05-01T09:00:00Z"}, {"name": "sam.sample", "t": "2024-05-01T09:00:00Z"}],
        platform="instagram", owner=Owner(id="Me Myself", name="Me Myself"),
    )
    j = join_follows(ib).set_index("message_id")
    assert j.loc["o1", "follow_join"] == "loose_name" and j.loc["o1", "followed_at"] == pd.Timestamp(
        "2024-05-01T09:00:00Z")
    assert j.loc["o2", "follow_join"] == "name" and j.loc["r2", "follow_join"] == "name"


def test_recipient_join_leaves_the_received_messages_join_alone() -> None:
    """A recipient that loose-matches the account a sender already took is ambiguous for the
    outgoing row; the sender's own match stays what it was without the owner's messages."""
    incoming = [{"id": "1", "sender": "Tom Patel", "name": "Tom Patel", "conv": "a", "t": "2024-05-02T00:00:00Z"}]
    follows = [{"name": "tom.patel36", "t": "2024-05-01T00:00:00Z"}]
    alone = join_follows(_inbox(incoming, follows, platform="instagram")).set_index("message_id")
    ib = _inbox([*incoming, {"id": "o", "sender": "me", "to": "Tom Patel 🚀", "conv": "b", "out": True,
                             "t": "2024-05-02T00:00:00Z"}], follows, platform="instagram")
    j = join_follows(ib).set_index("message_id")
    assert j.loc["1", "follow_join"] == alone.loc["1", "follow_join"] == "loose_name"
    assert j.loc["o", "follow_join"] == "ambiguous" and pd.isna(j.loc["o", "followed_at"])
