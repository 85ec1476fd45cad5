"""Write an Inbox as autodm's canonical ``inbox.json`` (or ``.jsonl`` / ``.csv``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from autodm.inbox import Inbox


def _iso(ts: pd.Timestamp) -> str | None:
    return None if pd.isna(ts) else ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def message_records(inbox: Inbox) -> list[dict[str, Any]]:
    """The messages as canonical message objects."""
    m = inbox.messages
    sent = m["sent_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ").tolist()
    out = []
    for r, t in zip(m.itertuples(index=False), sent, strict=True):
        rec: dict[str, Any] = {
            "id": r.message_id, "conversation_id": r.conversation_id, "sender_id": r.sender_id,
            "sender_name": None if pd.isna(r.sender_name) else r.sender_name,
            "recipient_id": None if pd.isna(r.recipient_id) else r.recipient_id,
            "sent_at": t, "text": r.text, "outgoing": bool(r.outgoing),
        }
        if r.urls:
            rec["urls"] = list(r.urls)
        if r.kind != "message":
            rec["kind"] = r.kind
        out.append(rec)
    return out


def write_canonical(inbox: Inbox, out: Path) -> Path:
    """Write ``out`` (.json: the inbox object; .jsonl: one message per line)."""
    msgs = message_records(inbox)
    if out.suffix == ".jsonl":
        data = b"\n".join(orjson.dumps(m) for m in msgs) + b"\n"
    else:
        follows = [
            {"user_id": r.user_id, "user_name": None if pd.isna(r.user_name) else r.user_name,
             "followed_at": _iso(r.followed_at), "direction": r.direction,
             **({"precision": r.precision} if not pd.isna(r.precision) else {})}
            for r in inbox.follows.itertuples(index=False)
        ]
        owner = {"id": inbox.owner.id, "name": inbox.owner.name}
        data = orjson.dumps({"owner": owner, "messages": msgs, "follows": follows},
                            option=orjson.OPT_INDENT_2)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out
