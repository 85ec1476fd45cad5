"""Message features: links, phrases, timing, conversation and template reuse, 0 for unknown."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from autodm import features
from autodm.features import CONTEXT_FEATURES, FEATURES, build_features, link_kinds, reason
from autodm.inbox import FollowRows, Inbox, MessageRows, Owner, Skips, join_follows, make_inbox
from autodm.scan import table_messages

T0 = "2024-03-01T10:00:00Z"
PROMO = "Thanks for the follow! Grab my free guide here: https://bit.ly/abc{n}"


def _at(seconds: float) -> str:
    return (pd.Timestamp(T0) + pd.Timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _inbox(msgs: list[tuple[str, str, str, float, str]], follows: list[tuple[str, float | None]],
           precision: str = "second") -> Inbox:
    """msgs: (id, conversation, sender, seconds after T0, text); the owner is "me"."""
    rows, frows = MessageRows(), FollowRows()
    for mid, conv, sender, t, text in msgs:
        rows.add(message_id=mid, conversation_id=conv, sender_id=sender, sent_at=_at(t), text=text)
    for user, t in follows:
        frows.add(user_id=user, followed_at=None if t is None else _at(t), precision=precision)
    return make_inbox(platform="canonical", source="t", messages=rows, follows=frows, owner=Owner(id="me"),
                      skips=Skips(), message_times="iso", follow_times="iso")


def _features(inbox: Inbox) -> pd.DataFrame:
    joined = join_follows(inbox)
    f = build_features(joined, has_follows=len(inbox.follows) > 0)
    f.index = joined["message_id"].to_numpy()
    return f


def test_auto_dm_seconds_after_follow_in_a_silent_thread() -> None:
    ib = _inbox([("a1", "ca", "bot", 9, PROMO.format(n=1)),
                 ("p1", "cp", "me", 100, "hey, how was the trip?"),
                 ("p2", "cp", "pal", 4000, "great thanks! pics soon"),
                 ("p3", "cp", "pal", 4100, "you around later?")],
                [("bot", 0), ("pal", -86400 * 30)])
    f = _features(ib)
    a, p2, p3 = f.loc["a1"], f.loc["p2"], f.loc["p3"]
    assert a["seconds_after_follow"] == 9 and a["delay_2min"] == 1 and a["delay_1h"] == 1
    assert a["thread_first"] == 1 and a["owner_silent_before"] == 1 and a["owner_never"] == 1
    assert a["links"] == 1 and a["shortener"] == 1 and a["ph_gratitude_follow"] == 1 and a["ph_self_promo"] >= 1
    assert p2["thread_first"] == -1 and p2["owner_silent_before"] == -1 and p2["owner_never"] == -1
    assert p2["delay_2min"] == 0 and p2["delay_7d_plus"] == 1 and p3["bump"] == 0
    assert reason("delay_2min", a.to_dict()) == "sent 9 s after follow"


def test_template_reuse_counts_distinct_senders_and_other_threads() -> None:
    msgs = [(f"m{i}", f"c{i}", f"s{i % 3}", 10 * i, PROMO.format(n=i)) for i in range(6)]
    msgs.append(("x", "cx", "solo", 5, "ok thanks!"))
    msgs.append(("y", "cy", "s9", 6, "ok thanks!"))
    f = _features(_inbox(msgs, []))
    assert f.loc["m0", "template_senders"] == 3 and f.loc["m0", "template_reuse"] == np.log1p(2)
    assert f.loc["m0", "sender_cross_conv"] == 1  # s0 sent it in c0 and c3
    assert f.loc["x", "template_senders"] == 0  # too short to be evidence


def test_unanswered_bump_a_day_later() -> None:
    ib = _inbox([("b1", "c", "bot", 0, "Hi! Quick question about your hiring"),
                 ("b2", "c", "bot", 3 * 86400, "Just bumping this to the top of your inbox")], [])
    f = _features(ib)
    assert f.loc["b2", "bump"] == 1 and f.loc["b1", "bump"] == 0
    assert f.loc["b2", "ph_followup_bump"] >= 1


def test_follow_without_time_and_no_follow_record() -> None:
    ib = _inbox([("a", "c1", "follower", 0, "hello there"), ("b", "c2", "stranger", 0, "hello you")],
                [("follower", None)])
    f = _features(ib)
    assert f.loc["a", "follow_untimed"] == 1 and f.loc["a", "follow_timed"] == 0
    assert np.isnan(f.loc["a", "seconds_after_follow"])
    assert f.loc["b", "follow_none"] == 1 and f.loc["b", "follow_untimed"] == 0


def test_day_precision_counts_days_not_seconds() -> None:
    ib = _inbox([("a", "c", "conn", 3600 * 5, "Great to connect! I help founders scale")],
                [("conn", 0)], precision="day")
    f = _features(ib)
    assert f.loc["a", "day_same"] == 1 and f.loc["a", "delay_2min"] == 0
    assert np.isnan(f.loc["a", "seconds_after_follow"]) and f.loc["a", "days_after_follow"] == 0
    assert reason("day_same", f.loc["a"].to_dict()) == "sent the day you connected"


def test_text_only_table_has_no_context_evidence() -> None:
    f = build_features(table_messages(pd.DataFrame({"text": ["Thanks for the follow! bit.ly/x", "ok"]})))
    assert (f[list(CONTEXT_FEATURES)] == 0).all().all()
    assert list(f.columns[: len(FEATURES)]) != [] and set(FEATURES) <= set(f.columns)


def test_shares_from_the_export_count_as_links() -> None:
    msgs = table_messages(pd.DataFrame({"text": ["look at this"]}))
    msgs.at[0, "urls"] = ["https://www.instagram.com/brand.page"]
    f = build_features(msgs)
    assert f.loc[0, "links"] == 1 and f.loc[0, "profile_link"] == 1


def test_link_kinds() -> None:
    k = link_kinds(["https://calendly.com/x/15min", "facebook.com/sam.sample", "https://x.com/a/status/1",
                    "https://site.io/?utm_source=dm", "https://photos.app.goo.gl/abc"])
    assert k == {"shortener": 0, "profile_link": 1, "booking_link": 1, "tracking_link": 1}
    # X wraps every link in t.co: not a shortener the sender chose
    assert link_kinds(["https://t.co/AbC123", "https://bit.ly/x"])["shortener"] == 1


def _marked_text_work(texts: list[str], names: list[str]) -> tuple[list, list]:
    """``_text_work`` with a last row naming the process that did it (module level: picklable)."""
    rows, slots = features._text_work_plain(texts, names)  # type: ignore[attr-defined]
    return [*rows, {"pid": os.getpid()}], [*slots, ""]


def test_text_work_split_over_two_processes_is_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    from autodm.corpus import load_corpus

    texts = list(dict.fromkeys(load_corpus()["text"].astype(str)))[:400]
    serial = features._text_work(texts, ["Sam Sample"])
    monkeypatch.setattr(features, "PARALLEL_MIN_TEXTS", 2)
    monkeypatch.setattr(features, "_text_work_plain", features._text_work, raising=False)
    monkeypatch.setattr(features, "_text_work", _marked_text_work)
    rows, slots = features._text_work_split(texts, ["Sam Sample"])
    marks = [i for i, r in enumerate(rows) if "pid" in r]  # the end of each half's rows
    assert len({rows[i]["pid"] for i in marks}) == (2 if features.usable_cores() > 1 else 1)
    keep = [i for i in range(len(rows)) if i not in marks]
    assert [rows[i] for i in keep] == serial[0] and [slots[i] for i in keep] == serial[1]


def _split_in_daemon(texts: list[str], out: object) -> None:
    """Run ``_text_work_split`` and put how many rows it gave (or its error) on ``out``."""
    try:
        out.put(len(features._text_work_split(texts, ["Sam Sample"])[0]))  # type: ignore[attr-defined]
    except BaseException as e:  # the test reports whatever it was
        out.put(repr(e))  # type: ignore[attr-defined]


def test_text_work_split_inside_a_daemonic_process_works_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """A daemonic process (a multiprocessing pool's worker) may not start children: the split
    must do all the work itself there, not raise (it raised AssertionError)."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs fork")
    monkeypatch.setattr(features, "PARALLEL_MIN_TEXTS", 2)
    monkeypatch.setattr(features, "usable_cores", lambda: 2)
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    proc = ctx.Process(target=_split_in_daemon, args=(["hi there", "thanks for following!", "see you"], out),
                       daemon=True)
    proc.start()
    got = out.get(timeout=60)
    proc.join(timeout=60)
    assert got == 3


_ORPHAN_SCRIPT = """
import os, signal, sys, time
from pathlib import Path
from autodm import features
pidfile = Path(sys.argv[1])
scan = os.getpid()
features.PARALLEL_MIN_TEXTS = 2
features.usable_cores = lambda: 2
def work(texts, names):
    if os.getpid() != scan:  # the forked worker: say who it is, then take long
        pidfile.write_text(str(os.getpid()))
        time.sleep(60)
    else:  # the scan: once the worker runs, die the way the OOM killer kills
        while not pidfile.exists():
            time.sleep(0.05)
        os.kill(scan, signal.SIGKILL)
    return [], []
features._text_work = work
features._text_work_split(["a", "b", "c", "d"], [])
"""


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (not gone, not a zombie nobody reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _assert_ends(worker: int, wait: float = 15) -> None:
    """The forked worker ``worker`` is gone within ``wait`` seconds (killed here if not, so a
    failing test leaves nothing behind)."""
    import signal
    import time

    try:
        deadline = time.monotonic() + wait
        while _running(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(worker)
    finally:
        if _running(worker):
            os.kill(worker, signal.SIGKILL)


def test_forked_worker_dies_with_a_killed_scan(tmp_path: Path) -> None:
    """A scan killed outright left its worker behind for good (blocked handing back its half);
    the worker now ends within a second of its parent."""
    import multiprocessing
    import signal
    import subprocess
    import sys

    if "fork" not in multiprocessing.get_all_start_methods() or not Path("/proc/self/stat").exists():
        pytest.skip("needs fork and /proc")
    pidfile = tmp_path / "worker.pid"
    done = subprocess.run([sys.executable, "-c", _ORPHAN_SCRIPT, str(pidfile)], timeout=120, check=False)
    assert done.returncode == -signal.SIGKILL
    _assert_ends(int(pidfile.read_text()))


def test_thread_length_reason_says_the_length() -> None:
    """'long conversation' only for a long one: a one-message thread used to be called that too."""
    words = {n: reason("thread_len", {"thread_len": math.log1p(n)}, toward_auto=False) for n in (1, 3, 12)}
    assert words == {1: "thread of 1 message", 3: "thread of 3 messages", 12: "long conversation (12 messages)"}
    assert reason("thread_len", {"thread_len": math.log1p(2)}, toward_auto=True) == "short thread (2 messages)"


def test_digits_inside_links_are_not_a_phone_number_or_money() -> None:
    # a shared tweet's status id is 19 digits; only digits outside links are a number to call
    texts = ["haha https://x.com/someone/status/1234567890123456789", "call me on +44 20 7946 0958",
             "see https://shop.example/p/100-usd-sale", "it was $40 https://x.com/a/status/1234567890123"]
    f = build_features(table_messages(pd.DataFrame({"text": texts})))
    assert f["phone"].tolist() == [0, 1, 0, 0]
    assert f["money"].tolist() == [0, 0, 0, 1]


@pytest.mark.parametrize("toward_auto", [True, False])
def test_link_density_reason_states_the_fact_either_way(toward_auto: bool) -> None:
    assert reason("link_density", {"link_density": 1.0}, toward_auto) == "mostly links"
    assert reason("link_density", {"link_density": 0.1}, toward_auto) == "links in a longer text"


def test_emoji_counts_kinds_not_repeats() -> None:
    texts = ["omg 😭😭😭😭", "New drop 🔥✨🙌 shop now", "no emoji here"]
    f = build_features(table_messages(pd.DataFrame({"text": texts})))
    assert f["emoji"].tolist() == [1, 3, 0]


def test_capitals_count_as_shouting_only_inside_mixed_case_text() -> None:
    texts = ["WIN a FREE phone NOW, reply YES", "Get your FREE gift", "OMG IM SO BORED AT WORK, CALL ME AFTER 6? XX",
             "ok LOL", "URGENT YOUR NUMBER HAS WON"]
    f = build_features(table_messages(pd.DataFrame({"text": texts})))
    # a text typed all in capitals (an old phone, a habit) stresses no word over the others
    assert f["caps_words"].tolist() == [3, 1, 0, 1, 0]


@pytest.mark.parametrize(("files", "cores"), [
    ({"cpu.max": "max 100000\n"}, 2),
    ({"cpu.max": "100000 100000\n"}, 1),
    ({"cpu.max": "150000 100000\n"}, 2),
    ({"cpu.max": "50000 100000\n"}, 1),
    ({"cpu.cfs_quota_us": "-1\n", "cpu.cfs_period_us": "100000\n"}, 2),
    ({"cpu.cfs_quota_us": "100000\n", "cpu.cfs_period_us": "100000\n"}, 1),
    ({"cpu.max": "garbage"}, 2),
    ({}, 2),
])
def test_usable_cores_respects_a_container_cpu_quota(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     files: dict[str, str], cores: int) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(features, "CGROUP_CPU_MAX", tmp_path / "cpu.max")
    monkeypatch.setattr(features, "CGROUP_V1_QUOTA", tmp_path / "cpu.cfs_quota_us")
    monkeypatch.setattr(features, "CGROUP_V1_PERIOD", tmp_path / "cpu.cfs_period_us")
    monkeypatch.setattr(features.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert features.usable_cores() == cores


def _inbox_to(msgs: list[tuple[str, str, str, str | None, float, str]],
              follows: list[tuple[str, float | None]] = ()) -> Inbox:  # type: ignore[assignment]
    """msgs: (id, conversation, sender, recipient, seconds after T0, text); the owner "me" sends outgoing."""
    rows, frows = MessageRows(), FollowRows()
    for mid, conv, sender, to, t, text in msgs:
        rows.add(message_id=mid, conversation_id=conv, sender_id=sender, recipient_id=to, sent_at=_at(t), text=text)
    for user, t in follows:
        frows.add(user_id=user, followed_at=None if t is None else _at(t), precision="second")
    return make_inbox(platform="canonical", source="t", messages=rows, follows=frows, owner=Owner(id="me"),
                      skips=Skips(), message_times="iso", follow_times="iso")


def _design(inbox: Inbox) -> pd.DataFrame:
    return _features(inbox)


def _mine(name: str, row: dict, toward_auto: bool = True) -> str:
    """The reason of the owner's own message, as the scan export words it."""
    return features.owner_side(pd.Series([reason(name, row, toward_auto)])).iloc[0]


def test_owner_side_conversation_features_of_a_cold_message_never_answered() -> None:
    """The owner's cold first message was judged as if received: "you replied to them" (its
    own message counted as the owner writing). From the owner's side: they never replied."""
    f = _design(_inbox_to([("o1", "c1", "me", "u1", 0, "hey, are you still coming to the meetup tomorrow?")]))
    o1 = f.loc["o1"].to_dict()
    assert (o1["thread_first"], o1["owner_silent_before"], o1["owner_never"], o1["bump"]) == (1, 1, 1, 0)
    assert _mine("owner_never", o1, toward_auto=True) == "they never replied"
    assert _mine("owner_silent_before", o1, toward_auto=True) == "they had not written to you"
    assert _mine("owner_never", o1, toward_auto=False) == "they never replied"


def test_owner_side_of_a_reply_and_of_an_unanswered_follow_up() -> None:
    f = _design(_inbox_to([
        ("i1", "c1", "pal", "me", 0, "are you around later?"),
        ("o1", "c1", "me", "pal", 60, "yes, after six"),
        ("o2", "c2", "me", "lead", 0, "Hi! Quick question about your hiring plans this year"),
        ("o3", "c2", "me", "lead", 3 * 86400, "Just bumping this to the top of your inbox"),
        ("o4", "c3", "me", "x", 0, "first"), ("r4", "c3", "x", "me", 10, "hi"),
        ("o5", "c3", "me", "x", 3 * 86400, "still there?"),
    ]))
    o1 = f.loc["o1"].to_dict()
    assert (o1["thread_first"], o1["owner_silent_before"], o1["owner_never"]) == (-1, -1, -1)
    assert _mine("owner_never", o1, toward_auto=False) == "they wrote to you"
    assert _mine("owner_silent_before", o1, toward_auto=False) == "they had written to you"
    assert f.loc["o3", "bump"] == 1 and f.loc["o2", "bump"] == 0 and f.loc["o3", "owner_never"] == 1
    assert f.loc["o5", "bump"] == 0  # they answered in between: not an unanswered bump
    # the received message beside them keeps its own side
    assert (f.loc["i1", "owner_silent_before"], f.loc["i1", "owner_never"]) == (1, -1)
    assert reason("owner_never", f.loc["i1"].to_dict(), toward_auto=False) == "you replied to them"


def test_owner_template_sent_to_many_recipients_counts_like_many_senders() -> None:
    text = "Hey {n}, are you coming to the board game night on friday?"
    names = ["Sam", "Alex", "Robin", "Kim", "Lee"]
    sent = _design(_inbox_to([(f"o{i}", f"c{i}", "me", f"u{i}", 60 * i, text.format(n=n)) for i, n in enumerate(names)]
                             + [("g1", "group", "me", None, 999, text.format(n="Jo")),
                                ("o9", "c0", "me", "u0", 9999, text.format(n="Sam"))]))
    got = _features(_inbox_to([(f"i{i}", f"c{i}", f"u{i}", "me", 60 * i, text.format(n=n))
                               for i, n in enumerate(names)] + [("g1", "group", "u9", None, 999, text.format(n="Jo"))]))
    # 5 people and one group thread; u0 twice is one recipient
    assert sent.loc["o0", "template_senders"] == got.loc["i0", "template_senders"] == 6
    assert sent.loc["o0", "template_reuse"] == got.loc["i0", "template_reuse"] == np.log1p(5)
    assert sent.loc["o0", "sender_cross_conv"] == 1  # the owner's same text in their other threads
    assert _mine("template_reuse", sent.loc["o0"].to_dict()) == "same text sent to 6 recipients"
    assert reason("template_reuse", got.loc["i0"].to_dict()) == "same text from 6 senders"
    short = _design(_inbox_to([(f"o{i}", f"c{i}", "me", f"u{i}", i, "ok see you") for i in range(4)]))
    assert (short["template_senders"] == 0).all()  # too short to count, as for received texts


def test_owner_message_to_a_new_follower_has_its_delay_and_a_group_thread_none() -> None:
    f = _design(_inbox_to([("o1", "c1", "me", "u1", 5, PROMO.format(n=1)),
                           ("g1", "g", "me", None, 5, "hi all")], [("u1", 0)]))
    assert f.loc["o1", "seconds_after_follow"] == 5 and f.loc["o1", "delay_2min"] == 1
    assert f.loc["o1", "follow_timed"] == 1
    # a group thread has no one recipient: unknown, not "no follow record"
    assert (f.loc["g1", "follow_none"], f.loc["g1", "follow_untimed"], f.loc["g1", "follow_timed"]) == (0, 0, 0)


def test_one_day_is_singular() -> None:
    assert reason("day_2d", {"days_after_follow": 1.0}) == "sent 1 day after connecting"
    assert reason("day_2d", {"days_after_follow": 2.0}) == "sent 2 days after connecting"


def _sigint_text_work(texts: list[str], names: Sequence[str]) -> tuple[list[dict], list[str]]:
    """Text work that reports how the process running it handles SIGINT."""
    import signal

    handler = signal.getsignal(signal.SIGINT)
    return [{"pid": os.getpid(), "ignores_ctrl_c": handler is signal.SIG_IGN} for _ in texts], ["" for _ in texts]


def test_forked_worker_ignores_ctrl_c(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs fork")
    monkeypatch.setattr(features, "PARALLEL_MIN_TEXTS", 2)
    monkeypatch.setattr(features, "usable_cores", lambda: 2)
    monkeypatch.setattr(features, "_text_work", _sigint_text_work)
    rows, _ = features._text_work_split(["a", "b", "c", "d"], [])
    by_pid = {r["pid"]: r["ignores_ctrl_c"] for r in rows}
    assert by_pid == {os.getpid(): False, next(p for p in by_pid if p != os.getpid()): True}


_CTRL_C_SCRIPT = """
import os, signal, sys, time
from pathlib import Path
from autodm import features
pidfile, mode = Path(sys.argv[1]), sys.argv[2]
scan = os.getpid()
features.PARALLEL_MIN_TEXTS = 2
features.usable_cores = lambda: 2
def work(texts, names):
    if os.getpid() != scan:  # the worker: say who it is; then wait for more work, or keep busy
        pidfile.write_text(str(os.getpid()))
        if mode == "busy":
            time.sleep(60)
        return [{} for _ in texts], ["" for _ in texts]
    while not pidfile.exists():
        time.sleep(0.05)
    time.sleep(0.5)  # the idle worker is back waiting for work
    os.killpg(os.getpgid(0), signal.SIGINT)  # Ctrl-C: the whole foreground process group
    time.sleep(60)
features._text_work = work
try:
    features._text_work_split(["a", "b", "c", "d"], [])
except KeyboardInterrupt:
    print("interrupted", file=sys.stderr)
    sys.exit(130)
"""


@pytest.mark.parametrize("mode", ["idle", "busy"])
def test_ctrl_c_during_the_split_prints_no_worker_traceback_and_waits_for_no_worker(tmp_path: Path,
                                                                                     mode: str) -> None:
    """Ctrl-C reaches the worker too: idle, it printed a KeyboardInterrupt traceback before the
    scan's "interrupted"; ignoring it, the scan must not wait for a busy worker to finish."""
    import multiprocessing
    import subprocess
    import sys
    import time

    if "fork" not in multiprocessing.get_all_start_methods() or not Path("/proc/self/stat").exists():
        pytest.skip("needs fork and /proc")
    pidfile = tmp_path / "worker.pid"
    began = time.monotonic()
    done = subprocess.run([sys.executable, "-c", _CTRL_C_SCRIPT, str(pidfile), mode], timeout=120, check=False,
                          capture_output=True, text=True, start_new_session=True)
    took = time.monotonic() - began
    worker = int(pidfile.read_text())
    try:
        assert (done.returncode, done.stderr) == (130, "interrupted\n")
        assert took < 45  # not the busy worker's 60 s
    finally:
        _assert_ends(worker)


def test_owner_side_words_cover_every_received_wording_that_would_be_false() -> None:
    """Each conversation and follow reason of a received message, in either direction and for
    each value, has owner-side words; the rest pass unchanged."""
    said = {reason(name, {name: v, "template_senders": 3}, toward_auto=a)
            for name in ("owner_silent_before", "owner_never", "follow_untimed", "follow_none", "sender_cross_conv")
            for v in (-1.0, 1.0) for a in (True, False)}
    mine = features.owner_side(pd.Series(sorted(said)))
    assert not mine.str.contains(r"\byou (?:had not|wrote to them|replied|never)|sender|their").any(), list(mine)
    kept = pd.Series(["thread of 2 messages; first message of the thread", "no follow record", None])
    got = features.owner_side(kept)
    assert got[:2].tolist() == kept[:2].tolist() and pd.isna(got[2])


def test_a_text_is_judged_on_its_first_max_text_chars() -> None:
    """A 10 MB one-line text took 3.4 GB in the n-grams; only its first MAX_TEXT_CHARS are read."""
    from autodm.features import MAX_TEXT_CHARS
    head = "thanks for the follow! grab my free guide https://bit.ly/abc " * (MAX_TEXT_CHARS // 60 + 1)
    head = head[:MAX_TEXT_CHARS]
    msgs = pd.DataFrame({"message_id": ["a", "b"], "sender_id": ["u", "v"],
                         "text": [head, head + " see you at 7 https://maps.app.goo.gl/x " * 1000]})
    f = build_features(msgs)
    assert len(f.loc[1, "normalized_text"]) <= MAX_TEXT_CHARS + 10
    assert f.loc[0, "normalized_text"] == f.loc[1, "normalized_text"]
    for c in ("links", "questions", "exclaims", "log_words", "shortener"):
        assert f.loc[0, c] == f.loc[1, c], c
