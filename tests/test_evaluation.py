"""Evaluation reports: slices across several labelled files."""

from __future__ import annotations

import json
import math
from pathlib import Path

from autodm import model as mdl
from autodm.evaluation import NO_SLICE, evaluate
from autodm.training import concat, labelled_table


def _table(path: Path, n: int, slices: list[str] | None) -> Path:
    rows = []
    for i in range(n):
        row = {"message_id": f"{path.stem}{i}", "sender_id": f"s{i}", "label": "auto" if i % 2 else "personal",
               "text": f"Thanks for the follow! Free guide: https://bit.ly/g{i}" if i % 2 else f"see you at {i}"}
        if slices is not None:
            row["slice"] = slices[i % len(slices)]
        rows.append(row)
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path


def test_rows_without_a_slice_are_a_slice_of_their_own(tmp_path: Path) -> None:
    """Two files, one with a slice column: every row is in exactly one slice, no NaN in the report
    (it used to add a 'nan' slice of 0 messages, and drop the other file's rows)."""
    data = concat([labelled_table(_table(tmp_path / "a.json", 10, ["one", "", "two"])),
                   labelled_table(_table(tmp_path / "b.json", 6, None))])
    report = evaluate(mdl.load(), data)
    got = {s["slice"]: s["messages"] for s in report["slices"]}
    assert got == {"one": 4, "two": 3, NO_SLICE: 3 + 6}
    assert sum(got.values()) == report["rows"] == 16
    json.dumps(report, allow_nan=False)  # strict JSON: no NaN anywhere
    assert not any(isinstance(v, float) and math.isnan(v) for s in report["slices"] for v in s.values())
