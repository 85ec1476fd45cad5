"""The main job, as plain function calls: Inbox -> follow join -> features -> model -> scan table.

``scan(inbox, model)`` returns the *scan export* (the public columns in :data:`SCAN_COLUMNS`);
``senders(...)`` rolls it up per sender; ``table_messages`` turns a labelled table (a scan
export, or any table with a ``text`` column) back into messages for training and evaluation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from autodm import model as mdl
from autodm.features import owner_side
from autodm.inbox import MESSAGE_COLUMNS, Inbox, join_follows

#: The scan export's columns, in order: a public interface (see the README's version notes).
SCAN_COLUMNS = (
    "message_id", "platform", "conversation_id", "sender_id", "sender_name", "sent_at",
    "followed_at", "seconds_after_follow", "score", "verdict", "reasons", "text",
)


def owner_names(inbox: Inbox) -> list[str]:
    return [n for n in (inbox.owner.name, inbox.owner.handle) if n]


def design(inbox: Inbox, *, outgoing: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(messages with follow join, design frame) for every message of the inbox; ``outgoing=False``
    when the owner's own messages will not be scored (their follow join and template reuse are
    then left out). When the owner's side is unknown (:attr:`Inbox.owner_side_known`) the threads are
    too: the conversation features are left unknown, as for a table of texts."""
    joined = join_follows(inbox, outgoing=outgoing)
    seen = joined if inbox.owner_side_known else joined.assign(
        conversation_id=pd.array([pd.NA] * len(joined), dtype="string"))
    return joined, mdl.design_frame(seen, owner_names=owner_names(inbox), has_follows=len(inbox.follows) > 0,
                                    outgoing=outgoing)


def scored_mask(joined: pd.DataFrame, include_outgoing: bool = False) -> np.ndarray:
    """Messages worth a score: incoming (unless asked), not platform-generated system texts."""
    mask = joined["kind"].to_numpy() != "system"
    if not include_outgoing:
        mask &= ~joined["outgoing"].to_numpy(dtype=bool)
    return mask


def scan(
    inbox: Inbox,
    model: mdl.Model,
    *,
    threshold: float | None = None,
    include_outgoing: bool = False,
    reasons: bool = True,
) -> pd.DataFrame:
    """Score the inbox's incoming messages; one row per message, columns SCAN_COLUMNS."""
    joined, frame = design(inbox, outgoing=include_outgoing)
    return export_rows(joined, frame, model, scored_mask(joined, include_outgoing),
                       threshold=threshold, reasons=reasons)


def export_rows(joined: pd.DataFrame, frame: pd.DataFrame, model: mdl.Model, mask: np.ndarray, *,
                threshold: float | None = None, reasons: bool = True) -> pd.DataFrame:
    """The scan export for the rows in ``mask``; the owner's own messages (``--include-outgoing``)
    with their reasons in the owner's words (:func:`autodm.features.owner_side`)."""
    rows = np.flatnonzero(mask)
    scores = mdl.score(model, frame, rows=rows, threshold=threshold, reasons=reasons)
    mine = joined["outgoing"].to_numpy(dtype=bool)[rows]
    if reasons and mine.any():
        why = scores["reasons"].copy()
        why[mine] = owner_side(why[mine]).to_numpy()
        scores["reasons"] = why

    def col(name: str) -> np.ndarray:
        return joined[name].to_numpy()[rows]

    out = pd.DataFrame({
        "message_id": col("message_id"),
        "platform": col("platform"),
        "conversation_id": col("conversation_id"),
        "sender_id": col("sender_id"),
        "sender_name": col("sender_name"),
        "sent_at": _utc(joined["sent_at"].iloc[rows]),
        "followed_at": _utc(joined["followed_at"].iloc[rows]),
        "seconds_after_follow": frame["seconds_after_follow"].to_numpy()[rows].round(3),
        "score": scores["score"].round(mdl.SCORE_DECIMALS).to_numpy(),
        "verdict": scores["verdict"].to_numpy(),
        "reasons": scores["reasons"].to_numpy() if reasons else "",
        "text": col("text"),
    })
    return out


def _utc(times: pd.Series) -> pd.Series:
    """Times as ``pd.to_datetime(times.to_numpy(), utc=True)`` gives them, without boxing each one."""
    if times.notna().any():
        return pd.Series(pd.to_datetime(times, utc=True).array)
    # all missing: the unit pandas infers for NaT objects, and no Timestamp objects made
    return pd.Series(pd.NaT, index=range(len(times)), dtype=pd.to_datetime(np.array([pd.NaT]), utc=True).dtype)


def senders(export: pd.DataFrame, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per sender, worst first: messages, auto-DMs, max score, first-DM delay, templates.

    ``frame`` (the design frame of the same rows) adds how many senders shared each sender's
    most reused text; empty where none of the sender's texts was counted (too short to be
    template evidence).
    """
    e = export.copy()
    e["is_auto"] = e["verdict"] == "auto"
    if frame is not None and "template_senders" in frame:
        # 0: the text was not counted (under templates.MIN_TEMPLATE_WORDS words: "ok see you then"
        # from 8 senders is no template evidence); missing, not "nobody shared it". A counted text
        # has at least its own sender.
        shared = frame["template_senders"].to_numpy(dtype=float)
        e["template_senders"] = np.where(shared > 0, shared, np.nan)
    else:
        e["template_senders"] = np.nan
    if e.empty:  # no incoming message: the columns, no rows (groupby-apply would give a frame)
        return pd.DataFrame({
            "sender_id": pd.Series(dtype=object), "sender_name": pd.Series(dtype=object),
            "messages": pd.Series(dtype="int64"), "auto_dms": pd.Series(dtype="int64"),
            "max_score": pd.Series(dtype="float64"), "first_dm_after_follow_s": pd.Series(dtype="float64"),
            "shared_template_senders": pd.Series(dtype="Int64"), "first_message_at": e["sent_at"],
            "top_reasons": pd.Series(dtype=object)})
    e = e.sort_values("sent_at", kind="stable")
    g = e.groupby("sender_id", sort=False, dropna=False)
    # the delay of each sender's first DM, unknown when that one came before the follow (not a later DM's)
    first = e.drop_duplicates("sender_id", keep="first").set_index("sender_id")["seconds_after_follow"]
    out = pd.DataFrame({
        "sender_id": g["sender_id"].first(),
        "sender_name": g["sender_name"].first(),
        "messages": g.size(),
        "auto_dms": g["is_auto"].sum().astype(int),
        "max_score": g["score"].max().round(mdl.SCORE_DECIMALS),
        "first_dm_after_follow_s": first,
        "shared_template_senders": g["template_senders"].max().astype("Int64"),
        "first_message_at": g["sent_at"].min(),
        "top_reasons": g.apply(lambda d: d.loc[d["score"].idxmax(), "reasons"], include_groups=False),
    }).reset_index(drop=True)
    return out.sort_values(["auto_dms", "max_score"], ascending=False, kind="stable").reset_index(drop=True)


#: Times as a spreadsheet saves them once it has turned ISO 8601 cells into its own dates (Excel's
#: CSV: "1/13/2023 14:06" in the US, "13/01/2023 14:06" in the UK): month first, then day first.
SHEET_TIME_FORMATS = ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S",
                      "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S")


def table_times(values: pd.Series) -> pd.Series:
    """A table's time column in UTC: ISO 8601 (what ``autodm scan`` writes), else the spreadsheet
    format (:data:`SHEET_TIME_FORMATS`) that reads the most of the other cells, read as UTC as
    autodm wrote it. A cell neither way is missing (see :func:`unreadable_times`), and costs no
    other cell its time; when month-first and day-first read the same cells differently (no day
    past 12), which one is meant is unknown: those cells are missing too."""
    iso = pd.to_datetime(values, utc=True, errors="coerce", format="ISO8601")
    text = values.astype("string").str.strip()
    todo = iso.isna() & text.notna() & text.ne("")
    if not todo.any():
        return iso
    tried = [pd.to_datetime(text[todo], utc=True, errors="coerce", format=fmt) for fmt in SHEET_TIME_FORMATS]
    most = max(int(t.notna().sum()) for t in tried)
    if not most:
        return iso
    best = [t for t in tried if int(t.notna().sum()) == most]
    if any(not t.equals(best[0]) for t in best[1:]):  # the same cells, read two ways
        return iso
    iso = iso.copy()
    iso[todo] = best[0]
    return iso


def unreadable_times(table: pd.DataFrame, messages: pd.DataFrame | None = None) -> list[tuple[str, int, int, str]]:
    """(column, how many, position of the first, its value) for each time column of ``table``
    with non-blank cells :func:`table_times` cannot read (``messages``: the table's
    :func:`table_messages`, whose times are those already read)."""
    cols = {c.lower(): c for c in table.columns}
    out = []
    for name in ("sent_at", "followed_at"):
        if name not in cols:
            continue
        raw = table[cols[name]].reset_index(drop=True)
        text = raw.astype("string").str.strip()
        read = table_times(raw) if messages is None else messages[name].reset_index(drop=True)
        bad = (read.isna() & text.notna() & text.ne("")).to_numpy()
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            out.append((name, int(bad.sum()), first, str(raw.iloc[first])))
    return out


def table_messages(table: pd.DataFrame) -> pd.DataFrame:
    """Messages (Inbox columns plus join columns) from a table that has at least ``text``.

    A scan export keeps its sender, conversation and timing; a text-only table has them missing,
    which the features treat as unknown, never as evidence.
    """
    n = len(table)
    cols = {c.lower(): c for c in table.columns}

    def col(name: str, dtype: str = "string") -> pd.Series:
        if name in cols:
            return table[cols[name]].astype(dtype).reset_index(drop=True)
        return pd.Series(pd.array([pd.NA] * n, dtype=dtype))

    def times(name: str) -> pd.Series:
        if name in cols:
            return table_times(table[cols[name]].reset_index(drop=True))
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns, UTC]")

    mid = col("message_id") if "message_id" in cols else col("id")
    out = pd.DataFrame({
        "message_id": mid,
        "platform": col("platform"),
        "conversation_id": col("conversation_id"),
        "sender_id": col("sender_id"),
        "sender_name": col("sender_name"),
        "sender_username": col("sender_username"),
        "recipient_id": col("recipient_id"),
        "sent_at": times("sent_at"),
        "text": table[cols["text"]].fillna("").astype(str).reset_index(drop=True),
        "urls": pd.Series([[] for _ in range(n)], dtype=object),
        "outgoing": np.zeros(n, dtype=bool),
        "kind": col("kind").fillna("message"),
        "followed_at": times("followed_at"),
        "follow_precision": pd.Series(pd.array(["second"] * n, dtype="string")),
        "follow_direction": col("follow_direction"),
        "follow_join": pd.Series(pd.array(["table"] * n, dtype="string")),
    })
    assert set(MESSAGE_COLUMNS) <= set(out.columns)
    out.loc[out["followed_at"].isna(), "follow_precision"] = pd.NA
    # a scan export lists incoming messages only: the owner's side of each thread is unknown
    out["conversation_id"] = pd.array([pd.NA] * n, dtype="string")
    return out
