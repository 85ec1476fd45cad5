from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from autodm.errors import OutputError
from autodm.output import FORMATS, neutralise, render, write

PAYLOADS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "＝1+1", "=HYPERLINK(\"x\")",
            " =1", "=DDE(\"cmd\";\"/C calc\";\"x\")"]


def _df() -> pd.DataFrame:
    return pd.DataFrame({
        "message_id": ["1", "2"], "sent_at": pd.to_datetime(["2024-01-01T10:00:00Z", None], utc=True),
        "score": [0.91234, 0.1], "verdict": ["auto", "personal"], "text": ["=1+1 café 🚀", "-5"],
    })


@pytest.mark.parametrize("payload", PAYLOADS)
def test_neutralise_payloads(payload: str) -> None:
    assert neutralise(payload).startswith("'")


@pytest.mark.parametrize("value", ["-5", "+44", "3.14", "hello", "", "e-mail me"])
def test_plain_values_untouched(value: str) -> None:
    assert neutralise(value) == value


def test_csv_is_safe_and_keeps_numbers() -> None:
    text = render(_df(), "csv").decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["message_id", "sent_at", "score", "verdict", "text"]
    assert rows[1] == ["1", "2024-01-01T10:00:00Z", "0.91234", "auto", "'=1+1 café 🚀"]
    assert rows[2][1] == "" and rows[2][4] == "-5"
    assert render(_df(), "csv", safe=False).decode().splitlines()[1].endswith("=1+1 café 🚀")


def test_tsv_json_jsonl() -> None:
    assert render(_df(), "tsv").decode().splitlines()[0] == "message_id\tsent_at\tscore\tverdict\ttext"
    data = json.loads(render(_df(), "json"))
    assert data[0]["score"] == 0.91234 and data[1]["sent_at"] is None and data[0]["text"] == "=1+1 café 🚀"
    lines = render(_df(), "jsonl").decode().splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["verdict"] == "personal"


def test_xlsx_cells_are_text_and_safe(tmp_path: Path) -> None:
    out = tmp_path / "s.xlsx"
    df = _df()
    df.loc[1, "text"] = "bad\x01char"
    write(df, "xlsx", out)
    ws = load_workbook(out).active
    assert [c.value for c in ws[1]] == ["message_id", "sent_at", "score", "verdict", "text"]
    assert ws["E2"].value == "'=1+1 café 🚀" and ws["E2"].data_type == "s"
    assert ws["C2"].value == 0.91234
    assert ws["E3"].value == "badchar"


def test_write_file_atomic_with_bom_and_never_over_input(tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    write(_df(), "csv", out)
    assert out.read_bytes().startswith(b"\xef\xbb\xbfmessage_id,")
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]  # no temp left behind
    src = tmp_path / "inbox.json"
    src.write_text("{}", encoding="utf-8")
    with pytest.raises(OutputError, match="refusing to overwrite an input"):
        write(_df(), "csv", src, forbid=(src,))
    assert src.read_text(encoding="utf-8") == "{}"
    with pytest.raises(OutputError, match="does not exist"):
        write(_df(), "csv", tmp_path / "nope" / "x.csv")


def test_stream_has_no_bom_and_xlsx_needs_a_file() -> None:
    buf = io.BytesIO()
    write(_df(), "csv", None, stream=buf)
    assert buf.getvalue().startswith(b"message_id,")
    with pytest.raises(OutputError, match="xlsx is a binary format"):
        write(_df(), "xlsx", None, stream=buf)
    assert set(FORMATS) == {"table", "csv", "tsv", "json", "jsonl", "xlsx"}
