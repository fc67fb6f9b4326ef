"""The ``finmodel`` command line: thin commands over the library.

:mod:`~finmodel.cli.main` holds the group and registers every command; the commands live in
their own modules (``run``, ``validate``, ``schema``, ``init``, ``breakeven``, ``sensitivity``)
and share :mod:`~finmodel.cli.options`; :mod:`~finmodel.cli.errors` turns failures into one line
on stderr and an exit code. ``finmodel.cli.main`` (the attribute) is the click group, the entry
point of the ``finmodel`` script.
"""

from .main import main

__all__ = ["main"]
