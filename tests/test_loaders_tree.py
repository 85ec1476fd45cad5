from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from autodm.errors import InputError
from autodm.loaders import tree as tree_mod
from autodm.loaders.tree import ExportTree


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
