"""Evaluation reports: slices across several labelled files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from autodm import model as mdl
from autodm.evaluation import NO_SLICE, auc_resampler, evaluate, intervals, rate_interval
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
    assert set(report["intervals"]) >= {"precision", "recall", "fpr", "roc_auc", "level", "resamples"}
    json.dumps(report, allow_nan=False)  # strict JSON: no NaN anywhere
    assert not any(isinstance(v, float) and math.isnan(v) for s in report["slices"] for v in s.values())


def test_no_labelled_message_is_an_error_naming_the_files(tmp_path: Path) -> None:
    """It crashed in cost_threshold (argmin of nothing) where train says what is wrong."""
    from autodm.errors import TrainingError

    a, b = _table(tmp_path / "a.json", 3, None), _table(tmp_path / "b.json", 2, None)
    for path in (a, b):
        path.write_text(path.read_text(encoding="utf-8").replace('"auto"', '""').replace('"personal"', '""'))
    data = concat([labelled_table(a), labelled_table(b)])
    with pytest.raises(TrainingError, match=rf"^{a}, {b}: no labelled messages to evaluate on \(5 blank labels\)"):
        evaluate(mdl.load(), data)


def test_each_resamples_auc_is_sklearns_roc_auc_ties_included() -> None:
    rng = np.random.default_rng(1)
    y = (rng.random(500) < 0.3).astype(int)
    prob = np.round(rng.random(500) * 0.6 + 0.3 * y, 1)  # few distinct values: many ties
    pos, neg = prob[y == 1], prob[y == 0]
    resampled = auc_resampler(pos, neg)
    assert resampled(np.arange(len(pos)), np.arange(len(neg))) == pytest.approx(roc_auc_score(y, prob), abs=1e-12)
    for _ in range(20):
        ip, ineg = rng.integers(0, len(pos), len(pos)), rng.integers(0, len(neg), len(neg))
        labels = np.r_[np.ones(len(ip)), np.zeros(len(ineg))]
        assert resampled(ip, ineg) == pytest.approx(roc_auc_score(labels, np.r_[pos[ip], neg[ineg]]), abs=1e-12)


def test_bootstrap_intervals_hold_the_estimate_and_narrow_with_more_labels() -> None:
    rng = np.random.default_rng(2)

    def sample(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = (rng.random(n) < 0.25).astype(int)
        return y, np.clip(rng.normal(0.35 + 0.35 * y, 0.2), 0, 1)

    y, prob = sample(400)
    ci = intervals(y, prob, 0.5)
    assert ci is not None and ci["level"] == 0.95
    point = mdl.metrics(y, prob, 0.5)
    for key in ("precision", "recall", "fpr", "roc_auc"):
        lo, hi = ci[key]
        assert lo < point[key] < hi, key
    assert intervals(y, prob, 0.5) == ci  # a fixed seed: the same report twice
    big = intervals(*sample(8000), 0.5)
    assert big is not None
    for key in ("precision", "recall", "roc_auc"):
        assert big[key][1] - big[key][0] < (ci[key][1] - ci[key][0]) / 2, key


def test_bootstrap_intervals_at_the_edges() -> None:
    y = np.array([1, 1, 1, 0, 0, 0, 0])
    sure = intervals(y, np.array([0.9, 0.8, 0.95, 0.1, 0.2, 0.3, 0.05]), 0.5)
    assert sure is not None
    assert (sure["precision"], sure["recall"], sure["fpr"], sure["roc_auc"]) == ([1, 1], [1, 1], [0, 0], [1, 1])
    assert intervals(np.ones(5, int), np.full(5, 0.9), 0.5) is None  # one class: no interval
    assert rate_interval(np.zeros(30, bool)) == [0, 0] and rate_interval(np.array([], bool)) is None
    nothing = intervals(y, np.zeros(7), 0.5)  # nothing flagged: no precision in any resample
    assert nothing is not None and nothing["precision"] is None and nothing["recall"] == [0, 0]


def test_a_metric_with_nothing_to_divide_by_is_none_not_zero() -> None:
    """Labels of one class: recall (no auto labels) and precision (no auto verdicts) are undefined,
    shown "-"; they read 0.000, as if the model got them all wrong."""
    from autodm.evaluation import undefined_as_none

    m = mdl.metrics(np.zeros(6, dtype=int), np.array([0.1, 0.2, 0.1, 0.3, 0.2, 0.1]), 0.5)
    got = undefined_as_none(m)
    assert (got["precision"], got["recall"], got["f1"], got["fpr"]) == (None, None, None, 0.0)
    m = mdl.metrics(np.array([0, 0, 1, 1]), np.array([0.9, 0.1, 0.2, 0.3]), 0.5)  # one false positive
    assert undefined_as_none(m)["precision"] == 0.0 and undefined_as_none(m)["recall"] == 0.0
