"""The ``autodm`` command line: parses options, calls the library, renders. No logic lives here.

Exit codes and what reaches stderr, for every command:

- 0: done. Also 0, quietly, when the reader of stdout goes away (``autodm ... | head -1``).
- 1: an :class:`~autodm.errors.AutodmError` (output, model, training), printed as one line
  ``error: <file>: <what>``; or an unexpected error (a bug), printed as one line naming the
  exception type and where it happened, never its message (which could quote message text);
  running out of memory or nesting too deep is said as such.
- 2: an :class:`~autodm.errors.InputError` (one line, as above), or a usage error (Typer's
  message).
- 130: Ctrl-C (SIGINT), printed as the one line ``interrupted``.

``--debug`` (or ``AUTODM_DEBUG=1``) re-raises every error with its traceback, for bug reports.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from autodm import __version__
from autodm._entry import EXIT_INTERRUPTED
from autodm.errors import AutodmError, one_line

app = typer.Typer(
    name="autodm",
    help="Find the automated messages (auto-DMs) in an exported direct-message archive.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals would hold private DM text
    add_completion=False,
)
err_console = Console(stderr=True, soft_wrap=True)  # one message, one line: pipes and logs grep it
P = ParamSpec("P")
R = TypeVar("R")
_state = {"debug": os.environ.get("AUTODM_DEBUG", "") not in ("", "0"), "interrupted": False,
          "stdout_closed": False, "stdout_at_start": None}


def stdout_closed() -> bool:
    """Whether the process started with its standard output closed (``>&-``)."""
    return bool(_state["stdout_closed"]) or sys.stdout is None


def printable(text: object, *, keep_lines: bool = False) -> str:
    r"""``text`` safe to print on a terminal: control, separator and bidi characters escaped.

    Names and messages come from strangers and can hold ESC sequences (that recolour the screen
    or set the window title) or bidi overrides. Line breaks become spaces, or with
    ``keep_lines`` stay line breaks. Rich markup is the caller's to escape.

    >>> printable("Eve\x1b]0;pwned\x07\nx")
    'Eve\\x1b]0;pwned\\x07 x'
    """
    lines = str(text).splitlines()
    return ("\n" if keep_lines else " ").join(one_line(line) for line in lines)


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
                        format="autodm: %(message)s", stream=sys.stderr, force=True)


def fail(error: AutodmError) -> typer.Exit:
    """Print one line for ``error`` on stderr and return the Exit to raise."""
    err_console.print(f"[bold red]error:[/] {escape(str(error))}", markup=True, highlight=False,
                      soft_wrap=True)
    return typer.Exit(error.exit_code)


def describe_bug(error: BaseException) -> str:
    """One line for an unexpected exception: its type and where it was raised, never its message.

    The message of a library exception can quote the data (a timestamp, a cell, a name).
    """
    if isinstance(error, MemoryError):
        return ("out of memory; the export is too big for this machine (or a limit was raised too "
                "far): try a smaller part of it")
    if isinstance(error, RecursionError):
        return "the input is nested too deeply to read"
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if f"{os.sep}autodm{os.sep}" in f.filename] or frames
    where = f" in {Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else ""
    return (f"unexpected {type(error).__name__}{where}; this is a bug in autodm: please rerun as "
            "'autodm --debug <command> ...' (or with AUTODM_DEBUG=1) and report it with the traceback")


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a command: every failure becomes one stderr line and its exit code.

    AutodmError: its message and exit code; Ctrl-C: "interrupted" and 130; a closed stdout: a
    quiet 0; anything else (a bug): one line naming the exception type and where, exit 1.
    Under --debug the exception propagates with its traceback.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except BrokenPipeError:
            _quiet_broken_pipe()
            raise typer.Exit(0) from None
        except KeyboardInterrupt:
            if _state["debug"]:
                raise
            raise interrupted() from None
        except AutodmError as e:
            if _state["debug"]:
                raise
            raise fail(e) from None
        except Exception as e:
            if _state["debug"]:
                raise
            err_console.print(f"error: {escape(one_line(describe_bug(e)))}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper


def interrupted() -> typer.Exit:
    """Say "interrupted" on stderr (once) and return the Exit(130) to raise."""
    if not _state["interrupted"]:
        _state["interrupted"] = True
        err_console.print("interrupted", highlight=False)
    return typer.Exit(EXIT_INTERRUPTED)


def main() -> None:
    """Console-script entry point: the app, with the same one-line handling outside commands."""
    if sys.stdout is None:  # started with stdout closed (>&-): -o still works, results to stdout cannot
        _state["stdout_closed"] = True
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (the process's stdout)
    _state["stdout_at_start"] = _stdout_identity()
    try:
        # not standalone: a usage error comes back here to be said in one line; Exit's code is returned
        code = app(standalone_mode=False)
        if code == EXIT_INTERRUPTED:  # Ctrl-C while Typer parsed the options
            interrupted()
        sys.exit(code if isinstance(code, int) else 0)
    except typer.Abort:
        err_console.print("aborted", highlight=False)
        sys.exit(1)
    except typer.TyperException as e:  # Click's UsageError and kin: bad options or arguments
        if type(e).__name__ != "NoArgsIsHelpError":  # bare 'autodm': Typer has shown the help
            err_console.print(one_line(usage_line(e)), highlight=False, markup=False)
        sys.exit(getattr(e, "exit_code", 2))
    except SystemExit as e:
        if e.code == EXIT_INTERRUPTED:  # Ctrl-C while Typer parsed the options
            interrupted()
        if e.code == 1 and _typer_met_broken_pipe():  # its own EPIPE path exits 1: quiet 0, as ours
            _quiet_broken_pipe()
            sys.exit(0)
        raise
    except KeyboardInterrupt:
        if _state["debug"]:
            raise
        interrupted()
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        _quiet_broken_pipe()
        sys.exit(0)
    except AutodmError as e:  # under --debug, or raised outside a command body (should not happen)
        if _state["debug"]:  # the traceback, and the exit code the same error has without --debug
            traceback.print_exc()
        err_console.print(f"error: {e}", highlight=False, soft_wrap=True, markup=False)
        sys.exit(e.exit_code)
    except Exception as e:
        if _state["debug"]:
            raise
        err_console.print(f"error: {one_line(describe_bug(e))}", highlight=False, soft_wrap=True, markup=False)
        sys.exit(1)


def usage_line(error: Exception) -> str:
    """A usage error as one line: what was wrong, and where the command's help is.

    >>> class E(Exception):
    ...     def format_message(self): return "No such option: --nope"
    >>> usage_line(E())
    "error: No such option: --nope (see 'autodm --help')"
    """
    ctx = getattr(error, "ctx", None)
    where = ctx.command_path if ctx is not None else "autodm"
    message = error.format_message() if hasattr(error, "format_message") else str(error)
    return f"error: {message} (see '{where} --help')"


def _stdout_identity() -> tuple[int, int] | None:
    try:
        st = os.fstat(1)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _typer_met_broken_pipe() -> bool:
    """Whether an EPIPE on stdout was met outside our commands' handling, and exited 1 where a
    ``| head`` should see a quiet 0: rich (printing Typer's help, or a table) points fd 1 at
    /dev/null and raises SystemExit(1); Typer's own handler wraps stdout in Click's
    PacifyFlushWrapper and exits 1."""
    if type(sys.stdout).__name__ == "PacifyFlushWrapper":
        return True
    now = _stdout_identity()
    try:
        null = os.stat(os.devnull)
    except OSError:
        return False
    return now != _state["stdout_at_start"] and now == (null.st_dev, null.st_ino)


def _quiet_broken_pipe() -> None:
    """stdout was closed by the reader (``| head``): point it at /dev/null so exit is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


# The command modules register themselves on ``app``; imported last, as they import ``app``.
from autodm.cli import inspect_cmd, label_cmd, model_cmd, scan_cmd  # noqa: E402

__all__ = ["app", "err_console", "fail", "inspect_cmd", "label_cmd", "main", "model_cmd", "reports_errors", "scan_cmd"]
