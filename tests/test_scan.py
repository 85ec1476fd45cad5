"""The scan table: contract columns, what gets scored, reasons, the per-sender roll-up."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from autodm import model as mdl
from autodm.corpus import load_corpus
from autodm.loaders import load_inbox
from autodm.scan import SCAN_COLUMNS, design, scan, scored_mask, senders, table_messages
from autodm.simulate.timeline import SimConfig, simulate_inbox


def _sim(platform: str = "instagram", n: int = 300) -> tuple:
    return simulate_inbox(load_corpus(), n, seed=11, config=SimConfig(platform=platform))


def test_scan_columns_and_only_incoming(small_model: mdl.Model) -> None:
    inbox, labels = _sim()
    rows = scan(inbox, small_model)
    assert tuple(rows.columns) == SCAN_COLUMNS
    assert len(rows) == int((~inbox.messages["outgoing"]).sum()) == len(labels)
    assert rows["score"].between(0, 1).all() and set(rows["verdict"]) <= {"auto", "personal"}
    assert str(rows["sent_at"].dtype) == "datetime64[ns, UTC]"
    everything = scan(inbox, small_model, include_outgoing=True)
    assert len(everything) == len(inbox.messages)


def test_timing_shows_in_the_export_and_the_reasons(small_model: mdl.Model) -> None:
    inbox, _ = _sim()
    rows = scan(inbox, small_model)
    timed = rows["seconds_after_follow"].notna()
    assert timed.any()
    d = (rows.loc[timed, "sent_at"] - rows.loc[timed, "followed_at"]).dt.total_seconds()
    assert (d.round(3) == rows.loc[timed, "seconds_after_follow"]).all()
    assert (rows["reasons"] != "").all()  # a row with nothing strong to name says so


def test_threshold_moves_verdicts(small_model: mdl.Model) -> None:
    inbox, _ = _sim()
    assert (scan(inbox, small_model, threshold=0.0)["verdict"] == "auto").all()
    top = scan(inbox, small_model, threshold=1.0)
    # at 1.0 only a score shown as 1.0 is auto (the verdict agrees with the score as written)
    assert ((top["verdict"] == "auto") == (top["score"] == 1.0)).all() and (top["verdict"] == "personal").any()


def test_system_texts_are_not_scored() -> None:
    inbox, _ = _sim()
    inbox.messages.loc[0, "kind"] = "system"
    joined, _frame = design(inbox)
    assert not scored_mask(joined, include_outgoing=True)[0]


def test_senders_worst_first(small_model: mdl.Model) -> None:
    inbox, _ = _sim()
    joined, frame = design(inbox)
    mask = scored_mask(joined)
    rows = scan(inbox, small_model)
    table = senders(rows, frame[mask])
    assert table["sender_id"].is_unique and table["messages"].sum() == len(rows)
    assert table["auto_dms"].is_monotonic_decreasing
    top = table.iloc[0]
    assert top["auto_dms"] >= 1 and top["max_score"] >= small_model.threshold


def test_table_messages_from_text_only_and_scan_export() -> None:
    m = table_messages(pd.DataFrame({"TEXT": ["hi", None]}))
    assert list(m["text"]) == ["hi", ""] and m["followed_at"].isna().all() and not m["outgoing"].any()
    export = pd.DataFrame({"message_id": ["1"], "sender_id": ["a"], "text": ["x"],
                           "sent_at": ["2024-01-01T00:00:10Z"], "followed_at": ["2024-01-01T00:00:00Z"]})
    m = table_messages(export)
    assert (m["sent_at"] - m["followed_at"]).dt.total_seconds().iloc[0] == 10


def test_reasons_are_distinct_and_name_the_delay() -> None:
    inbox, _ = _sim()
    rows = scan(inbox, mdl.load())  # the bundled model: trained with timing
    for reasons in rows["reasons"]:
        parts = reasons.split("; ") if reasons else []
        assert len(parts) == len(set(parts)) <= 3, reasons
    timed_auto = rows[(rows["verdict"] == "auto") & (rows["seconds_after_follow"] < 60)]
    with_delay = timed_auto["reasons"].str.contains(r"sent \d+ s after follow")
    assert len(timed_auto) and with_delay.any()
    for secs, reasons in zip(timed_auto["seconds_after_follow"], timed_auto["reasons"], strict=True):
        if "after follow" in reasons:
            assert f"sent {secs:.0f} s after follow" in reasons


def test_senders_first_dm_delay_is_the_first_dms_own() -> None:
    # u1's first DM came before the follow (no delay); a later one 30 s after a re-follow must not stand in
    export = pd.DataFrame({
        "message_id": ["1", "2", "3"], "sender_id": ["u1", "u1", "u2"], "sender_name": [None, None, "B"],
        "sent_at": pd.to_datetime(["2024-01-01T00:00:00", "2024-02-01T00:00:30", "2024-01-05T00:00:00"], utc=True),
        "seconds_after_follow": [float("nan"), 30.0, 9.0], "score": [0.9, 0.8, 0.2],
        "verdict": ["auto", "auto", "personal"], "reasons": ["a", "b", "c"],
    })
    frame = pd.DataFrame({"template_senders": [3, 1, 0]})
    table = senders(export, frame).set_index("sender_id")
    assert pd.isna(table.loc["u1", "first_dm_after_follow_s"]) and table.loc["u2", "first_dm_after_follow_s"] == 9.0
    assert str(table["shared_template_senders"].dtype) == "Int64" and table.loc["u1", "shared_template_senders"] == 3


def test_table_times_read_iso_and_one_spreadsheet_format_per_column() -> None:
    """A scan export saved back by Excel holds "1/13/2023 14:06": read before, silently missing."""
    from autodm.scan import table_times

    iso = table_times(pd.Series(["2023-01-13T14:06:48Z", "", None]))
    assert iso.iloc[0] == pd.Timestamp("2023-01-13 14:06:48", tz="UTC") and iso.iloc[1:].isna().all()
    us = table_times(pd.Series(["1/13/2023 14:06", "02/01/2023 05:32"]))  # a 13th month: month first
    assert list(us) == [pd.Timestamp("2023-01-13 14:06", tz="UTC"), pd.Timestamp("2023-02-01 05:32", tz="UTC")]
    uk = table_times(pd.Series(["13/01/2023 14:06", "02/01/2023 05:32"]))
    assert list(uk) == [pd.Timestamp("2023-01-13 14:06", tz="UTC"), pd.Timestamp("2023-01-02 05:32", tz="UTC")]
    # no day past 12: month-first and day-first both fit, differently; guessing would be worse
    assert table_times(pd.Series(["02/01/2023 05:32", "03/04/2023 05:32"])).isna().all()
    # one bad cell costs only itself (it cost the whole column)
    mixed = table_times(pd.Series(["1/13/2023 14:06"] * 999 + ["soon"]))
    assert mixed.notna().sum() == 999 and pd.isna(mixed.iloc[-1])


def test_unreadable_times_name_the_column_count_and_first_value() -> None:
    from autodm.scan import unreadable_times

    t = pd.DataFrame({"text": ["a", "b", "c"], "Sent_At": ["2023-01-13T14:06:48Z", "soon", "later"],
                      "followed_at": ["", None, "2023-01-13T14:00:00Z"]})
    assert unreadable_times(t) == [("sent_at", 2, 1, "soon")]
    assert table_messages(t)["sent_at"].notna().tolist() == [True, False, False]


EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "examples" / "inbox.json"


@pytest.fixture(scope="module")
def default_model() -> mdl.Model:
    return mdl.load()


def _canonical(tmp_path: Path, messages: list[dict], follows: list[dict] = ()) -> Path:  # type: ignore[assignment]
    import json

    path = tmp_path / "inbox.json"
    path.write_text(json.dumps({"owner": {"id": "me", "name": "Me"}, "messages": messages, "follows": list(follows)}))
    return path


def test_outreach_audit_judges_the_owners_messages_from_the_owners_side(tmp_path: Path,
                                                                         default_model: mdl.Model) -> None:
    """--include-outgoing: the owner's DM 5 s after someone followed, one text to many people,
    a cold message never answered. It used to get no follow time, no reuse count and "you
    replied to them", all pushing it toward personal."""
    promo = "Hey {n}, thanks for the follow! Grab my free guide to growing on here: https://bit.ly/g{i}"
    names = ["Ana", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana"]
    msgs = [{"id": f"o{i}", "sender_id": "me", "recipient_id": f"u{i}", "conversation_id": f"c{i}",
             "sent_at": f"2024-05-0{i + 1}T09:00:05Z", "text": promo.format(n=n, i=i), "outgoing": True}
            for i, n in enumerate(names)]
    msgs.append({"id": "cold", "sender_id": "me", "recipient_id": "z", "conversation_id": "cz",
                 "sent_at": "2024-05-01T09:00:00Z", "text": "hey, are you still coming to the meetup tomorrow?",
                 "outgoing": True})
    follows = [{"user_id": f"u{i}", "followed_at": f"2024-05-0{i + 1}T09:00:00Z"} for i in range(len(names))]
    rows = scan(load_inbox([_canonical(tmp_path, msgs, follows)]), default_model,
                include_outgoing=True).set_index("message_id")
    assert rows.loc["o0", "seconds_after_follow"] == 5.0
    assert rows.loc["o0", "followed_at"] == pd.Timestamp("2024-05-01T09:00:00Z")
    assert rows.loc["o0", "verdict"] == "auto"
    assert not any("you replied" in r or "you wrote" in r or "you had not" in r for r in rows["reasons"])
    joined, frame = design(load_inbox([_canonical(tmp_path, msgs, follows)]))
    frame.index = joined["message_id"].to_numpy()
    assert frame.loc["o0", "template_senders"] == len(names) and frame.loc["cold", "owner_never"] == 1
    assert frame.loc["o0", "delay_2min"] == 1  # timed from the recipient's follow


def test_outgoing_rows_leave_the_received_rows_as_they_were(default_model: mdl.Model) -> None:
    """The received messages' scores and reasons do not depend on scoring the owner's too."""
    inbox = load_inbox([EXAMPLE])
    alone = scan(inbox, default_model).set_index("message_id")
    both = scan(inbox, default_model, include_outgoing=True).set_index("message_id")
    assert len(both) > len(alone)
    pd.testing.assert_frame_equal(both.loc[alone.index], alone)
    joined, _ = design(inbox)
    mine = joined.loc[joined["outgoing"], "message_id"]
    assert both.loc[mine, "followed_at"].notna().any()
    assert not both.loc[mine, "reasons"].str.contains("you replied to them|you wrote to them first").any()


def test_senders_show_an_uncounted_text_as_missing_not_zero() -> None:
    """A text too short to count as a template (8 senders' "ok see you then") showed 0 shared
    senders, read as "nobody"; it is empty now, and a counted text keeps its count."""
    export = pd.DataFrame({
        "message_id": ["1", "2", "3", "4"], "sender_id": ["u1", "u2", "u2", "u3"], "sender_name": [None] * 4,
        "sent_at": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"], utc=True),
        "seconds_after_follow": [float("nan")] * 4, "score": [0.1, 0.2, 0.3, 0.4],
        "verdict": ["personal"] * 4, "reasons": ["a", "b", "c", "d"],
    })
    table = senders(export, pd.DataFrame({"template_senders": [0.0, 0.0, 4.0, 1.0]})).set_index("sender_id")
    assert pd.isna(table.loc["u1", "shared_template_senders"])
    assert table.loc["u2", "shared_template_senders"] == 4 and table.loc["u3", "shared_template_senders"] == 1


def test_a_scan_of_received_messages_skips_the_recipients_join_and_nothing_else_changes() -> None:
    """design(outgoing=False) leaves out the recipients' follow join (a third of the join's time on
    a big export) that only the owner's own rows use: the received rows are the same either way."""
    inbox = load_inbox([Path(__file__).resolve().parents[1] / "data" / "examples" / "instagram-export.zip"])
    full_joined, full = design(inbox)
    part_joined, part = design(inbox, outgoing=False)
    got = ~full_joined["outgoing"].to_numpy(dtype=bool)
    pd.testing.assert_frame_equal(full[got], part[got])
    pd.testing.assert_frame_equal(full_joined[got], part_joined[got])
    out = ~got
    assert full_joined.loc[out, "followed_at"].notna().any()  # the recipients' join ran
    assert part_joined.loc[out, "followed_at"].isna().all()
    assert full.loc[out, "template_senders"].gt(0).any() and part.loc[out, "template_senders"].eq(0).all()


def test_threads_without_the_owners_side_count_for_nothing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A CSV of received messages (sender ids, no owner, nothing marked outgoing) made every
    thread read "you had not written; you never replied": "hi" scored 0.97. Unknown now, with a
    warning; an owner in the file, or any outgoing message, makes the threads known again."""
    src = tmp_path / "texts.csv"
    src.write_text("id,sender_id,sent_at,text\nm1,u1,2024-01-01T10:00:00Z,hey\n"
                   "m2,u2,2024-01-01T11:00:00Z,see you at 7\n", encoding="utf-8")
    inbox = load_inbox([src])
    assert "no owner and no message marked outgoing" in caplog.text
    _, frame = design(inbox)
    assert (frame["has_thread_context"] == 0).all()
    assert (frame[["thread_first", "owner_silent_before", "owner_never"]] == 0).all().all()
    assert inbox.messages["conversation_id"].notna().all()  # still shown in the scan export
    caplog.clear()
    src.write_text("id,sender_id,sent_at,text,outgoing\nm1,u1,2024-01-01T10:00:00Z,hey,false\n"
                   "m2,me,2024-01-01T11:00:00Z,hi!,true\n", encoding="utf-8")
    _, known = design(load_inbox([src]))
    assert "no owner" not in caplog.text
    assert (known["has_thread_context"] == 1).all() and known.loc[0, "owner_never"] == 1
