"""``autodm scan`` and ``autodm senders``: score an export's incoming messages."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from autodm import output
from autodm.cli import app, err_console, printable, reports_errors, stdout_closed
from autodm.cli.options import FollowsOpt, Paths, PlatformOpt, StrictOpt, a_share, dash_is_stdout
from autodm.errors import OutputError, one_line
from autodm.loaders import load_inbox

if TYPE_CHECKING:
    from autodm.inbox import Skips
    from autodm.model import Model


class Format(StrEnum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"
    jsonl = "jsonl"
    xlsx = "xlsx"


class Only(StrEnum):
    auto = "auto"
    personal = "personal"


FormatOpt = Annotated[
    Format | None,
    typer.Option("--format", "-f", help="Output format; default: table on a terminal, csv when piped "
                 "or written to a file (-o picks it from its suffix: .xlsx, .tsv, .json, .jsonl).", show_default=False),
]
OutOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (atomically) "
                                             "instead of stdout (- is stdout).", show_default=False,
                                             callback=dash_is_stdout)]
ModelOpt = Annotated[Path | None, typer.Option("--model", "-m", help="A model file from autodm train "
                                               "(default: the bundled model).", show_default=False)]
TrustOpt = Annotated[bool, typer.Option("--trust-model", help="Load a --model file that is not in the "
                                        "trusted list (loading a joblib file can run code).")]
UnsafeOpt = Annotated[bool, typer.Option("--no-sanitize", help="Do not neutralise cells a spreadsheet "
                                         "could run as formulas (csv/tsv/xlsx).")]
LimitOpt = Annotated[int, typer.Option("--limit", min=1, help="Rows shown in the terminal table (highest "
                                       "scores first); other formats get every row.")]


@contextlib.contextmanager
def stage(what: str) -> Iterator[None]:
    """A spinner on stderr while a stage runs, only on a terminal."""
    if err_console.is_terminal:
        with err_console.status(what):
            yield
    else:
        yield


def choose_format(fmt: Format | None, out: Path | None) -> str:
    """The output format, checked against ``-o`` before any loading (not after minutes of it)."""
    if out is None and stdout_closed():  # started with stdout closed (>&-): nowhere to write
        raise OutputError("standard output is closed; give -o FILE to write the results")
    if fmt is not None:
        if fmt.value == "xlsx" and out is None and sys.stdout.isatty():  # "> scores.xlsx" or a pipe is fine
            raise OutputError(output.XLSX_NEEDS_FILE)
        if fmt.value == "table" and out is not None:
            raise OutputError(output.TABLE_NEEDS_TERMINAL)
        return fmt.value
    if out is not None:
        return "xlsx" if out.suffix.lower() == ".xlsx" else out.suffix.lower().lstrip(".") \
            if out.suffix.lower() in (".csv", ".tsv", ".json", ".jsonl") else "csv"
    return "table" if sys.stdout.isatty() else "csv"


def report_skips(skips: Skips) -> None:
    """The one stderr line that says how many bad records were skipped, why, where the first of
    each kind is and what was expected there (``--strict`` stops at the first with that message)."""
    if total := skips.total:
        def part(reason: str, n: int) -> str:
            said = [str(n)]
            if reason in skips.first:
                said.append(f"first at {skips.first[reason]}")
            if reason in skips.expected:
                said.append(f"expected {skips.expected[reason]}")
            return f"{reason} ({'; '.join(said)})"

        parts = [part(k, v) for k, v in skips.counts.items()]
        # file and member names come from the export: one line, printed as they are (no markup)
        err_console.print(one_line(f"skipped {total} bad record{'s' if total != 1 else ''}: " + ", ".join(parts)),
                          markup=False, highlight=False)


def note_nothing_scored(mask: np.ndarray, messages: int, include_outgoing: bool) -> None:
    """Say why an export with messages gives no rows (the output still has its columns)."""
    if messages and not mask.any():
        hint = "" if include_outgoing else "; scan --include-outgoing scores your own"
        err_console.print(one_line(f"no received message to score among the {messages} in the export "
                                   f"(they are yours or platform notices){hint}"),
                          markup=False, highlight=False)


def inputs_of(paths: list[Path], *extra: Path | None) -> tuple[Path, ...]:
    """Every file a command reads, which ``-o`` must never overwrite."""
    return tuple(p for p in (*paths, *extra) if p is not None and str(p) != "-")


def check_output(out: Path | None, paths: list[Path], *extra: Path | None) -> None:
    """Refuse a bad ``-o`` before minutes of loading and scoring, not after."""
    if out is not None:
        output.check_target(out, inputs_of(paths, *extra))


def emit(df: pd.DataFrame, fmt: str, out: Path | None, *, safe: bool, inputs: list[Path],
         limit: int, title: str, sort: str, kind: str = "scan") -> None:
    """Render ``df`` to the terminal, stdout or a file."""
    if fmt == "table" and out is None:
        render_table(df, limit=limit, title=title, sort=sort, kind=kind)
        return
    output.write(df, fmt, out, stream=sys.stdout.buffer, safe=safe, forbid=inputs_of(inputs))
    if out is not None:
        err_console.print(one_line(f"wrote {len(df)} rows to {out}"), markup=False, highlight=False)


#: What a person sees in the terminal table (every column stays in the csv/json/xlsx formats).
TABLE_COLUMNS = {
    "scan": ("sender", "sent_at", "after_follow", "score", "verdict", "reasons", "text"),
    "senders": ("sender", "messages", "auto_dms", "max_score", "first_dm_after_follow", "shared_template_senders",
                "top_reasons"),
}
#: A terminal narrower than this gets a list, not a table (seven columns folded letter by letter at 40).
NARROW = 80


def _human_delay(seconds: object) -> str:
    if not isinstance(seconds, int | float) or pd.isna(seconds):
        return ""
    s = float(seconds)
    for limit, div, unit in ((120, 1, "s"), (7200, 60, "min"), (172800, 3600, "h")):
        if s < limit:
            return f"{s / div:.0f} {unit}"
    return f"{s / 86400:.0f} days"


def _for_people(df: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The columns of TABLE_COLUMNS, with a readable sender and delay."""
    out = df.copy()
    out["sender"] = out["sender_name"].astype("string").fillna(out["sender_id"].astype("string"))
    if "seconds_after_follow" in out:
        out["after_follow"] = out["seconds_after_follow"].map(_human_delay)
    if "first_dm_after_follow_s" in out:
        out["first_dm_after_follow"] = out["first_dm_after_follow_s"].map(_human_delay)
    return out[[c for c in TABLE_COLUMNS[kind] if c in out.columns]]


def render_table(df: pd.DataFrame, *, limit: int, title: str, sort: str, kind: str = "scan") -> None:
    """A rich table of the top ``limit`` rows by ``sort``, for a terminal."""
    console = Console()
    shown = _for_people(df.sort_values(sort, ascending=False, kind="stable").head(limit), kind)
    if console.width < NARROW:
        _render_list(console, shown, title)
    else:
        _render_grid(console, shown, title)
    if len(df) > limit:
        err_console.print(f"{len(df) - limit} more rows not shown; use --format csv or -o FILE for all",
                          highlight=False)


def _cells(shown: pd.DataFrame) -> Iterator[dict[str, str]]:
    """Each row's cells as text for a terminal: no escapes, markup escaped, the verdict coloured."""
    for row in shown.itertuples(index=False):
        cells = {}
        for col, v in zip(shown.columns, row, strict=True):
            if isinstance(v, pd.Timestamp):
                v = v.strftime("%Y-%m-%d %H:%M")
            elif v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA or v is pd.NaT:
                v = ""
            elif isinstance(v, float):
                v = f"{v:.3f}" if col in ("score", "max_score") else f"{v:g}"
            s = printable(v)  # a stranger's name or text: no terminal escapes, one line
            if col == "text" and len(s) > 160:
                s = s[:157] + "…"
            s = s.replace("[", r"\[")
            if col == "verdict":
                s = f"[bold red]{s}[/]" if s == "auto" else f"[green]{s}[/]"
            cells[col] = s
        yield cells


def _render_grid(console: Console, shown: pd.DataFrame, title: str) -> None:
    table = Table(title=escape(printable(title)), show_lines=False, expand=True)
    for col in shown.columns:
        table.add_column(col.replace("_", " "), overflow="fold",
                         ratio=3 if col in ("text", "reasons", "top_reasons") else 1)
    for cells in _cells(shown):
        table.add_row(*cells.values())
    console.print(table)


def _render_list(console: Console, shown: pd.DataFrame, title: str) -> None:
    """A narrow terminal: each row as a heading line and its labelled fields under it."""
    console.print(f"[italic]{escape(printable(title))}[/]")
    for cells in _cells(shown):
        head = [cells.pop(k) for k in ("verdict", "score", "sender") if k in cells]
        console.print()
        console.print(" ".join(h for h in head if h), overflow="fold")
        for col, v in cells.items():
            if v:
                console.print(f"  {col.replace('_', ' ')}: {v}", overflow="fold")


def load_model(path: Path | None, trust: bool) -> Model:
    """Load (and verify) the model; imported here so commands that need no model start fast."""
    from autodm import model as mdl

    with stage("loading model"):
        return mdl.load(path, trust_model=trust)


@app.command()
@reports_errors
def scan(
    paths: Paths,
    fmt: FormatOpt = None,
    out: OutOpt = None,
    threshold: Annotated[float | None, typer.Option("--threshold", "-t", callback=a_share,
                         help="Score at or above which a message is auto (default: the model's).",
                         show_default=False)] = None,
    only: Annotated[Only | None, typer.Option("--only", help="Keep only auto or only personal verdicts.",
                    show_default=False)] = None,
    model_path: ModelOpt = None,
    trust_model: TrustOpt = False,
    include_outgoing: Annotated[bool, typer.Option("--include-outgoing", help="Score the owner's own "
                                "messages too (for auditing your outreach).")] = False,
    platform: PlatformOpt = None,
    strict: StrictOpt = False,
    follows: FollowsOpt = None,
    no_sanitize: UnsafeOpt = False,
    limit: LimitOpt = 50,
) -> None:
    """Score every incoming message: score, verdict (auto | personal) and the reasons."""
    from autodm.scan import design, export_rows, scored_mask
    fmt_name = choose_format(fmt, out)
    check_output(out, paths, follows, model_path)
    model = load_model(model_path, trust_model)
    with stage("reading the export"):
        inbox = load_inbox(paths, platform=platform.value if platform else None, strict=strict,
                           follows=follows)
    report_skips(inbox.skips)
    with stage(f"scoring {len(inbox.messages)} messages"):
        joined, frame = design(inbox, outgoing=include_outgoing)
        mask = scored_mask(joined, include_outgoing)
        rows = export_rows(joined, frame, model, mask, threshold=threshold)
    note_nothing_scored(mask, len(joined), include_outgoing)
    if only is not None:
        rows = rows[rows["verdict"] == only.value]
    emit(rows, fmt_name, out, safe=not no_sanitize, inputs=[*paths, *inputs_of([], follows, model_path)],
         limit=limit,
         title=f"autodm scan: {inbox.source}", sort="score")


@app.command("senders")
@reports_errors
def senders_cmd(
    paths: Paths,
    fmt: FormatOpt = None,
    out: OutOpt = None,
    threshold: Annotated[float | None, typer.Option("--threshold", "-t", callback=a_share,
                         help="Score at or above which a message is auto (default: the model's).",
                         show_default=False)] = None,
    model_path: ModelOpt = None,
    trust_model: TrustOpt = False,
    platform: PlatformOpt = None,
    strict: StrictOpt = False,
    follows: FollowsOpt = None,
    no_sanitize: UnsafeOpt = False,
    limit: LimitOpt = 50,
) -> None:
    """One row per sender, worst first: the accounts that auto-DM you."""
    from autodm.scan import design, export_rows, scored_mask, senders
    fmt_name = choose_format(fmt, out)
    check_output(out, paths, follows, model_path)
    model = load_model(model_path, trust_model)
    with stage("reading the export"):
        inbox = load_inbox(paths, platform=platform.value if platform else None, strict=strict,
                           follows=follows)
    report_skips(inbox.skips)
    with stage("scoring"):
        joined, frame = design(inbox, outgoing=False)
        mask = scored_mask(joined)
        rows = export_rows(joined, frame, model, mask, threshold=threshold)
        table = senders(rows, frame[mask])
    note_nothing_scored(mask, len(joined), include_outgoing=False)
    emit(table, fmt_name, out, safe=not no_sanitize, inputs=[*paths, *inputs_of([], follows, model_path)],
         limit=limit,
         title=f"autodm senders: {inbox.source}", sort="max_score", kind="senders")
