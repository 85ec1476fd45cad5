"""The errors autodm raises; the CLI turns each into one line on stderr and a non-zero exit.

Messages name the file, the record and what was expected, never message text or sender names.
"""


class AutodmError(Exception):
    """Base class of every error autodm reports to the user."""

    exit_code = 1


class InputError(AutodmError):
    """An input path is missing, unreadable, of an unknown layout or not the expected format."""

    exit_code = 2


class RecordError(InputError):
    """One record of an input is malformed (raised only under --strict; otherwise skipped)."""


class ModelError(AutodmError):
    """A model file is missing, unreadable, untrusted or incompatible."""


class TrainingError(AutodmError):
    """Labelled data cannot train a model (too few examples, bad labels)."""


class OutputError(AutodmError):
    """An output cannot be written where it was asked to go."""
