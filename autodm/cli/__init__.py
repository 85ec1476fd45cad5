"""The ``autodm`` command line: parses options, calls the library, renders. No logic lives here.

Every :class:`~autodm.errors.AutodmError` becomes one line on stderr and a non-zero exit;
``AUTODM_DEBUG=1`` (or ``--debug``) re-raises it with the traceback for bug reports.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console

from autodm import __version__
from autodm.errors import AutodmError

app = typer.Typer(
    name="autodm",
    help="Find the automated messages (auto-DMs) in an exported direct-message archive.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals would hold private DM text
    add_completion=False,
)
err_console = Console(stderr=True)
P = ParamSpec("P")
R = TypeVar("R")
_state = {"debug": False}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"autodm {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks (for bug reports).")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log counts and paths to stderr.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Find the automated messages (auto-DMs) in an exported direct-message archive."""
    _state["debug"] = debug or os.environ.get("AUTODM_DEBUG", "") not in ("", "0")
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="autodm: %(message)s", stream=sys.stderr)


def fail(error: AutodmError) -> typer.Exit:
    """Print one line for ``error`` on stderr and return the Exit to raise."""
    err_console.print(f"[bold red]error:[/] {error}", markup=True, highlight=False, soft_wrap=True)
    return typer.Exit(error.exit_code)


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a command: an AutodmError becomes one stderr line and its exit code."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except AutodmError as e:
            if _state["debug"]:
                raise
            raise fail(e) from None

    return wrapper


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except AutodmError as e:  # raised outside a command body (should not happen)
        if _state["debug"]:
            raise
        err_console.print(f"error: {e}", highlight=False, soft_wrap=True)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        err_console.print("interrupted", highlight=False)
        sys.exit(130)
    except BrokenPipeError:
        _quiet_broken_pipe()


def _quiet_broken_pipe() -> None:
    """stdout was closed by the reader (``| head``): exit quietly, as Unix tools do."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
    sys.exit(0)


# The command modules register themselves on ``app``; imported last, as they import ``app``.
from autodm.cli import inspect_cmd, label_cmd, model_cmd, scan_cmd  # noqa: E402

__all__ = ["app", "err_console", "fail", "inspect_cmd", "label_cmd", "main", "model_cmd", "reports_errors", "scan_cmd"]
