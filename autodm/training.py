"""Labelled data for training and evaluation: reading label columns, and the training sets.

A labelled table is a scan export (or any table with ``text``) plus a ``label`` column with
auto/personal, 1/0, yes/no or true/false in any case; blank labels are skipped and counted.
The bundled training set is the corpus twice over: each message alone (text only, no context)
and placed in simulated inbox timelines (with follow times and threads), so the model learns
both what a message says and when and how it arrived.
"""

from __future__ import annotations

import hashlib
import json
import logging
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from autodm import model as mdl
from autodm.corpus import load_corpus
from autodm.errors import InputError, RecordError, TrainingError
from autodm.loaders import load_inbox
from autodm.loaders.csvtext import EXPECTED, WRONG_WIDTH, CsvRows, csv_encoding, csv_separator, header_width, misfit
from autodm.scan import design, scored_mask, table_messages, unreadable_times
from autodm.simulate.timeline import SimConfig, simulate_inbox

log = logging.getLogger(__name__)

LABELS = {
    "auto": 1, "1": 1, "yes": 1, "y": 1, "true": 1, "t": 1, "1.0": 1,
    "personal": 0, "0": 0, "no": 0, "n": 0, "false": 0, "f": 0, "0.0": 0,
}
SIM_PLATFORMS = ("x", "instagram", "linkedin")


@dataclass
class Labelled:
    """A design frame with labels, groups for cross-validation and weights."""

    frame: pd.DataFrame
    y: np.ndarray
    groups: np.ndarray
    weight: np.ndarray
    texts: pd.Series
    info: dict[str, Any] = field(default_factory=dict)
    extra: pd.DataFrame | None = None  # columns of the input table worth keeping (slice, ...)
    #: Rows that repeat a labelled message alone (text only) beside its row in context: training
    #: rows, not messages of their own (None: there are none).
    alone: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.y)

    def messages(self) -> np.ndarray:
        """Which rows are labelled messages (all but the text-only copies of :attr:`alone`)."""
        return np.ones(len(self.y), dtype=bool) if self.alone is None else ~np.asarray(self.alone, dtype=bool)


def read_table(path: Path, strict: bool = False, *, need_text: bool = True) -> pd.DataFrame:
    """Read a csv, tsv, xlsx or jsonl/json table with all values as text.

    A csv/tsv with a few rows that are not UTF-8 (or hold NULs) loses only those rows: the frame
    is indexed by row (0 is the first row under the header, as for any table read here), so row
    numbers stay those of the file, and ``attrs["bad_rows"]`` holds (count, first row number,
    why). Under ``strict`` the first one is an error; a file mostly bad is refused whole.
    """
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputError(f"{path}: no such file")
    _refuse_an_export(path)
    try:
        if suffix == ".xlsx":
            df = pd.read_excel(path, dtype=str)
        elif suffix in (".jsonl", ".ndjson"):
            df = pd.read_json(path, lines=True, dtype=False)
        elif suffix == ".json":
            df = pd.read_json(path, dtype=False)
        else:
            sep = csv_separator(path)
            try:
                df = pd.read_csv(path, dtype=str, sep=sep, keep_default_na=False, encoding=csv_encoding(path))
                if not isinstance(df.index, pd.RangeIndex):
                    # the first row was wider than the header (Excel's trailing ",,", a note past the
                    # label): pandas took its first cells for an index and shifted every column
                    raise pd.errors.ParserError("first row too wide")
            except (UnicodeDecodeError, pd.errors.ParserError):  # a bad byte, a row too wide
                df = _csv_without_bad_rows(path, sep, strict)
    except (ValueError, OSError, ImportError) as e:
        if suffix != ".xlsx" and zipfile.is_zipfile(path):  # pandas' message lists the members: names
            raise InputError(f"{path}: a zip that is not a labelled table; {_EXPORT_HINT}") from None
        if suffix == ".json" and _is_inbox(path):
            raise InputError(f"{path}: an inbox in autodm's own format, not a labelled table; train on it "
                             "with --labels FILE (message_id,label), or scan it and add a label column") from None
        raise InputError(f"{path}: cannot read it as a {suffix.lstrip('.') or 'csv'} table ({e})") from None
    df.columns = [str(c).strip() for c in df.columns]
    if need_text and not any(c.lower() == "text" for c in df.columns):
        raise InputError(f"{path}: no text column; expected a scan export (autodm scan --format csv)")
    return df


#: What to do with an export given where a labelled table was expected.
_EXPORT_HINT = ("for a DM export give its labels with --labels FILE (message_id,label), or scan it and add "
                "a label column")


def _refuse_an_export(path: Path) -> None:
    """A folder, or a zip of several files (an export), is no labelled table: say so in one line.
    pandas read a zip's one file but refused more by listing every member, and an export's
    member names hold its senders' usernames."""
    if path.is_dir():
        raise InputError(f"{path}: a folder, not a labelled table; {_EXPORT_HINT}")
    if path.suffix.lower() == ".xlsx" or not zipfile.is_zipfile(path):  # an xlsx file is a zip too
        return
    try:
        with zipfile.ZipFile(path) as zf:
            files = sum(not info.is_dir() for info in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # the reader reports it
    if files > 1:
        raise InputError(f"{path}: a zip of {files} files (a DM export?), not a labelled table; {_EXPORT_HINT}")


def _csv_without_bad_rows(path: Path, sep: str, strict: bool) -> pd.DataFrame:
    """The table without its rows that are not text (bad bytes, NULs) or have the wrong width."""
    rows = CsvRows(path.read_bytes(), str(path), "save the table as UTF-8", delimiter=sep)
    header: list[str] | None = None
    good: list[list[str]] = []
    index: list[int] = []
    bad: list[tuple[int, str]] = []  # (row number as parse_labels counts: the header is row 1, why)
    for _, cells, problem in rows:
        if not cells:
            continue
        if header is None:
            if problem:
                raise rows.file_error()
            header, width = cells, header_width(cells)
            continue
        row = len(good) + len(bad)
        why = EXPECTED[problem] if problem else None
        if why is None and (misfit_why := misfit(cells, width, least=1)):  # short rows padded, as pandas does
            why = misfit_why
        if why is None:
            good.append(cells[:width] + [""] * (width - len(cells)))
            index.append(row)
            continue
        if strict:
            raise RecordError(f"{path}: row {row + 2}: {problem or WRONG_WIDTH}; expected {why}")
        bad.append((row + 2, problem or f"{WRONG_WIDTH}; expected {why}"))
    rows.check()
    if header is None:
        raise InputError(f"{path}: empty; expected a table with a header row")
    df = pd.DataFrame(good, columns=header[:width], index=pd.Index(index), dtype=object)
    if bad:
        df.attrs["bad_rows"] = (len(bad), *bad[0])
    return df


def _is_inbox(path: Path) -> bool:
    """Whether ``path`` holds a canonical inbox (an object with a "messages" list)."""
    try:
        doc = json.loads(path.read_bytes())
    except (ValueError, OSError):
        return False
    return isinstance(doc, dict) and isinstance(doc.get("messages"), list)


def parse_labels(df: pd.DataFrame, path: str, column: str = "label") -> tuple[pd.Series, int]:
    """Labels as 0/1 (NA for blanks) and the number of blanks; an unknown value is an error."""
    cols = {c.lower(): c for c in df.columns}
    if column.lower() not in cols:
        raise InputError(f"{path}: no {column} column; add one with auto/personal (or 1/0, yes/no) per row")
    raw = df[cols[column.lower()]].astype(object).where(df[cols[column.lower()]].notna(), "")
    norm = raw.map(lambda v: str(v).strip().lower())
    blank = norm == ""
    mapped = norm.map(LABELS)
    bad = mapped.isna() & ~blank
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise TrainingError(
            f"{path}: row {int(df.index[i]) + 2}: label {str(raw.iloc[i])[:30]!r} is not one of auto/personal, "
            "1/0, yes/no, true/false"
        )
    return mapped.astype("Int64"), int(blank.sum())


def labelled_table(path: Path, weight: float = 1.0, strict: bool = False) -> Labelled:
    """A labelled table (scan export or text table) as a design frame; blank labels skipped.

    A time cell that cannot be read leaves that row's timing unknown, and a csv row that is not
    text is left out (:func:`read_table`); ``info["warnings"]`` says so (a line per column and
    one for the bad rows), and under ``strict`` the first one is an error.
    """
    return _labelled_table(path, weight, strict)[0]


#: What tells one message from another across tables: ("id", message id), or where a row has no
#: id (or one a spreadsheet rounded) ("sender", sender, text); None when it has neither.
MessageKey = tuple[str, ...] | None


def labelled_tables(paths: list[Path], weight: float = 1.0, strict: bool = False) -> Labelled:
    """Several labelled tables as one set, each message once: a row that repeats a message an
    earlier table labelled (the same id, or without one the same sender and text) is left out,
    with a warning in its table's ``info["warnings"]``; labelled differently, it is an error
    naming both files and rows. Within a table, :func:`labelled_table`'s rules hold."""
    seen: dict[tuple[str, ...], tuple[set[int], str, int]] = {}  # key -> (labels, first file, its row)
    parts: list[Labelled] = []
    for k, path in enumerate(paths):
        part, keys, rows = _labelled_table(path, weight, strict)
        drop = np.zeros(len(part), dtype=bool)
        mine: dict[tuple[str, ...], tuple[set[int], str, int]] = {}
        first_repeat: tuple[str, int] | None = None
        for i, (key, label, row) in enumerate(zip(keys, part.y.tolist(), rows.tolist(), strict=True)):
            if key is None:
                continue
            if key in seen:
                labels, where, at = seen[key]
                if label not in labels:
                    what = f"message {key[1]!r} is" if key[0] == "id" else "a message (same sender and text) is"
                    raise TrainingError(f"{path}: row {row}: {what} labelled twice, differently (first at {where} "
                                        f"row {at}); keep one label per message")
                drop[i] = True
                first_repeat = first_repeat or (where, row)
                continue
            mine.setdefault(key, (set(), str(path), row))[0].add(label)
        seen.update(mine)
        if first_repeat is not None:
            n = int(drop.sum())
            part = _subset(part, ~drop)
            part.info["warnings"].append(
                f"{path}: {n} row{'s' if n > 1 else ''} repeat messages already labelled in {first_repeat[0]} "
                f"(first: row {first_repeat[1]}); each message counted once")
        parts.append(part)
        log.info("table %d of %d: %d labelled messages", k + 1, len(paths), len(part))
    return concat(parts)


def _subset(data: Labelled, keep: np.ndarray) -> Labelled:
    """``data`` with only the rows in ``keep``."""
    return Labelled(frame=data.frame[keep].reset_index(drop=True), y=data.y[keep], groups=data.groups[keep],
                    weight=data.weight[keep], texts=data.texts[keep].reset_index(drop=True),
                    info={**data.info, "rows": int(keep.sum())},
                    extra=None if data.extra is None else data.extra[keep].reset_index(drop=True),
                    alone=None if data.alone is None else data.alone[keep])


def _labelled_table(path: Path, weight: float, strict: bool) -> tuple[Labelled, list[MessageKey], np.ndarray]:
    """:func:`labelled_table`, with each row's :data:`MessageKey` and its row in the file."""
    df = read_table(path, strict=strict)
    warnings: list[str] = []
    if bad_rows := df.attrs.get("bad_rows"):
        n, first, why = bad_rows
        warnings.append(f"{path}: {n} unreadable row{'s' if n > 1 else ''} left out (first: row {first}, {why})")
    labels, blanks = parse_labels(df, str(path))
    keep = labels.notna().to_numpy()
    id_col = _id_column(df)
    if id_col is not None and (example := rounded_id(df[id_col])):
        warnings.append(f"{path}: {rounded_hint(example)}; those ids are not used to find repeated rows")
    if repeats := _repeated_ids(df, labels, str(path)):
        keep = keep & ~repeats[0]
        warnings.append(repeats[1])
    row_of = df.index.to_numpy()[keep] + 2  # as parse_labels counts: the header is row 1
    df = df[keep].reset_index(drop=True)
    y = labels[keep].to_numpy(dtype=int)
    msgs = table_messages(df)
    for name, n, first, value in unreadable_times(df, msgs):
        row = int(row_of[first])
        if strict:
            raise RecordError(f"{path}: row {row}: {name} {value[:40]!r} is not a time "
                              f"(expected ISO 8601, like 2024-03-07T14:06:09Z)")
        warnings.append(f"{path}: {n} row{'s' if n > 1 else ''} with a {name} that is not a time "
                          f"(first: row {row}, {value[:40]!r}; expected ISO 8601): timing left unknown")
    frame = mdl.design_frame(msgs)
    cols = {c.lower(): c for c in df.columns}
    if "group" in cols:
        groups = df[cols["group"]].astype(str).to_numpy()
    elif "sender_id" in cols and df[cols["sender_id"]].astype(str).str.len().gt(0).all():
        groups = df[cols["sender_id"]].astype(str).to_numpy()
    else:
        groups = np.array([f"row{i}" for i in range(len(df))])
    extra = df[[cols[c] for c in ("slice", "id", "message_id") if c in cols]]
    data = Labelled(frame=frame, y=y, groups=np.array([f"{path.name}:{g}" for g in groups]),
                    weight=np.full(len(y), weight), texts=msgs["text"],
                    info={"file": str(path), "rows": len(y), "blank_labels": blanks,
                          "warnings": warnings}, extra=extra)
    return data, _message_keys(df, msgs), row_of


def _message_keys(df: pd.DataFrame, msgs: pd.DataFrame) -> list[MessageKey]:
    """Each row's :data:`MessageKey` (``msgs``: the table's :func:`~autodm.scan.table_messages`)."""
    n = len(df)
    col = _id_column(df)
    ids = (df[col].astype("string").str.strip().fillna("") if col is not None
           else pd.Series([""] * n, dtype="string")).reset_index(drop=True)
    usable = ids.ne("").to_numpy() & ~_rounded(ids)
    sender = msgs["sender_id"].fillna("").where(msgs["sender_id"].fillna("").str.strip().ne(""),
                                                msgs["sender_name"].fillna("")).astype(str).str.strip()
    keys: list[MessageKey] = []
    for i, (mid, who, text) in enumerate(zip(ids.tolist(), sender.tolist(), msgs["text"].tolist(), strict=True)):
        keys.append(("id", mid) if usable[i] else ("sender", who, text) if who else None)
    return keys


#: An id a spreadsheet saved as a rounded number: X's 19-digit ids become "1.61881E+18".
_ROUNDED_ID = r"[+-]?\d(?:[.,]\d+)?[eE]\+?\d+"


#: A spreadsheet keeps 15 significant digits of a number.
_SHEET_DIGITS = 15


def _rounded(ids: pd.Series | pd.Index) -> np.ndarray:
    """Which of ``ids`` a spreadsheet rounded: to a number in scientific notation ("1.61881E+18"),
    or written out in full with zeros past its 15 significant digits ("1612349370961760000").
    Zeros are no sign alone (an id may end in them): the long numeric ids of ``ids`` (2 or more
    different ones) must all end so. Rounded ids are no identity: different messages share one."""
    text = pd.Series(ids, dtype="string").str.strip()
    hit = text.str.fullmatch(_ROUNDED_ID).fillna(False).to_numpy(dtype=bool)
    long = text.str.fullmatch(rf"\d{{{_SHEET_DIGITS + 1},}}").fillna(False).to_numpy(dtype=bool)
    if text[long].nunique() >= 2 and text[long].str.slice(_SHEET_DIGITS).str.fullmatch("0+").all():
        hit |= long
    return hit


def rounded_id(ids: pd.Series | pd.Index) -> str | None:
    """The first id in ``ids`` that a spreadsheet rounded (:func:`_rounded`)."""
    hit = _rounded(ids)
    return str(np.asarray(ids, dtype=object)[hit][0]).strip() if hit.any() else None


def rounded_hint(example: str) -> str:
    return (f"message ids were rounded by a spreadsheet ({example!r}); keep the id column as text "
            "(save as .xlsx, or import the column as Text)")


def _id_column(df: pd.DataFrame) -> str | None:
    cols = {c.lower(): c for c in df.columns}
    return cols.get("message_id") or cols.get("id")


def _repeated_ids(df: pd.DataFrame, labels: pd.Series, path: str) -> tuple[np.ndarray, str] | None:
    """Rows that repeat a labelled message id (a row pasted twice, two sheets joined): the mask of
    the repeats to drop and the warning that says so. One id labelled both ways is an error, as
    with --labels: which label is meant is unknown. A table without ids is left as it is (the same
    text from two senders is two messages)."""
    col = _id_column(df)
    if col is None:
        return None
    ids = df[col].astype("string").str.strip()
    # a rounded id is no identity (different messages share one): left out of both checks
    known = (labels.notna() & ids.notna() & ids.ne("")).to_numpy() & ~_rounded(ids)
    lab = labels.to_numpy(dtype=object)
    seen: pd.Series = pd.Series(lab[known], index=ids[known].to_numpy())
    twice = seen.groupby(level=0, sort=False).nunique()
    if (twice > 1).any():
        mid = twice.index[(twice > 1).to_numpy()][0]
        mine = np.flatnonzero(known & (ids == mid).fillna(False).to_numpy())
        other = next(i for i in mine if lab[i] != lab[mine[0]])
        raise TrainingError(f"{path}: row {int(df.index[other]) + 2}: message {mid!r} is labelled twice, "
                            f"differently (first at row {int(df.index[mine[0]]) + 2}); keep one label per message")
    repeat = np.zeros(len(ids), dtype=bool)  # among labelled rows: a blank-label row first takes nothing
    repeat[known] = ids[known].duplicated(keep="first").to_numpy(dtype=bool)
    if not repeat.any():
        return None
    n, first = int(repeat.sum()), int(df.index[np.flatnonzero(repeat)[0]]) + 2
    return repeat, (f"{path}: {n} row{'s' if n > 1 else ''} repeat a message id already labelled "
                    f"(first: row {first}); each message counted once")


def labelled_archive(paths: list[Path], labels_path: Path, weight: float = 1.0,
                     platform: str | None = None, *, strict: bool = False,
                     follows: Path | None = None, alone: bool = False) -> Labelled:
    """An export plus a ``message_id,label`` file: features rebuilt from the source export
    (read as ``autodm scan`` reads it: ``strict`` and ``follows`` mean the same there).

    With ``alone`` (for training) each labelled message comes twice, as the bundled corpus does:
    in the export's context and alone (text only, as a table of texts gives it), with the same
    group and weight. An export gives every message thread and follow context, so a model
    trained on it alone never learns what a message without context looks like, and flagged
    almost every personal message of a table. :attr:`Labelled.alone` marks the copies;
    Without it (the default, for evaluation) each message comes once, in context.
    """
    for path in paths:
        if has_label_column(path):  # its labels were silently replaced by the file's
            raise InputError(f"{path}: a labelled table (it has a label column), given with --labels "
                             f"{labels_path}, which labels an export; drop --labels to use the table's labels, "
                             "or give the export the labels file is for")
    inbox = load_inbox(paths, platform=platform, strict=strict, follows=follows)
    table = read_table_any(labels_path)
    labels, blanks = parse_labels(table, str(labels_path))
    cols = {c.lower(): c for c in table.columns}
    if "message_id" not in cols:
        raise InputError(f"{labels_path}: no message_id column; expected message_id,label")
    if not labels.notna().any():  # it said "none of its message ids are in the export"
        raise TrainingError(f"{labels_path}: no labels ({blanks} blank); expected auto/personal (or 1/0, yes/no) "
                            "in the label column")
    warnings: list[str] = []
    keep = labels.notna().to_numpy()
    # one message labelled both ways is an error, a repeat counts once: as in a labelled table
    if repeats := _repeated_ids(table, labels, str(labels_path)):
        keep = keep & ~repeats[0]
        warnings.append(repeats[1])
    lab = pd.Series(labels[keep].to_numpy(), index=table.loc[keep, cols["message_id"]].astype(str).str.strip())
    rounded = rounded_id(lab.index)
    lab = lab[~lab.index.duplicated()]
    joined, frame = design(inbox)
    ids = joined["message_id"].astype(str)
    hit = ids.isin(lab.index).to_numpy()
    absent = lab.index.difference(ids, sort=False)
    missing = len(absent)
    if not hit.any():
        why = f"; {rounded_hint(rounded)}" if rounded else ""
        raise TrainingError(f"{labels_path}: none of its message ids are in {inbox.source}{why}")
    y = lab.loc[ids[hit]].to_numpy(dtype=int)
    groups = joined.loc[hit, "sender_id"].astype(str).to_numpy()
    texts = joined.loc[hit, "text"].reset_index(drop=True)
    frame = frame[hit].reset_index(drop=True)
    n = len(y)
    copies = None
    if alone:  # the same messages again, text only: the same group keeps each pair in one fold
        frame = pd.concat([frame, mdl.design_frame(table_messages(pd.DataFrame({"text": texts})))],
                          ignore_index=True)
        y, groups, texts = np.concatenate([y, y]), np.concatenate([groups, groups]), pd.concat(
            [texts, texts], ignore_index=True)
        copies = np.arange(2 * n) >= n
    return Labelled(frame=frame, y=y, groups=groups, weight=np.full(len(y), weight), texts=texts, alone=copies,
                    info={"file": str(labels_path), "messages": n, "rows": len(y), "warnings": warnings,
                          **({"rows_alone": n} if alone else {}), "blank_labels": blanks,
                          "ids_not_in_export": missing, "first_id_not_in_export": absent[0] if missing else None,
                          "rounded_id": rounded,
                          "skipped_bad_records": inbox.skips.total,
                          "skipped_why": dict(inbox.skips.counts), "_skips": inbox.skips})


def has_label_column(path: Path) -> bool:
    """Whether ``path`` is a table (csv, tsv, xlsx, jsonl, a json list) with a ``label`` column,
    told from its header (or first record); False for anything else (an export, a folder, stdin)."""
    suffix = path.suffix.lower()
    try:
        if not path.is_file() or (suffix != ".xlsx" and zipfile.is_zipfile(path)):
            return False
        if suffix == ".xlsx":
            names = list(pd.read_excel(path, nrows=0).columns)
        elif suffix == ".json":  # a list's first record, from the file's first MiB: not a whole inbox
            with open(path, encoding="utf-8-sig") as fh:
                head = fh.read(1 << 20).lstrip()
            if not head.startswith("["):
                return False  # an object: an inbox, never a table
            first, _ = json.JSONDecoder().raw_decode(head[1:].lstrip())
            names = list(first) if isinstance(first, dict) else []
        elif suffix in (".jsonl", ".ndjson"):
            with open(path, encoding="utf-8-sig") as fh:
                first = json.loads(next((line for line in fh if line.strip()), "{}"))
            names = list(first) if isinstance(first, dict) else []
        else:
            names = list(pd.read_csv(path, nrows=0, sep=csv_separator(path), encoding=csv_encoding(path)).columns)
    except (ValueError, OSError, ImportError, zipfile.BadZipFile, RecursionError):
        return False  # not a table: the export's reader says what it is
    return any(str(c).strip().lower() == "label" for c in names)


def read_table_any(path: Path) -> pd.DataFrame:
    """A labels table (message_id,label: no text column needed), in any format :func:`read_table` reads."""
    return read_table(path, need_text=False)


def corpus_set(seed: int = mdl.SEED, corpus: pd.DataFrame | None = None) -> Labelled:
    """The bundled corpus as training rows: text alone, and inside simulated timelines."""
    corpus = load_corpus() if corpus is None else corpus
    parts: list[Labelled] = []
    alone = table_messages(corpus[["text"]])
    parts.append(Labelled(frame=mdl.design_frame(alone), y=corpus["label"].to_numpy(int),
                          groups=corpus["template_id"].astype(str).to_numpy(),
                          weight=np.ones(len(corpus)), texts=alone["text"]))
    for k, platform in enumerate(SIM_PLATFORMS):
        cfg = SimConfig(platform=platform, auto_sender_share=0.6)
        inbox, labels = simulate_inbox(corpus, int(len(corpus) * 1.6), seed=seed + k, config=cfg)
        joined, frame = design(inbox)
        mask = scored_mask(joined)
        lab = labels.set_index("message_id")
        ids = joined.loc[mask, "message_id"].astype(str)
        parts.append(Labelled(frame=frame[mask].reset_index(drop=True),
                              y=lab.loc[ids, "label"].to_numpy(int),
                              groups=lab.loc[ids, "template_id"].astype(str).to_numpy(),
                              weight=np.ones(int(mask.sum())),
                              texts=joined.loc[mask, "text"].reset_index(drop=True)))
    out = concat(parts)
    out.info = {"source": "bundled corpus (data/corpus/messages.csv)", "corpus_rows": len(corpus),
                "rows": len(out), "simulated_platforms": list(SIM_PLATFORMS), "seed": seed}
    return out


def concat(parts: list[Labelled]) -> Labelled:
    """One labelled set from several; extra columns (slice, ids) are kept where every part has them."""
    extras = [p.extra for p in parts]
    extra = None
    if all(e is not None for e in extras):
        extra = pd.concat(extras, ignore_index=True)  # type: ignore[arg-type]
    alone = None
    if any(p.alone is not None for p in parts):
        alone = np.concatenate([~p.messages() for p in parts])
    return Labelled(
        extra=extra,
        alone=alone,
        frame=pd.concat([p.frame for p in parts], ignore_index=True),
        y=np.concatenate([p.y for p in parts]),
        groups=np.concatenate([p.groups for p in parts]),
        weight=np.concatenate([p.weight for p in parts]),
        texts=pd.concat([p.texts for p in parts], ignore_index=True),
        info={"parts": [p.info for p in parts]},
    )


def digest(data: Labelled) -> str:
    """sha256 over the training texts and labels, in order."""
    h = hashlib.sha256()
    for text, y in zip(data.texts.astype(str), data.y, strict=True):
        h.update(text.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f" + str(int(y)).encode() + b"\x1e")
    return h.hexdigest()


def check_balance(data: Labelled, with_default: bool = False) -> list[str]:
    """Guards on the user's labels: an error under 10 per class; warnings under 200 per class or
    heavy imbalance. ``with_default`` (the bundled corpus is added): warnings only. Messages are
    counted, not rows: a text-only copy (:attr:`Labelled.alone`) is no new label."""
    y = data.y[data.messages()]
    n1, n0 = int((y == 1).sum()), int((y == 0).sum())
    if with_default:
        if min(n0, n1) < 10:
            return [f"only {n1} auto and {n0} personal labels of yours: the bundled corpus carries "
                    "most of the model; your labels nudge it (raise --weight to nudge harder)"]
        return []
    if min(n0, n1) < 10:
        raise TrainingError(
            f"need at least 10 labelled messages of each class, got {n1} auto and {n0} personal; "
            "label more, or add the bundled corpus with --with-default"
        )
    warnings: list[str] = []
    if min(n0, n1) < 200:
        warnings.append(f"only {min(n0, n1)} examples of the smaller class: metrics will be noisy "
                        "(consider --with-default)")
    if max(n0, n1) / max(min(n0, n1), 1) > 10:
        warnings.append(f"heavy class imbalance ({n1} auto vs {n0} personal); check the threshold")
    return warnings


def _card_info(info: Any) -> Any:
    """``info`` without its "_" keys, at any depth: those are for this run's messages, not the
    saved card (file and member names in an export can name people)."""
    if isinstance(info, dict):
        return {k: _card_info(v) for k, v in info.items() if not str(k).startswith("_")}
    if isinstance(info, list):
        return [_card_info(v) for v in info]
    return info


def fit(data: Labelled, *, seed: int = mdl.SEED, max_fpr: float | None = None, threshold_on: str = "all",
        card: dict[str, Any] | None = None, own_rows: np.ndarray | None = None) -> mdl.Model:
    """Train on ``data`` (grouped CV, calibration, threshold) and fill the card's data fields.

    ``threshold_on="text-only"`` chooses the threshold on the rows that carry no thread or
    follow context (a spreadsheet of texts, an X archive's timing), where errors are likelier.
    ``own_rows`` (a user's labels among the corpus) get metrics of their own in the card's
    ``cv.own_rows``. Where an export's messages come twice, in context and alone
    (:attr:`Labelled.alone`), ``cv.metrics`` covers both copies and ``cv.own_rows`` the labelled
    messages once each, in the export's context: as ``autodm scan`` of the export scores them.
    """
    copies = data.alone is not None and bool(np.any(data.alone))
    if copies:
        own_rows = data.messages() & (True if own_rows is None else np.asarray(own_rows, dtype=bool))
    info = _card_info(data.info)
    extra = {
        "data": {"sha256": digest(data), "rows": len(data), **info},
        **(card or {}),
    }
    weight = data.weight if not np.allclose(data.weight, 1.0) else None
    rows = None
    if threshold_on == "text-only":
        rows = ((data.frame["has_thread_context"] == 0) & (data.frame["has_follow_context"] == 0)).to_numpy()
        if min(int((data.y[rows] == c).sum()) for c in (0, 1)) < 10:
            raise TrainingError("--threshold-on text-only needs at least 10 messages of each class without "
                                "thread or follow context")
    model = mdl.train(data.frame, data.y, data.groups, sample_weight=weight, max_fpr=max_fpr,
                      threshold_rows=rows, own_rows=own_rows, seed=seed, extra_card=extra)
    if copies:
        model.card["cv"]["covers"] = (f"all {len(data)} training rows; each labelled message of an export counts "
                                      "twice, in its context and alone (text only)")
        model.card["cv"]["own_rows"]["covers"] = ("your labelled messages once each, in the export's context "
                                                  "(as autodm scan scores them)")
    mdl.remember_training_texts(model, data.texts)
    return model
