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
                 sender_name=m.get("name"), outgoing=m.get("out"), file="f", record=i)
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
