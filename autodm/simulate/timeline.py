"""Place labelled corpus messages into realistic inbox timelines.

Auto-DM senders follow (or are followed by, or connect with) the owner and fire their message
seconds to minutes later (some batched hours later), sometimes with drip follow-ups at a fixed
interval, and are rarely answered. People write in threads with the owner over hours and days;
some message right after following. The result is a platform-neutral :class:`Inbox` (see the
simulate writers for each platform's export format) and the label of every incoming message.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from autodm.inbox import FollowRows, Inbox, MessageRows, Owner, Skips, make_inbox

OWNER = Owner(id="owner", name="Alex Example", handle="alex.example")
START = pd.Timestamp("2023-01-02", tz="UTC").value // 10**9
SPAN_S = 2 * 365 * 86400

_FIRST = ("Sam", "Priya", "Jordan", "María", "Chen", "Fatima", "Lukas", "Aisha", "Tom", "Sofía",
          "Kwame", "Hannah", "Diego", "Yuki", "Olu", "Emma", "Ravi", "Chloé", "Mateo", "Noor",
          "Jake", "Inês", "Dmitri", "Grace", "Tariq", "Lena", "Marcus", "Ana", "Zoë", "Kofi")
_LAST = ("Sample", "Okafor", "Müller", "García", "Nguyen", "Kowalski", "Patel", "Smith", "Rossi",
         "Haddad", "Johansson", "Dubois", "Tanaka", "Silva", "O'Brien", "Mensah", "Novak", "Lee")
_DECOR = ("", "", "", "", "", " ✨", " 🚀", " | Coach", " 🌱", " (she/her)")


@dataclass(frozen=True)
class SimConfig:
    """Knobs of a simulated inbox."""

    platform: str = "x"  # x: no follow times (as in real X archives); linkedin: day-precision
    auto_sender_share: float = 0.45  # share of senders that are auto-DM tools
    drip_share: float = 0.25  # auto senders who bump with follow-ups
    owner_reply_to_auto: float = 0.12
    no_follow_share: float = 0.1  # senders with no follow record at all
    quick_personal_share: float = 0.15  # people who message minutes after following
    mean_thread: float = 8.0  # mean messages in a personal thread (both sides)


def _pools(corpus: pd.DataFrame) -> dict[str, np.ndarray]:
    auto = corpus[corpus["label"] == 1]
    personal = corpus[corpus["label"] == 0]
    drip = auto["category"] == "drip_followup"
    hard = personal["hard"].astype(bool)
    return {
        "auto": auto.index[~drip].to_numpy(), "drip": auto.index[drip].to_numpy(),
        "personal": personal.index[~hard].to_numpy(), "hard": personal.index[hard].to_numpy(),
    }


class _Draw:
    """Draws corpus rows from a pool without replacement, reshuffling when it runs out."""

    def __init__(self, idx: np.ndarray, rng: np.random.Generator) -> None:
        self.idx, self.rng, self.pos = idx, rng, len(idx)
        self.order = idx

    def __call__(self) -> int:
        if self.pos >= len(self.order):
            self.order, self.pos = self.rng.permutation(self.idx), 0
        self.pos += 1
        return int(self.order[self.pos - 1])


def simulate_inbox(
    corpus: pd.DataFrame, n_messages: int, *, seed: int = 7, config: SimConfig | None = None
) -> tuple[Inbox, pd.DataFrame]:
    """Simulate an inbox of about ``n_messages`` messages drawn from the labelled ``corpus``.

    ``corpus`` has ``text``, ``label`` (1 auto / 0 personal), ``category``, ``hard`` and
    ``template_id``. Returns the Inbox and a frame ``message_id, label, template_id`` for every
    incoming message. Deterministic for a given seed.
    """
    cfg = config or SimConfig()
    rng = np.random.default_rng(seed)
    corpus = corpus.reset_index(drop=True)
    pools = {k: _Draw(v, rng) for k, v in _pools(corpus).items() if len(v)}
    texts = corpus["text"].to_numpy(dtype=object)
    tids = corpus["template_id"].to_numpy(dtype=object)
    ms: dict[str, list] = {k: [] for k in ("sender", "t", "row", "outgoing", "kind")}
    fol: dict[str, list] = {k: [] for k in ("user", "t", "direction")}
    n, s = 0, 0
    while n < n_messages:
        s += 1
        sender = f"u{s:06d}"
        t0 = START + rng.random() * SPAN_S
        auto = rng.random() < cfg.auto_sender_share
        direction = "connection" if cfg.platform == "linkedin" else (
            "following" if auto and rng.random() < 0.6 else "follower")
        if rng.random() >= cfg.no_follow_share:
            fol["user"].append(sender)
            fol["t"].append(None if cfg.platform == "x" else t0)
            fol["direction"].append(direction)
        if auto:
            n += _auto_thread(ms, sender, t0, cfg, rng, pools)
        else:
            n += _personal_thread(ms, sender, t0, cfg, rng, pools)
    return _assemble(ms, fol, texts, tids, corpus, cfg, rng)


def _add(ms: dict[str, list], sender: str, t: float, row: int, outgoing: bool, kind: str = "message") -> None:
    ms["sender"].append(sender)
    ms["t"].append(t)
    ms["row"].append(row)
    ms["outgoing"].append(outgoing)
    ms["kind"].append(kind)


def _auto_thread(ms: dict[str, list], sender: str, t0: float, cfg: SimConfig,
                 rng: np.random.Generator, pools: dict[str, _Draw]) -> int:
    r = rng.random()
    if r < 0.75:
        delay = float(np.clip(rng.lognormal(np.log(30), 1.0), 2, 900))
    elif r < 0.95:
        delay = rng.uniform(3600, 12 * 3600)
    else:
        delay = rng.uniform(86400, 3 * 86400)
    t = t0 + delay
    kind = "welcome" if cfg.platform == "x" and rng.random() < 0.1 else "message"
    _add(ms, sender, t, pools["auto"](), False, kind)
    count = 1
    if rng.random() < cfg.owner_reply_to_auto:
        _add(ms, sender, t + rng.uniform(600, 3 * 86400), pools["personal"](), True)
        return count + 1
    if "drip" in pools and rng.random() < cfg.drip_share:
        step = rng.choice([2, 3, 4, 7]) * 86400.0
        for k in range(1, int(rng.integers(1, 4)) + 1):
            _add(ms, sender, t + k * step + rng.uniform(-120, 120), pools["drip"](), False)
            count += 1
    return count


def _personal_thread(ms: dict[str, list], sender: str, t0: float, cfg: SimConfig,
                     rng: np.random.Generator, pools: dict[str, _Draw]) -> int:
    quick = rng.random() < cfg.quick_personal_share
    t = t0 + (rng.uniform(20, 3 * 3600) if quick else rng.uniform(3600, 200 * 86400))
    length = max(1, int(rng.geometric(1 / cfg.mean_thread)))
    owner_turn = (not quick) and rng.random() < 0.4
    for i in range(length):
        if owner_turn:
            _add(ms, sender, t, pools["personal"](), True)
        else:
            first_in = i == 0 or (i == 1 and ms["outgoing"][-1])
            pool = "hard" if "hard" in pools and first_in and (quick or rng.random() < 0.4) else "personal"
            _add(ms, sender, t, pools[pool](), False)
        t += rng.uniform(20, 1800) if rng.random() < 0.7 else rng.uniform(3600, 5 * 86400)
        owner_turn = (not owner_turn) if rng.random() < 0.75 else owner_turn
    return length


def _profile(s: int, rng: np.random.Generator) -> tuple[str, str]:
    first, last = _FIRST[rng.integers(len(_FIRST))], _LAST[rng.integers(len(_LAST))]
    display = f"{first} {last}{_DECOR[rng.integers(len(_DECOR))]}"
    ascii_first = first.encode("ascii", "ignore").decode().lower() or "user"
    ascii_last = last.encode("ascii", "ignore").decode().lower().replace("'", "")
    r = rng.random()
    username = (f"{ascii_first}.{ascii_last}" if r < 0.4 else
                f"{ascii_first}.{ascii_last}{s}" if r < 0.8 else f"{ascii_first}_{s}")
    return display, username


def _assemble(ms: dict[str, list], fol: dict[str, list], texts: np.ndarray, tids: np.ndarray,
              corpus: pd.DataFrame, cfg: SimConfig, rng: np.random.Generator) -> tuple[Inbox, pd.DataFrame]:
    order = np.argsort(np.asarray(ms["t"]), kind="stable")
    profiles: dict[str, tuple[str, str]] = {}
    rows, frows = MessageRows(), FollowRows()
    labels_id: list[str] = []
    labels_row: list[int] = []
    label_col = corpus["label"].to_numpy()
    for k, i in enumerate(order):
        sender = ms["sender"][i]
        if sender not in profiles:
            profiles[sender] = _profile(int(sender[1:]), rng)
        display, username = profiles[sender]
        mid = f"m{k + 1:08d}"
        row = ms["row"][i]
        out = ms["outgoing"][i]
        rows.add(
            message_id=mid, conversation_id=f"c-{sender}",
            sender_id="owner" if out else sender,
            sender_name=OWNER.name if out else display,
            sender_username=OWNER.handle if out else username,
            recipient_id=sender if out else "owner",
            sent_at=float(ms["t"][i]), text=str(texts[row]), outgoing=out, kind=ms["kind"][i],
        )
        if not out:
            labels_id.append(mid)
            labels_row.append(row)
    for user, t, direction in zip(fol["user"], fol["t"], fol["direction"], strict=True):
        display, username = profiles.get(user) or _profile(int(user[1:]), rng)
        profiles[user] = (display, username)
        precision = "day" if cfg.platform == "linkedin" else "second"
        if t is not None and precision == "day":
            t = float(t // 86400 * 86400)
        frows.add(user_id=user, user_name=username, followed_at=t, precision=precision,
                  direction=direction)
    inbox = make_inbox(platform="canonical", source=f"simulated:{cfg.platform}", messages=rows,
                       follows=frows, owner=OWNER, skips=Skips(), message_times="epoch_s",
                       follow_times="epoch_s")
    lab_rows = np.asarray(labels_row, dtype=int)
    labels = pd.DataFrame({"message_id": labels_id, "label": label_col[lab_rows],
                           "template_id": tids[lab_rows]})
    return inbox, labels
