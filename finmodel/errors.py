"""The domain's named errors.

The library raises these; the CLI turns each into one line on stderr and an exit code
(see ``finmodel.cli.errors``). Nothing here prints.
"""

from __future__ import annotations


class FinmodelError(Exception):
    """Base class of every error finmodel raises on purpose."""

    exit_code = 2


class InputError(FinmodelError):
    """Bad input: a YAML file, a key in it, an override or an argument of a library call.

    ``source`` is the file the value came from (a path, or a logical origin such as
    ``override``), ``key`` the dotted YAML path where there is one, ``param`` the name of the
    library argument that carried the bad value (``vary``, ``target``, ``sets``, ...). The
    library never names a command-line flag: the CLI maps ``param`` to its flag
    (``finmodel.cli.errors.PARAM_FLAGS`` is that table). ``str(err)`` is one line.
    """

    exit_code = 2

    def __init__(self, message: str, *, source: str | None = None, key: str | None = None,
                 param: str | None = None, where: tuple[int, int] | None = None):
        self.message = message
        self.source = source
        self.key = key
        self.param = param
        self.where = where            # (line, column) in ``source``, 1-based, where known
        super().__init__(self.line())

    def line(self, param_label: str | None = None) -> str:
        """``<source>:<line>:<column>: <key>: <message>`` (the position where known; the param's
        name, or ``param_label`` (a CLI flag), when the value came from an argument)."""
        origin = self.source or (param_label or self.param if self.param else None)
        if origin and self.source and self.where:
            origin = f"{origin}:{self.where[0]}:{self.where[1]}"
        parts = [p for p in (origin, self.key) if p]
        prefix = ": ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message

    def lines(self, param_label: str | None = None) -> list[str]:
        return [self.line(param_label)]


class InputErrors(InputError):
    """Several problems of one input at once (every error of a file): one line each."""

    def __init__(self, errors: "list[InputError]"):
        self.errors = list(errors)
        first = self.errors[0]
        super().__init__(first.message, source=first.source, key=first.key, param=first.param, where=first.where)

    def lines(self, param_label: str | None = None) -> list[str]:
        return [e.line(param_label) for e in self.errors]


class InputWarning(InputError):
    """Not an error: a value outside its plausible range, a study path skipped. Printed, never raised."""


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
