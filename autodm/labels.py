"""A labels file (``message_id,label``) written one answer at a time, for ``autodm label``.

Every answer is saved at once (written to a temp file, flushed to disk and renamed into place),
so a labelling session can stop at any moment, Ctrl-C and a full disk included, and resume where
it left off; the file is never half-written. ``undo`` takes back the last answer.

A labels file opened and saved again in a spreadsheet is read as ``train --labels`` reads it
(comma, semicolon or tab; UTF-8 with or without a BOM, or UTF-16 with its BOM) and rewritten the
way it was saved: same separator, encoding, BOM and line endings, so the spreadsheet opens it
as before. A new file is comma-separated UTF-8 without a BOM.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from autodm.errors import InputError, OutputError
from autodm.loaders.csvtext import csv_encoding, csv_separator
from autodm.output import atomic_path, check_target, is_stream

FIELDS = ("message_id", "label")


@dataclass(frozen=True)
class CsvStyle:
    """How a labels file is written: what it was read with, so a spreadsheet's choices are kept."""

    delimiter: str = ","
    encoding: str = "utf-8"  # utf-8, utf-8-sig (a BOM first) or utf-16 (a BOM first)
    newline: str = "\n"


class LabelStore:
    """Labels by message id, kept in insertion order, persisted after every change.

    ``path`` is checked at once (a folder, a missing or unwritable folder, a device, a read-only
    file or one of ``forbid``, the inputs, is refused), so a bad ``-o`` is refused before any work.
    """

    def __init__(self, path: Path, forbid: tuple[Path, ...] = ()) -> None:
        self.path = path
        self.labels: dict[str, str] = {}
        self.style = CsvStyle()
        check_target(path, forbid)
        if is_stream(path):  # /dev/stdout, a FIFO: the answers are read back and rewritten
            raise OutputError(f"{path}: not a regular file; give a file name for -o")
        if path.exists() and not os.access(path, os.W_OK):  # read-only: not to be replaced behind its back
            raise OutputError(f"{path}: not writable; give another -o file or make it writable")
        if path.exists():
            self.labels, self.style = _read(path)

    def __len__(self) -> int:
        return len(self.labels)

    def __contains__(self, message_id: object) -> bool:
        return message_id in self.labels

    def add(self, message_id: str, label: str) -> None:
        labels = {k: v for k, v in self.labels.items() if k != message_id}
        labels[message_id] = label
        self._save(labels)

    def undo(self) -> str | None:
        """Remove the last answer; return its message id (None when there is none)."""
        if not self.labels:
            return None
        last = next(reversed(self.labels))
        self._save({k: v for k, v in self.labels.items() if k != last})
        return last

    def _save(self, labels: dict[str, str]) -> None:
        """Write ``labels`` in place of the file, then hold them: a failed write changes nothing."""
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=self.style.delimiter, lineterminator=self.style.newline)
        w.writerow(FIELDS)
        w.writerows(labels.items())
        try:
            with atomic_path(self.path) as tmp, open(tmp, "w", encoding=self.style.encoding, newline="") as fh:
                fh.write(buf.getvalue())
                fh.flush()
                os.fsync(fh.fileno())  # on disk before the rename makes it the labels file
        except OSError as e:
            raise OutputError(f"{self.path}: cannot write ({e.strerror}); it keeps the answers saved "
                              "before") from None
        self.labels = labels


def _read(path: Path) -> tuple[dict[str, str], CsvStyle]:
    """The labels in ``path`` and how it is written; an empty file has none (and a new file's style)."""
    delimiter, encoding = csv_separator(path), csv_encoding(path)
    try:
        with path.open("rb") as raw:
            bom = raw.read(3) == b"\xef\xbb\xbf"
        with path.open(encoding=encoding, newline="") as fh:
            text = fh.read()
    except UnicodeDecodeError:
        what = "UTF-16" if encoding == "utf-16" else "UTF-8"
        raise InputError(f"{path}: not {what} text; expected a labels file written by autodm label") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    end = text.find("\n")
    style = CsvStyle(delimiter, "utf-16" if encoding == "utf-16" else "utf-8-sig" if bom else "utf-8",
                     "\r\n" if end > 0 and text[end - 1] == "\r" else "\n")
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as e:
        raise InputError(f"{path}: not a labels file ({e}); expected the columns message_id,label") from None
    if not rows:  # empty: created by hand (touch) before the first answer
        return {}, CsvStyle()
    fields = [f.strip().lstrip("\ufeff") for f in rows[0]]
    if not set(FIELDS) <= set(fields):
        raise InputError(f"{path}: not a labels file; expected the columns message_id,label "
                         "(separated by commas, semicolons or tabs)")
    # a spreadsheet may save empty columns after the last one (";;"): nothing is lost dropping them
    blank = [i for i, f in enumerate(fields) if not f]
    if blank and all(not (row[i].strip() if i < len(row) else "") for row in rows[1:] for i in blank):
        fields = [f for f in fields if f]
    if extra := [f for f in fields if f not in FIELDS]:
        raise InputError(f"{path}: has columns besides message_id,label ({', '.join(map(repr, extra))}), "
                         "which saving an answer would drop; give another -o file")
    at = {f: i for i, f in enumerate(f.strip().lstrip("\ufeff") for f in rows[0]) if f in FIELDS}
    labels: dict[str, str] = {}
    for row in rows[1:]:
        mid, label = (row[at[f]] if at[f] < len(row) else "" for f in FIELDS)
        if mid and label:
            labels[mid] = label
    return labels, style


def uncertainty_order(scores: pd.Series, threshold: float) -> np.ndarray:
    """Positions of ``scores`` from the most uncertain (closest to the threshold) to the least."""
    return np.argsort(np.abs(scores.to_numpy(dtype=float) - threshold), kind="stable")
