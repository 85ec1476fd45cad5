"""The errors autodm raises; the CLI turns each into one line on stderr and a non-zero exit.

Messages name the file, the record and what was expected, never message text or sender names.
Whatever a message is built from (a zip member's name can hold a newline or a terminal escape),
``str(error)`` is one printable line: control and bidi characters come out escaped.
"""

from __future__ import annotations

import re

#: Characters that would break the one-line rule or fool a terminal: C0/C1 controls (newline,
#: ESC ...), line/paragraph separators and the bidi overrides used to disguise file names.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def one_line(text: str) -> str:
    r"""``text`` with control, separator and bidi characters escaped, so it prints as one line.

    >>> one_line("a\nb\x1b[31m")
    'a\\nb\\x1b[31m'
    """
    return _UNPRINTABLE.sub(lambda m: ascii(m.group())[1:-1], text)


class AutodmError(Exception):
    """Base class of every error autodm reports to the user."""

    exit_code = 1

    def __str__(self) -> str:
        return one_line(super().__str__())


class InputError(AutodmError):
    """An input path is missing, unreadable, of an unknown layout or not the expected format."""

    exit_code = 2


class LimitError(InputError):
    """An input is over a safety limit (size, file count, compression ratio): never skipped."""


class RecordError(InputError):
    """One record of an input is malformed (raised only under --strict; otherwise skipped)."""


class ModelError(AutodmError):
    """A model file is missing, unreadable, untrusted or incompatible."""


class TrustListError(ModelError):
    """The trusted-models list cannot be read or written."""


class TrainingError(AutodmError):
    """Labelled data cannot train a model (too few examples, bad labels)."""


class OutputError(AutodmError):
    """An output cannot be written where it was asked to go."""
