"""Labelling in the terminal: answers saved at once, undo, resume, most uncertain first."""

from __future__ import annotations

import csv
import errno
import os
from pathlib import Path

import pandas as pd
import pytest
from spreadsheet_fixtures import SPREADSHEET_STYLES, saved
from typer.testing import CliRunner

from autodm.cli import app
from autodm.errors import InputError, OutputError
from autodm.labels import LabelStore, uncertainty_order

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "examples" / "inbox.json"


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.open(encoding="utf-8")))


def test_store_saves_each_answer_undoes_and_resumes(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    store = LabelStore(path)
    store.add("m1", "auto")
    assert _rows(path) == [{"message_id": "m1", "label": "auto"}]
    store.add("m2", "personal")
    assert store.undo() == "m2" and _rows(path) == [{"message_id": "m1", "label": "auto"}]
    again = LabelStore(path)
    assert "m1" in again and len(again) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labels.csv"]


def test_uncertainty_order() -> None:
    assert list(uncertainty_order(pd.Series([0.9, 0.52, 0.1, 0.45]), 0.5)) == [1, 3, 0, 2]


def test_label_command_keys_undo_quit_and_resume(tmp_path: Path, keys_from_input: None) -> None:
    out = tmp_path / "labels.csv"
    r = CliRunner().invoke(app, ["label", str(EXAMPLE), "-o", str(out)], input="apux", catch_exceptions=False)
    # a, p, undo (takes back p), unknown key x shown the keys, then input ends
    assert r.exit_code == 0, r.stderr
    first = _rows(out)
    assert [row["label"] for row in first] == ["auto"]
    r = CliRunner().invoke(app, ["label", str(EXAMPLE), "-o", str(out)], input="psq", catch_exceptions=False)
    assert "1 labelled already" in r.stderr
    rows = _rows(out)
    assert [row["label"] for row in rows] == ["auto", "personal"] and rows[0] == first[0]
    assert rows[0]["message_id"] != rows[1]["message_id"]


def test_label_works_without_sender_names_and_shows_its_keys(tmp_path: Path, keys_from_input: None) -> None:
    """X archives carry ids, not names: the panel shows the id (it used to crash on the missing
    name), and the key letters are printed as text, not taken for markup."""
    x = EXAMPLE.parent / "twitter-archive.zip"
    out = tmp_path / "labels.csv"
    r = CliRunner().invoke(app, ["label", str(x), "-o", str(out)], input="aq", catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    assert "[a] auto  [p] personal  [s] skip  [u] undo  [q] quit" in r.stderr
    assert [row["label"] for row in _rows(out)] == ["auto"]


@pytest.mark.parametrize(("where", "said"), [
    (".", "is a folder; give a file name for -o"),
    ("nodir/l.csv", "the folder nodir does not exist"),
    ("/dev/null", "not a regular file; give a file name for -o"),
])
def test_store_refuses_a_path_it_cannot_save_to_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         where: str, said: str) -> None:
    """A folder gave an IsADirectoryError; a missing folder was found only when saving the first answer."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError, match=said):
        LabelStore(Path(where))


def test_store_refuses_to_overwrite_an_input(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox.csv"
    inbox.write_text("message_id,label\n", encoding="utf-8")
    with pytest.raises(OutputError, match="refusing to overwrite an input file"):
        LabelStore(inbox, forbid=(tmp_path / "." / "inbox.csv",))


def test_a_labels_file_csv_cannot_read_is_one_line(tmp_path: Path) -> None:
    """A cell over the csv module's field limit was an unexpected csv.Error. (The limit is the
    process's: the loaders raise it, so the test sets it.)"""
    huge = tmp_path / "huge.csv"
    huge.write_text('message_id,label\n"' + "x" * 200_000 + '",auto\n', encoding="utf-8")
    before = csv.field_size_limit(131_072)
    try:
        with pytest.raises(InputError, match=r"not a labels file \(field larger than field limit"):
            LabelStore(huge)
    finally:
        csv.field_size_limit(before)


def test_store_keeps_what_it_cannot_rewrite_out_of_harm(tmp_path: Path) -> None:
    """Saving writes message_id,label only: a file with more columns is refused, not emptied of
    them; an empty file (made with touch) has no labels yet."""
    notes = tmp_path / "notes.csv"
    notes.write_text("message_id,label,note\nm1,auto,seen twice\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"has columns besides message_id,label \('note'\)"):
        LabelStore(notes)
    assert notes.read_text(encoding="utf-8").endswith("seen twice\n")
    empty = tmp_path / "empty.csv"
    empty.touch()
    assert len(LabelStore(empty)) == 0


def test_a_failed_save_keeps_the_file_and_the_answers_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk was an unexpected OSError; now one line, the file as it was and no temp file,
    and the store still holds what the file holds (undo then takes back the right answer)."""
    path = tmp_path / "labels.csv"
    store = LabelStore(path)
    store.add("m1", "auto")
    before = path.read_bytes()

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OutputError, match=r"labels\.csv: cannot write \(No space left on device\)"):
        store.add("m2", "personal")
    assert path.read_bytes() == before and "m2" not in store and len(store) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labels.csv"]


def test_store_refuses_a_read_only_labels_file_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Saving replaces the file: a read-only one is refused before any work, not at the first answer.
    (os.access is faked: the suite may run as root, for whom every file is writable.)"""
    path = tmp_path / "labels.csv"
    path.write_text("message_id,label\nm1,auto\n", encoding="utf-8")
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: real(p, mode) and Path(p) != path)
    with pytest.raises(OutputError, match=r"labels\.csv: not writable"):
        LabelStore(path)


@pytest.mark.parametrize("style", sorted(SPREADSHEET_STYLES))
def test_a_labels_file_a_spreadsheet_saved_resumes_and_keeps_its_style(tmp_path: Path, style: str) -> None:
    # "not a labels file; expected the columns message_id,label" for Excel's BOM, CRLF and ";",
    # while train --labels read the same file
    from autodm.training import parse_labels, read_table_any

    path = tmp_path / "labels.csv"
    path.write_bytes(saved([("message_id", "label"), ("m1", "auto"), ("m2", "personal")], style))
    store = LabelStore(path)
    assert store.labels == {"m1": "auto", "m2": "personal"}
    table = read_table_any(path)  # what train --labels reads: the same labels
    assert dict(zip(table["message_id"], table["label"], strict=True)) == store.labels
    assert parse_labels(table, str(path))[1] == 0
    store.add("m3", "auto")  # written back as the spreadsheet saved it
    want = saved([("message_id", "label"), ("m1", "auto"), ("m2", "personal"), ("m3", "auto")], style)
    assert path.read_bytes() == want
    assert store.undo() == "m3" and path.read_bytes() == saved(
        [("message_id", "label"), ("m1", "auto"), ("m2", "personal")], style)


def test_label_command_resumes_a_labels_file_excelsaved(tmp_path: Path, keys_from_input: None) -> None:
    out = tmp_path / "labels.csv"
    r = CliRunner().invoke(app, ["label", str(EXAMPLE), "-o", str(out)], input="aq", catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    first = out.read_text(encoding="utf-8").splitlines()
    out.write_bytes("".join(line.replace(",", ";") + "\r\n" for line in first).encode("utf-8-sig"))
    r = CliRunner().invoke(app, ["label", str(EXAMPLE), "-o", str(out)], input="pq", catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    assert "1 labelled already" in r.stderr and "2 labels in" in r.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfmessage_id;label\r\n") and data.count(b"\r\n") == 3
    assert data.decode("utf-8-sig").splitlines()[1] == first[1].replace(",", ";")


def test_a_file_without_the_columns_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_bytes("id;verdict\r\nm1;auto\r\n".encode("utf-8-sig"))
    with pytest.raises(InputError, match=r"labels\.csv: not a labels file; expected the columns message_id,label "
                                         r"\(separated by commas, semicolons or tabs\)$"):
        LabelStore(path)
    path.write_bytes(b"\xff\xfem\x00\xd8")  # a UTF-16 BOM, then a cut surrogate
    with pytest.raises(InputError, match="not UTF-16 text"):
        LabelStore(path)


def test_empty_columns_a_spreadsheet_added_are_dropped_but_a_filled_one_is_refused(tmp_path: Path) -> None:
    """'message_id;label;;' (a spreadsheet's empty trailing columns) was refused as "columns besides
    message_id,label" although train --labels reads it; a column with content still is refused."""
    path = tmp_path / "labels.csv"
    path.write_bytes(b"message_id;label;;\r\nm1;auto;;\r\n\r\nm2;personal;;\r\n")
    assert LabelStore(path).labels == {"m1": "auto", "m2": "personal"}
    path.write_bytes(b"message_id;label;;\r\nm1;auto;note;\r\n")
    with pytest.raises(InputError, match="has columns besides message_id,label"):
        LabelStore(path)
