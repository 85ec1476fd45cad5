"""Regenerate the bundled examples: ``python -m autodm.simulate examples data/examples``.

Writes one simulated inbox per platform format (canonical inbox.json, X archive, Instagram,
Messenger and LinkedIn exports), each with a ``*.labels.csv`` (message_id,label) giving the
truth for ``autodm evaluate EXPORT --labels FILE``. Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import csv
import io
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from autodm.corpus import load_corpus
from autodm.inbox import Inbox
from autodm.loaders import load_inbox
from autodm.simulate.canonical import write_canonical
from autodm.simulate.timeline import SimConfig, simulate_inbox

SEED = 424242


def _writers() -> dict[str, tuple[str, str, Callable[[Inbox, Path], Path]]]:
    from autodm.simulate.linkedin import write_linkedin_export
    from autodm.simulate.meta import write_instagram_export, write_messenger_export
    from autodm.simulate.x import write_x_archive

    return {
        "canonical": ("instagram", "inbox.json", write_canonical),
        "x": ("x", "twitter-archive.zip", write_x_archive),
        "instagram": ("instagram", "instagram-export.zip", write_instagram_export),
        "facebook": ("facebook", "messenger-export.zip", write_messenger_export),
        "linkedin": ("linkedin", "linkedin-export.zip", write_linkedin_export),
    }


def export_labels(written: Path, inbox: Inbox, labels: pd.DataFrame) -> pd.DataFrame:
    """Labels keyed by the export's own message ids: reload it and match on time and text."""
    loaded = load_inbox([written]).messages
    truth = inbox.messages.merge(labels, on="message_id")[["sent_at", "text", "label"]]
    key = ["sent_at", "text"]
    truth = truth.assign(sent_at=truth["sent_at"].dt.floor("s"), text=truth["text"].astype(str))
    got = loaded[~loaded["outgoing"]].assign(sent_at=loaded["sent_at"].dt.floor("s"),
                                             text=loaded["text"].astype(str))
    merged = got.merge(truth.drop_duplicates(key), on=key, how="inner")
    return merged[["message_id", "label"]]


def examples(out: Path, n: int = 400, seed: int = SEED) -> list[Path]:
    """Write every example export and its labels into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    corpus = load_corpus()
    written: list[Path] = []
    for i, (name, (style, filename, writer)) in enumerate(_writers().items()):
        inbox, labels = simulate_inbox(corpus, n, seed=seed + i, config=SimConfig(platform=style))
        path = writer(inbox, out / filename)
        lab = export_labels(path, inbox, labels)
        buf = io.StringIO()
        lab.assign(label=lab["label"].map({1: "auto", 0: "personal"})).to_csv(
            buf, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        label_path = out / f"{name}.labels.csv"
        label_path.write_text(buf.getvalue(), encoding="utf-8")
        written += [path, label_path]
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["examples"])
    ap.add_argument("out", type=Path)
    ap.add_argument("-n", type=int, default=400, help="messages per example")
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()
    for p in examples(args.out, args.n, args.seed):
        print(p)


if __name__ == "__main__":
    main()
