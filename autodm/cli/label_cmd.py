"""``autodm label``: label messages in the terminal, most uncertain first (active learning)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from autodm.cli import app, err_console, printable, reports_errors
from autodm.cli.options import FollowsOpt, Paths, PlatformOpt, StrictOpt
from autodm.cli.scan_cmd import ModelOpt, TrustOpt, inputs_of, load_model, report_skips, stage
from autodm.errors import InputError, OutputError, one_line
from autodm.labels import LabelStore, uncertainty_order
from autodm.loaders import load_inbox

KEYS = "[a] auto  [p] personal  [s] skip  [u] undo  [q] quit"
NO_TERMINAL = ("autodm label reads one key at a time: run it in a terminal "
               "(its standard input is not one, and it has no controlling terminal)")


@app.command()
@reports_errors
def label(
    paths: Paths,
    out: Annotated[Path, typer.Option("--output", "-o", help="Labels file (message_id,label); answers "
                                      "are saved at once and a rerun resumes. A file a spreadsheet saved again "
                                      "(; or tab, BOM, CRLF) is rewritten the way it was saved.")] = Path("labels.csv"),
    model_path: ModelOpt = None,
    trust_model: TrustOpt = False,
    platform: PlatformOpt = None,
    strict: StrictOpt = False,
    follows: FollowsOpt = None,
) -> None:
    """Label incoming messages one key at a time, the ones the model is least sure of first.

    Each answer is saved as it is given: q or Ctrl-D stops, and a rerun resumes.
    """
    from autodm.scan import scan as scan_inbox

    if str(out) == "-":  # "-" is stdout elsewhere: the labels are read back and rewritten, so a file
        raise OutputError("-o -: autodm label rewrites its labels file after each answer; give a file name")
    store = LabelStore(out, inputs_of(paths, follows, model_path))  # a bad -o is refused before any work
    check_keyboard()
    model = load_model(model_path, trust_model)
    with stage("reading the export"):
        inbox = load_inbox(paths, platform=platform.value if platform else None, strict=strict, follows=follows)
        rows = scan_inbox(inbox, model)
    report_skips(inbox.skips)
    order = [int(i) for i in uncertainty_order(rows["score"], model.threshold)]
    todo = [i for i in order if rows["message_id"].iloc[i] not in store]
    console = Console()
    err_console.print(f"{len(store)} labelled already, {len(todo)} to go; {KEYS}", highlight=False, markup=False)
    try:
        _session(console, rows, todo, store)
    except KeyboardInterrupt:  # Ctrl-C: every answer is saved already; say where, then "interrupted"
        _say_saved(store)
        raise
    _say_saved(store)


def _session(console: Console, rows: pd.DataFrame, todo: list[int], store: LabelStore) -> None:
    """Show the messages ``todo`` one by one and save each answer, until they run out or q."""
    history: list[int] = []
    pos = 0
    while pos < len(todo):
        r = rows.iloc[todo[pos]]
        console.print(_panel(r), highlight=False)
        try:
            key = typer.getchar().lower()
        except EOFError:  # Ctrl-D (Click raises it for the key): quit, as q does
            break
        except OSError:  # stdin is a pipe or a file and there is no terminal: no key to read
            raise InputError(NO_TERMINAL) from None
        if key in ("q", ""):  # q, or the end of the input: every answer is saved already
            break
        if key == "u":
            if history:
                store.undo()
                pos = history.pop()
                err_console.print("undone", highlight=False)
            else:  # the labels of earlier sessions are not this session's to take back
                err_console.print("nothing to undo in this session (earlier labels stay in the file)",
                                  highlight=False)
            continue
        if key in ("a", "p"):
            store.add(str(r["message_id"]), "auto" if key == "a" else "personal")
            history.append(pos)
            pos += 1
        elif key == "s":
            pos += 1
        else:
            err_console.print(f"keys: {KEYS}", highlight=False, markup=False)


def _panel(r: pd.Series) -> Panel:
    """One message: who, when and its score, the text, and the reasons for the score. All in the
    body, which wraps: a title or subtitle on the border is cut to the width of a short text."""
    head = Text(printable(f"{_who(r['sender_name'], r['sender_id'])} · {_when(r['sent_at'])} · "
                          f"score {r['score']:.2f}"), style="bold")
    parts = [head, Text(printable(r["text"], keep_lines=True) or "(no text)")]
    if isinstance(r["reasons"], str) and r["reasons"]:
        parts.append(Text(printable(f"why: {r['reasons']}"), style="dim"))
    return Panel(Group(*parts), expand=False)


def check_keyboard() -> None:
    """Refuse now, before loading anything, when there is no terminal to read keys from.

    Keys are read from standard input when it is a terminal, else from the controlling terminal
    (``/dev/tty``), as :func:`typer.getchar` does: an export piped in (``-``) still works.
    """
    if sys.platform == "win32" or _isatty(sys.stdin):
        return
    try:
        with open("/dev/tty", "rb"):
            pass
    except OSError:
        raise InputError(NO_TERMINAL) from None


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):  # None (started with <&-), or closed
        return False


def _say_saved(store: LabelStore) -> None:
    n = len(store)
    err_console.print(one_line(f"{n} label{'' if n == 1 else 's'} in {store.path}"), highlight=False, markup=False)


def _who(name: object, sender_id: object) -> str:
    """The sender's name, else their id (X archives and plain tables have no names)."""
    return name if isinstance(name, str) and name else str(sender_id)


def _when(sent_at: object) -> str:
    return "time unknown" if pd.isna(sent_at) else f"{sent_at:%Y-%m-%d %H:%M}"
