"""The language of what finmodel says: Chinese or English, for every terminal line and message.

Each text is written once as a pair, ``t("English", "中文")``, where it is used. The language
is chosen, in order, by ``--lang``, the environment variable ``FINMODEL_LANG``, the scenario's
``report.language`` (Chinese unless it says otherwise) and the locale (``LANG``, ``LC_ALL``);
English when nothing says. The library's default is English until a caller sets it
(:func:`use`); the command line sets it for each command.
"""

from __future__ import annotations

import contextvars
import os
from contextlib import contextmanager
from typing import Iterator

LANGS = ("zh", "en")
_LANG: contextvars.ContextVar[str | None] = contextvars.ContextVar("finmodel_lang", default=None)
#: Set by ``--lang``: wins over everything else for the whole command.
_EXPLICIT: contextvars.ContextVar[str | None] = contextvars.ContextVar("finmodel_lang_explicit", default=None)


def current() -> str:
    return _LANG.get() or "en"


def is_zh() -> bool:
    return current() == "zh"


def t(en: str, zh: str) -> str:
    """The text in the current language."""
    return zh if current() == "zh" else en


def explicit() -> str | None:
    """The language asked for with ``--lang`` in this command, if any (the workbook follows it)."""
    return _EXPLICIT.get()


def from_locale() -> str | None:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        v = os.environ.get(var, "")
        if v:
            return "zh" if v.lower().startswith("zh") else "en"
    return None


def choose(explicit: str | None = None, scenario: str | None = None) -> str:
    """The language by the rule of this module: explicit, FINMODEL_LANG, the scenario's, the locale, en."""
    env = os.environ.get("FINMODEL_LANG", "").strip().lower()
    for cand in (explicit, _EXPLICIT.get(), env if env in LANGS else None, scenario, from_locale()):
        if cand in LANGS:
            return cand
    return "en"


def set_language(explicit: str | None = None, scenario: str | None = None) -> str:
    """Choose and set the language of this command; an explicit choice holds for the rest of it."""
    if explicit in LANGS:
        _EXPLICIT.set(explicit)
    lang = choose(explicit, scenario)
    _LANG.set(lang)
    return lang


def begin(explicit: str | None = None) -> str:
    """A new command: forget the choice of an earlier one in this process (a test invokes many in
    turn; an earlier ``--lang`` must not hold for the next), then choose as :func:`set_language`."""
    _EXPLICIT.set(explicit if explicit in LANGS else None)
    _LANG.set(None)
    return set_language(explicit)


@contextmanager
def use(lang: str) -> Iterator[None]:
    """Say things in ``lang`` inside the block (the library's callers)."""
    token = _LANG.set(lang if lang in LANGS else "en")
    try:
        yield
    finally:
        _LANG.reset(token)
