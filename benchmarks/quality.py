"""Model quality in one run: the default model against two baselines, and with timing.

    python benchmarks/quality.py [--field ../shared/field/dev.csv] [--out benchmarks/out/quality.json]
                                 [--model PATH] [--skip-timing]

1. Field set (real messages, text only; evaluation only, never training data): the bundled
   model, a keyword rule, and a plain TF-IDF + logistic regression trained on the same corpus
   texts, each at its own threshold chosen on the corpus (never on the field set); per slice;
   95% bootstrap intervals of the bundled model's numbers (autodm.evaluation.intervals).
2. Timing on generated exports: the corpus split by template into train (80%) and held-out
   (20%) templates; a model trained on the train templates (text alone + simulated timelines)
   scores simulated inboxes built only from the held-out templates (with follow times).
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, cross_val_predict
from sklearn.pipeline import make_pipeline

from autodm import model as mdl
from autodm.corpus import load_corpus
from autodm.evaluation import intervals, rate_interval
from autodm.scan import design, scored_mask, table_messages
from autodm.simulate.timeline import SimConfig, simulate_inbox
from autodm.training import corpus_set, fit

KEYWORDS = re.compile(
    r"thanks? (?:you )?for (?:the )?(?:follow|connect)|thank you for following|check out|click|https?://|www\.|"
    r"\bfree\b|\bwin\b|\bwon\b|\bprize\b|\boffer\b|subscribe|connect with me|like (?:my|us) on|"
    r"join (?:me|us)|\bdm me\b|\bcall now\b|\btxt\b|\bclaim\b",
    re.IGNORECASE,
)
EVERYDAY = ("personal_sms", "personal_chat")


def keyword_rule(texts: pd.Series) -> np.ndarray:
    """The baseline a person would write first: any of a few auto-DM keywords."""
    return texts.fillna("").str.contains(KEYWORDS).to_numpy(dtype=float)


def plain_tfidf(corpus: pd.DataFrame, seed: int) -> tuple[Any, float]:
    """TF-IDF (word 1-2 grams) + logistic regression on the corpus texts; max-F1 threshold by CV."""
    pipe = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                         LogisticRegression(max_iter=2000, class_weight="balanced"))
    y = corpus["label"].to_numpy()
    cv = StratifiedGroupKFold(5, shuffle=True, random_state=seed)
    oof = cross_val_predict(pipe, corpus["text"], y, groups=corpus["template_id"], cv=cv,
                            method="predict_proba")[:, 1]
    pipe.fit(corpus["text"], y)
    return pipe, mdl.choose_threshold(y, oof)


def summarize(y: np.ndarray, prob: np.ndarray, slices: np.ndarray, threshold: float) -> dict[str, Any]:
    m = mdl.metrics(y, prob, threshold)
    out: dict[str, Any] = {"threshold": round(threshold, 4), **m}
    everyday = np.isin(slices, EVERYDAY)
    hard = slices == "personal_hard"
    out["fpr_everyday"] = round(float(mdl.flags_auto(prob[everyday], threshold).mean()), 4) if everyday.any() else None
    out["fpr_hard"] = round(float(mdl.flags_auto(prob[hard], threshold).mean()), 4) if hard.any() else None
    # how far each number could move on another sample of the same kinds of messages
    out["intervals"] = intervals(y, prob, threshold)
    out["fpr_everyday_interval"] = rate_interval(mdl.flags_auto(prob[everyday], threshold)) if everyday.any() else None
    out["fpr_hard_interval"] = rate_interval(mdl.flags_auto(prob[hard], threshold)) if hard.any() else None
    dm = slices != "bulk_sms"
    out["roc_auc_without_bulk_sms"] = mdl.metrics(y[dm], prob[dm], threshold).get("roc_auc")
    out["slices"] = {
        str(s): {"n": int((slices == s).sum()),
                 "flagged_auto": round(float(mdl.flags_auto(prob[slices == s], threshold).mean()), 4)}
        for s in pd.unique(slices)
    }
    return out


def field_report(path: Path, seed: int, model_path: Path | None = None) -> dict[str, Any]:
    field = pd.read_csv(path, dtype=str, keep_default_na=False)
    y = field["label"].astype(int).to_numpy()
    slices = field["slice"].to_numpy()
    corpus = load_corpus()
    model = mdl.load(model_path, trust_model=model_path is not None)
    t0 = time.perf_counter()
    frame = mdl.design_frame(table_messages(field[["id", "text"]]))
    prob = mdl.score(model, frame, reasons=False)["score"].to_numpy()
    took = time.perf_counter() - t0
    base_pipe, base_t = plain_tfidf(corpus, seed)
    base_prob = base_pipe.predict_proba(field["text"])[:, 1]
    kw = keyword_rule(field["text"])
    return {
        "field_rows": len(field),
        "autodm": {**summarize(y, prob, slices, model.threshold), "seconds": round(took, 3)},
        "plain_tfidf_lr": summarize(y, base_prob, slices, base_t),
        "keyword_rule": summarize(y, kw, slices, 0.5),
    }


def timing_report(seed: int) -> dict[str, Any]:
    corpus = load_corpus()
    templates = corpus["template_id"].unique()
    rng = np.random.default_rng(seed)
    held = set(rng.choice(templates, size=len(templates) // 5, replace=False))
    test_mask = corpus["template_id"].isin(held)
    model = fit(corpus_set(seed, corpus=corpus[~test_mask].reset_index(drop=True)), seed=seed)
    out: dict[str, Any] = {"train_templates": int(len(templates) - len(held)), "held_out_templates": len(held)}
    held_corpus = corpus[test_mask].reset_index(drop=True)
    for platform in ("instagram", "linkedin", "x"):
        inbox, labels = simulate_inbox(held_corpus, 3000, seed=seed + 100, config=SimConfig(platform=platform))
        joined, frame = design(inbox)
        mask = scored_mask(joined)
        lab = labels.set_index("message_id").loc[joined.loc[mask, "message_id"].astype(str), "label"].to_numpy()
        prob = mdl.score(model, frame[mask], reasons=False)["score"].to_numpy()
        text_only = mdl.design_frame(table_messages(joined.loc[mask, ["text"]].reset_index(drop=True)))
        prob_text = mdl.score(model, text_only, reasons=False)["score"].to_numpy()
        out[platform] = {
            "messages": int(mask.sum()), "auto": int(lab.sum()),
            "with_context": mdl.metrics(lab, prob, model.threshold),
            "text_only": mdl.metrics(lab, prob_text, model.threshold),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--field", type=Path, default=Path("../shared/field/dev.csv"))
    ap.add_argument("--out", type=Path, default=Path("benchmarks/out/quality.json"))
    ap.add_argument("--seed", type=int, default=mdl.SEED)
    ap.add_argument("--skip-timing", action="store_true")
    ap.add_argument("--model", type=Path, default=None, help="a model file to evaluate instead of the bundled one")
    args = ap.parse_args()
    report: dict[str, Any] = {}
    if args.field.exists():
        report["field"] = field_report(args.field, args.seed, args.model)
    if not args.skip_timing:
        report["timing"] = timing_report(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if "field" in report:
        keys = ("precision", "recall", "f1", "roc_auc", "roc_auc_without_bulk_sms", "fpr_everyday", "fpr_hard")
        heads = ("precision", "recall", "F1", "ROC-AUC", "AUC no SMS", "FPR everyday", "FPR hard")
        print(f"{'field set':18}" + "".join(f"{h:>13}" for h in heads))
        for name in ("autodm", "plain_tfidf_lr", "keyword_rule"):
            r = report["field"][name]
            print(f"{name:18}" + "".join(f"{r.get(k) if r.get(k) is not None else '-':>13}" for k in keys))
        r = report["field"]["autodm"]
        ci = r["intervals"] or {}
        print(f"autodm, 95% bootstrap intervals: precision {ci.get('precision')}, recall {ci.get('recall')}, "
              f"ROC-AUC {ci.get('roc_auc')}, FPR everyday {r['fpr_everyday_interval']}, "
              f"FPR hard {r['fpr_hard_interval']}")
        print("per slice (share flagged auto):")
        for s, v in report["field"]["autodm"]["slices"].items():
            print(f"  {s:15} n={v['n']:5}  autodm {v['flagged_auto']:.3f}  "
                  f"tfidf {report['field']['plain_tfidf_lr']['slices'][s]['flagged_auto']:.3f}  "
                  f"keywords {report['field']['keyword_rule']['slices'][s]['flagged_auto']:.3f}")
    if "timing" in report:
        for platform in ("instagram", "linkedin", "x"):
            r = report["timing"][platform]
            print(f"timing {platform:10} held-out templates: ROC-AUC with context "
                  f"{r['with_context'].get('roc_auc')}, text only {r['text_only'].get('roc_auc')}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
