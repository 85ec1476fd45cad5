"""Options shared by every command that reads an export."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


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
