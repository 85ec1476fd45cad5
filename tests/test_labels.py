"""Labelling in the terminal: answers saved at once, undo, resume, most uncertain first."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from autodm.cli import app
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


def test_label_command_keys_undo_quit_and_resume(tmp_path: Path) -> None:
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
