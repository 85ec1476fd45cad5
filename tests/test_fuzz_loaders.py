"""Property-based fuzzing of every loader: any input gives an Inbox or one AutodmError, nothing else.

Structure-aware strategies build valid-shaped exports (the real file names and wrappers of
formats.md) filled with random values, wrong types, missing and extra keys, odd unicode (lone
surrogates, bidi overrides, NUL, BOM, mojibake, combining marks), huge and empty strings, and now
and then a whole file swapped for random JSON or bytes, given a BOM or CRLF line ends. Each field
is right-shaped most of the time, so most examples get past the first check and reach the depths
of the loader (``--hypothesis-show-statistics`` does not see the inner tests; run
``python -m tests.test_fuzz_loaders`` to print the outcome counts). Raw strategies feed random
bytes (bare and behind a valid prefix) and truncations.

Default run: 200 structured examples per loader (x, meta, linkedin, canonical; meta and
canonical draw from all their formats), 200 raw ones per loader and 200 truncations, in about
45 s on two cores. ``pytest -m fuzz`` runs 1000 per format (``AUTODM_FUZZ_EXAMPLES`` sets
another count): X, Instagram, Instagram legacy, Messenger, Messenger E2EE, LinkedIn, canonical
json/jsonl/csv, raw bytes and truncations of each.

An AutodmError must be one line that names the input.
"""

from __future__ import annotations

import collections
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from autodm.errors import AutodmError
from autodm.inbox import Inbox
from autodm.loaders import load_inbox

CI = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck), database=None)
#: ``pytest -m fuzz``: 1000 examples per format (about 13 minutes here); AUTODM_FUZZ_EXAMPLES sets another count.
LONG = settings(max_examples=int(os.environ.get("AUTODM_FUZZ_EXAMPLES", "1000")), deadline=None,
                suppress_health_check=list(HealthCheck), database=None)

HUGE = b"h" * 200_000  # over the csv module's 128 KiB field limit
#: Odd values for any text field. A lone surrogate, a NUL in a CSV and a huge string sink or slow a
#: whole file, so they come once per file at most, from :func:`mangle`.
ODD = ["", " ", "\x00", "\ufeff", "é", "\u00c3\u00a9", "\u00f0\u009f\u0098", "🚀", "=1+1", "+44 20 7946 0958",
       "\u202e", "\u200b", "e\u0301\u0301\u0301", "\r\n", "\r", "\u2028", "a" * 5000, "2024-01-01T00:00:00.000Z",
       "0001-01-01T00:00:00Z", "9999-12-31", "-0001-01-01", "1714550000", "-1", "NaN", "null", "1e309", "[NAME]",
       "{first_name}", "&lt;&amp;", "<b>x</b>", "\x1b[31m", "Yes", "INBOX"]
CSV_ODD = [t for t in ODD if "\x00" not in t]

odd_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.sampled_from(ODD),
)
scalar = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                   st.floats(allow_nan=True, allow_infinity=True), odd_text)
json_value = st.recursive(scalar, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                       st.dictionaries(odd_text, kids, max_size=4)), max_leaves=6)
_ABSENT = object()
_KEY = st.sampled_from(range(20))  # uniform (st.integers favours the ends)


@st.composite
def field(draw: st.DrawFn, value: st.SearchStrategy[Any], right: int = 14) -> Any:
    """A field's value: right-shaped ``right`` times in 20, else any JSON value (4 in 20) or absent."""
    k = draw(_KEY)
    return draw(value) if k < right else draw(json_value) if k < 18 else _ABSENT


@st.composite
def obj(draw: st.DrawFn, fields: dict[str, st.SearchStrategy[Any]], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """An object with each field usually right, sometimes wrong-typed or missing, plus random extra keys.

    ``required`` fields (what a record cannot do without) are right 18 times in 20.
    """
    out = draw(st.dictionaries(odd_text, json_value, max_size=2)) if draw(_KEY) < 3 else {}
    for k, v in fields.items():
        value = draw(field(v, 18 if k in required else 14))
        if value is not _ABSENT:
            out[k] = value
    return out


@st.composite
def mostly(draw: st.DrawFn, good: st.SearchStrategy[Any], *odd: st.SearchStrategy[Any]) -> Any:
    """``good`` 4 times in 5, else one of ``odd``."""
    return draw(good) if draw(_KEY) < 16 else draw(st.one_of(*odd))


ids = st.from_regex(r"\A[0-9]{1,19}\Z")
times = st.datetimes(min_value=__import__("datetime").datetime(2006, 1, 1),
                     max_value=__import__("datetime").datetime(2099, 12, 31))
iso = mostly(st.one_of(st.just("2022-05-01T10:00:07.123Z"), times.map(lambda d: d.isoformat() + "Z")),
             st.datetimes().map(lambda d: d.isoformat() + "Z"), odd_text)
epoch_ms = mostly(st.integers(min_value=1_136_073_600_000, max_value=4_000_000_000_000),
                  st.integers(min_value=-(2**63), max_value=2**70), scalar)
epoch_s = mostly(st.integers(min_value=1_136_073_600, max_value=4_000_000_000), scalar)
names = mostly(st.sampled_from(["Sam Sample", "Alex Example", "Chlo\u00c3\u00a9 M\u00c3\u00bcller", "kim.k"]), odd_text)

# --------------------------------------------------------------------------- X

x_message = obj({"id": ids, "senderId": st.sampled_from(["1111", "2222", "3333"]), "recipientId": ids,
                 "createdAt": iso, "text": odd_text,
                 "urls": st.lists(obj({"url": odd_text, "expanded": odd_text, "display": odd_text}), max_size=2),
                 "mediaUrls": st.lists(odd_text, max_size=1), "reactions": st.lists(json_value, max_size=1)},
                ("id", "senderId", "createdAt", "text"))
x_event = st.one_of(
    st.builds(lambda m: {"messageCreate": m}, x_message),
    st.builds(lambda m: {"messageCreate": m}, x_message),
    st.builds(lambda m: {"welcomeMessageCreate": m}, x_message),
    st.builds(lambda k, v: {k: v}, st.sampled_from(["joinConversation", "participantsLeave", "reactionCreate", "x"]),
              json_value),
    json_value,
)
x_convs = st.lists(mostly(
    st.builds(lambda c, ms: {"dmConversation": {"conversationId": c, "messages": ms}},
              mostly(st.just("1111-2222"), odd_text), st.lists(x_event, min_size=1, max_size=4)),
    json_value), min_size=1, max_size=3)
x_files = st.builds(
    lambda convs, acct, follow, pretty: {
        "data/direct-messages.js": b"window.YTD.direct_messages.part0 = " + _dump(convs, pretty),
        "data/account.js": b"window.YTD.account.part0 = " + _dump(acct),
        "data/follower.js": b"window.YTD.follower.part0 = " + _dump(follow),
    },
    x_convs, st.lists(st.builds(lambda a: {"account": a}, obj({"accountId": ids, "username": odd_text})), max_size=1),
    st.lists(st.builds(lambda a: {"follower": a}, obj({"accountId": ids, "userLink": odd_text})), max_size=3),
    st.booleans(),  # X's own pretty print (its loader splits that layout without parsing it whole)
)

# --------------------------------------------------------------------------- Meta

meta_message = obj({"sender_name": names, "timestamp_ms": epoch_ms, "content": odd_text,
                    "share": obj({"link": odd_text, "share_text": odd_text}), "is_unsent": st.booleans(),
                    "photos": st.lists(obj({"uri": odd_text, "creation_timestamp": scalar}), max_size=2),
                    "reactions": st.lists(obj({"reaction": odd_text, "actor": names}), max_size=1),
                    "type": st.sampled_from(["Generic", "Share", "Call", "Subscribe"])},
                   ("sender_name", "timestamp_ms", "content"))
meta_thread = obj({"participants": st.lists(obj({"name": names}), max_size=3),
                   "messages": st.lists(meta_message, min_size=1, max_size=5), "title": odd_text,
                   "thread_path": odd_text, "thread_type": st.sampled_from(["Regular", "RegularGroup"])},
                  ("participants", "messages"))
ig_followers = st.lists(obj({"title": odd_text, "string_list_data": st.lists(
    obj({"href": odd_text, "value": names, "timestamp": epoch_s}), max_size=2)}), max_size=4)
ig_files = st.builds(
    lambda t1, t2, fol: {
        "your_instagram_activity/messages/inbox/sam_1/message_1.json": _dump(t1),
        "your_instagram_activity/messages/message_requests/kim_2/message_1.json": _dump(t2),
        "connections/followers_and_following/followers_1.json": _dump(fol),
    },
    meta_thread, meta_thread, ig_followers,
)
fb_files = st.builds(
    lambda t, friends: {"messages/inbox/sam_1/message_1.json": _dump(t), "friends/friends.json": _dump(friends)},
    meta_thread, obj({"friends": st.lists(obj({"name": names, "timestamp": epoch_s}), max_size=3)}))
e2ee_message = obj({"senderName": names, "timestamp": epoch_ms, "text": odd_text,
                    "type": st.sampled_from(["text", "link", "media", "placeholder"]), "isUnsent": st.booleans(),
                    "media": st.lists(obj({"uri": odd_text}), max_size=1),
                    "reactions": st.lists(json_value, max_size=1)}, ("senderName", "timestamp", "text"))
e2ee_thread = obj({"participants": st.lists(names, max_size=3), "threadName": odd_text,
                   "messages": st.lists(e2ee_message, min_size=1, max_size=6)}, ("threadName", "messages"))
e2ee_files = st.builds(
    lambda t, t2: {"messenger_secure/alex_3.json": _dump(t), "messenger_secure/kim_4.json": _dump(t2)},
    e2ee_thread, e2ee_thread)
legacy_conv = obj({"participants": st.lists(names, max_size=3), "conversation": st.lists(
    obj({"sender": names, "created_at": iso, "text": odd_text, "link": odd_text, "heart": odd_text,
         "media_share_url": odd_text}, ("sender", "created_at", "text")), min_size=1, max_size=5)},
                  ("participants", "conversation"))
ig_legacy_files = st.builds(lambda convs, prof: {"messages.json": _dump(convs), "profile.json": _dump(prof)},
                            st.lists(mostly(legacy_conv, json_value), max_size=3),
                            obj({"username": names, "name": names}))

# --------------------------------------------------------------------------- LinkedIn

csv_text = st.one_of(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                             max_size=40), st.sampled_from(CSV_ODD))
csv_cell = mostly(st.sampled_from(["2024-01-01 10:00:00 UTC", "2019-11-06T02:08:20", "07 Mar 2024", "3/9/24, 4:05 PM",
                                   "https://www.linkedin.com/in/robin", "https://www.linkedin.com/in/sam", "INBOX",
                                   "INCOMING", "OUTGOING", "Yes", "No", "Sam Sample", "Hello there"]),
                  csv_text)
LI_HEADER = ["CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO", "RECIPIENT PROFILE URLS",
             "DATE", "SUBJECT", "CONTENT", "FOLDER"]
LI_LEGACY_HEADER = ["FROM", "TO", "DATE", "SUBJECT", "CONTENT", "DIRECTION", "FOLDER"]
LI_CONNECTIONS_HEADER = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
LI_INVITATIONS_HEADER = ["From", "To", "Sent At", "Message", "Direction", "inviterProfileUrl", "inviteeProfileUrl"]
csv_names = mostly(st.sampled_from(["Sam Sample", "Alex Example", "Chlo\u00c3\u00a9 M\u00c3\u00bcller", "kim.k"]),
                   csv_text)
li_urls = mostly(st.sampled_from(["https://www.linkedin.com/in/robin", "https://www.linkedin.com/in/sam",
                                  "https://linkedin.com/in/Sam/", "https://www.linkedin.com/in/robin; "
                                  "https://www.linkedin.com/in/kim"]), csv_text)
li_dates = mostly(times.map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S UTC")), csv_cell)
#: Column -> cell values (right-shaped most of the time), for every LinkedIn CSV.
LI_VALUES: dict[str, st.SearchStrategy[str]] = {
    "CONVERSATION ID": mostly(st.sampled_from(["2-abc", "2-def", ""]), csv_text), "CONVERSATION TITLE": csv_text,
    "FROM": csv_names, "TO": csv_names, "SENDER PROFILE URL": li_urls, "RECIPIENT PROFILE URLS": li_urls,
    "DATE": st.one_of(li_dates, li_dates.map(lambda d: d.replace(" ", "T", 1).removesuffix(" UTC"))),
    "SUBJECT": csv_text, "CONTENT": csv_cell, "FOLDER": mostly(st.sampled_from(["INBOX", "ARCHIVE"]), csv_text),
    "DIRECTION": mostly(st.sampled_from(["INCOMING", "OUTGOING"]), csv_text), "ATTACHMENTS": csv_text,
    "IS MESSAGE DRAFT": st.sampled_from(["Yes", "No", ""]),
    "First Name": csv_names, "Last Name": csv_names, "URL": li_urls, "Email Address": csv_text, "Company": csv_text,
    "Position": csv_text, "Connected On": mostly(times.map(lambda d: d.strftime("%d %b %Y")), csv_cell),
    "From": csv_names, "To": csv_names, "Message": csv_cell,
    "Direction": mostly(st.sampled_from(["INCOMING", "OUTGOING"]), csv_text),
    "Sent At": mostly(times.map(lambda d: d.strftime("%-m/%-d/%y, %-I:%M %p")), csv_cell),
    "inviterProfileUrl": li_urls, "inviteeProfileUrl": li_urls,
}


@st.composite
def csv_rows(draw: st.DrawFn, header: list[str], values: dict[str, st.SearchStrategy[str]]) -> list[list[str]]:
    """Rows for ``header``: each cell from its column's strategy; now and then a row too short or too long."""
    rows = []
    for _ in range(draw(st.integers(1, 6))):
        row = [draw(values.get(col, csv_cell)) for col in header]
        k = draw(_KEY)
        rows.append(row[:draw(st.integers(0, len(row)))] if k == 0 else [*row, draw(csv_cell)] if k == 1 else row)
    return rows


def _csv(header: list[str], rows: list[list[str]], preamble: str = "") -> bytes:
    import csv

    buf = io.StringIO()
    buf.write(preamble)
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8", "surrogatepass")


li_header = st.one_of(st.just(LI_HEADER), st.just(LI_HEADER), st.just([*LI_HEADER, "ATTACHMENTS", "IS MESSAGE DRAFT"]),
                      st.permutations(LI_HEADER), st.just(LI_LEGACY_HEADER))


@st.composite
def _li_files(draw: st.DrawFn) -> dict[str, bytes]:
    header = draw(li_header)
    return {
        "messages.csv": _csv(header, draw(csv_rows(header, LI_VALUES))),
        "Connections.csv": _csv(LI_CONNECTIONS_HEADER, draw(csv_rows(LI_CONNECTIONS_HEADER, LI_VALUES)),
                                preamble='Notes:\n"Some e-mail addresses may be missing."\n\n'),
        "Invitations.csv": _csv(LI_INVITATIONS_HEADER, draw(csv_rows(LI_INVITATIONS_HEADER, LI_VALUES))),
    }


li_files = _li_files()

# --------------------------------------------------------------------------- canonical

canonical_message = obj({"id": mostly(ids, odd_text), "sender_id": mostly(st.sampled_from(["a", "b", "me"]), odd_text),
                         "sent_at": st.one_of(iso, epoch_s), "text": odd_text,
                         "outgoing": mostly(st.sampled_from([True, False, None, "true", "no", "1", ""]), scalar),
                         "urls": mostly(st.lists(odd_text, max_size=2), json_value), "conversation_id": odd_text,
                         "sender_name": names, "recipient_id": odd_text, "kind": odd_text,
                         "followed_at": st.one_of(iso, epoch_s)}, ("id", "sender_id", "sent_at", "text"))
canonical_follow = obj({"user_id": st.sampled_from(["a", "b"]), "user_name": names,
                        "followed_at": st.one_of(iso, epoch_s), "precision": st.sampled_from(["second", "day", "x"]),
                        "direction": odd_text}, ("user_id", "followed_at"))
canonical_json_files = st.one_of(
    st.builds(
        lambda msgs, owner, follows: {"inbox.json": _dump({"owner": owner, "messages": msgs, "follows": follows})},
        st.lists(mostly(canonical_message, json_value), min_size=1, max_size=6),
        mostly(obj({"id": st.just("me"), "name": names, "handle": odd_text}), json_value),
        mostly(st.lists(mostly(canonical_follow, json_value), max_size=3), json_value),
    ),
    st.builds(lambda msgs: {"inbox.json": _dump(msgs)}, st.lists(canonical_message, max_size=6)),
)
canonical_jsonl_files = st.builds(
    lambda lines, blank: {"messages.jsonl": b"\n".join(_dump(m) if m is not None else blank for m in lines)},
    st.lists(mostly(canonical_message, json_value, st.none()), min_size=1, max_size=8),
    st.sampled_from([b"", b"  ", b"{", b"]"]),
)
CANONICAL_COLUMNS = ["id", "message_id", "sender_id", "sent_at", "text", "outgoing", "urls", "conversation_id",
                     "sender_name", "recipient_id", "kind", "followed_at", "extra"]
csv_times = st.one_of(mostly(times.map(lambda d: d.isoformat() + "Z"), csv_cell),
                      mostly(st.integers(1_136_073_600, 4_000_000_000).map(str), csv_cell))
CANONICAL_VALUES: dict[str, st.SearchStrategy[str]] = {
    "id": mostly(ids, csv_text), "message_id": mostly(ids, csv_text),
    "sender_id": mostly(st.sampled_from(["a", "b", "me"]), csv_text), "sent_at": csv_times, "text": csv_cell,
    "outgoing": mostly(st.sampled_from(["true", "false", "1", "0", "yes", ""]), csv_text),
    "urls": mostly(st.sampled_from(["", "https://a.example https://b.example", "https://c.example,https://d"]),
                   csv_text),
    "sender_name": csv_names, "followed_at": csv_times,
}


@st.composite
def _canonical_csv(draw: st.DrawFn) -> dict[str, bytes]:
    k = draw(_KEY)
    if k < 16:
        extra = draw(st.lists(st.sampled_from(CANONICAL_COLUMNS[5:]), max_size=3, unique=True))
        header = draw(st.permutations(["id", "sender_id", "sent_at", "text", *extra]))
    elif k < 18:
        header = draw(st.lists(st.sampled_from(CANONICAL_COLUMNS), min_size=3, max_size=8))
    else:
        header = draw(st.lists(st.one_of(csv_text, st.sampled_from([" ID ", "Sender_ID", "SENT_AT", "\ufefftext"])),
                               max_size=6))
    return {"messages.csv": _csv(header, draw(csv_rows(header, CANONICAL_VALUES)))}


canonical_csv_files = _canonical_csv()
canonical_files = st.one_of(canonical_json_files, canonical_jsonl_files, canonical_csv_files)


# --------------------------------------------------------------------------- running


def _dump(v: Any, pretty: bool = False) -> bytes:
    return json.dumps(v, ensure_ascii=True, allow_nan=True, indent=2 if pretty else None).encode()


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _inject(data: bytes, what: bytes) -> bytes:
    """``what`` put inside the file's first string value (JSON), or as a quoted cell of a new CSV row."""
    at = data.find(b': "')
    if at >= 0:
        return data[:at + 3] + what + data[at + 3:]
    return data + b'\n"' + what + b'",x\n'


@st.composite
def _mangled(draw: st.DrawFn, files: st.SearchStrategy[dict[str, bytes]]) -> dict[str, bytes]:
    out = {}
    for name, data in draw(files).items():
        k = draw(_KEY)
        if k == 14:
            data = _dump(draw(json_value))
        elif k == 15:
            data = draw(st.binary(max_size=60))
        elif k == 16:
            data = b"\xef\xbb\xbf" + data
        elif k == 17:
            data = data.replace(b"\n", b"\r\n")
        elif k == 18:
            data = _inject(data, draw(st.sampled_from([b"\\ud83d", b"\xed\xa0\xbd", b"\x00", b"\\u0000"])))
        elif k == 19:
            data = _inject(data, HUGE)
        out[name] = data
    return out


def mangle(files: st.SearchStrategy[dict[str, bytes]]) -> st.SearchStrategy[dict[str, bytes]]:
    """Now and then swap a whole file for random JSON or bytes, give it a BOM or CRLF line ends, or put a
    lone surrogate (JSON escape, or raw bytes), a NUL or a 200 KB string in it (each 1 in 20)."""
    return _mangled(files)


def _outcome(e: AutodmError) -> str:
    """An error's kind for the statistics: its first words, without paths and numbers."""
    msg = str(e).split(": ", 1)[-1]
    return f"{type(e).__name__}: {' '.join(w for w in msg.split()[:4] if not any(c.isdigit() for c in w))}"


def check(files: dict[str, bytes], *, zipped: bool, strict: bool = False, platform: str | None = None) -> None:
    """Load the files (as a zip or a folder, leniently or under --strict); an Inbox or an AutodmError."""
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
        try:
            inbox = load_inbox([target], platform=platform, strict=strict)
        except AutodmError as e:
            msg = str(e)
            assert msg and "\n" not in msg and "\r" not in msg, msg
            assert "Traceback" not in msg
            assert d in msg, msg  # names the file (or the export)
            event(("strict " if strict else "") + _outcome(e))
            return
        assert isinstance(inbox, Inbox)
        assert inbox.messages["message_id"].is_unique
        assert str(inbox.messages["sent_at"].dtype) == "datetime64[ns, UTC]"
        assert inbox.messages["text"].notna().all() and inbox.messages["sender_id"].notna().all()
        assert not (strict and inbox.skips.total)
        event(("strict " if strict else "") + "Inbox" + (" with skipped records" if inbox.skips.total else ""))


#: Per loader, what the default run draws from (every format of the family) and its platform option.
STRUCTURED: dict[str, tuple[st.SearchStrategy[dict[str, bytes]], str | None]] = {
    "x": (mangle(x_files), None),
    "meta": (mangle(st.one_of(ig_files, fb_files, e2ee_files, ig_legacy_files)), None),
    "linkedin": (mangle(li_files), None),
    "canonical": (mangle(canonical_files), None),
}
#: Per format, for the long run.
FORMATS: dict[str, tuple[st.SearchStrategy[dict[str, bytes]], str | None]] = {
    "x": (mangle(x_files), None),
    "instagram": (mangle(ig_files), None),
    "instagram-legacy": (mangle(ig_legacy_files), None),
    "facebook": (mangle(fb_files), "facebook"),
    "messenger-e2ee": (mangle(e2ee_files), None),
    "linkedin": (mangle(li_files), None),
    "canonical-json": (mangle(canonical_json_files), None),
    "canonical-jsonl": (mangle(canonical_jsonl_files), None),
    "canonical-csv": (mangle(canonical_csv_files), None),
}


def _run(strategy: st.SearchStrategy[dict[str, bytes]], platform: str | None, cfg: settings) -> Callable[[], None]:
    @cfg
    @given(files=strategy, zipped=st.booleans(), strict=st.booleans())
    def run(files: dict[str, bytes], zipped: bool, strict: bool) -> None:
        check(files, zipped=zipped, strict=strict, platform=platform)

    return run


@pytest.mark.parametrize("name", list(STRUCTURED))
def test_structured_exports_never_crash(name: str) -> None:
    strategy, platform = STRUCTURED[name]
    _run(strategy, platform, CI)()


#: Raw bytes, bare and behind a valid prefix, under each loader's own file names.
RAW: dict[str, list[tuple[str, bytes]]] = {
    "x": [("data/direct-messages.js", b""), ("data/direct-messages.js", b"window.YTD.direct_messages.part0 = [ {")],
    "meta": [("messages/inbox/a_1/message_1.json", b""),
             ("messages/inbox/a_1/message_1.json", b'{"participants": [], "messages": [{"sender_name": ')],
    "linkedin": [("messages.csv", b""), ("messages.csv", ",".join(LI_HEADER).encode() + b"\n")],
    "canonical": [("inbox.json", b'{"messages": [{"id": '), ("m.jsonl", b'{"id": "1", "sender_id": "a", '
                  b'"sent_at": 1714550000, "text": "x"}\n'), ("m.csv", b"id,sender_id,sent_at,text\n"), ("m.csv", b"")],
}


def _raw(name: str, cfg: settings, size: int) -> Callable[[], None]:
    @cfg
    @given(which=st.sampled_from(RAW[name]), data=st.binary(max_size=size), zipped=st.booleans(),
           strict=st.booleans())
    def run(which: tuple[str, bytes], data: bytes, zipped: bool, strict: bool) -> None:
        check({which[0]: which[1] + data}, zipped=zipped, strict=strict)

    return run


@pytest.mark.parametrize("name", list(RAW))
def test_random_bytes_never_crash(name: str) -> None:
    _raw(name, CI, 300)()


def _truncated(strategy: st.SearchStrategy[dict[str, bytes]], cfg: settings) -> Callable[[], None]:
    @cfg
    @given(files=strategy, cut=st.floats(0, 1), strict=st.booleans())
    def run(files: dict[str, bytes], cut: float, strict: bool) -> None:
        check({k: v[: int(len(v) * cut)] for k, v in files.items()}, zipped=False, strict=strict)

    return run


def test_truncated_files_never_crash() -> None:
    _truncated(st.one_of(x_files, fb_files, e2ee_files, li_files, canonical_files), CI)()


@CI
@given(data=st.binary(min_size=0, max_size=400), cut=st.floats(0, 1), flip=st.integers(0, 10_000))
def test_corrupt_zips_never_crash(data: bytes, cut: float, flip: int) -> None:
    good = _zip({"data/direct-messages.js": b"window.YTD.direct_messages.part0 = []",
                 "inbox.json": b'{"messages": []}'})
    flipped = bytearray(good)
    flipped[flip % len(good)] ^= 0xFF
    with tempfile.TemporaryDirectory() as d:
        for blob in (good[: int(len(good) * cut)], good[:30] + data, data, bytes(flipped)):
            p = Path(d) / "export.zip"
            p.write_bytes(blob)
            try:
                load_inbox([p])
            except AutodmError as e:
                assert "\n" not in str(e) and str(p) in str(e), str(e)


@pytest.mark.fuzz
@pytest.mark.parametrize("name", list(FORMATS))
def test_structured_exports_never_crash_long(name: str) -> None:
    strategy, platform = FORMATS[name]
    _run(strategy, platform, LONG)()


@pytest.mark.fuzz
@pytest.mark.parametrize("name", list(RAW))
def test_random_bytes_never_crash_long(name: str) -> None:
    _raw(name, LONG, 3000)()


@pytest.mark.fuzz
@pytest.mark.parametrize("name", ["x", "instagram", "messenger-e2ee", "linkedin", "canonical-json", "canonical-jsonl",
                                  "canonical-csv"])
def test_truncated_files_never_crash_long(name: str) -> None:
    _truncated(FORMATS[name][0], LONG)()


def _statistics() -> None:
    """``python -m tests.test_fuzz_loaders [FORMAT ...]``: how 200 examples of each format end."""
    import sys
    import time

    counts: collections.Counter[str] = collections.Counter()
    globals()["event"] = lambda what: counts.update([what])
    for name in sys.argv[1:] or list(FORMATS):
        counts.clear()
        t0 = time.perf_counter()
        _run(*FORMATS[name], CI)()
        print(f"{name} ({time.perf_counter() - t0:.1f} s):", dict(counts.most_common(6)))


if __name__ == "__main__":
    _statistics()
