from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from autodm.inbox import join_follows
from autodm.simulate.timeline import START, SimConfig, simulate_inbox


def _corpus() -> pd.DataFrame:
    n = 60
    return pd.DataFrame({
        "text": [f"auto text {i}" for i in range(n)] + [f"personal text {i}" for i in range(n)],
        "label": [1] * n + [0] * n,
        "category": ["drip_followup"] * 10 + ["self_promo"] * (n - 10) + ["chat"] * n,
        "hard": [False] * (n + 40) + [True] * 20,
        "template_id": [f"t{i}" for i in range(2 * n)],
    })


def test_deterministic_and_labels_match_texts() -> None:
    a, la = simulate_inbox(_corpus(), 500, seed=3)
    b, lb = simulate_inbox(_corpus(), 500, seed=3)
    pd.testing.assert_frame_equal(a.messages, b.messages)
    assert la.equals(lb)
    incoming = a.messages[~a.messages["outgoing"]].merge(la, on="message_id")
    assert len(incoming) == len(la) == int((~a.messages["outgoing"]).sum())
    assert (incoming["text"].str.startswith("auto") == (incoming["label"] == 1)).all()
    assert len(a.messages) >= 500


def test_auto_dms_arrive_soon_after_the_follow_people_later() -> None:
    inbox, labels = simulate_inbox(_corpus(), 3000, seed=1, config=SimConfig(platform="instagram"))
    j = join_follows(inbox).merge(labels, on="message_id")
    delay = (j["sent_at"] - j["followed_at"]).dt.total_seconds()
    first = j.sort_values("sent_at").groupby("sender_id").head(1)
    d_first = delay.loc[first.index]
    auto_fast = (d_first[first["label"] == 1] < 900).mean()
    personal_fast = (d_first[first["label"] == 0] < 900).mean()
    assert auto_fast > 0.6 and personal_fast < 0.2
    assert j["followed_at"].isna().mean() > 0.05  # some senders have no follow record


def _first_delays(platform: str = "instagram", n: int = 6000, seed: int = 1) -> pd.DataFrame:
    """Each sender's first incoming message (not a LinkedIn note): label, sent_at and delay (s) since the follow."""
    inbox, labels = simulate_inbox(_corpus(), n, seed=seed, config=SimConfig(platform=platform))
    j = join_follows(inbox).merge(labels, on="message_id")
    j = j[j["kind"] != "invitation"].sort_values("sent_at").groupby("sender_id").head(1)
    return j.assign(delay=(j["sent_at"] - j["followed_at"]).dt.total_seconds()).dropna(subset=["delay"])


def test_personal_first_messages_come_hours_to_days_after_the_follow_some_right_away() -> None:
    d = _first_delays()
    personal = d.loc[d["label"] == 0, "delay"]
    assert len(personal) > 300
    within = {s: (personal <= s).mean() for s in (120, 3600, 86400, 7 * 86400)}
    assert 0.03 < within[120] < 0.2  # a real minority right away
    assert within[3600] < 0.25
    assert 0.35 < within[86400] < 0.8 and within[7 * 86400] > 0.8  # mostly hours to days
    assert 0.8 < within[7 * 86400] < 0.97  # a tail of weeks or months (old friends)
    assert 3600 < personal.median() < 3 * 86400


def test_auto_dms_mostly_seconds_to_minutes_some_batched_at_fixed_clock_times() -> None:
    d = _first_delays()
    auto, personal = d[d["label"] == 1], d[d["label"] == 0]
    assert (auto["delay"] <= 120).mean() > 0.55 and (auto["delay"] <= 86400).mean() > 0.9
    # a batching tool releases its queue on the hour: far more later auto DMs land in minute :00
    # than the 1 in 60 an independent delay gives
    late = auto[auto["delay"] > 300]
    on_the_hour = (late["sent_at"].dt.minute == 0).mean()
    assert on_the_hour > 0.4 and (personal["sent_at"].dt.minute == 0).mean() < 0.05
    # the daily tools send at one clock time (09:00 in their zone), whatever the follow time
    daily = late[late["delay"] > 6 * 3600]
    top = daily["sent_at"].dt.strftime("%H:%M").value_counts()
    assert top.iloc[0] >= 5 and top.index[0] in {"14:00", "08:00", "03:30"}


def test_release_is_the_next_slot_of_the_tool_for_every_follow_of_the_period() -> None:
    from autodm.simulate.timeline import BATCH_SCHEDULES, _release

    rng = np.random.default_rng(0)
    t0 = float(START + 10 * 3600 + 5 * 60)  # 10:05 UTC
    for _ in range(200):
        follow = t0 + rng.uniform(0, 50 * 60)
        sent = _release(follow, rng)
        assert sent >= follow + 60
        assert any((sent - off) % period < 45 and sent - follow < period + 60
                   for period, off, _ in BATCH_SCHEDULES)


def test_follow_lists_hold_many_people_who_never_write_with_some_namesakes() -> None:
    for platform in ("instagram", "x", "facebook", "linkedin"):
        inbox, _ = simulate_inbox(_corpus(), 2000, seed=4, config=SimConfig(platform=platform))
        m, f = inbox.messages, inbox.follows
        senders = set(m.loc[~m["outgoing"], "sender_id"])
        listed = set(f["user_id"])
        assert len(listed) > 3 * len(senders) and len(listed - senders) > 2 * len(senders), platform
        dirs = f.loc[~f["user_id"].isin(senders), "direction"].value_counts()
        if platform == "linkedin":
            assert set(dirs.index) == {"connection"}
        elif platform == "facebook":  # Messenger friends, plus followers and following
            assert dirs["connection"] > dirs["follower"] > 0 and dirs["following"] > 0
        else:
            assert dirs["follower"] > dirs["following"] > 0
            # the owner follows people who write, not only auto-DM senders
            personal = m.loc[~m["outgoing"] & (m["sender_id"].isin(
                f.loc[f["direction"] == "follower", "user_id"])), "sender_id"].unique()
            followed = set(f.loc[f["direction"] == "following", "user_id"])
            assert len(followed & set(personal)) > 0.2 * len(personal)
    # names (Messenger, LinkedIn lists): a sender's exact name on another account, and close ones
    inbox, _ = simulate_inbox(_corpus(), 2000, seed=4, config=SimConfig(platform="facebook"))
    m, f = inbox.messages, inbox.follows
    sender_names = set(m.loc[~m["outgoing"], "sender_name"])
    silent = f[~f["user_id"].isin(set(m["sender_id"]))]
    assert silent["user_name"].isin(sender_names).sum() >= 5
    cores = {" ".join(n.split(" ")[:2]) for n in sender_names}  # first and last name, no decoration
    initial = silent["user_name"].str.extract(r"^(\S+) [A-Z]\. (\S+)").dropna()
    assert (initial[0] + " " + initial[1]).isin(cores).sum() >= 5  # "Sam J. Sample" for a "Sam Sample"


def test_linkedin_invitation_notes_come_before_the_connection() -> None:
    inbox, labels = simulate_inbox(_corpus(), 3000, seed=6, config=SimConfig(platform="linkedin"))
    m = inbox.messages.merge(labels, on="message_id")
    notes = m[m["kind"] == "invitation"]
    assert len(notes) > 30 and not notes["outgoing"].any()
    assert set(notes["label"]) == {0, 1} and (notes["label"] == 1).mean() > 0.6  # mostly templated
    assert (notes["sent_at"] == notes["sent_at"].dt.floor("min")).all()  # Sent At has minutes only
    first_msg = m[m["kind"] != "invitation"].groupby("sender_id")["sent_at"].min()
    conn = inbox.follows.set_index("user_id")["followed_at"]
    for sender, at in zip(notes["sender_id"], notes["sent_at"], strict=True):
        assert at < conn[sender] + pd.Timedelta(days=1) and at < first_msg.get(sender, at + pd.Timedelta(1))
    assert (notes["text"].str.len() <= 300).all()
    x, _ = simulate_inbox(_corpus(), 1000, seed=6, config=SimConfig(platform="x"))
    assert not (x.messages["kind"] == "invitation").any()


def test_x_has_no_follow_times_and_linkedin_has_days() -> None:
    x, _ = simulate_inbox(_corpus(), 300, seed=2, config=SimConfig(platform="x"))
    assert x.follows["followed_at"].isna().all() and len(x.follows) > 0
    li, _ = simulate_inbox(_corpus(), 300, seed=2, config=SimConfig(platform="linkedin"))
    t = li.follows["followed_at"]
    assert (t == t.dt.floor("D")).all() and set(li.follows["precision"]) == {"day"}
    assert set(li.follows["direction"]) == {"connection"}
    assert np.isin(x.messages["kind"].unique(), ["message", "welcome"]).all()


def test_bundled_examples_are_what_the_documented_command_writes(tmp_path: Path) -> None:
    """data/examples is `python -m autodm.simulate examples data/examples` of the current corpus."""
    from autodm.simulate.__main__ import examples

    shipped = Path(__file__).resolve().parents[1] / "data" / "examples"
    written = examples(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in shipped.iterdir())
    for path in written:
        ours = shipped / path.name
        if path.suffix == ".zip":  # the members' bytes, not the deflate stream (zlib builds may differ)
            with zipfile.ZipFile(path) as a, zipfile.ZipFile(ours) as b:
                assert a.namelist() == b.namelist(), path.name
                for name in a.namelist():
                    assert a.read(name) == b.read(name), (path.name, name)
        else:
            assert path.read_bytes() == ours.read_bytes(), path.name
