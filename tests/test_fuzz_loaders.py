"""Property-based fuzzing of every loader: any input gives an Inbox or one AutodmError, nothing else.

Structure-aware strategies build valid-shaped exports (the real file names and wrappers of
formats.md) filled with random values, wrong types, missing and extra keys, odd unicode, huge
and empty strings; raw strategies feed random bytes and truncations. CI runs 200 examples per
loader; ``pytest -m fuzz`` runs many more.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autodm.errors import AutodmError
from autodm.inbox import Inbox
from autodm.loaders import load_inbox

CI = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck), database=None)
LONG = settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck), database=None)

odd_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.sampled_from(["", " ", "\x00", "\ufeff", "é", "\u00c3\u00a9", "🚀", "=1+1", "\u202e", "a" * 5000,
                     "2024-01-01T00:00:00.000Z", "1714550000", "-1", "NaN", "null"]),
)
scalar = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                   st.floats(allow_nan=True, allow_infinity=True), odd_text)
json_value = st.recursive(scalar, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                       st.dictionaries(odd_text, kids, max_size=4)), max_leaves=12)


def maybe(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A field's right value most of the time, sometimes any JSON value, sometimes absent."""
    return st.one_of(value, value, value, json_value)


def obj(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """An object with each field present or missing, plus random extra keys."""
    return st.fixed_dictionaries({}, optional={k: maybe(v) for k, v in fields.items()}).flatmap(
        lambda d: st.dictionaries(odd_text, json_value, max_size=2).map(lambda extra: {**extra, **d}))


ids = st.from_regex(r"\A[0-9]{1,19}\Z")
iso = st.one_of(st.just("2022-05-01T10:00:07.123Z"), st.datetimes().map(lambda d: d.isoformat() + "Z"), odd_text)
epoch_ms = st.one_of(st.integers(min_value=0, max_value=2 * 10**12), scalar)

x_message = obj({"id": ids, "senderId": ids, "recipientId": ids, "createdAt": iso, "text": odd_text,
                 "urls": st.lists(obj({"url": odd_text, "expanded": odd_text, "display": odd_text}), max_size=2),
                 "mediaUrls": st.lists(odd_text, max_size=2)})
x_event = st.one_of(
    st.builds(lambda m: {"messageCreate": m}, x_message),
    st.builds(lambda m: {"welcomeMessageCreate": m}, x_message),
    st.builds(lambda k, v: {k: v}, st.sampled_from(["joinConversation", "participantsLeave", "reactionCreate", "x"]),
              json_value),
    json_value,
)
x_convs = st.lists(st.one_of(
    st.builds(lambda c, ms: {"dmConversation": {"conversationId": c, "messages": ms}}, odd_text,
              st.lists(x_event, max_size=5)),
    json_value), max_size=4)

meta_message = obj({"sender_name": odd_text, "timestamp_ms": epoch_ms, "content": odd_text,
                    "share": obj({"link": odd_text, "share_text": odd_text}), "is_unsent": st.booleans(),
                    "photos": st.lists(obj({"uri": odd_text, "creation_timestamp": scalar}), max_size=2),
                    "type": st.sampled_from(["Generic", "Share", "Call", "Subscribe"])})
meta_thread = obj({"participants": st.lists(obj({"name": odd_text}), max_size=3),
                   "messages": st.lists(meta_message, max_size=6), "title": odd_text,
                   "thread_path": odd_text})
ig_followers = st.lists(obj({"title": odd_text, "string_list_data": st.lists(
    obj({"href": odd_text, "value": odd_text, "timestamp": scalar}), max_size=2)}), max_size=4)

csv_cell = st.one_of(odd_text, st.sampled_from(["2024-01-01 10:00:00 UTC", "07 Mar 2024", "3/9/24, 4:05 PM",
                                                "https://www.linkedin.com/in/robin", "INBOX", "Yes", "No"]))


def _csv(header: list[str], rows: list[list[str]], preamble: str = "") -> bytes:
    import csv

    buf = io.StringIO()
    buf.write(preamble)
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8", "surrogatepass")


LI_HEADER = ["CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO", "RECIPIENT PROFILE URLS",
             "DATE", "SUBJECT", "CONTENT", "FOLDER"]
li_rows = st.lists(st.lists(csv_cell, min_size=0, max_size=12), max_size=6)


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _dump(v: Any) -> bytes:
    return json.dumps(v, ensure_ascii=True, allow_nan=True).encode()


def check(files: dict[str, bytes], *, zipped: bool, platform: str | None = None) -> None:
    """Load the files; anything but an Inbox or an AutodmError fails the test."""
    with tempfile.TemporaryDirectory() as d:
        if zipped:
            target = Path(d) / "export.zip"
            target.write_bytes(_zip(files))
        else:
            target = Path(d) / "export"
            for name, data in files.items():
                p = target / name
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_bytes(data)
            if len(files) == 1:
                target = target / next(iter(files))
        for strict in (False, True):
            try:
                inbox = load_inbox([target], platform=platform, strict=strict)
            except AutodmError as e:
                msg = str(e)
                assert msg and "\n" not in msg.strip(), msg
                assert "Traceback" not in msg
                continue
            assert isinstance(inbox, Inbox)
            assert inbox.messages["message_id"].is_unique
            assert str(inbox.messages["sent_at"].dtype) == "datetime64[ns, UTC]"


x_files = st.builds(
    lambda convs, acct, follow: {
        "data/direct-messages.js": b"window.YTD.direct_messages.part0 = " + _dump(convs),
        "data/account.js": b"window.YTD.account.part0 = " + _dump(acct),
        "data/follower.js": b"window.YTD.follower.part0 = " + _dump(follow),
    },
    x_convs, st.lists(st.builds(lambda a: {"account": a}, obj({"accountId": ids, "username": odd_text})), max_size=1),
    st.lists(st.builds(lambda a: {"follower": a}, obj({"accountId": ids, "userLink": odd_text})), max_size=3),
)
ig_files = st.builds(
    lambda t1, t2, fol: {
        "your_instagram_activity/messages/inbox/sam_1/message_1.json": _dump(t1),
        "your_instagram_activity/messages/message_requests/kim_2/message_1.json": _dump(t2),
        "connections/followers_and_following/followers_1.json": _dump(fol),
    },
    meta_thread, meta_thread, ig_followers,
)
fb_files = st.builds(lambda t: {"messages/inbox/sam_1/message_1.json": _dump(t), "friends/friends.json": b"{}"},
                     meta_thread)
li_files = st.builds(
    lambda rows, conns: {
        "messages.csv": _csv(LI_HEADER, rows),
        "Connections.csv": _csv(["First Name", "Last Name", "URL", "Email Address", "Company", "Position",
                                 "Connected On"], conns, preamble='Notes:\n"Some e-mail addresses may be missing."\n\n'),
    },
    li_rows, li_rows,
)
canonical_files = st.builds(
    lambda msgs, owner: {"inbox.json": _dump({"owner": owner, "messages": msgs})},
    st.lists(obj({"id": odd_text, "sender_id": odd_text, "sent_at": st.one_of(iso, epoch_ms), "text": odd_text,
                  "outgoing": scalar, "urls": json_value}), max_size=6),
    json_value,
)

STRUCTURED: dict[str, tuple[st.SearchStrategy[dict[str, bytes]], str | None]] = {
    "x": (x_files, None),
    "instagram": (ig_files, None),
    "facebook": (fb_files, "facebook"),
    "linkedin": (li_files, None),
    "canonical": (canonical_files, None),
}


def _run(strategy: st.SearchStrategy[dict[str, bytes]], platform: str | None, cfg: settings) -> Callable[[], None]:
    @cfg
    @given(files=strategy, zipped=st.booleans())
    def run(files: dict[str, bytes], zipped: bool) -> None:
        check(files, zipped=zipped, platform=platform)

    return run


@pytest.mark.parametrize("name", list(STRUCTURED))
def test_structured_exports_never_crash(name: str) -> None:
    strategy, platform = STRUCTURED[name]
    _run(strategy, platform, CI)()


RAW_NAMES = ["data/direct-messages.js", "messages/inbox/a_1/message_1.json", "messages.csv", "inbox.json",
             "m.jsonl", "m.csv"]


@CI
@given(name=st.sampled_from(RAW_NAMES), data=st.binary(max_size=300), zipped=st.booleans())
def test_random_bytes_never_crash(name: str, data: bytes, zipped: bool) -> None:
    check({name: data}, zipped=zipped)


@CI
@given(files=st.one_of(x_files, ig_files, li_files, canonical_files), cut=st.floats(0, 1))
def test_truncated_files_never_crash(files: dict[str, bytes], cut: float) -> None:
    truncated = {k: v[: int(len(v) * cut)] for k, v in files.items()}
    check(truncated, zipped=False)


@CI
@given(data=st.binary(min_size=0, max_size=400), cut=st.floats(0, 1))
def test_corrupt_zips_never_crash(data: bytes, cut: float) -> None:
    good = _zip({"data/direct-messages.js": b"window.YTD.direct_messages.part0 = []"})
    with tempfile.TemporaryDirectory() as d:
        for blob in (good[: int(len(good) * cut)], good[:30] + data, data):
            p = Path(d) / "export.zip"
            p.write_bytes(blob)
            try:
                load_inbox([p])
            except AutodmError:
                pass


@pytest.mark.fuzz
@pytest.mark.parametrize("name", list(STRUCTURED))
def test_structured_exports_never_crash_long(name: str) -> None:
    strategy, platform = STRUCTURED[name]
    _run(strategy, platform, LONG)()
