"""Place labelled corpus messages into realistic inbox timelines.

Auto-DM senders follow (or are followed by, or connect with) the owner and fire their message
seconds to minutes later; a share use a tool that releases its queue at fixed clock times (the
next full hour, every six hours, once a day at 09:00 in the tool's zone), so the follows of one
period get their DMs at the same time; some bump with drip follow-ups at a fixed interval; they
are rarely answered. People write in threads with the owner, their first message mostly hours to
days after the follow (a log-normal spread, a minority within minutes, old friends weeks or
months later). The follow lists hold, besides the senders, several times as many people who never
write (followers, following, mutual follows, Facebook friends, LinkedIn connections), some with a
sender's display name or a similar one. On LinkedIn some senders' first words are the note of
their incoming invitation, sent before the connection. The result is a platform-neutral
:class:`Inbox` (see the simulate writers for each platform's export format) and the label of
every incoming message.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from autodm.inbox import FollowRows, Inbox, MessageRows, Owner, Skips, make_inbox

OWNER = Owner(id="owner", name="Alex Example", handle="alex.example")
START = pd.Timestamp("2023-01-02", tz="UTC").value // 10**9
SPAN_S = 2 * 365 * 86400
DAY = 86400.0
#: Platforms whose follow lists name people by display name (Messenger friends, LinkedIn
#: connections); Instagram and X lists give usernames or account ids.
NAMED_LISTS = ("facebook", "linkedin")
#: Release schedules of batching auto-DM tools: (period s, offset s from midnight UTC, weight).
#: Hourly at :00; every six hours; daily at 09:00 in UTC-5, UTC+1 and UTC+5:30.
BATCH_SCHEDULES = ((3600.0, 0.0, 0.45), (6 * 3600.0, 0.0, 0.15), (DAY, 14 * 3600.0, 0.2),
                   (DAY, 8 * 3600.0, 0.1), (DAY, 3.5 * 3600.0, 0.1))
NOTE_MAX = 300  # characters of a LinkedIn invitation note

_FIRST = ("Sam", "Priya", "Jordan", "María", "Chen", "Fatima", "Lukas", "Aisha", "Tom", "Sofía",
          "Kwame", "Hannah", "Diego", "Yuki", "Olu", "Emma", "Ravi", "Chloé", "Mateo", "Noor",
          "Jake", "Inês", "Dmitri", "Grace", "Tariq", "Lena", "Marcus", "Ana", "Zoë", "Kofi",
          "Amara", "Ben", "Carmen", "Daniel", "Elif", "Felix", "Gabriel", "Hana", "Ibrahim", "Julia",
          "Karan", "Laura", "Mohammed", "Nina", "Oscar", "Paula", "Quentin", "Rosa", "Sven", "Tanvi",
          "Uma", "Victor", "Wei", "Ximena", "Yusuf", "Zara", "Björn", "Leila", "Nikhil", "Sara",
          "Adaeze", "Bruno", "Camille", "Dario", "Esther", "Farid", "Greta", "Hugo", "Isla", "Jonas",
          "Kenji", "Lucía", "Malik", "Nadia", "Omar", "Pia", "Rafael", "Selin", "Theo", "Valentina",
          "Wanjiru", "Xavier", "Yara", "Zeynep", "Arjun", "Beatriz", "Cyrus", "Dana", "Emil", "Freya")
_SURNAME_HEADS = ("Ander", "Berg", "Castel", "Dal", "Fair", "Gold", "Hart", "Kirk", "Lind", "Mont",
                  "Nord", "Ash", "Rich", "Stein", "West", "Brook", "Carl", "Holm", "Mar", "Wil")
_SURNAME_TAILS = ("son", "berg", "mann", "ford", "ley", "ton", "wood", "field", "ström", "ez", "ini", "ov")
#: Real surnames and plausible invented ones ("Hartley", "Lindström"): enough that two people of a
#: simulated inbox rarely share a name by chance (namesakes are placed on purpose).
_LAST = ("Sample", "Okafor", "Müller", "García", "Nguyen", "Kowalski", "Patel", "Smith", "Rossi",
         "Haddad", "Johansson", "Dubois", "Tanaka", "Silva", "O'Brien", "Mensah", "Novak", "Lee",
         "Andersen", "Bauer", "Costa", "Delgado", "Eriksson", "Fischer", "Gómez", "Hoffmann", "Ivanova",
         "Jensen", "Khan", "Lopez", "Moreau", "Nakamura", "Owusu", "Petrov", "Quinn", "Romero", "Schmidt",
         "Torres", "Usman", "Varga", "Walsh", "Yilmaz", "Zhang", "Brennan", "Chowdhury", "Lindqvist",
         *(h + t for h in _SURNAME_HEADS for t in _SURNAME_TAILS))
_DECOR = ("", "", "", "", "", " ✨", " 🚀", " | Coach", " 🌱", " (she/her)")
_INITIALS = "ABCDEFGHJKLMNPRSTW"


@dataclass(frozen=True)
class SimConfig:
    """Knobs of a simulated inbox."""

    platform: str = "x"  # x: no follow times (as in real X archives); linkedin: day-precision; facebook: friends
    auto_sender_share: float = 0.45  # share of senders that are auto-DM tools
    drip_share: float = 0.25  # auto senders who bump with follow-ups
    batch_share: float = 0.2  # auto senders whose tool releases its queue at fixed clock times
    owner_reply_to_auto: float = 0.12
    no_follow_share: float = 0.1  # senders with no follow record at all
    quick_personal_share: float = 0.12  # people who message minutes after following
    old_friend_share: float = 0.1  # people whose first message comes weeks or months after the follow
    mutual_share: float = 0.5  # people writing to the owner whom the owner follows too
    mean_thread: float = 8.0  # mean messages in a personal thread (both sides)
    silent_per_sender: float = 4.0  # people in the follow lists who never write, per sender
    namesake_share: float = 0.02  # of those: a sender's display name on another account
    similar_name_share: float = 0.05  # of those: a name close to a sender's (middle initial, double surname)
    note_auto_share: float = 0.3  # LinkedIn auto senders whose invitation carries a templated note
    note_personal_share: float = 0.1  # LinkedIn people whose invitation carries a personal note


def _pools(corpus: pd.DataFrame) -> dict[str, np.ndarray]:
    auto = corpus["label"].to_numpy() == 1
    drip = (corpus["category"] == "drip_followup").to_numpy()
    hard = corpus["hard"].astype(bool).to_numpy()
    note = (corpus["text"].str.len() <= NOTE_MAX).to_numpy()
    if "style" in corpus:  # notes in the corpus's LinkedIn (or any-platform) voice, when it says
        styled = note & corpus["style"].isin(["linkedin", "any"]).to_numpy()
        if (styled & auto & ~drip).any() and (styled & ~auto).any():
            note = styled
    idx = corpus.index.to_numpy()
    return {
        "auto": idx[auto & ~drip], "drip": idx[auto & drip],
        "personal": idx[~auto & ~hard], "hard": idx[~auto & hard],
        "note_auto": idx[auto & ~drip & note], "note_personal": idx[~auto & note],
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
    ``template_id`` (and optionally ``style``: LinkedIn invitation notes prefer ``linkedin`` /
    ``any`` texts). Returns the Inbox and a frame ``message_id, label, template_id`` for every
    incoming message (LinkedIn invitation notes included). Deterministic for a given seed.
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
        t0 = START + rng.random() * SPAN_S
        auto = rng.random() < cfg.auto_sender_share
        followed = rng.random() >= cfg.no_follow_share
        if followed:
            _sender_follows(fol, s, t0, auto, cfg, rng)
        if auto:
            n += _auto_thread(ms, s, t0, followed, cfg, rng, pools)
        else:
            n += _personal_thread(ms, s, t0, followed, cfg, rng, pools)
    n_silent = round(cfg.silent_per_sender * s)
    _silent_follows(fol, s, n_silent, cfg, rng)
    return _assemble(ms, fol, s, n_silent, texts, tids, corpus, cfg, rng)


def _sender_follows(fol: dict[str, list], s: int, t0: float, auto: bool, cfg: SimConfig,
                    rng: np.random.Generator) -> None:
    """The follow rows of sender ``s``, whose own follow (or connection) is at ``t0``."""
    r = rng.random()
    if cfg.platform == "linkedin":
        rows = [("connection", t0)]
    elif cfg.platform == "facebook":
        # friends; else an auto sender is a page or creator followed either way, a person a follower
        direction = ("connection" if r < (0.3 if auto else 0.85) else
                     "following" if auto and r >= 0.65 else "follower")
        rows = [(direction, t0)]
    elif auto:
        rows = [("following" if r < 0.6 else "follower", t0)]
    else:  # the owner follows many of the people who write, from before their follow back
        rows = [("follower", t0)]
        if r < cfg.mutual_share:
            rows.append(("following", t0 - rng.uniform(3600, 90 * DAY)))
    for direction, t in rows:
        fol["user"].append(s)
        fol["t"].append(t)
        fol["direction"].append(direction)


def _silent_follows(fol: dict[str, list], s: int, n: int, cfg: SimConfig, rng: np.random.Generator) -> None:
    """Follow rows of ``n`` people (numbered after the ``s`` senders) who never write."""
    if n <= 0:
        return
    who = np.arange(s + 1, s + n + 1)
    lo = START - 3 * 365 * DAY  # many followed before the inbox's first message
    t = lo + rng.random(n) * (START + SPAN_S - lo)
    r = rng.random(n)
    if cfg.platform == "linkedin":
        cuts, names = (1.0,), ("connection",)
    elif cfg.platform == "facebook":
        cuts, names = (0.7, 0.9, 1.0), ("connection", "follower", "following")
    else:  # mutual: in both lists, the owner's follow back a while after theirs
        cuts, names = (0.5, 0.7, 1.0), ("follower", "following", "mutual")
    kind = np.searchsorted(np.asarray(cuts), r, side="right").clip(0, len(names) - 1)
    users, times, dirs = [], [], []
    for d, name in enumerate(names):
        sel = kind == d
        if name == "mutual":
            back = t[sel] + rng.uniform(60, 60 * DAY, int(sel.sum()))
            users += [*who[sel].tolist(), *who[sel].tolist()]
            times += [*t[sel].tolist(), *back.tolist()]
            dirs += ["follower"] * int(sel.sum()) + ["following"] * int(sel.sum())
        else:
            users += who[sel].tolist()
            times += t[sel].tolist()
            dirs += [name] * int(sel.sum())
    fol["user"] += users
    fol["t"] += times
    fol["direction"] += dirs


def _add(ms: dict[str, list], sender: int, t: float, row: int, outgoing: bool, kind: str = "message") -> None:
    ms["sender"].append(sender)
    ms["t"].append(t)
    ms["row"].append(row)
    ms["outgoing"].append(outgoing)
    ms["kind"].append(kind)


_BATCH_CUM = np.cumsum([w for _, _, w in BATCH_SCHEDULES]) / sum(w for _, _, w in BATCH_SCHEDULES)


def _release(t0: float, rng: np.random.Generator) -> float:
    """When a batching tool sends the DM for a follow at ``t0``: its next release after a minute's
    pickup, plus the seconds its queue takes (one tool, one clock time for a whole period's follows)."""
    period, offset, _ = BATCH_SCHEDULES[int(np.searchsorted(_BATCH_CUM, rng.random(), side="right"))]
    ready = t0 + 60.0
    return offset + np.ceil((ready - offset) / period) * period + rng.uniform(0, 45)


def _minute(t: float) -> float:
    """``t`` at the start of its minute (invitation times have minute precision)."""
    return float(t // 60 * 60)


def _auto_thread(ms: dict[str, list], sender: int, t0: float, followed: bool, cfg: SimConfig,
                 rng: np.random.Generator, pools: dict[str, _Draw]) -> int:
    count = 0
    if (followed and cfg.platform == "linkedin" and "note_auto" in pools
            and rng.random() < cfg.note_auto_share):  # the tool's invitation note, accepted later
        lag = float(np.clip(rng.lognormal(np.log(8 * 3600), 1.2), 120, 21 * DAY))
        _add(ms, sender, _minute(t0 - lag), pools["note_auto"](), False, "invitation")
        count += 1
    r = rng.random()
    if r < cfg.batch_share:
        t = _release(t0, rng)
    elif r < cfg.batch_share + (1 - cfg.batch_share) * 0.92:
        t = t0 + float(np.clip(rng.lognormal(np.log(30), 1.0), 2, 900))
    elif r < cfg.batch_share + (1 - cfg.batch_share) * 0.97:
        t = t0 + rng.uniform(3600, 12 * 3600)
    else:
        t = t0 + rng.uniform(DAY, 3 * DAY)
    kind = "welcome" if cfg.platform == "x" and rng.random() < 0.1 else "message"
    _add(ms, sender, t, pools["auto"](), False, kind)
    count += 1
    if rng.random() < cfg.owner_reply_to_auto:
        _add(ms, sender, t + rng.uniform(600, 3 * DAY), pools["personal"](), True)
        return count + 1
    if "drip" in pools and rng.random() < cfg.drip_share:
        step = rng.choice([2, 3, 4, 7]) * DAY
        for k in range(1, int(rng.integers(1, 4)) + 1):
            _add(ms, sender, t + k * step + rng.uniform(-120, 120), pools["drip"](), False)
            count += 1
    return count


def _first_delay(cfg: SimConfig, rng: np.random.Generator) -> tuple[float, bool]:
    """(seconds from the follow to a person's first message, whether it is a quick one)."""
    r = rng.random()
    if r < cfg.quick_personal_share:  # right after following: seconds to minutes
        return float(np.clip(rng.lognormal(np.log(60), 0.9), 5, 1800)), True
    if r < cfg.quick_personal_share + cfg.old_friend_share:  # an old follow: two weeks to ten months
        return float(np.exp(rng.uniform(np.log(14 * DAY), np.log(300 * DAY)))), False
    # most: hours to days (median 14 h; ~2% within the hour, ~97% within a week)
    return float(np.clip(rng.lognormal(np.log(14 * 3600), 1.25), 600, 30 * DAY)), False


def _personal_thread(ms: dict[str, list], sender: int, t0: float, followed: bool, cfg: SimConfig,
                     rng: np.random.Generator, pools: dict[str, _Draw]) -> int:
    count = 0
    if (followed and cfg.platform == "linkedin" and "note_personal" in pools
            and rng.random() < cfg.note_personal_share):
        lag = float(np.clip(rng.lognormal(np.log(DAY), 1.2), 300, 30 * DAY))
        _add(ms, sender, _minute(t0 - lag), pools["note_personal"](), False, "invitation")
        count += 1
    delay, quick = _first_delay(cfg, rng)
    t = t0 + delay
    length = max(1, int(rng.geometric(1 / cfg.mean_thread)))
    owner_turn = (not quick) and rng.random() < 0.4
    for i in range(length):
        if owner_turn:
            _add(ms, sender, t, pools["personal"](), True)
        else:
            first_in = i == 0 or (i == 1 and ms["outgoing"][-1])
            pool = "hard" if "hard" in pools and first_in and (quick or rng.random() < 0.4) else "personal"
            _add(ms, sender, t, pools[pool](), False)
        t += rng.uniform(20, 1800) if rng.random() < 0.7 else rng.uniform(3600, 5 * DAY)
        owner_turn = (not owner_turn) if rng.random() < 0.75 else owner_turn
    return count + length


@functools.lru_cache(maxsize=4096)
def _ascii(name: str) -> str:
    return "".join(ch for ch in name.encode("ascii", "ignore").decode().lower() if ch.isalnum())


def _username(first: str, last: str, k: int, r: float) -> str:
    ascii_first, ascii_last = _ascii(first) or "user", _ascii(last)
    return (f"{ascii_first}.{ascii_last}" if r < 0.4 else
            f"{ascii_first}.{ascii_last}{k}" if r < 0.8 else f"{ascii_first}_{k}")


def _profiles(s: int, n_silent: int, cfg: SimConfig, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """(display names, usernames) of people 1 .. ``s + n_silent`` (index 0 unused). The senders
    come first; of the silent people, some bear a sender's display name on another account
    (a namesake) and some a similar one (a middle initial, a double surname)."""
    total = s + n_silent + 1
    first = rng.integers(len(_FIRST), size=total)
    last = rng.integers(len(_LAST), size=total)
    decor = rng.integers(len(_DECOR), size=total)
    style = rng.random(total)
    twin = np.full(total, -1)
    similar = np.zeros(n_silent, dtype=bool)  # of the silent people: a close name, not the same
    initial = second = np.zeros(n_silent, dtype=np.int64)
    if s and n_silent:
        r = rng.random(n_silent)
        copied = rng.integers(1, s + 1, size=n_silent)
        initial = rng.integers(len(_INITIALS), size=n_silent)
        second = rng.integers(len(_LAST), size=n_silent)  # a double surname, or else a middle initial
        second[rng.random(n_silent) < 0.5] = -1
        silent = np.arange(s + 1, total)
        twin[silent] = np.where(r < cfg.namesake_share + cfg.similar_name_share, copied, -1)
        first[silent] = np.where(twin[silent] > 0, first[copied], first[silent])
        last[silent] = np.where(twin[silent] > 0, last[copied], last[silent])
        similar = (r >= cfg.namesake_share) & (twin[silent] > 0)
    displays, usernames = [""], [""]
    for k in range(1, total):
        f, la = _FIRST[first[k]], _LAST[last[k]]
        if twin[k] > 0 and similar[k - s - 1]:
            j = k - s - 1
            other = _LAST[second[j]] if second[j] >= 0 else la
            la = f"{_INITIALS[initial[j]]}. {la}" if other == la else f"{la}-{other}"
        displays.append(f"{f} {la}{_DECOR[decor[k]]}")
        usernames.append(_username(f, la, k, float(style[k])))
    return displays, usernames


def _assemble(ms: dict[str, list], fol: dict[str, list], s: int, n_silent: int, texts: np.ndarray,
              tids: np.ndarray, corpus: pd.DataFrame, cfg: SimConfig,
              rng: np.random.Generator) -> tuple[Inbox, pd.DataFrame]:
    displays, usernames = _profiles(s, n_silent, cfg, rng)
    ids = [""] + [f"u{k:06d}" for k in range(1, s + n_silent + 1)]
    order = np.argsort(np.asarray(ms["t"]), kind="stable")
    rows, frows = MessageRows(), FollowRows()
    labels_id: list[str] = []
    labels_row: list[int] = []
    label_col = corpus["label"].to_numpy()
    senders, times, crow, outs, kinds = ms["sender"], ms["t"], ms["row"], ms["outgoing"], ms["kind"]
    for k, i in enumerate(order.tolist()):
        p = senders[i]
        sender = ids[p]
        mid = f"m{k + 1:08d}"
        row = crow[i]
        out = outs[i]
        rows.add(
            message_id=mid, conversation_id=f"c-{sender}",
            sender_id="owner" if out else sender,
            sender_name=OWNER.name if out else displays[p],
            sender_username=OWNER.handle if out else usernames[p],
            recipient_id=sender if out else "owner",
            sent_at=float(times[i]), text=str(texts[row]), outgoing=out, kind=kinds[i],
        )
        if not out:
            labels_id.append(mid)
            labels_row.append(row)
    names = displays if cfg.platform in NAMED_LISTS else usernames
    precision = "day" if cfg.platform == "linkedin" else "second"
    for p, t, direction in zip(fol["user"], fol["t"], fol["direction"], strict=True):
        if cfg.platform == "x":
            t = None
        elif precision == "day":
            t = float(t // DAY * DAY)
        frows.add(user_id=ids[p], user_name=names[p], followed_at=t, precision=precision, direction=direction)
    inbox = make_inbox(platform="canonical", source=f"simulated:{cfg.platform}", messages=rows,
                       follows=frows, owner=OWNER, skips=Skips(), message_times="epoch_s",
                       follow_times="epoch_s")
    lab_rows = np.asarray(labels_row, dtype=int)
    labels = pd.DataFrame({"message_id": labels_id, "label": label_col[lab_rows],
                           "template_id": tids[lab_rows]})
    return inbox, labels
