"""A labels file (``message_id,label``) written one answer at a time, for ``autodm label``.

Every answer is saved at once (rewritten atomically), so a labelling session can stop at any
moment and resume where it left off; ``undo`` takes back the last answer.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from autodm.errors import InputError
from autodm.output import atomic_path

FIELDS = ("message_id", "label")


class LabelStore:
    """Labels by message id, kept in insertion order, persisted after every change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.labels: dict[str, str] = {}
        if path.exists():
            try:
                with path.open(encoding="utf-8-sig", newline="") as fh:
                    reader = csv.DictReader(fh)
                    if not reader.fieldnames or not set(FIELDS) <= set(reader.fieldnames):
                        raise InputError(f"{path}: not a labels file; expected the columns message_id,label")
                    for row in reader:
                        if row["message_id"] and row["label"]:
                            self.labels[row["message_id"]] = row["label"]
            except UnicodeDecodeError:
                raise InputError(f"{path}: not UTF-8; expected a labels file written by autodm label") from None

    def __len__(self) -> int:
        return len(self.labels)

    def __contains__(self, message_id: object) -> bool:
        return message_id in self.labels

    def add(self, message_id: str, label: str) -> None:
        self.labels.pop(message_id, None)
        self.labels[message_id] = label
        self.save()

    def undo(self) -> str | None:
        """Remove the last answer; return its message id (None when there is none)."""
        if not self.labels:
            return None
        last = next(reversed(self.labels))
        del self.labels[last]
        self.save()
        return last

    def save(self) -> None:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(FIELDS)
        w.writerows(self.labels.items())
        with atomic_path(self.path) as tmp:
            tmp.write_text(buf.getvalue(), encoding="utf-8")


def uncertainty_order(scores: pd.Series, threshold: float) -> np.ndarray:
    """Positions of ``scores`` from the most uncertain (closest to the threshold) to the least."""
    return np.argsort(np.abs(scores.to_numpy(dtype=float) - threshold), kind="stable")
