"""Options shared by every command that reads an export."""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


def a_share(value: float | None) -> float | None:
    """Check a --threshold or --max-fpr: a number from 0 to 1 (nan and inf are not)."""
    if value is not None and not 0.0 <= value <= 1.0:  # nan fails both comparisons
        raise typer.BadParameter(f"{value} is not a number from 0 to 1")
    return value


def dash_is_stdout(value: Path | None) -> Path | None:
    """``-o -`` means standard output, as ``-`` means standard input for the inputs (it wrote a
    file named "-")."""
    return None if value is not None and str(value) == "-" else value


def at_least(low: float) -> Callable[[float], float]:
    """A callback that checks an option is a finite number of at least ``low``."""
    def check(value: float) -> float:
        if not (math.isfinite(value) and value >= low):
            raise typer.BadParameter(f"{value} is not a number of at least {low:g}")
        return value
    return check


a_weight = at_least(0.01)  # --weight
a_cost = at_least(0.0)  # --fp-cost


class PlatformChoice(StrEnum):
    x = "x"
    instagram = "instagram"
    facebook = "facebook"
    linkedin = "linkedin"
    canonical = "canonical"


Paths = Annotated[
    list[Path],
    typer.Argument(
        help="The export: a zip (or several zips of one export), an unzipped folder, a single "
        "file, or - for canonical JSON/JSONL/CSV on stdin.",
        show_default=False,
    ),
]
PlatformOpt = Annotated[
    PlatformChoice | None,
    typer.Option("--platform", "-p", help="Skip detection and read the export as this platform."),
]
StrictOpt = Annotated[
    bool, typer.Option("--strict", help="Stop with an error at a bad record instead of skipping and counting it.")
]
FollowsOpt = Annotated[
    Path | None,
    typer.Option(
        "--follows",
        help="CSV or JSON of user_id (or user_name), followed_at: follow times the export lacks.",
        show_default=False,
    ),
]
