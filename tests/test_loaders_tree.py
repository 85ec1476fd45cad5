from __future__ import annotations

import io
import logging
import os
import stat
import struct
import time
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import pytest

from autodm.errors import InputError
from autodm.loaders import load_inbox
from autodm.loaders import tree as tree_mod
from autodm.loaders.tree import ExportTree

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_find_by_suffix_any_depth_any_case(tmp_path: Path) -> None:
    z = _zip(tmp_path / "a.zip", {"top/Data/Account.js": b"x", "top/data/other.js": b"y"})
    t = ExportTree.open([z])
    assert t.find("data/account.js") == ["top/Data/Account.js"]
    assert t.find("account.js") == ["top/Data/Account.js"]
    assert t.find("ccount.js") == []  # whole path components only
    assert t.display("top/Data/Account.js") == f"{z}:top/Data/Account.js"


def test_several_zips_and_folders_are_one_tree(tmp_path: Path) -> None:
    z1 = _zip(tmp_path / "p1.zip", {"messages/inbox/a/message_1.json": b"{}"})
    z2 = _zip(tmp_path / "p2.zip", {"messages/inbox/b/message_1.json": b"{}"})
    d = tmp_path / "dir"
    (d / "sub").mkdir(parents=True)
    (d / "sub" / "f.txt").write_text("hi", encoding="utf-8")
    t = ExportTree.open([z1, z2, d])
    assert sorted(t.paths()) == ["messages/inbox/a/message_1.json", "messages/inbox/b/message_1.json", "sub/f.txt"]
    assert t.read_text("sub/f.txt") == "hi"



def test_the_same_path_in_two_inputs_keeps_both_files_unless_they_are_copies(tmp_path: Path) -> None:
    """LinkedIn's Basic and Complete zips, Instagram's date-range exports, an older and a newer
    archive: a file at the same path in another input used to vanish behind the first input's,
    by argument order. A different file is kept under a folder of its own (found by the same
    suffix, named by its real path); an exact copy, from a zip or a folder, is read once."""
    a = _zip(tmp_path / "a.zip", {"x/messages.csv": b"old", "x/same.txt": b"same"})
    b = _zip(tmp_path / "b.zip", {"x/messages.csv": b"new!", "x/same.txt": b"same"})
    folder = tmp_path / "c"
    (folder / "x").mkdir(parents=True)
    (folder / "x" / "messages.csv").write_bytes(b"third")
    (folder / "x" / "same.txt").write_bytes(b"same")
    t = ExportTree.open([a, b, folder])
    hits = t.find("messages.csv")
    assert sorted(t.read_bytes(h) for h in hits) == [b"new!", b"old", b"third"]
    assert [t.read_bytes(h) for h in t.find("x/same.txt")] == [b"same"]
    assert t.ignored[tree_mod.SAME_FILE] == 2
    shown = {t.display(h) for h in hits}
    assert shown == {f"{a}:x/messages.csv", f"{b}:x/messages.csv", str(folder / "x" / "messages.csv")}



def test_basic_and_complete_linkedin_zips_read_as_one_export_in_either_order(tmp_path: Path) -> None:
    """The Basic zip comes first with part of messages.csv, the Complete one later with all of it;
    passed together, every message is read once, whichever comes first on the command line."""
    import linkedin_fixtures as li

    full = li.export_current()
    lines = full["messages.csv"].splitlines(keepends=True)
    basic = li.write_zip(tmp_path / "Basic_LinkedInDataExport_08-14-2024.zip",
                         {**full, "messages.csv": "".join(lines[:3])}, top=li.TOP)  # two whole rows
    complete = li.write_zip(tmp_path / li.ZIP_NAME, full, top=li.TOP)
    alone = load_inbox([complete]).messages
    for order in ([basic, complete], [complete, basic]):
        both = load_inbox(order).messages
        assert len(both) == len(alone) > 3
        assert sorted(both["message_id"]) == sorted(alone["message_id"])


def test_traversal_names_are_dropped_and_nothing_is_extracted(tmp_path: Path) -> None:
    z = _zip(tmp_path / "evil.zip", {"../../etc/passwd": b"x", "/abs/file": b"y", "ok/file.js": b"z"})
    t = ExportTree.open([z])
    assert sorted(t.paths()) == ["abs/file", "ok/file.js"]
    assert t.read_bytes("abs/file") == b"y"


def test_bad_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        ExportTree.open([tmp_path / "missing.zip"])
    bad = tmp_path / "broken.zip"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match="not a readable zip"):
        ExportTree.open([bad])
    z = _zip(tmp_path / "latin.zip", {"f.txt": "café".encode("latin-1")})
    with pytest.raises(InputError, match=r"latin\.zip:f\.txt: not UTF-8"):
        ExportTree.open([z]).read_text("f.txt")


def test_bom_is_accepted(tmp_path: Path) -> None:
    f = tmp_path / "x.json"
    f.write_bytes(b"\xef\xbb\xbf{}")
    assert ExportTree.open([f]).read_text("x.json") == "{}"


def test_zip_bomb_ratio_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    z = _zip(tmp_path / "bomb.zip", {"data/direct-messages.js": b"\0" * (3 * 1024 * 1024)})
    monkeypatch.setattr(tree_mod, "MAX_RATIO", 50)
    with pytest.raises(InputError, match="zip bomb"):
        ExportTree.open([z]).read_bytes("data/direct-messages.js")


def test_total_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    z = _zip(tmp_path / "big.zip", {"a": b"x" * 5000})
    monkeypatch.setattr(tree_mod, "MAX_TOTAL_BYTES", 1000)
    with pytest.raises(InputError, match="AUTODM_MAX_TOTAL_BYTES"):
        ExportTree.open([z])


# --------------------------------------------------------------------------- archive safety

MSG = b'{"messages": [{"id": "1", "sender_id": "a", "sent_at": "2024-01-01T00:00:00Z", "text": "hi"}]}'
THREAD = b'{"participants": [{"name": "A"}, {"name": "B"}], "messages": [{"sender_name": "A", ' \
         b'"timestamp_ms": 1714600100000, "content": "hi"}]}'


def _patch_central(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    """Overwrite one field of the (first) central directory entry of a zip held in memory."""
    out = bytearray(data)
    struct.pack_into(fmt, out, out.rfind(b"PK\x01\x02") + offset, value)
    return bytes(out)


def _lying_zip(path: Path, name: str, real: bytes, claim: int) -> Path:
    """A zip whose central directory says ``claim`` bytes for a member that inflates to ``real``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, real)
    path.write_bytes(_patch_central(buf.getvalue(), 24, "<I", claim))  # 24: uncompressed size
    return path


@pytest.mark.parametrize("loader", ["tree", "meta"])
def test_member_that_lies_about_its_size_is_read_with_a_cap(tmp_path: Path, loader: str) -> None:
    name = "messages/inbox/a_1/message_1.json"
    z = _lying_zip(tmp_path / "lie.zip", name, b"\0" * (64 * 1024**2), 100)
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match=r"lie\.zip:messages/inbox/a_1/message_1\.json: cannot read"):
            if loader == "tree":
                ExportTree.open([z]).read_bytes(name)
            else:
                load_inbox([z])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024**2  # never inflated the 64 MiB the header hides


def test_zip_bomb_ratio_is_refused_with_the_default_limit(tmp_path: Path) -> None:
    assert tree_mod.MAX_RATIO == 1000
    bomb = _zip(tmp_path / "bomb.zip", {"inbox.json": b"\0" * (8 * 1024**2)})  # deflate: ~1030:1
    with pytest.raises(InputError, match=r"bomb\.zip: its files claim 8388608 bytes .*\(over 1000:1\)"):
        load_inbox([bomb])
    # beside incompressible media the archive as a whole looks fine: the member check refuses it
    mixed = _zip(tmp_path / "mixed.zip", {"inbox.json": b"\0" * (8 * 1024**2), "photo.jpg": os.urandom(2**20)})
    tree = ExportTree.open([mixed])
    with pytest.raises(InputError, match=r"mixed\.zip:inbox\.json: compression ratio \d+:1 is over 1000:1"):
        tree.read_bytes("inbox.json")
    meta = _zip(tmp_path / "meta.zip", {"messages/inbox/a_1/message_1.json": b" " * (8 * 1024**2),
                                        "messages/inbox/a_1/photos/p.jpg": os.urandom(2**20)})
    with pytest.raises(InputError, match=r"meta\.zip:messages/inbox/a_1/message_1\.json: compression ratio"):
        load_inbox([meta])


def test_archive_ratio_counts_all_members(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # each member is under the 1 MiB floor of the per-member check; together they are a bomb
    z = _zip(tmp_path / "many.zip", {f"f{i}.txt": b"\0" * (512 * 1024) for i in range(8)})
    monkeypatch.setattr(tree_mod, "MAX_RATIO", 100)
    with pytest.raises(InputError, match=r"many\.zip: its files claim 4194304 bytes .* zip bomb"):
        ExportTree.open([z])


def test_member_and_member_count_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    z = _zip(tmp_path / "a.zip", {"inbox.json": MSG})
    monkeypatch.setattr(tree_mod, "MAX_MEMBER_BYTES", 50)
    with pytest.raises(InputError, match=r"a\.zip:inbox\.json: \d+ bytes uncompressed is over the 50-byte"):
        ExportTree.open([z]).read_bytes("inbox.json")
    f = tmp_path / "inbox.json"
    f.write_bytes(MSG)
    with pytest.raises(InputError, match=r"inbox\.json: \d+ bytes is over the 50-byte limit"):
        load_inbox([f])
    monkeypatch.setattr(tree_mod, "MAX_MEMBER_BYTES", 4 * 1024**3)
    monkeypatch.setattr(tree_mod, "MAX_MEMBERS", 100)
    many = _zip(tmp_path / "many.zip", {f"f{i}.txt": b"x" for i in range(150)})
    with pytest.raises(InputError, match=r"150 files in the zip is more than 100"):
        ExportTree.open([many])  # refused from the end record, before the directory is parsed


def test_thousands_of_tiny_members_are_read_in_linear_time(tmp_path: Path) -> None:
    n = 4000
    z = tmp_path / "big.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(n):
            zf.writestr(f"messages/inbox/t{i}_1/message_1.json", THREAD)
    t0 = time.perf_counter()
    tree = ExportTree.open([z])
    assert sum(len(tree.read_bytes(p)) for p in tree.paths()) == n * len(THREAD)
    inbox = load_inbox([z])
    assert len(inbox.messages) == n
    assert time.perf_counter() - t0 < 20  # reopening the zip per member took minutes


def test_absolute_and_climbing_names_are_ignored_with_a_warning(tmp_path: Path,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    z = _zip(tmp_path / "evil.zip", {"../../x/inbox.json": MSG, "C:/win/inbox.json": MSG,
                                     "a/../../inbox.json": MSG, "/abs/inbox.json": MSG})
    with caplog.at_level(logging.WARNING):
        t = ExportTree.open([z])
    assert t.paths() == ["abs/inbox.json"]
    assert t.ignored == {tree_mod.UNSAFE_NAME: 3}
    assert "evil.zip: ignored 3 file(s): unsafe name (.. or a drive letter) (3)" in caplog.text
    assert not (tmp_path / "x").exists() and not (tmp_path.parent / "x").exists()
    assert load_inbox([z]).messages["text"].tolist() == ["hi"]


def test_symlink_members_in_a_zip_are_never_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.json"
    secret.write_bytes(MSG.replace(b"hi", b"SECRET"))
    z = tmp_path / "links.zip"
    with zipfile.ZipFile(z, "w") as zf:
        link = zipfile.ZipInfo("export/inbox.json")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, str(secret))
        zf.writestr("export/readme.txt", b"x")
    t = ExportTree.open([z])
    assert t.paths() == ["export/readme.txt"] and t.ignored == {tree_mod.SYMLINK: 1}
    with pytest.raises(InputError, match="not a DM export"):
        load_inbox([z])


def test_symlinks_in_a_folder_are_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "inbox").mkdir(parents=True)
    (outside / "inbox" / "message_1.json").write_bytes(THREAD)
    (outside / "secret.json").write_bytes(MSG)
    export = tmp_path / "export"
    (export / "messages" / "inbox" / "a_1").mkdir(parents=True)
    (export / "messages" / "inbox" / "a_1" / "message_1.json").write_bytes(THREAD)
    (export / "messages" / "inbox" / "b_2").symlink_to(outside / "inbox")  # a folder link out
    (export / "inbox.json").symlink_to(outside / "secret.json")  # a file link out
    (export / "inside.json").symlink_to(export / "messages" / "inbox" / "a_1" / "message_1.json")
    t = ExportTree.open([export])
    assert t.paths() == ["messages/inbox/a_1/message_1.json"]
    assert t.ignored == {tree_mod.SYMLINK: 3}
    assert len(load_inbox([export]).messages) == 1
    # a member swapped for a link after indexing (a race) is refused, not followed
    member = export / "messages" / "inbox" / "a_1" / "message_1.json"
    member.unlink()
    member.symlink_to(outside / "secret.json")
    with pytest.raises(InputError, match="is a link; autodm never follows links"):
        t.read_bytes("messages/inbox/a_1/message_1.json")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_in_a_folder_is_skipped_not_read(tmp_path: Path) -> None:
    export = tmp_path / "export"
    export.mkdir()
    (export / "inbox.json").write_bytes(MSG)
    os.mkfifo(export / "pipe.json")  # reading it would block forever
    t = ExportTree.open([export])
    assert t.paths() == ["inbox.json"] and t.ignored == {tree_mod.NOT_REGULAR: 1}
    assert len(load_inbox([export]).messages) == 1


def test_encrypted_member_is_a_clear_error(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("inbox.json", MSG)
    data = bytearray(_patch_central(buf.getvalue(), 8, "<H", 0x1))  # 8: general purpose flags
    struct.pack_into("<H", data, 6, 0x1)  # the local header's flags too
    z = tmp_path / "locked.zip"
    z.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"locked\.zip:inbox\.json: the zip is encrypted .*without a password"):
        load_inbox([z])


@pytest.mark.parametrize(("method", "name"), [(zipfile.ZIP_BZIP2, "bzip2"), (zipfile.ZIP_LZMA, "LZMA"),
                                              (9, "deflate64"), (99, "AES encryption")])
def test_compression_methods_that_can_hide_a_bomb_are_refused(tmp_path: Path, method: int, name: str) -> None:
    z = tmp_path / "odd.zip"
    if method in (zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
        with zipfile.ZipFile(z, "w", method) as zf:
            zf.writestr("inbox.json", MSG)
    else:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("inbox.json", MSG)
        z.write_bytes(_patch_central(buf.getvalue(), 10, "<H", method))  # 10: compression method
    with pytest.raises(InputError, match=rf"odd\.zip:inbox\.json: compressed with {name}; .*unzip it"):
        load_inbox([z])


def test_nested_zips_are_ignored_with_a_note(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    inner = _zip(tmp_path / "inner.zip", {"data/direct-messages.js": b"window.YTD.direct_messages.part0 = []"})
    outer = _zip(tmp_path / "outer.zip", {"inbox.json": MSG, "backup/inner.zip": inner.read_bytes()})
    with caplog.at_level(logging.WARNING):
        inbox = load_inbox([outer])
    assert inbox.platform == "canonical" and len(inbox.messages) == 1
    assert "outer.zip: ignored 1 zip file(s) inside the export (backup/inner.zip)" in caplog.text
    assert "pass each one as an input of its own" in caplog.text
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "part1.zip").write_bytes(inner.read_bytes())
    (folder / "part2.zip").write_bytes(inner.read_bytes())
    t = ExportTree.open([folder])
    assert t.paths() == [] and t.ignored == {tree_mod.NESTED_ZIP: 2}
    with pytest.raises(InputError, match=r"downloads: holds only zip files.*pass the zip itself"):
        load_inbox([folder])  # not "the export is empty", after a warning about its zips



def test_an_export_whose_owner_cannot_be_told_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """One LinkedIn conversation: either side could be the owner, so nothing is marked outgoing
    and the owner's own messages would pass for received ones; a warning says so. An export
    whose owner is known says nothing."""
    import linkedin_fixtures as li

    one = li.CURRENT_HEADER + "\n" + "\n".join(
        f"2-A,,{name},{url},{to},{to_url},2024-03-0{day} 15:00:00 UTC,,{text},INBOX,,No,No"
        for day, (name, url, to, to_url, text) in enumerate([
            ("Robin Sample", li.ROBIN, "Alex Example", li.OWNER_URL, "Thanks for connecting!"),
            ("Alex Example", li.OWNER_URL, "Robin Sample", li.ROBIN, "Likewise"),
        ], start=1)) + "\n"
    export = li.write_zip(tmp_path / "one.zip", {"messages.csv": one})
    with caplog.at_level(logging.WARNING):
        inbox = load_inbox([export])
    assert not inbox.messages["outgoing"].any()
    assert "one.zip: could not tell which account is yours" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        load_inbox([li.write_zip(tmp_path / "full.zip", li.export_current())])
    assert "could not tell" not in caplog.text


def test_macos_metadata_members_are_ignored(tmp_path: Path) -> None:
    z = _zip(tmp_path / "mac.zip", {"inbox.json": MSG, "__MACOSX/._inbox.json": b"\0\x05\x16\x07",
                                    "._inbox.json": b"\0"})
    assert ExportTree.open([z]).paths() == ["inbox.json"]
    assert load_inbox([z]).platform == "canonical"


def test_renamed_zip_is_read_as_a_zip_and_odd_bytes_are_not(tmp_path: Path) -> None:
    z = _zip(tmp_path / "a.zip", {"inbox.json": MSG})
    renamed = tmp_path / "export.json"
    renamed.write_bytes(z.read_bytes())
    assert ExportTree.open([renamed]).paths() == ["inbox.json"]
    tail = tmp_path / "inbox.json"  # a text file that happens to hold a zip end record
    tail.write_bytes(MSG + b" " + b"PK\x05\x06" + b"\0" * 18)
    assert ExportTree.open([tail]).paths() == ["inbox.json"]


def test_bad_limit_in_the_environment_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tree_mod, "_BAD_ENV", [])
    assert tree_mod._env_int("AUTODM_TEST_LIMIT", 7) == 7
    monkeypatch.setenv("AUTODM_TEST_LIMIT", "12")
    assert tree_mod._env_int("AUTODM_TEST_LIMIT", 7) == 12
    monkeypatch.setenv("AUTODM_TEST_LIMIT", "4GB")
    assert tree_mod._env_int("AUTODM_TEST_LIMIT", 7) == 7
    with pytest.raises(InputError, match=r"AUTODM_TEST_LIMIT='4GB': expected a positive whole number"):
        ExportTree.open([Path("whatever.zip")])


def test_zip_reads_reuse_one_open_zip_and_close(tmp_path: Path) -> None:
    z = _zip(tmp_path / "a.zip", {"a.txt": b"1", "b.txt": b"2"})
    with ExportTree.open([z]) as t:
        assert t.read_bytes("a.txt") + t.read_bytes("b.txt") == b"12"
        assert len(t._zips) == 1
    assert t._zips == {}


def test_duplicate_names_read_the_member_that_was_indexed(tmp_path: Path) -> None:
    z = tmp_path / "dup.zip"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        with zipfile.ZipFile(z, "w") as zf:
            zf.writestr("inbox.json", b"first")
            zf.writestr("inbox.json", b"second")
    assert ExportTree.open([z]).read_bytes("inbox.json") == b"first"


def test_unreadable_input_paths_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cannot read \(File name too long\)"):
        ExportTree.open([tmp_path / ("a" * 5000)])
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(InputError, match="no such file or folder"):
        ExportTree.open([loop])


def test_plain_member_names_take_the_short_way_to_the_same_answer() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    names = st.lists(st.sampled_from(["a", "b.json", ".", "..", "", "/", "\\", "C:", "c:d", "x\x00", "._m",
                                      "__MACOSX", " ", "é", ".git", "a.b", "~"]), max_size=6).map("/".join)

    @settings(max_examples=400, deadline=None)
    @given(name=st.one_of(names, st.text(max_size=12)))
    def same(name: str) -> None:
        assert tree_mod._safe_member_name(name) == tree_mod._any_member_name(name)

    same()
    assert tree_mod._PLAIN_NAME.fullmatch("inbox/alex_123/message_1.json")


def test_raw_member_reads_are_zipfile_reads_or_none(tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a/deflated.json", '{"k": "' + "v" * 5000 + '"}', compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("a/stored.json", "{}", compress_type=zipfile.ZIP_STORED)
        zf.writestr("a/empty.json", "")
        zf.writestr("a/ünïcode.json", '"é"')
    tree = ExportTree.open([path])
    with open(path, "rb") as fh, zipfile.ZipFile(path) as zf:
        for name, m in tree.members.items():
            assert tree_mod.read_raw_member(fh, m) == zf.read(m.inner), name
    data = bytearray(path.read_bytes())
    m = tree.members["a/deflated.json"]
    bad_crc = tree_mod.Member(m.path, m.container, m.kind, m.size, m.compressed, m.inner, m.index,
                              (m.raw[0], m.raw[1] ^ 1, m.raw[2], m.raw[3]))
    wrong_offset = tree_mod.Member(m.path, m.container, m.kind, m.size, m.compressed, m.inner, m.index,
                                   (m.raw[0] + 1, *m.raw[1:]))
    short = tree_mod.Member(m.path, m.container, m.kind, m.size - 1, m.compressed, m.inner, m.index, m.raw)
    with open(path, "rb") as fh:
        for odd in (bad_crc, wrong_offset, short):
            assert tree_mod.read_raw_member(fh, odd) is None
    start = m.raw[0] + 30 + len(m.inner.encode())  # corrupt the deflated data itself
    data[start + 2:start + 12] = b"\xff" * 10
    (tmp_path / "bad.zip").write_bytes(bytes(data))
    with open(tmp_path / "bad.zip", "rb") as fh:
        assert tree_mod.read_raw_member(fh, m) is None


@pytest.mark.parametrize(("first", "second", "said"), [
    ("inbox.json", "twitter-archive.zip", "is an autodm file and .* is an X archive"),
    ("instagram-export.zip", "linkedin-export.zip", "is an Instagram export and .* is a LinkedIn export"),
    ("instagram-export.zip", "messenger-export.zip", "is an Instagram export and .* is a Messenger export"),
])
def test_inputs_from_different_exports_are_refused_not_half_read(first: str, second: str, said: str) -> None:
    # read as one tree, the first family detected won and the other input's messages were dropped
    with pytest.raises(InputError, match=said + ".*several inputs must be parts of one export"):
        load_inbox([EXAMPLES / first, EXAMPLES / second])


def test_an_empty_part_of_a_split_export_is_not_taken_for_an_autodm_file(tmp_path: Path) -> None:
    from linkedin_fixtures import CONNECTIONS, MESSAGES_CURRENT

    (tmp_path / "messages.csv").write_text(MESSAGES_CURRENT, encoding="utf-8")
    (tmp_path / "Connections.csv").write_text(CONNECTIONS, encoding="utf-8")
    (tmp_path / "Profile.csv").write_bytes(b"")  # "Profile.csv is an autodm file" was the refusal
    ib = load_inbox([tmp_path / "messages.csv", tmp_path / "Connections.csv", tmp_path / "Profile.csv"])
    assert ib.platform == "linkedin" and len(ib.messages) > 0


def test_read_head_reads_only_the_start_and_never_fails(tmp_path: Path) -> None:
    big = b'{"sender_id": "1"}' + b" " * 300_000
    z = _zip(tmp_path / "a.zip", {"inbox.json": big})
    with zipfile.ZipFile(z, "a") as zf:  # a member the archive cannot decompress
        info = zipfile.ZipInfo("odd.json")
        info.compress_type = zipfile.ZIP_STORED
        zf.writestr(info, b"hello")
    raw = bytearray(z.read_bytes())
    raw[raw.rindex(b"hello")] ^= 0xFF  # CRC now wrong: reading the whole member fails
    z.write_bytes(bytes(raw))
    with ExportTree.open([z]) as t:
        assert t.read_head("inbox.json") == big[:tree_mod.HEAD_BYTES]
        assert t.read_head("inbox.json", 10) == big[:10]
        assert t.read_head("odd.json") == b""  # unreadable: nothing to sniff, no exception
    single = tmp_path / "inbox.json"
    single.write_bytes(big)
    with ExportTree.open([single]) as t:
        assert t.read_head(t.paths()[0], 18) == b'{"sender_id": "1"}'
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "inbox.json").write_bytes(big)
    (tmp_path / "secret.json").write_bytes(b"secret")
    with ExportTree.open([folder]) as t:
        assert t.read_head("inbox.json", 18) == b'{"sender_id": "1"}'
        # swapped for a link after the folder was indexed: sniffing never reads through it
        (folder / "inbox.json").unlink()
        (folder / "inbox.json").symlink_to(tmp_path / "secret.json")
        assert t.read_head("inbox.json") == b""
        with pytest.raises(InputError, match="is a link"):
            t.read_bytes("inbox.json")


# --------------------------------------------------------------------------- one folder, one export


def _export_files() -> dict[str, dict[str, str]]:
    """One export of each kind, built to formats.md (every Meta era)."""
    import linkedin_fixtures as li
    import meta_fixtures as mf
    import x_fixtures as xf

    return {"x": xf.archive_2022(), "ig2024": mf.ig_2024_files(), "ig2021": mf.ig_2021_files(),
            "iglegacy": mf.ig_legacy_files(), "fb2018": mf.fb_2018_files(), "fb2023": mf.fb_2023_files(),
            "linkedin": li.export_current(), "linkedin_legacy": li.export_legacy()}


def _write(root: Path, files: dict[str, str], top: str = "") -> Path:
    for name, data in files.items():
        p = root / top / name if top else root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(data, encoding="utf-8")
    return root


@pytest.mark.parametrize(("a", "b", "said"), [
    ("ig2024", "fb2023", "an Instagram export .* and a Messenger export|a Messenger export .* and an Instagram export"),
    ("ig2021", "fb2018", "an Instagram export .* and a Messenger export|a Messenger export .* and an Instagram export"),
    ("x", "ig2024", r"an X archive \(x/.*data/direct-messages.*\.js\) and an Instagram export \(ig2024/"),
    ("x", "linkedin", r"an X archive .* and a LinkedIn export \(linkedin/"),
    ("fb2023", "linkedin", "a Messenger export .* and a LinkedIn export"),
])
@pytest.mark.parametrize("container", ["folder", "zip"])
def test_a_folder_or_zip_holding_two_exports_is_refused_not_merged_or_half_read(
        tmp_path: Path, a: str, b: str, said: str, container: str) -> None:
    # unzipped side by side, the two were one tree: Instagram and Messenger merged into one inbox
    # labelled facebook, an X archive read alone and the Instagram export beside it dropped, exit 0
    files = _export_files()
    both = _write(_write(tmp_path / "both", files[a], a), files[b], b)
    target = both
    if container == "zip":
        target = _zip(tmp_path / "both.zip", {p.relative_to(both).as_posix(): p.read_bytes()
                                              for p in sorted(both.rglob("*")) if p.is_file()})
    with pytest.raises(InputError, match=rf"^{target}: holds ({said}).*: several inputs must be parts of one "
                                         "export; scan them one at a time$"):
        load_inbox([target])
    # one of several inputs: the same refusal names that input
    with pytest.raises(InputError, match=rf"^{target}: holds .*several inputs must be parts of one export"):
        load_inbox([target, EXAMPLES / "twitter-archive.zip"])
    # each export on its own still loads
    for kind in (a, b):
        assert len(load_inbox([both / kind]).messages) > 0


def test_two_exports_unzipped_into_the_same_folder_are_refused(tmp_path: Path) -> None:
    # "extract here" twice: the two exports' folders interleave, no top folder tells them apart
    files = _export_files()
    for a, b in (("x", "ig2024"), ("ig2024", "fb2023"), ("fb2018", "ig2021")):
        merged = _write(_write(tmp_path / f"{a}-{b}", files[a]), files[b])
        with pytest.raises(InputError, match="several inputs must be parts of one export"):
            load_inbox([merged])


@pytest.mark.parametrize("kind", sorted(_export_files()))
def test_one_export_of_every_kind_and_era_is_one_kind(tmp_path: Path, kind: str) -> None:
    from autodm.loaders import kinds_in

    with ExportTree.open([_write(tmp_path, _export_files()[kind], "top")]) as tree:
        assert len(kinds_in(tree)) == 1, kinds_in(tree)


def _unzip(zip_path: Path, dest: Path) -> Path:
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(dest)
    return dest


@pytest.mark.parametrize("example", ["twitter-archive.zip", "instagram-export.zip", "messenger-export.zip",
                                     "linkedin-export.zip", "inbox.json"])
@pytest.mark.parametrize("top", ["", "export", "Downloads/export-2024"])
def test_every_bundled_example_unzipped_into_a_folder_loads_as_before(tmp_path: Path, example: str, top: str) -> None:
    src = EXAMPLES / example
    folder = tmp_path / "f"
    (folder / top).mkdir(parents=True)
    if src.suffix == ".zip":
        _unzip(src, folder / top)
    else:
        (folder / top / src.name).write_bytes(src.read_bytes())
    want, got = load_inbox([src]), load_inbox([folder])
    assert (got.platform, got.owner) == (want.platform, want.owner)
    assert got.messages["message_id"].tolist() == want.messages["message_id"].tolist()
    assert len(got.follows) == len(want.follows)
