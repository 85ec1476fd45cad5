"""Options shared by every command that reads an export."""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


def a_share(value: float | None) -> float | None:
    """Check a --threshold or --max-fpr: a number from 0 to 1 (nan and inf are not)."""
    if value is not None and not 0.0 <= value <= 1.0:  # nan fails both comparisons
        raise typer.BadParameter(f"{value} is not a number from 0 to 1")
    return value


def a_weight(value: float) -> float:
    """Check --weight: a finite number of at least 0.01."""
    if not (math.isfinite(value) and value >= 0.01):
        raise typer.BadParameter(f"{value} is not a number of at least 0.01")
    return value


def a_cost(value: float) -> float:
    """Check --fp-cost: a finite number of at least 0."""
    if not (math.isfinite(value) and value >= 0.0):
        raise typer.BadParameter(f"{value} is not a number of at least 0")
    return value


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
    bool, typer.Option("--strict", help="Stop at the first bad record instead of skipping it.")
]
FollowsOpt = Annotated[
    Path | None,
    typer.Option(
        "--follows",
        help="CSV or JSON of user_id (or user_name), followed_at: follow times the export lacks.",
        show_default=False,
    ),
]
