"""The model: build, train (grouped cross-validation, calibration, threshold), save/load, score.

The model is one scikit-learn Pipeline over a *design frame* (the message features of
:mod:`autodm.features` plus ``model_text``, the slot-normalised text):

    columns: ColumnTransformer
        words   RatioTfidf(word 1-2 grams)            on model_text
        chars   RatioTfidf(char_wb 2-5 grams)         on model_text
        signals SignalScaler (StandardScaler, CSR out) on features.FEATURES
    clf: CalibratedLinear (logistic regression + a sigmoid fitted on out-of-fold decisions)

Being linear, every score decomposes into per-feature contributions, which is where the
``reasons`` come from. :func:`score` computes the text part once per distinct text.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import platform as _platform
import re
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain, repeat
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import scipy.sparse as sp
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler, normalize
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from autodm import features as feat
from autodm import phrases
from autodm.bundled import MODELS, bundled_path
from autodm.errors import ModelError, TrainingError, TrustListError
from autodm.linear import SharedRowsLogistic

log = logging.getLogger(__name__)

SEED = 20261122
TEXT = "model_text"
DEFAULT_NAME = "default"


# --------------------------------------------------------------------------- design frame


def design_frame(messages: pd.DataFrame, owner_names: Sequence[str] = (),
                 has_follows: bool | None = None, outgoing: bool = True) -> pd.DataFrame:
    """Features of every message plus ``model_text``, the slot-normalised text the n-grams see
    (``outgoing=False``: the owner's own will not be scored, see :func:`features.build_features`)."""
    frame = feat.build_features(messages, owner_names=owner_names, has_follows=has_follows, outgoing=outgoing)
    frame[TEXT] = frame.pop("normalized_text")
    return frame


# --------------------------------------------------------------------------- estimator


class CalibratedLinear(ClassifierMixin, BaseEstimator):
    """Logistic regression whose decision values a sigmoid maps to calibrated probabilities.

    ``fit(X, y, oof_decision=d)`` fits the sigmoid on out-of-fold decision values ``d`` (from
    grouped cross-validation), so probabilities are not overconfident on the training data.
    ``row_codes`` (the text of each row, as integer codes) lets the regression work once per
    distinct text (:mod:`autodm.linear`); models saved with a scikit-learn
    ``LogisticRegression`` inside still load and score.
    """

    def __init__(self, C: float = 4.0, class_weight: str | None = "balanced", max_iter: int = 3000) -> None:
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter

    def fit(self, X: Any, y: Any, sample_weight: Any = None, oof_decision: Any = None,
            row_codes: Any = None, init: Any = None, calibrate: bool = True) -> CalibratedLinear:
        """``calibrate=False``: the regression only (training calibrates later, with
        :meth:`recalibrate`, or only needs the folds' decision values)."""
        y = np.asarray(y)
        self.linear_ = SharedRowsLogistic(C=self.C, class_weight=self.class_weight, max_iter=self.max_iter)
        self.linear_.fit(X, y, sample_weight=sample_weight, row_codes=row_codes, init=init)
        if calibrate:
            d = self.linear_.decision_function(X) if oof_decision is None else np.asarray(oof_decision)
            self.recalibrate(d, y)
        else:  # a refit must not keep an earlier fit's sigmoid
            self.__dict__.pop("calibrator_", None)
        self.classes_ = self.linear_.classes_
        return self

    def recalibrate(self, decision: Any, y: Any) -> CalibratedLinear:
        """Fit the sigmoid on ``decision`` values (out-of-fold ones, in training)."""
        self.calibrator_ = LogisticRegression(C=1e4).fit(np.asarray(decision).reshape(-1, 1), np.asarray(y))
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "linear_")
        return self.linear_.decision_function(X)

    def calibrate(self, decision: np.ndarray) -> np.ndarray:
        """Probability of class 1 for raw decision values."""
        check_is_fitted(self, "calibrator_")
        return self.calibrator_.predict_proba(np.asarray(decision).reshape(-1, 1))[:, 1]

    def predict_proba(self, X: Any) -> np.ndarray:
        p = self.calibrate(self.decision_function(X))
        return np.column_stack([1 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


class SignalScaler(StandardScaler):
    """``StandardScaler`` whose output is a CSR matrix (the same values).

    The column transformer stacks [words | chars | signals]; with every block CSR, scipy
    stacks them row by row (0.07 s for 100k rows), where one dense block sends all three
    through COO and back (1.0 s), once per fit and per transform of a training run.
    """

    def transform(self, X: Any, copy: bool | None = None) -> sp.csr_matrix:
        return sp.csr_matrix(super().transform(X, copy=copy))


def build_pipeline(C: float = 4.0) -> Pipeline:
    """A fresh, unfitted pipeline."""
    columns = ColumnTransformer(
        [
            ("words", RatioTfidf(ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                                      token_pattern=r"(?u)\b\w+\b", max_features=100_000,
                                      dtype=np.float32), TEXT),
            ("chars", RatioTfidf(analyzer="char_wb", ngram_range=(2, 5), min_df=2,
                                      sublinear_tf=True, max_features=150_000, dtype=np.float32), TEXT),
            ("signals", SignalScaler(with_mean=False), list(feat.FEATURES)),
        ],
        sparse_threshold=1.0,
    )
    return Pipeline([("columns", columns), ("clf", CalibratedLinear(C=C))])


# --------------------------------------------------------------------------- training


@dataclass
class Model:
    """A fitted pipeline and its model card."""

    pipeline: Pipeline
    card: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def threshold(self) -> float:
        return float(self.card.get("threshold", 0.5))

    @property
    def signals(self) -> list[str]:
        """The signal columns the pipeline was fitted on, in its order (a model trained by an
        older autodm may lack signals added since; it is scored on the ones it has)."""
        ct: ColumnTransformer = self.pipeline.named_steps["columns"]
        for name, _, columns in ct.transformers_:
            if name == "signals":
                return list(columns)
        raise ModelError("the model has no signals block")

    @property
    def training_texts(self) -> np.ndarray | None:
        """Fingerprints of the texts it was trained on (:func:`text_fingerprints`), kept in the
        pipeline so that ``evaluate`` can tell held-out messages from seen ones; None for a model
        saved before autodm kept them."""
        return getattr(self.pipeline, TRAINING_TEXTS, None)


#: The pipeline attribute that holds :attr:`Model.training_texts`.
TRAINING_TEXTS = "autodm_training_texts_"


def text_fingerprints(texts: Iterable[Any]) -> np.ndarray:
    """A 64-bit fingerprint of each text (surrounding spaces aside), in order: enough to tell
    whether a message was among a model's training texts, without keeping the texts."""
    return np.fromiter(
        (int.from_bytes(hashlib.blake2b(str(t).strip().encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                        "little") for t in texts),
        dtype=np.uint64)


def remember_training_texts(model: Model, texts: Iterable[Any]) -> None:
    """Keep the fingerprints of ``texts`` (distinct, sorted) in the model's pipeline."""
    setattr(model.pipeline, TRAINING_TEXTS, np.unique(text_fingerprints(texts)))


#: Scores are shown (and thresholds chosen) to this many decimals.
SCORE_DECIMALS = 4


def flags_auto(prob: np.ndarray, threshold: float) -> np.ndarray:
    """The verdict rule, everywhere: the score as shown (4 decimals) at or above the threshold,
    so a row never shows score 0.7260 and verdict personal at threshold 0.726."""
    return np.round(np.asarray(prob, dtype=float), SCORE_DECIMALS) >= threshold


def metrics(y: np.ndarray, prob: np.ndarray, threshold: float) -> dict[str, float]:
    """Precision, recall, F1, FPR at ``threshold``, and the ranking metrics ROC-AUC and PR-AUC."""
    y = np.asarray(y).astype(int)
    pred = flags_auto(prob, threshold)
    tp = int((pred & (y == 1)).sum())
    fp = int((pred & (y == 0)).sum())
    fn = int((~pred & (y == 1)).sum())
    tn = int((~pred & (y == 0)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    out = {
        "precision": precision, "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "fpr": fp / (fp + tn) if fp + tn else 0.0,
        "tp": tp, "fp": fp, "fn": fn, "tn": tn,
    }
    if len(set(y.tolist())) == 2:
        out["roc_auc"] = float(roc_auc_score(y, prob))
        out["pr_auc"] = float(average_precision_score(y, prob))
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in out.items()}


def choose_threshold(y: np.ndarray, prob: np.ndarray, max_fpr: float | None = None) -> float:
    """Max-F1 threshold, or the lowest threshold whose false-positive rate stays <= ``max_fpr``.

    The threshold sits midway between the chosen score and the next lower one (on the 4-decimal
    grid scores are shown on): the same verdicts on these rows, and a margin for new ones. On
    cleanly separated labels the lowest auto score can be 1.0; a threshold there flagged
    almost nothing new, even a copy of a training text scored 0.9999.
    """
    y = np.asarray(y).astype(int)
    prob = np.asarray(prob, dtype=float)
    cands, inv = np.unique(np.round(prob, SCORE_DECIMALS), return_inverse=True)
    if not len(cands):
        return 0.5
    # messages at or above each candidate: suffix sums over the sorted candidates
    pos = np.bincount(inv, weights=(y == 1), minlength=len(cands))[::-1].cumsum()[::-1]
    neg = np.bincount(inv, weights=(y == 0), minlength=len(cands))[::-1].cumsum()[::-1]
    if max_fpr is not None:
        ok = np.flatnonzero(neg / max(int((y == 0).sum()), 1) <= max_fpr)
        if not len(ok):
            return 1.0
        k = int(ok[0])
    else:
        f1 = 2 * pos / np.maximum(pos + neg + (y == 1).sum(), 1)
        k = int(np.argmax(f1))
    if k == 0:
        return float(cands[0])
    mid = round(float(cands[k - 1] + cands[k]) / 2, SCORE_DECIMALS)
    return mid if mid > cands[k - 1] else float(cands[k])


def _folds(y: np.ndarray, groups: np.ndarray, n_splits: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    n_groups_min = min(len(np.unique(groups[y == c])) for c in (0, 1))
    k = max(2, min(n_splits, n_groups_min))
    cv = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    return list(cv.split(np.zeros(len(y)), y, groups))


def _feature_names(pipe: Pipeline) -> list[str]:
    """The fitted pipeline's column names, then "(intercept)": the order of its weights."""
    return [*pipe.named_steps["columns"].get_feature_names_out(), "(intercept)"]


def weights_by_name(pipe: Pipeline) -> pd.Series:
    """A fitted pipeline's regression weights (and intercept) by feature name."""
    linear = pipe.named_steps["clf"].linear_
    return pd.Series(np.append(linear.coef_[0], linear.intercept_), index=_feature_names(pipe))


def _fold_decision(frame: pd.DataFrame, y: np.ndarray, text_codes: np.ndarray, weight: np.ndarray | None,
                   tr: np.ndarray, te: np.ndarray, C: float, start: pd.Series) -> np.ndarray:
    """Fit a pipeline on rows ``tr``, starting from the weights ``start`` has for its features
    (0 for features it lacks), and return its decision values on rows ``te``."""
    pipe = build_pipeline(C)
    X = pipe.named_steps["columns"].fit_transform(frame.iloc[tr], y[tr])
    init = start.reindex(_feature_names(pipe), fill_value=0.0).to_numpy(dtype=float)
    pipe.named_steps["clf"].fit(X, y[tr], row_codes=text_codes[tr], init=init, calibrate=False,
                                sample_weight=None if weight is None else weight[tr])
    return pipe.decision_function(frame.iloc[te])


def train(
    frame: pd.DataFrame,
    y: np.ndarray,
    groups: np.ndarray,
    *,
    sample_weight: np.ndarray | None = None,
    max_fpr: float | None = None,
    threshold_rows: np.ndarray | None = None,
    own_rows: np.ndarray | None = None,
    n_splits: int = 5,
    seed: int = SEED,
    C: float = 4.0,
    extra_card: dict[str, Any] | None = None,
) -> Model:
    """Cross-validate grouped by ``groups`` (a group never on both sides), calibrate, fit on all.

    ``threshold_rows`` limits the rows the threshold is chosen on (e.g. messages without context,
    the harder case); ``own_rows`` (a user's labels among the corpus) get cross-validated metrics
    of their own in the card, ``cv.own_rows``. Raises :class:`TrainingError` with fewer than 10
    examples or 2 groups per class.
    """
    y = np.asarray(y).astype(int)
    groups = np.asarray(groups).astype(str)
    counts = {c: int((y == c).sum()) for c in (0, 1)}
    if min(counts.values()) < 10:
        raise TrainingError(
            f"need at least 10 labelled messages of each class, got {counts[1]} auto and "
            f"{counts[0]} personal; label more (or add --with-default)"
        )
    if min(len(np.unique(groups[y == c])) for c in (0, 1)) < 2:
        raise TrainingError("each class needs messages from at least 2 different senders for cross-validation")
    folds = _folds(y, groups, n_splits, seed)
    oof = np.zeros(len(y))
    weight = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    text_codes = pd.factorize(frame[TEXT].to_numpy(dtype=object))[0]
    # BLAS on one thread: its threads only spun on the optimizer's vectors (82 CPU-seconds for a
    # 57 s fit, 30 on one thread), and the fitted model does not depend on the machine's core count
    with threadpool_limits(1):
        # the model on all rows first: each fold starts from its weights (matched by feature
        # name), which saves the optimizer about a third of its iterations; the optimum is the
        # same, and the folds' decisions agree with a start from zero to the optimizer's tolerance
        pipe = build_pipeline(C)
        pipe.fit(frame, y, clf__row_codes=text_codes, clf__sample_weight=weight, clf__calibrate=False)
        start = weights_by_name(pipe)
        log.info("fit on all rows done")
        for i, (tr, te) in enumerate(folds, start=1):
            oof[te] = _fold_decision(frame, y, text_codes, weight, tr, te, C, start)
            log.info("fold %d/%d done", i, len(folds))
    clf = pipe.named_steps["clf"].recalibrate(oof, y)
    prob = clf.calibrate(oof)
    sel = np.ones(len(y), dtype=bool) if threshold_rows is None else np.asarray(threshold_rows, dtype=bool)
    threshold = choose_threshold(y[sel], prob[sel], max_fpr)
    card: dict[str, Any] = {
        "rows": len(y),
        "class_balance": {"auto": counts[1], "personal": counts[0]},
        "groups": len(np.unique(groups)),
        "cv": {"folds": len(folds), "grouped_by": "sender / template", "seed": seed,
               "metrics": metrics(y, prob, threshold)},
        "threshold": round(threshold, 4),
        "threshold_rule": (f"max fpr {max_fpr}" if max_fpr is not None else "max F1")
        + ("" if threshold_rows is None else f" on {int(sel.sum())} of {len(y)} cross-validated rows"),
        "features": [*list(feat.FEATURES), "word 1-2 grams", "char 2-5 grams"],
        "text_scaling": f"tf-idf x ({RatioTfidf.OFFSET} + |naive-Bayes log-count ratio|)",
        "C": C,
    }
    if own_rows is not None:
        own = np.asarray(own_rows, dtype=bool)
        card["cv"]["own_rows"] = {"rows": int(own.sum()), "metrics": metrics(y[own], prob[own], threshold)}
    card.update(extra_card or {})
    return Model(pipeline=pipe, card=card)


# --------------------------------------------------------------------------- scoring


#: Rows scored at a time by :func:`score`: its per-row arrays (contributions and their order,
#: n x features each) stay near 40 MB whatever the inbox's size.
SCORE_CHUNK = 65536


def decompose(model: Model, frame: pd.DataFrame) -> tuple[np.ndarray, dict[str, Any]]:
    """Decision values and their parts, the text part computed once per distinct text.

    Returns (decision, parts) with parts ``words``/``chars`` (per-row block totals),
    ``signals`` (n x F contributions) and the per-distinct-text matrices for explanations.
    """
    parts = _text_parts(model, frame[TEXT].to_numpy(dtype=object))
    parts["signals"] = _signal_parts(model, _signal_arrays(model, frame), slice(None))
    return _decision(model, parts), parts


def _text_parts(model: Model, texts: np.ndarray) -> dict[str, Any]:
    """The word and char blocks' contributions per row, each distinct text transformed once."""
    ct: ColumnTransformer = model.pipeline.named_steps["columns"]
    coef = model.pipeline.named_steps["clf"].linear_.coef_[0]
    idx = ct.output_indices_
    codes, uniq = pd.factorize(texts)
    parts: dict[str, Any] = {"codes": codes}
    for name in ("words", "chars"):
        Xt = tfidf_transform(ct.named_transformers_[name], uniq)
        w = coef[idx[name]]
        block = np.asarray(Xt @ w).ravel()
        parts[name] = block[codes]
        parts[name + "_matrix"] = Xt
        parts[name + "_coef"] = w
    return parts


def _signal_arrays(model: Model, frame: pd.DataFrame) -> list[np.ndarray]:
    """The model's signal columns as they are stored (int8 or float64), fetched once per scoring call."""
    return [frame[name].to_numpy() for name in model.signals]


def _signal_parts(model: Model, arrays: list[np.ndarray], rows: slice | np.ndarray) -> np.ndarray:
    """The signals' contributions for ``rows``: one rows x F array, worked in place.

    Column-major, as ``frame[FEATURES].to_numpy(float64)`` is, so each row's sum adds the
    columns in the same order (the same bits) as scoring the whole frame in one array did.
    """
    ct: ColumnTransformer = model.pipeline.named_steps["columns"]
    coef = model.pipeline.named_steps["clf"].linear_.coef_[0]
    scaler: StandardScaler = ct.named_transformers_["signals"]
    first = arrays[0][rows]
    contrib = np.empty((len(first), len(arrays)), dtype=np.float64, order="F")
    contrib[:, 0] = first
    for j, column in enumerate(arrays[1:], start=1):
        contrib[:, j] = column[rows]  # int8 flags become float64 exactly
    contrib /= scaler.scale_  # no centring: 0 stays 0
    contrib *= coef[ct.output_indices_["signals"]]
    return contrib


def _decision(model: Model, parts: dict[str, Any]) -> np.ndarray:
    decision = np.full(len(parts["words"]), float(model.pipeline.named_steps["clf"].linear_.intercept_[0]))
    decision += parts["words"]
    decision += parts["chars"]
    decision += parts["signals"].sum(axis=1)
    return decision


def _char_wb_grams(word: str, min_n: int, max_n: int) -> list[str]:
    """The char_wb n-grams of one word (no whitespace in it), as sklearn's ``_char_wb_ngrams``."""
    w = " " + word + " "
    size = len(w)
    out: list[str] = []
    for n in range(min_n, max_n + 1):
        if size <= n:  # a short word counts once, whole
            out.append(w)
            break
        out.extend([w[i:i + n] for i in range(size - n + 1)])
    return out


def _feature_ids(get: Any, grams: Iterable[str]) -> list[int]:
    """Vocabulary ids of ``grams``, -1 for those out of the vocabulary."""
    return list(map(get, grams, repeat(-1)))


def _count_matrix(vec: TfidfVectorizer, texts: Sequence[str], vocabulary: dict[str, int] | None = None) -> sp.csr_array:
    """The count matrix ``CountVectorizer._count_vocab`` builds (same values, sorted indices).

    With ``vocabulary`` (an empty dict to fill), n-grams get new ids in order of first
    appearance, exactly as ``_count_vocab(fixed_vocab=False)`` numbers them; without it,
    ``vec.vocabulary_`` is used and unknown n-grams are dropped.

    char_wb n-grams never cross whitespace, so a text's counts are the sum of its words':
    each distinct word is analysed once. Word n-grams are analysed per text. Counting sums the
    (text, feature) pairs in one sparse pass instead of a dict per text.
    """
    learn = vocabulary is not None
    vocab: dict[str, int] = vocabulary if vocabulary is not None else vec.vocabulary_
    if learn:

        def ids_of(grams: Iterable[str]) -> list[int]:
            setdefault = vocab.setdefault
            return [setdefault(g, len(vocab)) for g in grams]
    else:
        get = vocab.get

        def ids_of(grams: Iterable[str]) -> list[int]:
            return _feature_ids(get, grams)

    n = len(texts)
    if vec.analyzer == "char_wb":
        pre = vec.build_preprocessor()
        ws = vec._white_spaces
        word_ids: dict[str, int] = {}
        setdefault = word_ids.setdefault
        tokens: list[int] = []
        per_text = np.zeros(n, dtype=np.int64)
        for i, doc in enumerate(texts):
            words = ws.sub(" ", pre(doc)).split()
            per_text[i] = len(words)
            tokens.extend([setdefault(w, len(word_ids)) for w in words])
        min_n, max_n = vec.ngram_range
        # words in order of first appearance: new n-grams are numbered as a scan of the texts would
        grams = [ids_of(_char_wb_grams(w, min_n, max_n)) for w in word_ids]
        ptr = np.zeros(len(grams) + 1, dtype=np.int64)
        np.cumsum([len(g) for g in grams], out=ptr[1:])
        feats = np.fromiter(chain.from_iterable(grams), dtype=np.int64, count=int(ptr[-1]))
        word_rows = np.repeat(np.arange(len(grams), dtype=np.int64), np.diff(ptr))
        known = feats >= 0
        # (texts x words) @ (words x n-grams): each text's counts, summed in C, without listing
        # every (text, n-gram) occurrence; integer counts, so the float sums are exact
        by_word = sp.csr_array((np.ones(int(known.sum()), dtype=vec.dtype), (word_rows[known], feats[known])),
                               shape=(len(grams), len(vocab)))
        tok = np.asarray(tokens, dtype=np.int64)
        by_text = sp.csr_array((np.ones(len(tok), dtype=vec.dtype), (np.repeat(np.arange(n), per_text), tok)),
                               shape=(n, len(grams)))
        X = sp.csr_array(by_text @ by_word)
        X.sum_duplicates()  # canonical: sorted indices, no repeats (as the counting below leaves it)
        return X
    else:
        analyze = vec.build_analyzer()
        ids: list[int] = []
        per_text = np.zeros(n, dtype=np.int64)
        for i, doc in enumerate(texts):
            before = len(ids)
            ids.extend(ids_of(analyze(doc)))
            per_text[i] = len(ids) - before
        cols = np.asarray(ids, dtype=np.int64)
        rows = np.repeat(np.arange(n, dtype=np.int64), per_text)
    known = cols >= 0
    # duplicate (text, n-gram) pairs summed by scipy (per-row sorts: cheaper than one global sort)
    X = sp.csr_array((np.ones(int(known.sum()), dtype=vec.dtype), (rows[known], cols[known])),
                     shape=(n, len(vocab)))
    X.sum_duplicates()
    return X


def _fast_ok(vec: TfidfVectorizer, texts: Sequence[Any]) -> bool:
    """Whether the fast count path reproduces this vectorizer (the analyzers autodm uses)."""
    return (
        vec.analyzer in ("word", "char_wb")
        and not vec.binary
        and vec.input == "content"
        and all(isinstance(t, str) for t in texts)
    )


class DistinctTfidf(TfidfVectorizer):
    """A TfidfVectorizer that analyses each distinct text once, in fit and in transform.

    Same vocabulary, idf and matrices as :class:`TfidfVectorizer` (sklearn's own min_df /
    max_features limits and tf-idf run on the counts; a fitted matrix keeps each row's entries
    in column order): only the counting (``_count_vocab``) and the numbering of a learned
    vocabulary by name (``_sort_features``, done while counting) are replaced. Training sets
    repeat texts (the corpus inside simulated timelines; an inbox's templates), and
    cross-validation fits six times, so this is where training time went.
    """

    def _count_vocab(self, raw_documents: Any, fixed_vocab: bool) -> tuple[dict[str, int], Any]:
        docs = np.asarray(list(raw_documents), dtype=object)
        if not fixed_vocab:
            self._numbered_by_name = False  # a fit that failed before _sort_features left it set
        if not _fast_ok(self, docs):
            return super()._count_vocab(docs, fixed_vocab)
        codes, uniq = pd.factorize(docs)
        learned: dict[str, int] = {}
        X = _count_matrix(self, list(uniq), None if fixed_vocab else learned)
        if not fixed_vocab:
            if not learned:
                raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
            X = self._number_by_name(X, learned)
        rows = X[codes]  # one row per document again (rows keep their sorted indices)
        rows.sort_indices()
        return (self.vocabulary_ if fixed_vocab else learned), _align_api(rows)

    def _number_by_name(self, X: sp.csr_array, vocabulary: dict[str, int]) -> sp.csr_array:
        """Renumber the learned features in name order, as sklearn's ``_sort_features`` does
        next, but on the distinct texts' matrix: its rows then stay in column order when
        repeated per document (sklearn's renumbering of the full matrix left every row out of
        order, and sorting it again cost a second per fit)."""
        map_index = np.empty(len(vocabulary), dtype=np.int64)
        for new_val, term in enumerate(sorted(vocabulary)):
            map_index[vocabulary[term]] = new_val
            vocabulary[term] = new_val
        X = sp.csr_array((X.data, map_index.take(X.indices), X.indptr), shape=X.shape)
        X.sort_indices()
        self._numbered_by_name = True
        return X

    def _sort_features(self, X: Any, vocabulary: dict[str, int]) -> Any:
        done = getattr(self, "_numbered_by_name", False)  # by _count_vocab
        self.__dict__.pop("_numbered_by_name", None)
        return X if done else super()._sort_features(X, vocabulary)


class RatioTfidf(DistinctTfidf):
    """TF-IDF whose columns are also scaled by how unevenly the two classes use them.

    Fitting needs the labels: each n-gram's weight is ``idf * (OFFSET + |r|)``, where ``r`` is
    its log-count ratio: the log of p/q, p being the number of auto texts that contain it (plus
    one) over that sum for all n-grams, q the same for personal texts (the naive-Bayes feature
    scaling of NBSVM, Wang & Manning 2012). It is a prior for the linear model after it: an
    n-gram both classes use alike is shrunk toward zero, one that only one class uses costs the
    regulariser less to weigh.
    The scale lives in ``idf_``, so transforming and explaining are those of any tf-idf. Rows
    count once each (sample weights do not reach a transformer); a cross-validation fold fits
    it on its own training rows only.
    """

    OFFSET = 0.5

    def fit(self, raw_documents: Any, y: Any = None) -> RatioTfidf:
        self.fit_transform(raw_documents, y)
        return self

    def fit_transform(self, raw_documents: Any, y: Any = None) -> Any:
        if y is None:
            raise TypeError("RatioTfidf needs the labels to fit (fit_transform(texts, y))")
        X = super().fit_transform(raw_documents)
        y = np.asarray(y)
        has = sp.csr_matrix(X, copy=True)
        has.data[:] = 1.0
        auto = 1.0 + np.asarray(has[y == 1].sum(axis=0), dtype=float).ravel()
        personal = 1.0 + np.asarray(has[y != 1].sum(axis=0), dtype=float).ravel()
        ratio = np.log((auto / auto.sum()) / (personal / personal.sum()))
        scale = self.OFFSET + np.abs(ratio)
        self.idf_ = (self.idf_ * scale).astype(self.idf_.dtype)
        # the same matrix transform() now gives: rows are unit length again after the scaling
        X.data *= scale.take(X.indices).astype(X.dtype)
        return normalize(X, norm=self.norm, copy=False) if self.norm else X


def _align_api(X: Any) -> Any:
    """sklearn's own sparse-API alignment, where this sklearn has it."""
    from sklearn.feature_extraction import text as sk_text

    align = getattr(sk_text, "_align_api_if_sparse", None)
    return align(X) if align is not None else sp.csr_matrix(X)


def tfidf_transform(vec: TfidfVectorizer, texts: Sequence[str]) -> Any:
    """``vec.transform(texts)``: the same matrix, computed faster for the analyzers autodm uses.

    Anything unusual (a callable analyzer, binary counts, file inputs) goes to ``vec.transform``.
    """
    check_is_fitted(vec, msg="The TF-IDF vectorizer is not fitted")
    if not (isinstance(vec, TfidfVectorizer) and _fast_ok(vec, texts)):
        return vec.transform(texts)
    return vec._tfidf.transform(_count_matrix(vec, texts), copy=False)


def _wording(model: Model, parts: dict[str, Any]) -> dict[str, Any]:
    """The word n-grams' names and per-text contributions, built once per :func:`explain`."""
    if "wording" not in parts:
        ct: ColumnTransformer = model.pipeline.named_steps["columns"]
        vocabulary = ct.named_transformers_["words"].vocabulary_
        vocab = np.empty(len(vocabulary), dtype=object)  # get_feature_names_out, without its sort
        vocab[np.fromiter(vocabulary.values(), dtype=np.int64, count=len(vocabulary))] = list(vocabulary)
        parts["wording"] = {
            "vocab": vocab,
            "X": sp.csr_matrix(parts["words_matrix"].multiply(parts["words_coef"])),
            "shown": np.zeros(len(vocab), dtype=bool),
            "checked": np.zeros(len(vocab), dtype=bool),
        }
    return parts["wording"]


def _top_terms(model: Model, parts: dict[str, Any], text_rows: np.ndarray, sign: np.ndarray,
               k: int = 2) -> list[str]:
    """For each (distinct text, direction) asked for: its k n-grams pushing most that way."""
    w = _wording(model, parts)
    vocab, X, shown, checked = w["vocab"], w["X"], w["shown"], w["checked"]
    rows = np.unique(np.asarray(text_rows, dtype=np.int64))
    if len(rows):
        used = np.concatenate([X.indices[X.indptr[r]:X.indptr[r + 1]] for r in rows])
        new = np.unique(used[~checked[used]])
        shown[new] = _displayable(vocab[new])
        checked[new] = True
    out: list[str] = []
    for r, sg in zip(text_rows, sign, strict=True):
        lo, hi = X.indptr[r], X.indptr[r + 1]
        cols = X.indices[lo:hi]
        vals = np.where(shown[cols], X.data[lo:hi] * sg, 0.0)
        top = np.argsort(-vals)[:k]
        out.append(", ".join(f'"{_readable(vocab[cols[j]])}"' for j in top if vals[j] > 0))
    return out


_SLOT_WORDS = {"xurl": "<link>", "xname": "<name>", "xhandle": "<@handle>", "xemail": "<e-mail>",
               "xplaceholder": "<placeholder>", "xphone": "<phone>", "xmoney": "<money>", "xnum": "<number>"}


def _displayable(vocab: np.ndarray) -> np.ndarray:
    """Which n-grams say something in a reason: not only stop words or single letters."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return np.array([any(len(t) > 2 and t not in ENGLISH_STOP_WORDS for t in term.split()) for term in vocab],
                    dtype=bool)


def _readable(term: str) -> str:
    return " ".join(_SLOT_WORDS.get(t, t) for t in term.split())


def score(model: Model, frame: pd.DataFrame, *, rows: np.ndarray | None = None, threshold: float | None = None,
          reasons: bool = True) -> pd.DataFrame:
    """Score a design frame (or its ``rows``): ``score`` (calibrated probability of auto), ``verdict``, ``reasons``.

    The text part is computed once per distinct text for all rows; the rest a chunk of
    :data:`SCORE_CHUNK` rows at a time, so memory stays flat however many rows there are.
    """
    t = model.threshold if threshold is None else threshold
    index = frame.index if rows is None else frame.index[rows]
    if not len(index):  # nothing to score (an export of outgoing messages only): sklearn refuses 0 rows
        empty = pd.DataFrame({"score": np.empty(0), "verdict": np.empty(0, dtype=object)}, index=index)
        return empty.assign(reasons=np.empty(0, dtype=object)) if reasons else empty
    clf: CalibratedLinear = model.pipeline.named_steps["clf"]
    texts = frame[TEXT].to_numpy(dtype=object)
    text = _text_parts(model, texts if rows is None else texts[rows])
    n = len(text["codes"])
    prob = np.empty(n, dtype=np.float64)
    why = np.empty(n, dtype=object)
    cols = {c: frame[c].to_numpy() for c in (*model.signals, *feat.HELPERS) if c in frame.columns} if reasons else {}
    arrays = _signal_arrays(model, frame)
    memo = _reasons_memo()  # shared by every chunk's explain: same key, same words
    for lo in range(0, n, SCORE_CHUNK):
        hi = min(n, lo + SCORE_CHUNK)
        at = slice(lo, hi) if rows is None else rows[lo:hi]
        parts = {**text, "codes": text["codes"][lo:hi], "words": text["words"][lo:hi], "chars": text["chars"][lo:hi]}
        parts["signals"] = _signal_parts(model, arrays, at)
        p = clf.calibrate(_decision(model, parts))
        prob[lo:hi] = p
        if reasons:
            why[lo:hi] = explain(model, {c: v[at] for c, v in cols.items()}, parts, flags_auto(p, t), memo=memo)
            if "wording" in parts:  # the n-gram names and shown flags, built once for every chunk
                text["wording"] = parts["wording"]
    out = pd.DataFrame({"score": prob, "verdict": np.where(flags_auto(prob, t), "auto", "personal")}, index=index)
    if reasons:
        out["reasons"] = why
    return out


class _RowView(Mapping[str, Any]):
    """Row ``i`` of a frame's columns (as arrays), read lazily: what :func:`features.reason` needs."""

    def __init__(self, cols: dict[str, np.ndarray], i: int) -> None:
        self.cols, self.i = cols, i

    def __getitem__(self, key: str) -> Any:
        return self.cols[key][self.i]

    def __iter__(self) -> Iterator[str]:
        return iter(self.cols)

    def __len__(self) -> int:
        return len(self.cols)


_VALUE_BITS = 40  # a reason's value key fits below this bit; feature and direction above it


def _display_delay(cols: dict[str, np.ndarray]) -> np.ndarray:
    """A key per row equal for delays that read the same ("9 s", "14 min", "3 h", "5 days")."""
    s = np.asarray(cols["seconds_after_follow"], dtype=float)
    d = np.asarray(cols["days_after_follow"], dtype=float)
    unit = np.select([s < 120, s < 7200, s < 2 * feat.DAY_S], [1, 2, 3], 4)
    scaled = np.select([unit == 1, unit == 2, unit == 3], [s, s / 60, s / 3600], s / feat.DAY_S)
    key = unit * 10**9 + np.nan_to_num(np.round(scaled), nan=0).astype(np.int64)
    days = 5 * 10**9 + np.nan_to_num(d, nan=-1).astype(np.int64) + 1
    return np.where(np.isnan(s), np.where(np.isnan(d), 0, days), key).astype(np.int64)


class _Picked:
    """``frame[names].to_numpy(float64)[rows, j]`` without building the n x F matrix."""

    def __init__(self, cols: dict[str, np.ndarray], names: list[str]) -> None:
        self.cols, self.names = cols, names

    def pick(self, j: np.ndarray) -> np.ndarray:
        out = np.empty(len(j), dtype=np.float64)
        for f in np.unique(j):
            m = j == f
            out[m] = np.asarray(self.cols[self.names[f]], dtype=np.float64)[m]
        return out


#: The reason of each phrase feature quotes its helper column (the phrase or placeholder matched in
#: the raw text, which texts sharing a slot-normalised form need not share).
_QUOTED = {**{f"ph_{c}": f"hit_{c}" for c in phrases.CATEGORIES}, "placeholder": "hit_placeholder"}


def _reasons_memo() -> dict[str, Any]:
    """What :func:`explain` keeps between the chunks of one scoring call."""
    return {"ids": {}, "words": [""], "joined": {}, "quoted": {hit: {} for hit in _QUOTED.values()}}


def _quoted_codes(cols: dict[str, np.ndarray], memo: dict[str, Any]) -> None:
    """Add ``#<helper>``: a code per quoted helper value, the same value the same code in every chunk."""
    for hit, seen in memo["quoted"].items():
        if hit in cols:
            codes, uniq = pd.factorize(np.asarray(cols[hit], dtype=object))
            ids = np.fromiter((seen.setdefault(u, len(seen)) for u in uniq.tolist()), dtype=np.int64,
                              count=len(uniq))
            cols["#" + hit] = ids[codes] if len(ids) else codes.astype(np.int64)


def _value_keys(j: np.ndarray, names: list[str], values: _Picked, codes: np.ndarray,
                cols: dict[str, np.ndarray], delay: np.ndarray) -> np.ndarray:
    """What the reason text of feature ``j[i]`` depends on, per row: equal keys, equal words."""
    n_feat = len(names)
    safe_j = np.minimum(j, n_feat - 1)
    vk = np.round(values.pick(safe_j) * 1000).astype(np.int64) + 2**30
    vk = np.where(j == n_feat, codes, vk)  # the wording: the n-grams of the model text
    for name, hit in _QUOTED.items():
        if name in names and "#" + hit in cols:
            quoted = j == names.index(name)
            if quoted.any():
                vk = np.where(quoted, cols["#" + hit], vk)
    delay_feats = np.array([n.startswith(("delay_", "day_")) for n in names] + [False])
    vk = np.where(delay_feats[j], delay, vk)
    if "template_reuse" in names:
        reuse = j == names.index("template_reuse")
        vk = np.where(reuse, np.asarray(cols["template_senders"], dtype=float).astype(np.int64), vk)
    return vk


#: The reasons of a row none of whose contributions is strong enough to name.
NO_SIGN = "no clear sign of automation"
MANY_SMALL = "many small signs together"


#: Signals without a natural zero: their reasons count from the training mean, so a message of
#: ordinary length is no reason either way, a short one leans personal, a long one auto.
CENTRED = ("log_words",)


def _means(model: Model) -> dict[str, float]:
    """The training mean of each :data:`CENTRED` signal (none for a scaler that kept no means)."""
    scaler: StandardScaler = model.pipeline.named_steps["columns"].named_transformers_["signals"]
    mean = getattr(scaler, "mean_", None)
    names = model.signals
    return {} if mean is None else {n: float(mean[names.index(n)]) for n in CENTRED if n in names}


def _centres(model: Model) -> dict[str, float]:
    """The contribution of each :data:`CENTRED` signal at its training mean."""
    ct: ColumnTransformer = model.pipeline.named_steps["columns"]
    scaler: StandardScaler = ct.named_transformers_["signals"]
    coef = model.pipeline.named_steps["clf"].linear_.coef_[0][ct.output_indices_["signals"]]
    names = model.signals
    return {n: float(coef[names.index(n)] * m / scaler.scale_[names.index(n)]) for n, m in _means(model).items()}


def explain(model: Model, cols: dict[str, np.ndarray], parts: dict[str, Any], is_auto: np.ndarray,
            top: int = 3, *, memo: dict[str, Any] | None = None) -> np.ndarray:
    """The ``top`` contributions in the verdict's direction, in plain words ("; "-joined).

    ``cols``: the design frame's feature and helper columns (arrays) for the rows of ``parts``;
    ``memo``: words already written, from :func:`_reasons_memo`, when scoring in chunks.

    Vectorised: each row's reasons are keyed by (feature, direction, what the words depend on);
    the words are written once per distinct key and once per distinct triple of keys.
    """
    names = model.signals
    n = len(parts["codes"])
    if n == 0:
        return np.array([], dtype=object)
    codes = np.asarray(parts["codes"], dtype=np.int64)
    auto = np.asarray(is_auto, dtype=bool)
    # the contributions in the verdict's direction, negated (what argpartition wants), in one
    # n x (F+1) array: negation is exact, so these are the same numbers as -(contribution * sign)
    neg = np.column_stack([parts["signals"], parts["words"] + parts["chars"]])
    for name, ref in _centres(model).items():  # length has no "none of it": weigh it against the usual
        neg[:, names.index(name)] -= ref
    neg *= np.where(auto, -1.0, 1.0)[:, None]
    for name in feat.INDICATORS:  # offsets for what a source carries, not evidence
        if name in names:
            neg[:, names.index(name)] = 0.0
    timing = [names.index(c) for c in feat.TIMING_FEATURES if c in names]  # one delay, one reason
    if timing:
        neg[:, timing[0]] = neg[:, timing].sum(axis=1)
        neg[:, timing[1:]] = 0.0
    k = min(top, neg.shape[1])
    order = np.argpartition(neg, k - 1, axis=1)[:, :k]
    order = np.take_along_axis(order, np.argsort(np.take_along_axis(neg, order, axis=1), axis=1), axis=1)
    strength = -np.take_along_axis(neg, order, axis=1)
    del neg
    # a reason's words by its key, and a row's joined reasons by its keys, kept across the chunks
    # of one score() call: keys name texts by their codes in ``parts``, so they hold for all chunks
    memo = _reasons_memo() if memo is None else memo
    cols = dict(cols)
    for name, mean in _means(model).items():  # the words say which side of the usual it is
        cols[f"{name}_vs_mean"] = np.asarray(cols[name], dtype=np.float64) - mean
    _quoted_codes(cols, memo)
    values = _Picked(cols, names)
    delay = _display_delay(cols)
    ids_of: dict[int, int] = memo["ids"]
    slot_words: list[str] = memo["words"]  # id 0 = no reason in this slot
    joined_of: dict[int, str] = memo["joined"]
    slot_codes = np.zeros((n, k), dtype=np.int64)
    for s in range(k):
        j = order[:, s]
        ok = strength[:, s] > 0.05
        if not ok.any():
            continue
        vk = _value_keys(j, names, values, codes, cols, delay)
        key = ((j.astype(np.int64) * 2 + auto) << _VALUE_BITS) + (vk & ((1 << _VALUE_BITS) - 1))
        inv, uniq = pd.factorize(key[ok])
        uniq_keys = uniq.tolist()
        ids = np.fromiter((ids_of.get(u, 0) for u in uniq_keys), dtype=np.int64, count=len(uniq_keys))
        new = np.flatnonzero(ids == 0)
        if len(new):
            first = np.flatnonzero(ok)[pd.Series(np.arange(len(inv))).groupby(inv).first().to_numpy()[new]]
            words = _slot_words(model, parts, names, cols, first, j[first], auto[first], codes[first])
            ids[new] = np.arange(len(slot_words), len(slot_words) + len(new))
            slot_words.extend(words)
            ids_of.update(zip([uniq_keys[i] for i in new.tolist()], ids[new].tolist(), strict=True))
        slot_codes[ok, s] = ids[inv]
    bits = 63 // k
    cacheable = len(slot_words) < (1 << bits)  # then a row's slot ids pack into one int64
    triple = slot_codes[:, 0].copy()
    for s in range(1, k):
        if cacheable:
            triple = (triple << bits) | slot_codes[:, s]
        else:  # codes of the pairs so far, then the next slot: no product overflows
            triple = pd.factorize(triple)[0].astype(np.int64) * len(slot_words) + slot_codes[:, s]
    inv, uniq_triples = pd.factorize(triple)
    first = pd.Series(np.arange(n)).groupby(inv).first().to_numpy()
    joined = np.empty(len(first), dtype=object)
    for i, (t, r) in enumerate(zip(uniq_triples.tolist(), first.tolist(), strict=True)):
        text = joined_of.get(t) if cacheable else None
        if text is None:
            text = "; ".join(slot_words[c] for c in slot_codes[r] if c)
            if cacheable:
                joined_of[t] = text
        joined[i] = text
    out = joined[inv]
    # no contribution strong enough to name: say what the verdict rests on instead of nothing
    none = ~slot_codes.any(axis=1)
    out[none & ~auto] = NO_SIGN
    out[none & auto] = MANY_SMALL
    return out


def _slot_words(model: Model, parts: dict[str, Any], names: list[str], cols: dict[str, np.ndarray],
                rows: np.ndarray, j: np.ndarray, auto: np.ndarray, codes: np.ndarray) -> list[str]:
    """The words of one reason per representative row."""
    wording = j == len(names)
    terms = iter(_top_terms(model, parts, codes[wording], np.where(auto[wording], 1.0, -1.0)))
    out: list[str] = []
    for r, jj, a, w in zip(rows, j, auto, wording, strict=True):
        if w:
            term = next(terms)
            out.append(f"wording {term}" if term else "overall wording")
        else:
            out.append(feat.reason(names[jj], _RowView(cols, int(r)), toward_auto=bool(a)))
    return out


# --------------------------------------------------------------------------- persistence


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def card_path(path: Path) -> Path:
    return path.with_suffix(".json")


def library_versions() -> dict[str, str]:
    import joblib as _jl
    import pandas as _pd

    from autodm import __version__

    return {"autodm": __version__, "scikit-learn": sklearn.__version__, "pandas": _pd.__version__,
            "numpy": np.__version__, "joblib": _jl.__version__, "python": _platform.python_version()}


def check_model_path(path: Path) -> None:
    """Raise ModelError if ``path`` cannot take a model (call it before training, not after)."""
    path = Path(path)
    if path.suffix != ".joblib":
        raise ModelError(f"{path}: a model file name must end in .joblib")
    for p in (path, card_path(path)):
        if p.is_dir():
            raise ModelError(f"{p}: is a folder; give a file name for -o")
    folder = next((f for f in (path.parent, *path.parent.parents) if f.exists()), Path("."))
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise ModelError(f"{path}: cannot write in {folder}")


def save(model: Model, path: Path) -> Path:
    """Write the joblib file and its card atomically (temp files + rename, same folder)."""
    path = Path(path)
    check_model_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    card = dict(model.card)
    card["created"] = datetime.now(UTC).isoformat(timespec="seconds")
    card["versions"] = library_versions()
    card.setdefault("command", " ".join(["autodm", *sys.argv[1:]]))
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp_card = card_path(tmp)
    try:
        joblib.dump(model.pipeline, tmp, compress=3)
        card["sha256"] = _sha256(tmp)
        card["file"] = path.name
        tmp_card.write_text(json.dumps(card, indent=2, sort_keys=False) + "\n", encoding="utf-8")
        tmp.replace(path)
        tmp_card.replace(card_path(path))
    finally:
        for t in (tmp, tmp_card):
            if t.exists():
                t.unlink()
    model.card, model.path = card, path
    return path


# --------------------------------------------------------------------------- loading & trust


def app_dir() -> Path:
    """autodm's state folder (trusted models list): $AUTODM_HOME, else $XDG_CONFIG_HOME/autodm,
    else ~/.config/autodm."""
    env = os.environ.get("AUTODM_HOME")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CONFIG_HOME", "")
    if os.path.isabs(xdg):  # the XDG spec: an empty or relative value is ignored (it named a folder in the cwd)
        return Path(xdg) / "autodm"
    try:
        home = Path.home()
    except RuntimeError:  # no HOME and no passwd entry (a container run as a bare uid)
        raise TrustListError("cannot find your home folder for the trusted-models list: "
                             "set AUTODM_HOME to a writable folder") from None
    return home / ".config" / "autodm"


def _trusted_file() -> Path:
    return app_dir() / "trusted_models.json"


#: What a trusted-models list holds, as error messages say it.
TRUSTED_LIST_FORMAT = '{"sha256": [digests]}'


def trusted_hashes() -> set[str]:
    """The digests in the trusted-models list (none while it does not exist).

    Raises :class:`TrustListError` when the list exists but cannot be read or is not what autodm
    writes: taken as empty, it refused every model trained here without saying why, and the next
    ``train`` replaced it, dropping every digest it held.
    """
    f = _trusted_file()
    try:
        data = f.read_bytes()
    except (FileNotFoundError, NotADirectoryError):  # no list there (yet); writing it says why if it can't be
        return set()
    except OSError as e:
        raise TrustListError(f"{f}: cannot read the trusted-models list ({_os_reason(e)}): "
                             "fix or remove it") from None
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        doc = None
    hashes = doc.get("sha256") if isinstance(doc, dict) else None
    if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
        raise TrustListError(f"{f}: not a trusted-models list (expected JSON {TRUSTED_LIST_FORMAT}): "
                             "fix or remove it")
    return set(hashes)


def trust(sha256: str) -> Path:
    """Add a model's sha256 to the trusted list in the app folder; return the list's path.

    Raises :class:`TrustListError` (naming the list and the system's reason) when the list
    cannot be written: the model itself is fine, it just has to be loaded with --trust-model.
    """
    f = _trusted_file()
    hashes = sorted(trusted_hashes() | {sha256})
    try:
        f.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{f.name}.", suffix=".tmp", dir=f.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(json.dumps({"sha256": hashes}, indent=2) + "\n")
            os.replace(tmp, f)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as e:
        raise TrustListError(f"{f}: cannot write the trusted-models list ({_os_reason(e)}): "
                             "set AUTODM_HOME to a writable folder") from None
    return f


def _os_reason(error: OSError) -> str:
    """The system's words for an OSError ("Permission denied"), without the path it repeats."""
    return error.strerror or type(error).__name__


#: A model file's digest as its card gives it (hashlib's hexdigest).
_SHA256 = re.compile(r"[0-9a-f]{64}")


def read_card(cp: Path) -> dict[str, Any]:
    """The model card at ``cp``, checked for what loading and scoring take from it.

    Raises :class:`ModelError` naming the card and what was expected: a JSON object with the
    model file's ``sha256`` (64 hex digits), the ``threshold`` verdicts are given at (a number
    from 0 to 1) and, if there, ``versions`` (library names to version strings).
    """
    try:
        card = json.loads(cp.read_text(encoding="utf-8"))
    except OSError as e:
        raise ModelError(f"{cp}: cannot read the model card ({_os_reason(e)})") from None
    except RecursionError:
        raise ModelError(f"{cp}: unreadable model card (nested too deeply)") from None
    except ValueError as e:
        raise ModelError(f"{cp}: unreadable model card ({e})") from None
    problem = _card_problem(card)
    if problem:
        raise ModelError(f"{cp}: not a valid model card ({problem})")
    return card


def _card_problem(card: Any) -> str | None:
    """What a model card lacks that the loader relies on, in words; None when nothing."""
    if not isinstance(card, dict):
        kind = "an array" if isinstance(card, list) else "a string" if isinstance(card, str) else "a value"
        return f"expected a JSON object, got {kind}"
    if not isinstance(card.get("sha256"), str) or not _SHA256.fullmatch(card["sha256"]):
        return 'expected "sha256", the model file\'s digest in 64 hex digits'
    t = card.get("threshold")
    if isinstance(t, bool) or not isinstance(t, int | float) or not 0 <= t <= 1:  # NaN fails the range too
        got = "" if "threshold" not in card else f", got {json.dumps(t)[:40]}"
        return f'expected "threshold", a number from 0 to 1{got}'
    versions = card.get("versions", {})
    if not isinstance(versions, dict) or not all(isinstance(v, str) for v in versions.values()):
        return 'expected "versions" to map library names to version strings'
    return None


def _trusted_for(path: Path) -> set[str]:
    """:func:`trusted_hashes`, its error saying the way around it for loading ``path``."""
    try:
        return trusted_hashes()
    except TrustListError as e:
        raise TrustListError(f"{e}, or load {path} with --trust-model") from None


def default_model_path() -> Path:
    return bundled_path(MODELS, f"{DEFAULT_NAME}.joblib")


def model_card(path: Path | None = None) -> tuple[Path, dict[str, Any]]:
    """The model file at ``path`` (default: the bundled model) and its checked card, read
    without opening the model (what ``autodm model info`` shows, and where :func:`load` starts).

    Raises :class:`ModelError` when ``path`` is missing, a folder, not a model file, or has no
    valid card beside it.
    """
    bundled = path is None
    path = default_model_path() if path is None else Path(path)
    if not path.exists():
        hint = " (the package was installed without its model?)" if bundled else ""
        raise ModelError(f"{path}: no such model file{hint}")
    if path.is_dir():
        raise ModelError(f"{path}: is a folder; expected a model file (.joblib) with its card (.json) beside it")
    if path.suffix.lower() == ".json":  # its digest would "not match its card": nothing was tampered with
        try:
            read_card(path)
        except ModelError:  # an inbox, a report: not a card either
            raise ModelError(f"{path}: not a model file; expected a model (.joblib) with its card (.json) "
                             "beside it") from None
        raise ModelError(f"{path}: is a model card; pass the model file it describes "
                         f"({path.with_suffix('.joblib')})")
    cp = card_path(path)
    if not cp.exists():
        raise ModelError(f"{path}: its model card {cp.name} is missing; refusing to load an unverified model")
    return path, read_card(cp)


def matches_card(path: Path, card: dict[str, Any]) -> bool:
    """Whether the model file is the one its card describes (its sha256); ModelError if unreadable."""
    try:
        return card.get("sha256") == _sha256(path)
    except OSError as e:
        raise ModelError(f"{path}: cannot read the model file ({_os_reason(e)})") from None


def load(path: Path | None = None, *, trust_model: bool = False) -> Model:
    """Load a model after checking its card's sha256 and that it is bundled or trusted.

    A joblib file can run code when loaded, so an unknown file is refused, not opened.
    """
    path, card = model_card(path)
    if not matches_card(path, card):
        raise ModelError(
            f"{path}: the file's sha256 does not match its card; it was changed after training. "
            "Refusing to load it (loading a joblib file can run code)"
        )
    # the bundled model itself, not any file beside it: in a checkout (or an editable install)
    # that folder is the repository's models/, where `train -o models/mine.joblib` writes too
    is_bundled = path.resolve() == default_model_path().resolve()
    if not (is_bundled or trust_model or card["sha256"] in _trusted_for(path)):
        raise ModelError(
            f"{path}: not a trusted model. Loading a joblib file can run code, so autodm loads only "
            "its bundled models, models trained on this machine, or files you pass with --trust-model"
        )
    saved = card.get("versions", {}).get("scikit-learn")
    if saved and saved != sklearn.__version__:
        log.warning("%s was saved with scikit-learn %s, this is %s; scores may differ",
                    path, saved, sklearn.__version__)
    try:
        pipe = joblib.load(path)
    except Exception as e:
        raise ModelError(f"{path}: cannot read the model ({type(e).__name__}); retrain it with autodm train") from None
    model = Model(pipeline=pipe, card=card, path=path)
    try:
        signals = model.signals if isinstance(pipe, Pipeline) and "clf" in pipe.named_steps else None
    except (AttributeError, KeyError, ModelError):
        signals = None
    if signals is None:
        raise ModelError(f"{path}: not an autodm model (expected a fitted Pipeline)")
    unknown = [name for name in signals if name not in feat.FEATURES]
    if unknown:
        raise ModelError(f"{path}: trained on signals this autodm does not compute ({', '.join(unknown[:3])}); "
                         "upgrade autodm or retrain the model with this one")
    return model
