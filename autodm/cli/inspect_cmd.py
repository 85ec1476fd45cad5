"""``autodm inspect``: what an export holds, before scoring anything."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from autodm.cli import app, printable, reports_errors
from autodm.cli.options import FollowsOpt, Paths, PlatformOpt, StrictOpt
from autodm.inbox import describe
from autodm.loaders import load_inbox


@app.command()
@reports_errors
def inspect(
    paths: Paths,
    platform: PlatformOpt = None,
    strict: StrictOpt = False,
    follows: FollowsOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Show platform, owner, message counts, date range, follow coverage and skipped records."""
    inbox = load_inbox(paths, platform=platform.value if platform else None, strict=strict,
                       follows=follows)
    info = describe(inbox)
    if as_json or not sys.stdout.isatty():
        typer.echo(json.dumps(info, indent=2, ensure_ascii=False))
        return
    table = Table(show_header=False, box=None)
    for key, value in info.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items()) or "none"
        table.add_row(Text(key.replace("_", " "), style="bold"), Text(printable(value)))  # owner names are data
    Console().print(table)
