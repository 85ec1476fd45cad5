"""The ``autodm`` command's entry point: Ctrl-C while the command line's imports run (about a
second) gives the one line ``interrupted`` and exit 130, as at any later moment, instead of a
traceback from inside some library's import. Then :func:`autodm.cli.main` takes over (its own
handling says the same). Only the command installs this; importing autodm changes no handler.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


def _interrupted(signum: int, frame: Any) -> None:
    sys.stderr.write("interrupted\n")
    sys.stderr.flush()
    os._exit(EXIT_INTERRUPTED)  # nothing is written yet: no cleanup to run


def main() -> None:
    before = signal.signal(signal.SIGINT, _interrupted)
    from autodm.cli import main as cli_main

    signal.signal(signal.SIGINT, before)
    cli_main()
