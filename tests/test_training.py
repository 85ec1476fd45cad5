"""Labelled data: label parsing, table formats, guards, the archive + labels join, reproducibility."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from autodm.errors import InputError, RecordError, TrainingError
from autodm.training import (
    check_balance,
    digest,
    fit,
    labelled_archive,
    labelled_table,
    labelled_tables,
    parse_labels,
    read_table,
    read_table_any,
    rounded_id,
)

AUTO = "Thanks for following {i}! grab my free course at https://bit.ly/c{i} and join us on Facebook"
PERSONAL = "hey did you get home ok last night? {i} the train was a mess"


def _table(n_auto: int, n_personal: int) -> pd.DataFrame:
    rows = [{"message_id": f"a{i}", "sender_id": f"s{i % 7}", "text": AUTO.format(i=i), "label": "auto"}
            for i in range(n_auto)]
    rows += [{"message_id": f"p{i}", "sender_id": f"f{i % 9}", "text": PERSONAL.format(i=i), "label": "personal"}
             for i in range(n_personal)]
    return pd.DataFrame(rows)


def test_parse_labels_accepts_the_usual_spellings_and_counts_blanks() -> None:
    df = pd.DataFrame({"Label": ["auto", "Personal", "1", "0", "YES", "no", "True", "false", " ", None]})
    labels, blanks = parse_labels(df, "t.csv")
    assert labels.tolist()[:8] == [1, 0, 1, 0, 1, 0, 1, 0] and blanks == 2


def test_parse_labels_names_the_row_and_value() -> None:
    with pytest.raises(TrainingError, match=r"t\.csv: row 3: label 'maybe'"):
        parse_labels(pd.DataFrame({"label": ["auto", "maybe"]}), "t.csv")
    with pytest.raises(InputError, match="no label column"):
        parse_labels(pd.DataFrame({"text": ["x"]}), "t.csv")


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".xlsx", ".jsonl"])
def test_read_table_formats(tmp_path: Path, suffix: str) -> None:
    df = _table(3, 2)
    path = tmp_path / f"t{suffix}"
    if suffix == ".csv":
        df.to_csv(path, index=False)
    elif suffix == ".tsv":
        df.to_csv(path, index=False, sep="\t")
    elif suffix == ".xlsx":
        df.to_excel(path, index=False)
    else:
        path.write_text("\n".join(json.dumps(r) for r in df.to_dict("records")) + "\n")
    got = read_table(path)
    assert list(got["text"]) == list(df["text"]) and list(got["label"]) == list(df["label"])


def test_read_table_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_table(tmp_path / "missing.csv")
    bad = tmp_path / "latin.csv"
    bad.write_bytes("text,label\ncaf\xe9,auto\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        read_table(bad)
    notext = tmp_path / "n.csv"
    notext.write_text("a,label\n1,auto\n")
    with pytest.raises(InputError, match="no text column"):
        read_table(notext)



@pytest.mark.parametrize("sep", [",", "\t"])
def test_a_few_rows_that_are_not_text_are_left_out_not_the_table(tmp_path: Path, sep: str) -> None:
    """One Windows-1252 row or one row too wide costs that row (warned, with its row number as
    in the file), not the table; the rows after keep their numbers; --strict stops at the first."""
    t = _table(12, 12)
    lines = [sep.join(t.columns)] + [sep.join(r) for r in t.astype(str).itertuples(index=False)]
    raw = [line.encode() for line in lines]
    raw[3] = raw[3].replace(b"Thanks", b"Th\xe9nks")  # data row 2: row 4 of the file, as labels count
    raw[6] = raw[6] + (sep + "stray").encode()  # row 7: one field more than the header
    raw[9] = raw[9].replace(b"personal", b"maybe").replace(b"auto", b"maybe")  # row 10: a bad label
    path = tmp_path / ("l.tsv" if sep == "\t" else "l.csv")
    path.write_bytes(b"\n".join(raw) + b"\n")
    df = read_table(path)
    assert len(df) == 22 and df.attrs["bad_rows"] == (2, 4, "not UTF-8 text")
    with pytest.raises(TrainingError, match=r"row 10: label 'maybe'"):  # numbered as in the file
        labelled_table(path)
    raw[9] = lines[9].encode()
    path.write_bytes(b"\n".join(raw) + b"\n")
    data = labelled_table(path)
    assert len(data) == 22
    assert data.info["warnings"] == [f"{path}: 2 unreadable rows left out (first: row 4, not UTF-8 text)"]
    with pytest.raises(RecordError, match=r"row 4: not UTF-8 text; expected UTF-8"):
        labelled_table(path, strict=True)
    raw[3] = lines[3].encode()
    path.write_bytes(b"\n".join(raw) + b"\n")
    with pytest.raises(RecordError, match=r"row 7: wrong number of fields; expected 4 fields as in the header"):
        labelled_table(path, strict=True)



@pytest.mark.parametrize("sep", [",", "\t"])
def test_a_first_row_wider_than_the_header_shifts_no_column(tmp_path: Path, sep: str) -> None:
    """Excel's trailing empty cells (",,") or a note past the label on the first data row made
    pandas take that row's first cells for an index: every column shifted, so train found "0 auto
    and 0 personal", evaluate and train crashed, and a labels file matched no message id. Blank
    trailing cells are ignored; a non-blank one costs that row, as on any other row."""
    t = _table(12, 12)
    lines = [sep.join(t.columns)] + [sep.join(r) for r in t.astype(str).itertuples(index=False)]
    path = tmp_path / ("l.tsv" if sep == "\t" else "l.csv")
    path.write_text("\n".join([lines[0], lines[1] + sep * 2, *lines[2:]]) + "\n", encoding="utf-8")
    data = labelled_table(path)
    assert len(data) == 24 and list(data.y) == [1] * 12 + [0] * 12 and data.info["warnings"] == []
    assert list(data.texts) == list(t["text"])
    path.write_text("\n".join([lines[0], lines[1] + sep + "see note", *lines[2:]]) + "\n", encoding="utf-8")
    data = labelled_table(path)
    assert len(data) == 23 and list(data.texts) == list(t["text"][1:])
    assert data.info["warnings"] == [f"{path}: 1 unreadable row left out (first: row 2, wrong number of fields; "
                                     "expected 4 fields as in the header; this row has 5)"]
    with pytest.raises(RecordError, match=r"row 2: wrong number of fields; expected 4 fields as in the header; "
                                          r"this row has 5"):
        labelled_table(path, strict=True)
    first = t[["label", "message_id", "text"]]  # the label column first, as in a hand-made sheet
    path.write_text(sep.join(first.columns) + "\n" + "\n".join(
        sep.join(r) + (sep * 2 if i == 0 else "") for i, r in enumerate(first.itertuples(index=False))) + "\n")
    assert list(labelled_table(path).y) == [1] * 12 + [0] * 12
    msgs = [{"id": f"m{i}", "sender_id": f"u{i}", "sent_at": 1_700_000_000 + 60 * i,
             "text": (AUTO if i % 2 else PERSONAL).format(i=i)} for i in range(30)]
    export = tmp_path / "inbox.json"
    export.write_text(json.dumps({"owner": {"id": "me"}, "messages": msgs}))
    labels = tmp_path / "labels.csv"  # was "none of its message ids are in inbox.json"
    labels.write_text("message_id,label\n" + "".join(
        f"m{i},{'auto' if i % 2 else 'personal'}{',,' if i == 0 else ''}\n" for i in range(30)))
    assert list(labelled_archive([export], labels, alone=False).y) == [i % 2 for i in range(30)]


@pytest.mark.parametrize(("sep", "name"), [(";", "eu.csv"), ("\t", "tabs.csv"), (",", "plain.tsv")])
def test_a_table_is_read_with_the_separator_its_header_uses(tmp_path: Path, sep: str, name: str) -> None:
    """Excel saves "CSV" with semicolons where the decimal mark is a comma (most of Europe); a
    tab-separated file may be named .csv, a comma one .tsv. Both routes read them: a labelled
    table, and a message_id,label file for --labels (which said "no label column")."""
    t = _table(12, 12)
    t.loc[0, "text"] = "commas, and; semicolons"  # quoted in the file, whatever the separator
    path = tmp_path / name
    t.to_csv(path, index=False, sep=sep)
    got = read_table(path)
    assert list(got.columns) == list(t.columns) and got["text"].tolist() == t["text"].tolist()
    labels = tmp_path / ("labels" + Path(name).suffix)
    t[["message_id", "label"]].to_csv(labels, index=False, sep=sep)
    assert read_table_any(labels)["label"].tolist() == t["label"].tolist()
    sheet = tmp_path / "labels.xlsx"  # --labels read only CSV: "'utf-8' codec can't decode byte 0x87"
    t[["message_id", "label"]].to_excel(sheet, index=False)
    assert read_table_any(sheet)["message_id"].tolist() == t["message_id"].tolist()



def test_a_message_id_twice_in_a_table_counts_once_and_labelled_both_ways_is_an_error(tmp_path: Path) -> None:
    """Rows pasted twice counted as new examples (and slipped past the 10-per-class floor); one
    message labelled auto and personal trained silently. As with --labels: once, or an error."""
    t = _table(12, 12)
    path = tmp_path / "l.csv"
    pd.concat([t, t.iloc[[3, 5]]]).to_csv(path, index=False)
    data = labelled_table(path)
    assert len(data) == 24
    assert data.info["warnings"] == [
        f"{path}: 2 rows repeat a message id already labelled (first: row 26); each message counted once"]
    both = pd.concat([t, t.iloc[[3]].assign(label="personal")])
    both.to_csv(path, index=False)
    with pytest.raises(TrainingError, match=r"row 26: message 'a3' is labelled twice, differently \(first at row 5\)"):
        labelled_table(path)
    blank_first = pd.concat([t.iloc[[3]].assign(label=""), t])  # an unlabelled copy first: the labelled one stays
    blank_first.to_csv(path, index=False)
    assert len(labelled_table(path)) == 24 and labelled_table(path).info["warnings"] == []
    t.drop(columns="message_id").pipe(lambda d: pd.concat([d, d.iloc[[3]]])).to_csv(path, index=False)
    assert len(labelled_table(path)) == 25  # no ids: the same text twice may be two messages


def test_several_tables_count_each_message_once_and_refuse_two_labels_for_one(tmp_path: Path) -> None:
    """Labels were not checked across inputs: a table given twice counted its messages twice, and
    a table beside a copy with every label flipped trained without a word."""
    t = _table(12, 12)
    a, b, flipped = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "flipped.csv"
    t.to_csv(a, index=False)
    pd.concat([t.iloc[20:], _table(0, 30).iloc[24:].assign(message_id=lambda d: "q" + d["message_id"])]).to_csv(
        b, index=False)  # 4 messages of a.csv again, then 6 new ones
    t.assign(label=t["label"].map({"auto": "personal", "personal": "auto"})).to_csv(flipped, index=False)
    data = labelled_tables([a, b])
    assert len(data) == 30 and list(data.y) == [1] * 12 + [0] * 18
    assert data.info["parts"][1]["warnings"] == [
        f"{b}: 4 rows repeat messages already labelled in {a} (first: row 2); each message counted once"]
    twice = labelled_tables([a, a])
    assert len(twice) == 24 and twice.info["parts"][1]["rows"] == 0
    with pytest.raises(TrainingError, match=rf"^{flipped}: row 2: message 'a0' is labelled twice, differently "
                                            rf"\(first at {a} row 2\); keep one label per message"):
        labelled_tables([a, flipped])
    # without ids, the same sender and text is the same message (neither is named)
    no_ids = [tmp_path / "n1.csv", tmp_path / "n2.csv"]
    t.drop(columns="message_id").to_csv(no_ids[0], index=False)
    pd.read_csv(flipped).drop(columns="message_id").to_csv(no_ids[1], index=False)
    assert len(labelled_tables([no_ids[0], no_ids[0]])) == 24
    with pytest.raises(TrainingError, match=r"n2\.csv: row 2: a message \(same sender and text\) is labelled "
                                            r"twice, differently \(first at .*n1\.csv row 2\)"):
        labelled_tables(no_ids)
    texts = tmp_path / "texts.csv"  # text alone is no identity: two people can send "ok"
    t[["text", "label"]].to_csv(texts, index=False)
    assert len(labelled_tables([texts, texts])) == 48


def test_a_labelled_table_given_with_labels_is_refused(tmp_path: Path) -> None:
    """'train table.csv --labels other.csv' read the table as an export and silently replaced
    every label in it with the labels file's."""
    table = tmp_path / "table.csv"
    _table(12, 12).to_csv(table, index=False)
    labels = tmp_path / "labels.csv"
    labels.write_text("message_id,label\na0,personal\n")
    with pytest.raises(InputError, match=rf"^{table}: a labelled table \(it has a label column\), given with "
                                         rf"--labels {labels}, which labels an export; drop --labels"):
        labelled_archive([table], labels)


def test_labelled_table_skips_blanks_and_groups_by_sender(tmp_path: Path) -> None:
    df = _table(12, 12)
    df.loc[0, "label"] = ""
    path = tmp_path / "s.csv"
    df.to_csv(path, index=False)
    data = labelled_table(path)
    assert len(data) == 23 and data.info["blank_labels"] == 1
    assert set(data.groups) == {f"s.csv:{s}" for s in df["sender_id"].iloc[1:]}


def test_guards() -> None:
    from autodm.training import Labelled

    def lab(n1: int, n0: int) -> Labelled:
        y = np.array([1] * n1 + [0] * n0)
        return Labelled(frame=pd.DataFrame(index=range(len(y))), y=y, groups=np.arange(len(y)).astype(str),
                        weight=np.ones(len(y)), texts=pd.Series([""] * len(y)))

    with pytest.raises(TrainingError, match="at least 10"):
        check_balance(lab(9, 100))
    warnings = check_balance(lab(20, 300))
    assert any("only 20" in w for w in warnings) and any("imbalance" in w for w in warnings)
    assert check_balance(lab(300, 400)) == []
    # with the bundled corpus added, a few labels of a class are what README's "your 30 labels" means
    assert check_balance(lab(5, 25), with_default=True) == [
        "only 5 auto and 25 personal labels of yours: the bundled corpus carries most of the model; "
        "your labels nudge it (raise --weight to nudge harder)"]
    assert check_balance(lab(20, 300), with_default=True) == []


def test_training_is_reproducible(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    _table(40, 40).to_csv(path, index=False)
    a = fit(labelled_table(path), seed=5)
    b = fit(labelled_table(path), seed=5)
    assert a.card["cv"] == b.card["cv"] and a.card["threshold"] == b.card["threshold"]
    assert a.card["data"]["sha256"] == digest(labelled_table(path))


def test_unreadable_times_in_a_labelled_table_are_said_or_stop_strict(tmp_path: Path) -> None:
    """sent_at 'not a date' on every row trained without a word, even under --strict."""
    from autodm.errors import RecordError

    t = _table(12, 12)
    t["sent_at"] = ["2024-03-07T14:06:09Z"] * 20 + ["not a date"] * 3 + [""]
    t.loc[1, "label"] = ""  # a blank label moves no row number
    path = tmp_path / "l.csv"
    t.to_csv(path, index=False)
    data = labelled_table(path)
    assert data.info["warnings"] == [
        f"{path}: 3 rows with a sent_at that is not a time (first: row 22, 'not a date'; expected ISO 8601): "
        "timing left unknown"]
    with pytest.raises(RecordError, match=r"l\.csv: row 22: sent_at 'not a date' is not a time \(expected ISO 8601"):
        labelled_table(path, strict=True)
    t["sent_at"] = "2024-03-07T14:06:09Z"
    t.to_csv(path, index=False)
    assert labelled_table(path, strict=True).info["warnings"] == []


def test_ids_a_spreadsheet_rounded_are_named_as_such_not_taken_for_repeats(tmp_path: Path) -> None:
    """A scan of an X export saved by Excel has ids like 1.61881E+18: different messages then
    share an id, and 30 of 234 rows were dropped as "repeat a message id already labelled" (or,
    labelled differently, refused as labelled twice), blaming the labels. Now every row counts and
    the warning names the spreadsheet; with --labels, where such ids cannot match, the error does."""
    t = _table(12, 12)
    t["message_id"] = ["1.61881E+18"] * 12 + ["1.62026E+18"] * 12  # auto and personal under one id
    path = tmp_path / "l.csv"
    t.to_csv(path, index=False)
    data = labelled_table(path)
    assert len(data) == 24
    assert data.info["warnings"] == [
        f"{path}: message ids were rounded by a spreadsheet ('1.61881E+18'); keep the id column as text "
        "(save as .xlsx, or import the column as Text); those ids are not used to find repeated rows"]
    both = pd.concat([t, t.iloc[[0]].assign(message_id="a3"), t.iloc[[1]].assign(message_id="a3", label="personal")])
    both.to_csv(path, index=False)  # an exact id labelled both ways is still an error beside them
    with pytest.raises(TrainingError, match=r"message 'a3' is labelled twice, differently"):
        labelled_table(path)
    msgs = [{"id": f"16188{i:014d}", "sender_id": f"u{i}", "sent_at": 1_700_000_000 + 60 * i,
             "text": (AUTO if i % 2 else PERSONAL).format(i=i)} for i in range(30)]
    export = tmp_path / "inbox.json"
    export.write_text(json.dumps({"owner": {"id": "me"}, "messages": msgs}))
    labels = tmp_path / "labels.csv"
    labels.write_text("message_id,label\n1.6188E+18,auto\n1.6188E+18,personal\n")
    with pytest.raises(TrainingError, match=r"none of its message ids are in .*inbox\.json; message ids were "
                                            r"rounded by a spreadsheet \('1\.6188E\+18'\)"):
        labelled_archive([export], labels)
    labels.write_text(f"message_id,label\n1.6188E+18,auto\n{msgs[0]['id']},auto\n{msgs[0]['id']},personal\n")
    with pytest.raises(TrainingError, match=r"labelled twice, differently"):  # an exact id still is
        labelled_archive([export], labels)
    assert rounded_id(pd.Series(["1618810000000000000", "2e5", " 7.48441E+18 ", "m1"])) == "2e5"
    assert rounded_id(pd.Series(["1618810000000000000", "e5", "1.5", "-"])) is None
    # written out in full, the zeros past 15 digits tell it, when every long numeric id has them
    assert rounded_id(pd.Series(["m1", "1618810000000000000", "1612349370961760000"])) == "1618810000000000000"
    assert rounded_id(pd.Series(["1618810000000000000", "1612349370961767846"])) is None  # one could end so


def test_a_labels_file_of_ids_a_spreadsheet_wrote_out_rounded_gets_the_hint(tmp_path: Path) -> None:
    """'1612349370961760000' (15 digits kept, zeros after) got only "none of its message ids are
    in the export", where '1.61235E+18' got the hint; a table of them refused rows as labelled twice."""
    msgs = [{"id": str(1612349370961760289 + 7_919_000_000 * i), "sender_id": f"u{i}",
             "sent_at": 1_700_000_000 + 60 * i, "text": (AUTO if i % 2 else PERSONAL).format(i=i)} for i in range(30)]
    export = tmp_path / "inbox.json"
    export.write_text(json.dumps({"owner": {"id": "me"}, "messages": msgs}))
    labels = tmp_path / "labels.csv"
    labels.write_text("message_id,label\n" + "".join(
        f"{m['id'][:15]}0000,{'auto' if i % 2 else 'personal'}\n" for i, m in enumerate(msgs)))
    with pytest.raises(TrainingError, match=r"none of its message ids are in .*inbox\.json; message ids were "
                                            r"rounded by a spreadsheet \('1612349370961760000'\)"):
        labelled_archive([export], labels)
    t = _table(12, 12)
    t["message_id"] = ["1612349370961760000"] * 12 + ["1612349370961770000"] * 12
    path = tmp_path / "l.csv"
    t.to_csv(path, index=False)
    data = labelled_table(path)
    assert len(data) == 24 and data.info["warnings"] == [
        f"{path}: message ids were rounded by a spreadsheet ('1612349370961760000'); keep the id column as text "
        "(save as .xlsx, or import the column as Text); those ids are not used to find repeated rows"]


def test_a_labels_file_says_repeats_and_conflicts_as_a_table_does(tmp_path: Path) -> None:
    """A --labels file dropped repeated ids without a word, and its "labelled twice" error left out
    where the first label was."""
    msgs = [{"id": f"m{i}", "sender_id": f"u{i}", "sent_at": 1_700_000_000 + 60 * i,
             "text": (AUTO if i % 2 else PERSONAL).format(i=i)} for i in range(30)]
    export = tmp_path / "inbox.json"
    export.write_text(json.dumps({"owner": {"id": "me"}, "messages": msgs}))
    labels = tmp_path / "labels.csv"
    rows = "message_id,label\n" + "".join(f"m{i},{'auto' if i % 2 else 'personal'}\n" for i in range(30))
    labels.write_text(rows + "m1,auto\n m2 ,personal\n")
    data = labelled_archive([export], labels, alone=False)
    assert len(data) == 30 and data.info["warnings"] == [
        f"{labels}: 2 rows repeat a message id already labelled (first: row 32); each message counted once"]
    labels.write_text(rows + "m3,\nm3,personal\n")
    with pytest.raises(TrainingError, match=r"labels\.csv: row 33: message 'm3' is labelled twice, differently "
                                            r"\(first at row 5\); keep one label per message"):
        labelled_archive([export], labels)


def test_archive_plus_labels_rebuilds_context(tmp_path: Path) -> None:
    msgs = [{"id": f"m{i}", "sender_id": f"u{i}", "sent_at": 1_700_000_000 + 60 * i,
             "text": (AUTO if i % 2 else PERSONAL).format(i=i)} for i in range(30)]
    follows = [{"user_id": f"u{i}", "followed_at": 1_700_000_000 + 60 * i - 5} for i in range(30)]
    export = tmp_path / "inbox.json"
    export.write_text(json.dumps({"owner": {"id": "me"}, "messages": msgs, "follows": follows}))
    labels = tmp_path / "labels.csv"
    labels.write_text("message_id,label\n" + "".join(f"m{i},{'auto' if i % 2 else 'personal'}\n" for i in range(30))
                      + "nope,auto\n")
    data = labelled_archive([export], labels, alone=False)
    assert len(data) == 30 and data.info["ids_not_in_export"] == 1 and data.info["first_id_not_in_export"] == "nope"
    # the same label twice is one label; two different ones for a message are an error
    labels.write_text(labels.read_text() + "m1,auto\n")
    assert len(labelled_archive([export], labels, alone=False)) == 30
    labels.write_text(labels.read_text() + "m3,\nm3,personal\n")  # a blank label for it first
    with pytest.raises(TrainingError, match=r"labels\.csv: row 35: message 'm3' is labelled twice, differently "
                                            r"\(first at row 5\)"):
        labelled_archive([export], labels)
    assert (data.frame["delay_2min"] == 1).all()  # timing rebuilt from the export's follows
    assert list(data.y) == [i % 2 for i in range(30)]


def test_an_export_trains_each_message_in_context_and_alone(tmp_path: Path) -> None:
    """Every message of an export carries thread and follow context, so a model trained on it
    alone never saw a message without: the context indicators were constant, the intercept took
    the context's average, and a table of texts had almost every personal message flagged (FPR
    0.956 on the X example's own messages, 0.985 on Instagram's). Each message now also comes
    alone (text only), as the bundled corpus does: same group (one fold), same weight."""
    from autodm import model as mdl
    from autodm.loaders import load_inbox

    examples = Path(__file__).resolve().parents[1] / "data" / "examples"
    data = labelled_archive([examples / "twitter-archive.zip"], examples / "x.labels.csv", weight=2.0, alone=True)
    n = data.info["messages"]
    labelled = pd.read_csv(examples / "x.labels.csv", dtype=str)
    assert n == len(labelled) and len(data) == 2 * n and data.info["rows_alone"] == n
    assert data.alone is not None and list(data.messages()) == [True] * n + [False] * n
    assert list(data.groups[:n]) == list(data.groups[n:]) and list(data.y[:n]) == list(data.y[n:])
    assert list(data.texts[:n]) == list(data.texts[n:]) and (data.weight == 2.0).all()
    ctx = data.frame[["has_thread_context", "has_follow_context"]].to_numpy()
    assert (ctx[:n] == 1).all() and (ctx[n:] == 0).all()
    smaller = int(labelled["label"].value_counts().min())  # messages counted, not rows
    assert smaller < 200 and check_balance(data) == [f"only {smaller} examples of the smaller class: metrics "
                                                     "will be noisy (consider --with-default)"]
    model = fit(data, seed=5)
    cv = model.card["cv"]
    assert cv["own_rows"]["rows"] == n and "in the export's context" in cv["own_rows"]["covers"]
    assert cv["covers"].startswith(f"all {2 * n} training rows")
    # held out: Instagram's labelled messages as a table of texts (no context)
    ig = load_inbox([examples / "instagram-export.zip"]).messages.set_index("message_id")
    labels = pd.read_csv(examples / "instagram.labels.csv", dtype=str)
    table = tmp_path / "ig-texts.csv"
    pd.DataFrame({"text": ig.loc[labels["message_id"], "text"].to_numpy(), "label": labels["label"]}).to_csv(
        table, index=False)
    held = labelled_table(table)
    scores = mdl.score(model, held.frame, reasons=False)["score"].to_numpy()
    m = mdl.metrics(held.y, scores, model.threshold)
    assert m["fpr"] < 0.15 and m["recall"] > 0.5, m  # was FPR 0.985
    once = labelled_archive([examples / "twitter-archive.zip"], examples / "x.labels.csv")
    assert len(once) == n and once.alone is None and "rows_alone" not in once.info


def test_default_model_rebuilds_from_data_with_the_same_cv_metrics() -> None:
    """The documented command (autodm train --with-default) reproduces the shipped card."""
    from autodm import model as mdl
    from autodm.training import corpus_set

    shipped = mdl.load().card
    data = corpus_set(shipped["seed"])
    assert digest(data) == shipped["data"]["sha256"]
    rebuilt = fit(data, seed=shipped["seed"], max_fpr=shipped["max_fpr"], threshold_on=shipped["threshold_on"])
    for key in ("precision", "recall", "f1", "roc_auc", "fpr"):
        assert abs(rebuilt.card["cv"]["metrics"][key] - shipped["cv"]["metrics"][key]) <= 0.005, key
    assert abs(rebuilt.threshold - shipped["threshold"]) <= 0.02


def test_an_inbox_given_as_a_labelled_table_says_what_to_do() -> None:
    """'autodm train inbox.json' without --labels: name the mix-up, not pandas' 'arrays must be of
    the same length'."""
    inbox = Path(__file__).resolve().parents[1] / "data" / "examples" / "inbox.json"
    with pytest.raises(InputError, match=r"inbox\.json: an inbox in autodm's own format, not a labelled table; "
                                         r"train on it with --labels FILE"):
        read_table(inbox)


def test_labels_on_an_archive_take_follows_and_strict_like_scan(tmp_path: Path) -> None:
    """An X archive has no follow times: --follows adds them to training and evaluation too, so a
    model is trained on the context it will be scanned with."""
    from typer.testing import CliRunner

    from autodm.cli import app
    from autodm.loaders import load_inbox

    examples = Path(__file__).resolve().parents[1] / "data" / "examples"
    x, labels = examples / "twitter-archive.zip", examples / "x.labels.csv"
    incoming = load_inbox([x]).messages.query("not outgoing")
    first = incoming.groupby("sender_id")["sent_at"].min()
    follows = tmp_path / "follows.csv"
    follows.write_text("user_id,followed_at\n" + "".join(
        f"{sid},{(t - pd.Timedelta(seconds=9)).isoformat()}\n" for sid, t in first.items()), encoding="utf-8")
    plain = labelled_archive([x], labels)
    timed = labelled_archive([x], labels, follows=follows, strict=True)
    assert plain.frame["follow_timed"].eq(0).all() and timed.frame["follow_timed"].gt(0).any()
    assert timed.frame["delay_2min"].gt(0).any()
    r = CliRunner().invoke(app, ["evaluate", str(x), "--labels", str(labels), "--follows", str(follows),
                                 "--strict", "--format", "json"])
    assert r.exit_code == 0, r.stderr
    r = CliRunner().invoke(app, ["train", str(labels), "--follows", str(follows), "-o", str(tmp_path / "m.joblib")])
    assert r.exit_code == 2 and "--follows adds follow times to an export read with --labels" in r.stderr


def test_tables_saved_as_utf16_by_a_spreadsheet_are_read(tmp_path: Path) -> None:
    """Excel's "Unicode Text" is UTF-16 with a BOM: labelled tables and labels files in it read
    as their UTF-8 twins do."""
    rows = "message_id,text,label\n" + "".join(
        f"m{i},{'Thanks for the follow! Free guide: https://bit.ly/g' if i % 2 else 'see you at 6 café '}{i},"
        f"{'auto' if i % 2 else 'personal'}\n" for i in range(30))
    u8, u16 = tmp_path / "u8.csv", tmp_path / "u16.csv"
    u8.write_text(rows, encoding="utf-8")
    u16.write_text(rows, encoding="utf-16")
    assert u16.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    a, b = labelled_table(u8), labelled_table(u16)
    assert list(b.texts) == list(a.texts) and list(b.y) == list(a.y)
    pd.testing.assert_frame_equal(read_table_any(u16), read_table_any(u8))


def test_a_json_input_is_told_a_table_from_its_head_not_parsed_whole(tmp_path: Path) -> None:
    """A 100,000-deep JSON raised RecursionError ("nested too deeply", exit 1) before train got to
    the export's reader; a big inbox.json was parsed whole just to look for a label column."""
    from autodm.training import has_label_column

    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    assert has_label_column(deep) is False
    inbox = tmp_path / "inbox.json"
    inbox.write_text('{"messages": [' + ",".join(['{"id": "1", "label": "auto"}'] * 10) + "]}")
    assert has_label_column(inbox) is False
    table = tmp_path / "t.json"
    table.write_text('[{"text": "hi", "Label": "auto"}, ' + '{"text": "' + "x" * (2 << 20) + '"}]')
    assert has_label_column(table) is True
