"""Exceptions with messages meant for people: what is wrong and where."""


class GrenimjaError(Exception):
    """Base class of every error the package raises on purpose."""


class DataFileError(GrenimjaError):
    """A source data file is missing, corrupt (sha256) or not in the expected format."""


class SequenceError(GrenimjaError):
    """A user-supplied sequence is invalid (alphabet, length, empty, malformed FASTA)."""


class ModelFileError(GrenimjaError):
    """A model or checkpoint file does not match the code, config or vocabulary."""
