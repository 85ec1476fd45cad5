"""Metrics of a model on labelled data it never saw: overall, per slice, reliability, costs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from autodm import model as mdl
from autodm.errors import TrainingError
from autodm.training import Labelled

RELIABILITY_STEPS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
#: Resamples behind each bootstrap interval: its ends move by about 0.002 from seed to seed.
BOOTSTRAP_RESAMPLES = 2000
INTERVAL_LEVEL = 0.95


def cost_threshold(y: np.ndarray, prob: np.ndarray, fp_cost: float) -> float:
    """The threshold minimising ``fp_cost * FP + FN`` on these labels."""
    order = np.argsort(-prob)
    ys, ps = y[order], prob[order]
    tp = np.cumsum(ys == 1)
    fp = np.cumsum(ys == 0)
    fn = (ys == 1).sum() - tp
    cost = fp_cost * fp + fn
    cost_none = float((ys == 1).sum())
    i = int(np.argmin(cost))
    return float(ps[i]) if cost[i] < cost_none else 1.0


#: The slice of labelled rows that name none (a file without the column, a blank cell).
NO_SLICE = "(no slice)"


def evaluate(model: mdl.Model, data: Labelled, *, threshold: float | None = None,
             fp_cost: float = 5.0, slice_column: str = "slice") -> dict[str, Any]:
    """Scores ``data`` and reports metrics, confusion matrix, slices and reliability; no labelled
    message at all is a :class:`TrainingError` naming the files."""
    if not len(data):
        parts = data.info.get("parts", [data.info])
        files = ", ".join(str(p["file"]) for p in parts if p.get("file")) or "the labels"
        blanks = sum(int(p.get("blank_labels", 0)) for p in parts)
        raise TrainingError(f"{files}: no labelled messages to evaluate on ({blanks} blank "
                            f"label{'' if blanks == 1 else 's'}); put auto or personal (or 1/0, yes/no) in the "
                            "label column")
    t = model.threshold if threshold is None else threshold
    scores = mdl.score(model, data.frame, threshold=t, reasons=False)["score"].to_numpy()
    y = data.y
    overall = undefined_as_none(mdl.metrics(y, scores, t))
    report: dict[str, Any] = {
        "rows": len(y),
        "auto": int((y == 1).sum()),
        "personal": int((y == 0).sum()),
        "threshold": round(t, 4),
        "metrics": overall,
        "confusion": {"auto_as_auto": overall["tp"], "auto_as_personal": overall["fn"],
                      "personal_as_auto": overall["fp"], "personal_as_personal": overall["tn"]},
        "intervals": intervals(y, scores, t),
        "reliability": reliability(y, scores),
        "cost_threshold": {"fp_cost": fp_cost, "threshold": round(cost_threshold(y, scores, fp_cost), 4)},
    }
    extra = data.extra
    if extra is not None and slice_column in extra.columns:
        # rows from a file without the column (or a blank cell) form a slice of their own
        col = extra[slice_column].astype("string").str.strip().replace("", pd.NA).fillna(NO_SLICE)
        report["slices"] = slices(y, scores, col.to_numpy(dtype=object), t)
    return report


def undefined_as_none(m: dict[str, Any]) -> dict[str, Any]:
    """The metrics with None (shown "-") where their denominator is 0, not the 0.0 that reads as
    "all wrong": recall without auto labels, precision without an auto verdict, the false-positive
    rate without personal labels, F1 when precision or recall is undefined."""
    out = dict(m)
    if m["tp"] + m["fp"] == 0:
        out["precision"] = None
    if m["tp"] + m["fn"] == 0:
        out["recall"] = None
    if m["fp"] + m["tn"] == 0:
        out["fpr"] = None
    if out["precision"] is None or out["recall"] is None:
        out["f1"] = None
    return out


def reliability(y: np.ndarray, prob: np.ndarray) -> list[dict[str, Any]]:
    """For each score step: how many messages score at or above it and how many are auto."""
    rows = []
    for s in RELIABILITY_STEPS:
        sel = prob >= s
        n = int(sel.sum())
        rows.append({"score_at_least": s, "messages": n,
                     "precision": round(float(y[sel].mean()), 4) if n else None})
    return rows


def slices(y: np.ndarray, prob: np.ndarray, names: np.ndarray, threshold: float) -> list[dict[str, Any]]:
    """Per slice: size, label, and the share flagged auto (recall or false-positive rate)."""
    out = []
    for name in pd.unique(names):
        sel = names == name
        ys, ps = y[sel], prob[sel]
        flagged = float(mdl.flags_auto(ps, threshold).mean())
        row: dict[str, Any] = {"slice": str(name), "messages": int(sel.sum()),
                               "auto": int((ys == 1).sum()), "flagged_auto": round(flagged, 4)}
        if len(set(ys.tolist())) == 2:
            row["roc_auc"] = mdl.metrics(ys, ps, threshold).get("roc_auc")
        out.append(row)
    return out


def auc_resampler(pos: np.ndarray, neg: np.ndarray) -> Callable[[np.ndarray, np.ndarray], float]:
    """``f(ip, ineg)``: ROC-AUC of positives ``pos[ip]`` against negatives ``neg[ineg]`` (ties count
    half), in linear time: the negatives are sorted once and a resample only counts how often it
    drew each, so no resample is sorted again."""
    order = np.argsort(neg, kind="stable")
    rank = np.empty(len(neg), dtype=np.int64)
    rank[order] = np.arange(len(neg))
    ranked = neg[order]
    below = np.searchsorted(ranked, pos, side="left")
    upto = np.searchsorted(ranked, pos, side="right")

    def auc(ip: np.ndarray, ineg: np.ndarray) -> float:
        drawn = np.zeros(len(neg) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rank[ineg], minlength=len(neg)), out=drawn[1:])
        lower = drawn[below[ip]]
        ties = drawn[upto[ip]] - lower
        return float((lower + 0.5 * ties).sum() / (len(ip) * len(ineg)))

    return auc


def _ends(values: list[float], level: float) -> list[float] | None:
    """The central ``level`` share of ``values``, as [low, high] (None for no values)."""
    if not values:
        return None
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(values, [tail, 100 - tail])
    return [round(float(lo), 4), round(float(hi), 4)]


def rate_interval(flags: np.ndarray, *, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = mdl.SEED,
                  level: float = INTERVAL_LEVEL) -> list[float] | None:
    """Percentile bootstrap interval of the share of ``flags`` that are set (a slice's flagged share)."""
    flags = np.asarray(flags, dtype=bool)
    if len(flags) == 0:
        return None
    rng = np.random.default_rng(seed)
    return _ends([float(flags[rng.integers(0, len(flags), len(flags))].mean()) for _ in range(resamples)], level)


def intervals(y: np.ndarray, prob: np.ndarray, threshold: float, *, resamples: int = BOOTSTRAP_RESAMPLES,
              seed: int = mdl.SEED, level: float = INTERVAL_LEVEL) -> dict[str, Any] | None:
    """Percentile bootstrap intervals of precision, recall, false-positive rate and ROC-AUC.

    Each resample draws the auto and the personal rows with replacement, each class keeping its
    count, so the intervals say how much the numbers would move on another sample of the same
    kinds of messages. None when a class is missing.
    """
    y = np.asarray(y).astype(int)
    prob = np.asarray(prob, dtype=np.float64)
    pos, neg = prob[y == 1], prob[y == 0]
    if len(pos) == 0 or len(neg) == 0:
        return None
    rng = np.random.default_rng(seed)
    pos_flag, neg_flag = mdl.flags_auto(pos, threshold), mdl.flags_auto(neg, threshold)
    auc = auc_resampler(pos, neg)
    stats: dict[str, list[float]] = {"precision": [], "recall": [], "fpr": [], "roc_auc": []}
    for _ in range(resamples):
        ip = rng.integers(0, len(pos), len(pos))
        ineg = rng.integers(0, len(neg), len(neg))
        tp, fp = int(pos_flag[ip].sum()), int(neg_flag[ineg].sum())
        if tp + fp:  # nothing flagged: no precision to speak of in this resample
            stats["precision"].append(tp / (tp + fp))
        stats["recall"].append(tp / len(pos))
        stats["fpr"].append(fp / len(neg))
        stats["roc_auc"].append(auc(ip, ineg))
    return {"level": level, "resamples": resamples, **{k: _ends(v, level) for k, v in stats.items()}}
