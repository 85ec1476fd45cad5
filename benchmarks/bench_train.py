"""Training time on a labelled table of simulated messages.

    python benchmarks/bench_train.py --rows 100000

Builds a labelled set of about ``--rows`` incoming messages from the simulated generator (corpus
texts placed in X, Instagram and LinkedIn timelines, labels from the simulation), then times
``autodm.training.fit`` on it (grouped 5-fold cross-validation, calibration and the final fit:
six fits of the full pipeline). Building the set (features) is timed separately. Prints one
JSON line and writes benchmarks/out/bench_train.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path
from typing import Any

OUT = Path("benchmarks/out")


def labelled_set(rows: int, seed: int = 11) -> Any:
    """About ``rows`` labelled incoming messages from simulated timelines of three platforms."""
    import numpy as np

    from autodm.corpus import load_corpus
    from autodm.scan import design, scored_mask
    from autodm.simulate.timeline import SimConfig, simulate_inbox
    from autodm.training import SIM_PLATFORMS, Labelled, concat

    corpus = load_corpus()
    parts = []
    per_platform = rows // len(SIM_PLATFORMS)
    for k, platform in enumerate(SIM_PLATFORMS):
        inbox, labels = simulate_inbox(corpus, int(per_platform * 1.9), seed=seed + k,
                                       config=SimConfig(platform=platform, auto_sender_share=0.6))
        joined, frame = design(inbox)
        mask = scored_mask(joined)
        lab = labels.set_index("message_id")
        ids = joined.loc[mask, "message_id"].astype(str)[:per_platform]
        keep = mask.nonzero()[0][:len(ids)]
        parts.append(Labelled(frame=frame.iloc[keep].reset_index(drop=True),
                              y=lab.loc[ids, "label"].to_numpy(int),
                              groups=lab.loc[ids, "template_id"].astype(str).to_numpy(),
                              weight=np.ones(len(keep)),
                              texts=joined["text"].iloc[keep].reset_index(drop=True),
                              info={"platform": platform}))
    return concat(parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    args = ap.parse_args()
    from autodm import training

    t = time.perf_counter()
    data = labelled_set(args.rows)
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    model = training.fit(data)
    fit_s = time.perf_counter() - t
    row = {"rows": len(data), "distinct_texts": int(data.texts.nunique()), "build_s": round(build_s, 2),
           "fit_s": round(fit_s, 2), "cv_roc_auc": model.card["cv"]["metrics"].get("roc_auc"),
           "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
           "cores": os.cpu_count()}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench_train.json").write_text(json.dumps(row, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(row))


if __name__ == "__main__":
    main()
