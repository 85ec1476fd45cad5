from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from autodm.inbox import join_follows
from autodm.simulate.timeline import SimConfig, simulate_inbox


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
