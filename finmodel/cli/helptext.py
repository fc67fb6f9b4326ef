"""``--help`` in Chinese or English: the help of the group and of every command.

The English stays where click keeps it: each option's ``help=`` and each command's docstring.
The Chinese is in one table, ``finmodel/data/cli_help_zh.csv`` (columns ``en,zh``), keyed by the
English text as :mod:`finmodel.registry` keys the source notes: an option's help, one paragraph
of a docstring (its line breaks do not matter), a comment of an example line, or a word of the
page itself (``Usage:``, ``Options``, ``Commands``, ``default``, ``Example:``). A key may hold a
``{name}`` placeholder for text made from data (the list of metric names), filled in with the same
text in Chinese. An example line stays a command; only its heading and its ``# comment`` are
translated.

:class:`HelpCommand` and :class:`HelpGroup` print the English exactly as click does, and the
Chinese when the terminal speaks it (:mod:`finmodel.i18n`: ``--lang``, ``FINMODEL_LANG``, the
locale; no scenario is read for ``--help``), wrapped by display width (a Chinese character takes
two columns). A text with no Chinese in the table prints in English: tests/test_help_zh.py finds
it (:func:`untranslated`), and the rows no command uses (:func:`stale`).
"""

from __future__ import annotations

import csv
import inspect
import re
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import click

from ..i18n import is_zh
from ..text import width

TABLE = Path(__file__).resolve().parents[1] / "data" / "cli_help_zh.csv"

#: The words of the page itself, keys of the table like the help texts (and "default", "required" of an
#: option's extras, read from what click writes).
USAGE, OPTIONS, COMMANDS, EXAMPLE, EXAMPLES = "Usage:", "Options", "Commands", "Example:", "Examples:"


# --------------------------------------------------------------------------- the table

@lru_cache(maxsize=1)
def table() -> dict[str, str]:
    """English (whitespace collapsed) -> Chinese."""
    with open(TABLE, encoding="utf-8", newline="") as f:
        return {_norm(row["en"]): row["zh"] for row in csv.DictReader(f)}


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern, str]]:
    """The keys with ``{name}`` placeholders, as patterns that capture the text put in their place."""
    out = []
    for en in table():
        if re.search(r"\{\w+\}", en):
            parts = re.split(r"\{(\w+)\}", en)
            rx = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
            out.append((re.compile(rx + r"\Z", re.S), en))
    return out


def _norm(text: str) -> str:
    return " ".join(str(text).split())


def _lookup(en: str) -> tuple[str, dict] | None:
    """The table's key for an English text and what its placeholders stand for; None if no key fits."""
    en = _norm(en)
    if en in table():
        return en, {}
    for rx, k in _patterns():
        m = rx.match(en)
        if m:
            return k, m.groupdict()
    return None


def key(en: str) -> str | None:
    """The table's key for an English text: the text itself, or the pattern it matches; None if none."""
    found = _lookup(en)
    return found[0] if found else None


def zh(en: str) -> str | None:
    """The Chinese of an English text of the help, or None when the table has none."""
    found = _lookup(en)
    if found is None:
        return None
    k, values = found
    return table()[k].format(**values) if values else table()[k]


def say(en: str) -> str:
    """The text in the language of the terminal (English when the table has no Chinese for it)."""
    return (zh(en) or en) if is_zh() else en


# --------------------------------------------------------------------------- what a page holds

#: An example heading followed by one command on the same paragraph: ``Example: finmodel run ...``.
_EXAMPLE = re.compile(r"(Examples?:)\s+(finmodel\b.*)\Z", re.S)
#: A ``# comment`` after an example command.
_COMMENT = re.compile(r"(\s+#\s*)(.+?)\s*\Z")


def doc_parts(doc: str) -> list[tuple[str, str]]:
    """A docstring as click shows it, in paragraphs: ``("text", paragraph)``, ``("example", line)``
    for the heading-and-command of an example paragraph, ``("raw", block)`` for a ``\\b`` block."""
    text = inspect.cleandoc(doc).partition("\f")[0]
    out = []
    for par in re.split(r"\n\s*\n", text):
        if not par.strip():
            continue
        if par.lstrip().startswith("\b"):
            out.append(("raw", par))
        elif _EXAMPLE.match(par.strip()):
            out.append(("example", par.strip()))
        else:
            out.append(("text", par))
    return out


def _raw_units(block: str) -> Iterator[str]:
    """What a ``\\b`` block holds to translate: an example heading, the comments of its commands, else each line."""
    for line in block.splitlines()[1:]:
        s = line.strip()
        if not s:
            continue
        if s in (EXAMPLE, EXAMPLES):
            yield s
        elif s.startswith("finmodel "):
            m = _COMMENT.search(s)
            if m:
                yield m.group(2)
        else:
            yield s


def _translate_raw(block: str) -> str:
    lines = block.splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        s, lead = line.strip(), line[: len(line) - len(line.lstrip())]
        if not s:
            out.append(line)
        elif s.startswith("finmodel "):
            m = _COMMENT.search(s)
            out.append(lead + (s[: m.start()] + m.group(1) + say(m.group(2)) if m else s))
        else:
            out.append(lead + say(s))
    return "\n".join(out)


def translate_doc(doc: str) -> str:
    """A docstring in the terminal's language, paragraph by paragraph; example commands as they are."""
    pars = []
    for kind, par in doc_parts(doc):
        if kind == "raw":
            pars.append(_translate_raw(par))
        elif kind == "example":
            head, cmd = _EXAMPLE.match(par).groups()
            pars.append(f"{say(head)} {cmd}")
        else:
            pars.append(say(par))
    return "\n\n".join(pars)


def pages(group: click.Group, info_name: str = "finmodel") -> dict[tuple[str, ...], click.Context]:
    """Every help page of a command line: the group's and each registered command's (a subgroup's
    too), keyed by the words that name it (``()``, ``("run",)``), each with the context the command
    line shows it in (the group's context settings: ``-h``, ``--help``)."""

    def walk(ctx: click.Context, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], click.Context]]:
        yield path, ctx
        cmd = ctx.command
        if isinstance(cmd, click.Group):
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                if sub is not None:
                    yield from walk(click.Context(sub, info_name=name, parent=ctx, **sub.context_settings), path + (name,))

    return dict(walk(click.Context(group, info_name=info_name, **group.context_settings), ()))


def units(ctx: click.Context) -> list[str]:
    """Every English text of a help page (the command of ``ctx``), keys of the table."""
    cmd, out = ctx.command, [USAGE]
    if cmd.help:
        for kind, par in doc_parts(cmd.help):
            if kind == "raw":
                out += _raw_units(par)
            elif kind == "example":
                out.append(_EXAMPLE.match(par).group(1))
            else:
                out.append(_norm(par))
    options = [p for p in cmd.get_params(ctx) if isinstance(p, click.Option) and not p.hidden]
    for param in options:
        out += [_norm(param.help)] if param.help else []
        record = param.get_help_record(ctx)
        out += [w for w in (_extra_word(x) for x in (_extras(param, record[1]) if record else ())) if w]
    out += [OPTIONS] if options else []
    if isinstance(cmd, click.Group):
        subs = [cmd.get_command(ctx, n) for n in cmd.list_commands(ctx)]
        out += [COMMANDS] if any(s is not None and not s.hidden for s in subs) else []
    return list(dict.fromkeys(out))


def untranslated(ctx: click.Context) -> list[str]:
    """The texts of a help page that the table has no Chinese for."""
    return [u for u in units(ctx) if key(u) is None]


def stale(contexts) -> list[str]:
    """Rows of the table that none of these help pages (contexts, as :func:`pages` gives them) uses."""
    used = {key(u) for ctx in contexts for u in units(ctx)}
    return [k for k in table() if k not in used]


# --------------------------------------------------------------------------- the page in Chinese

def _extras(param: click.Parameter, help_text: str) -> list[str]:
    """The ``[default: x; 1<=x<=1000]`` items click puts after an option's help."""
    rest = help_text[len(param.help or ""):].strip()
    if not (rest.startswith("[") and rest.endswith("]")):
        return []
    return rest[1:-1].split("; ")


def _extra_word(item: str) -> str | None:
    """The word of an extra to translate: ``default`` of ``default: 30``, ``required``; a range (``1<=x<=1000``) has none."""
    word, sep, _ = item.partition(": ")
    return word if sep else (item if item.isalpha() else None)


def _extra(item: str) -> str:
    word = _extra_word(item)
    return say(word) + item[len(word):] if word else item


_CJK = "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_OPEN, _CLOSE = "(\uff08「『“‘《【", ",.;:!?%)\uff0c\uff1b\uff1a\uff09\uff01\uff1f。、」』”’》】"
#: A unit of wrapping: a run of other characters, or one Chinese character, with the opening
#: punctuation before it and the closing punctuation after it (no line starts with ,。 or ends with ().
_TOKEN = re.compile(rf"\s+|[{_OPEN}]*(?:[^\s{_CJK}]+|[{_CJK}])[{_CLOSE}]*")


def wrap(text: str, columns: int) -> list[str]:
    """Lines of at most ``columns`` display columns, broken at spaces and between Chinese characters."""
    lines, cur, space = [], "", False
    for tok in _TOKEN.findall(text):
        if tok.isspace():
            space = bool(cur)
            continue
        cand = cur + (" " if space else "") + tok
        if not cur or width(cand) <= columns:
            cur = cand
        else:
            lines.append(cur)
            cur = tok
        space = False
        while width(cur) > columns and len(cur) > 1:        # a code longer than the line: cut it
            cut = max(i for i in range(1, len(cur) + 1) if width(cur[:i]) <= columns or i == 1)
            lines.append(cur[:cut])
            cur = cur[cut:]
    if cur:
        lines.append(cur)
    return lines


class ChineseFormatter(click.HelpFormatter):
    """click's layout, measured in display columns."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        prefix = f"{say(USAGE)} " if prefix is None else prefix
        head = f"{'':>{self.current_indent}}{prefix}{prog}"
        lines = wrap(args, max(self.width - width(head) - 1, 20)) if args else []
        pad = " " * (width(head) + 1)
        self.write(head + (f" {lines[0]}" if lines else "") + "\n")
        for line in lines[1:]:
            self.write(pad + line + "\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        out = []
        for par in re.split(r"\n\s*\n", text):
            if par.lstrip().startswith("\b"):
                out.append("\n".join(indent + ln for ln in par.splitlines()[1:]))
            elif par.strip():
                out.append("\n".join(indent + ln for ln in wrap(par, self.width - self.current_indent)))
        self.write("\n\n".join(out) + "\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first_col = min(max(width(a) for a, _ in rows), col_max) + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap(second, max(self.width - first_col - 2, 10))
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


def _short(doc: str | None, limit: int) -> str:
    """The first sentence of the Chinese help, cut to ``limit`` columns (the list of commands)."""
    if not doc:
        return ""
    kind, first = doc_parts(doc)[0]
    text = _norm(say(first) if kind == "text" else first)
    text = text.split("。", 1)[0]
    if width(text) <= limit:
        return text
    while text and width(text) + 3 > limit:
        text = text[:-1]
    return text + "..."


class HelpCommand(click.Command):
    """A command whose ``--help`` speaks the terminal's language (English exactly as click prints it)."""

    def get_help(self, ctx: click.Context) -> str:
        if not is_zh():
            return super().get_help(ctx)
        formatter = ChineseFormatter(width=ctx.terminal_width, max_width=ctx.max_content_width)
        self.format_help(ctx, formatter)
        return formatter.getvalue().rstrip("\n")

    def get_short_help_str(self, limit: int = 45) -> str:
        if not is_zh() or self.short_help:
            return super().get_short_help_str(limit)
        return _short(self.help, limit)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if not is_zh():
            return super().format_usage(ctx, formatter)
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix=f"{say(USAGE)} ")

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if not is_zh() or not self.help:
            return super().format_help_text(ctx, formatter)
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(translate_doc(self.help))

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if not is_zh():
            return super().format_options(ctx, formatter)
        rows = []
        for param in self.get_params(ctx):
            record = None if isinstance(param, click.Argument) else param.get_help_record(ctx)
            if record is None:
                continue
            text = say(param.help) if param.help else ""
            extras = [_extra(x) for x in _extras(param, record[1])]
            rows.append((record[0], f"{text}  [{'; '.join(extras)}]".strip() if extras else text))
        if rows:
            with formatter.section(say(OPTIONS)):
                formatter.write_dl(rows)


class HelpGroup(HelpCommand, click.Group):
    """A group whose ``--help`` speaks the terminal's language, its list of commands too."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_options(ctx, formatter)              # in English, click.Group's: the options, then the commands
        if is_zh():
            self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if not is_zh():
            return super().format_commands(ctx, formatter)
        commands = [(n, c) for n in self.list_commands(ctx) if (c := self.get_command(ctx, n)) and not c.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(n) for n, _ in commands)
            with formatter.section(say(COMMANDS)):
                formatter.write_dl([(n, c.get_short_help_str(limit)) for n, c in commands])
