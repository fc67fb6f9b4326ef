"""The domain's named errors.

The library raises these; the CLI turns each into one line on stderr and an exit code
(see ``finmodel.cli``). Nothing here prints.
"""

from __future__ import annotations


class FinmodelError(Exception):
    """Base class of every error finmodel raises on purpose."""

    exit_code = 2


class InputError(FinmodelError):
    """Bad input: a YAML file, a key in it, a ``--set`` override or a command argument.

    ``source`` is the file (or ``--set``), ``key`` the dotted YAML path where there is one.
    ``str(err)`` is the single line the CLI prints.
    """

    exit_code = 2

    def __init__(self, message: str, *, source: str | None = None, key: str | None = None):
        self.message = message
        self.source = source
        self.key = key
        super().__init__(self.line())

    def line(self) -> str:
        parts = [p for p in (self.source, self.key) if p]
        prefix = ": ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message


class UsageError(InputError):
    """A command-line argument that cannot be used (bad path, bad target, bad range)."""


class EnvironmentFault(FinmodelError):
    """The environment failed us: an unwritable folder, a full disk, a locked report."""

    exit_code = 1

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)

    def line(self) -> str:
        return self.message
