"""Failures as the command line shows them: one line on stderr and an exit code.

Bad input or usage exits 2, an environment fault (unwritable folder, full disk, locked report)
exits 1, Ctrl-C exits 130.
"""

from __future__ import annotations

import click

from ..errors import FinmodelError


def one_line(text) -> str:
    return " ".join(str(text).split())


def describe(exc: BaseException) -> tuple[str, int, bool]:
    """``(line, exit code, show the traceback with --debug)`` of a failure; ``line`` without ``error: ``."""
    if isinstance(exc, (click.exceptions.Abort, KeyboardInterrupt)):
        return "interrupted", 130, False
    if isinstance(exc, click.exceptions.UsageError):
        return exc.format_message(), 2, True
    if isinstance(exc, click.exceptions.ClickException):
        return exc.format_message(), 2, False
    if isinstance(exc, FinmodelError):
        return (exc.line() if hasattr(exc, "line") else str(exc)), exc.exit_code, True
    if isinstance(exc, MemoryError):
        return "out of memory: reduce the number of scenarios or the chunk size", 1, False
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        return f"{where}{exc.strerror or exc}", 1, True
    # an internal error: one line, the traceback on request
    return f"internal error ({type(exc).__name__}): {exc}; run again with --debug for the traceback", 1, True
