"""``finmodel --help`` and every command's ``--help`` in Chinese when the terminal speaks it
(``--lang zh``, ``FINMODEL_LANG=zh``, a zh locale), in English otherwise, exactly as click printed
it before (finmodel.cli.helptext; the Chinese in finmodel/data/cli_help_zh.csv).

The pages are those of the commands registered in the group, found when the tests are collected:
a command added later is checked as soon as it is registered, and fails until its help has its
Chinese rows in the table."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from functools import lru_cache

import click
import pytest
from click.testing import CliRunner

from finmodel.assumptions import Assumptions
from finmodel.cli import helptext, main
from finmodel.key_drivers import TABLE_DRIVERS
from finmodel.text import width

from .conftest import ROOT
from .english import stray_english

HELP_EN = ROOT / "tests" / "data" / "help"

#: Words of the help pages that are codes or names, not English: JSON's null and false and the
#: key feasible (--json), the programs numba, pyarrow and soffice, Markdown and JSON Schema.
HELP_NAMES = {"NaN", "null", "false", "feasible", "numba", "pyarrow", "soffice", "Markdown", "Schema"}
#: Codes of a help page beyond those of the terminal: the command lines (the usage line, the
#: examples; a comment after '#' is text), metavars and environment variables (capitals), and
#: the gov_* wildcard.
HELP_CODES = [
    r"^\s*(?:用法:|示例:)?\s*finmodel\b.*?(?=\s+#|$)",
    r"\b[A-Z][A-Z0-9_]*\b",
    r"\b\w+_\*",
]


def pages(group: click.Group = main) -> dict[tuple[str, ...], click.Context]:
    return helptext.pages(group)


def page_id(path) -> str:
    return " ".join(("finmodel",) + tuple(path))


def show(*args: str, env: dict | None = None) -> str:
    r = CliRunner().invoke(main, list(args), env=env, prog_name="finmodel", catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r.stdout


@lru_cache(maxsize=1)
def data_codes() -> frozenset[str]:
    """Names the help texts use as codes: the sections of the YAML, the drivers of the break-even
    table (--vary) and the tables of finmodel table (--statement)."""
    from finmodel.model import build
    from finmodel.scenarios import load
    from finmodel.tables import statement_names

    return frozenset(set(Assumptions.model_fields) | {k for k, *_ in TABLE_DRIVERS}
                     | set(statement_names(build(load(None).assumptions))))


def codes(ctx: click.Context) -> set[str]:
    """The words of a page that are its codes: the option names, metavars, choices and defaults of
    its parameters, a group's command names, and :func:`data_codes`."""
    cmd = ctx.command
    words = set(" ".join(cmd.collect_usage_pieces(ctx)).split())
    words |= set(cmd.list_commands(ctx)) if isinstance(cmd, click.Group) else set()
    for p in cmd.get_params(ctx):
        record = p.get_help_record(ctx) if isinstance(p, click.Option) else None
        words |= {record[0]} if record else set()
        words |= set(getattr(p.type, "choices", ()) or ())
        words |= {str(p.default)} if p.default is not None else set()
    return {w for word in words for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", word)} | data_codes() | HELP_NAMES


def problems(path: tuple[str, ...]) -> list[str]:
    """What keeps a page from being Chinese: texts without a row in the table, English words left."""
    ctx = pages()[path]
    out = [] if isinstance(ctx.command, helptext.HelpCommand) else [
        f"{page_id(path)}: {type(ctx.command).__name__} is not a finmodel.cli.helptext.HelpCommand (cls=HelpCommand)"]
    out += [f"{page_id(path)}: no Chinese in {helptext.TABLE.name} for {u!r}" for u in helptext.untranslated(ctx)]
    text = show("--lang", "zh", *path, "--help")
    if not re.search(r"[\u4e00-\u9fff]", text):
        out.append(f"{page_id(path)}: no Chinese at all")
    lines = text.splitlines()
    for pat in HELP_CODES:
        lines = [re.sub(pat, " ", ln) for ln in lines]
    words = stray_english("\n".join(lines), codes(ctx))
    if words:
        out.append(f"{page_id(path)}: English words {sorted(set(words))}\n{text}")
    return out


PAGES = list(pages())


def test_every_command_is_a_page():
    names = {p[-1] for p in PAGES if p}
    assert {"run", "validate", "schema", "init", "breakeven", "sensitivity", "montecarlo", "compare", "table",
            "scenarios"} <= names


@pytest.mark.parametrize("path", PAGES, ids=page_id)
def test_help_speaks_chinese(path):
    assert problems(path) == []


def test_a_command_without_chinese_help_fails_the_check():
    """A command registered without rows in the table (or without the class) is reported, text by text."""

    @click.command("dummy-new", cls=helptext.HelpCommand)
    @click.option("--things", metavar="FILE", help="A file of things to add up.")
    def dummy(things):
        """Add up several communities into one programme."""

    @click.command("dummy-plain")
    def plain():
        """Print a plain click page."""

    main.add_command(dummy)
    main.add_command(plain)
    try:
        assert ("dummy-new",) in pages() and ("dummy-plain",) in pages()
        found = "\n".join(problems(("dummy-new",)))
        assert "'Add up several communities into one programme.'" in found
        assert "'A file of things to add up.'" in found
        words = "English words ['Add', 'add', 'communities', 'file', 'into', 'one', 'programme', 'several']"
        assert words in found                                   # not 'things': --things is a code
        found = "\n".join(problems(("dummy-plain",)))
        assert "is not a finmodel.cli.helptext.HelpCommand" in found and "'Usage'" in found
        assert any("dummy-new" in p for p in problems(()))      # the group's list of commands shows its English
    finally:
        main.commands.pop("dummy-new")
        main.commands.pop("dummy-plain")


def test_every_row_of_the_table_is_used():
    assert helptext.stale(pages().values()) == []
    assert len(helptext.table()) == sum(1 for _ in open(helptext.TABLE, encoding="utf-8")) - 1   # no key twice


@pytest.mark.parametrize("name", ["run", "breakeven"])
def test_english_help_unchanged(name):
    """As ``finmodel NAME --help`` printed it on an 80-column terminal before the Chinese existed
    (tests/data/help/)."""
    env = {**os.environ, "COLUMNS": "80", "FINMODEL_LANG": "en"}
    r = subprocess.run([sys.executable, "-m", "finmodel", name, "--help"], capture_output=True, text=True, env=env,
                       cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout == (HELP_EN / f"{name}_en.txt").read_text(encoding="utf-8")


def plain(cmd: click.Command) -> click.Command:
    """The same command as a plain click Command (Group): its parameters, help, settings and subcommands."""
    kw = dict(name=cmd.name, params=cmd.params, help=cmd.help, epilog=cmd.epilog, short_help=cmd.short_help,
              options_metavar=cmd.options_metavar, hidden=cmd.hidden, deprecated=cmd.deprecated,
              context_settings=cmd.context_settings)
    if isinstance(cmd, click.Group):
        return click.Group(commands={n: plain(c) for n, c in cmd.commands.items()}, **kw)
    return click.Command(**kw)


@pytest.mark.parametrize("path", PAGES, ids=page_id)
def test_english_help_is_clicks(monkeypatch, path):
    """Every page in English is the page plain click makes of the same command."""
    monkeypatch.setattr(click.formatting, "FORCED_WIDTH", 80)            # as CliRunner sets it
    ctx = pages(plain(main))[path]
    assert type(ctx.command) in (click.Command, click.Group)
    assert show(*path, "--help") == ctx.command.get_help(ctx) + "\n"


ZH_LOCALE = {"FINMODEL_LANG": None, "LANG": "zh_CN.UTF-8", "LC_ALL": None, "LC_MESSAGES": None}
EN_LOCALE = {"FINMODEL_LANG": None, "LANG": "en_US.UTF-8", "LC_ALL": None, "LC_MESSAGES": None}


@pytest.mark.parametrize("env, args, zh", [
    ({"FINMODEL_LANG": "zh"}, ["--help"], True),
    ({"FINMODEL_LANG": "zh"}, ["run", "--help"], True),
    (ZH_LOCALE, ["breakeven", "--help"], True),
    (ZH_LOCALE, [], True),                                          # bare finmodel: the help
    ({"FINMODEL_LANG": "en"}, ["--lang", "zh", "table", "--help"], True),
    ({"FINMODEL_LANG": "zh"}, ["--lang", "en", "run", "--help"], False),
    (ZH_LOCALE, ["run", "--help", "--lang=en"], False),
    ({"FINMODEL_LANG": "en"}, ["--help"], False),
    (EN_LOCALE, ["breakeven", "--help"], False),
    (EN_LOCALE, ["run", "assumptions/j_community.yaml", "--help"], False),   # no scenario is read for --help
])
def test_the_language_of_help(env, args, zh):
    out = show(*args, env=env)
    assert out.startswith("用法: finmodel" if zh else "Usage: finmodel"), out
    assert ("选项:" in out) is zh and ("Options:" in out) is not zh


@pytest.mark.parametrize("path", PAGES, ids=page_id)
def test_chinese_help_fits_the_terminal(path):
    """Wrapped by display width (a Chinese character takes two columns): no line wider than the
    formatter's width (CliRunner's 80 columns), except an example command, whole as in English."""
    for line in show("--lang", "zh", *path, "--help").splitlines():
        assert width(line) <= 80 or line.strip().startswith("finmodel "), line


def test_wrap_breaks_between_chinese_characters_and_at_spaces():
    lines = helptext.wrap("覆盖一项假设(可重复):用点号分隔的 YAML 路径,例如 --set space.tiers.2.rent=8", 20)
    assert all(width(ln) <= 20 for ln in lines), lines
    assert "".join(lines).replace(" ", "") == "覆盖一项假设(可重复):用点号分隔的YAML路径,例如--setspace.tiers.2.rent=8"
    assert not any(ln[0] in ",。;:)、" for ln in lines), lines          # no line starts with closing punctuation
    assert "space.tiers.2.rent=8" in lines                              # a code is not cut when it fits a line


def test_a_placeholder_row_carries_its_text():
    """The --metric help lists the metric names (made from data): its row has {metrics} for them."""
    en = next(p.help for p in pages()[("sensitivity",)].command.params if p.name == "metric")
    zh = helptext.zh(en)
    assert zh and zh.startswith("分析的指标") and "gov_deal_budget_share_peak" in zh and "{" not in zh
