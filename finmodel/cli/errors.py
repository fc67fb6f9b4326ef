"""Failures as the command line shows them: one line on stderr and an exit code.

Bad input or usage exits 2, an environment fault (unwritable folder, full disk, locked report)
exits 1, Ctrl-C exits 130. The library names the argument that carried a bad value
(``InputError.param``: ``vary``, ``sets``, ...); :data:`PARAM_FLAGS` turns it into the flag the
user typed, so ``InputError("no such assumption 'x'", param="sets", key="x.y")`` prints as
``error: --set: x.y: no such assumption 'x'``.
"""

from __future__ import annotations

import click

from ..errors import FinmodelError, InputError
from ..i18n import is_zh, t

# The library argument (InputError.param) -> the command-line flag that passes it.
PARAM_FLAGS: dict[str, str] = {
    # every command that loads a scenario (finmodel.scenarios.load)
    "sets": "--set",
    # finmodel breakeven (finmodel.breakeven)
    "vary": "--vary",
    "target": "--target",
    "range": "--range",
    "lo": "--range",
    "hi": "--range",
    "pick": "--pick",
    # finmodel sensitivity / compare / montecarlo (finmodel.sensitivity)
    "metric": "--metric",
    "metrics": "--metric",
    "drivers": "--driver",
    "swing": "--swing",
    "grids": "--grid",
    "specs": "--grid",
    "n": "-n",
    "trajectories": "-n",
    "seed": "--seed",
    "inputs": "--inputs",
    "levels": "--levels",
    "chunk_size": "--chunk-size",
    "workers": "--workers",
    # finmodel portfolio
    "scheduler": "--scheduler",
    "chunk": "--chunk",
    "method": "--method",
    "bins": "--bins",
    "payback_years": "--payback-years",
    "cash_limit": "--cash-limit",
    "reference": "--reference",
    "set_file": "--set-file",
    "draws_format": "--draws-format",
    # finmodel run and the study commands' workbooks (finmodel.io.ensure_dir: the output folder)
    "outdir": "-o",
    "folder": "-o",
    "pdf": "--pdf",
    # finmodel table
    "statement": "--statement",
    "fmt": "--format",
    "out": "-o",
}


def one_line(text) -> str:
    return " ".join(str(text).split())


def describe_all(exc: BaseException) -> tuple[list[str], int, bool]:
    """Like :func:`describe`, with every line of a failure that has several (all errors of a file)."""
    if isinstance(exc, InputError):
        return exc.lines(param_label=PARAM_FLAGS.get(exc.param)), exc.exit_code, True
    line, code, trace = describe(exc)
    return [line], code, trace


#: click's own messages (click 8) -> their Chinese; the values (names, flags, choices) kept as typed.
CLICK_ZH = [
    (r"No such option:? '?([^'\s]+?)'?\.?(?:\s*\(?Did you mean(?: one of:)? (.+?)\?\)?)?", "没有选项 '{0}'。", "是否是 {1}?"),
    (r"No such command '(.+?)'\.(?:\s*Did you mean (.+?)\?)?", "没有命令 '{0}'。", "是否是 {1}?"),
    (r"Option '(.+?)' requires an argument\.", "选项 '{0}' 需要一个值。", ""),
    (r"Option '(.+?)' requires (\d+) arguments\.", "选项 '{0}' 需要 {1} 个值。", ""),
    (r"Option '(.+?)' does not take a value\.", "选项 '{0}' 不接受值。", ""),
    (r"Missing argument '(.+?)'\.", "缺少参数 '{0}'。", ""),
    (r"Missing option '(.+?)'\.", "缺少选项 '{0}'。", ""),
    (r"Missing command\.", "缺少命令。", ""),
    (r"Got unexpected extra arguments? \((.*)\)", "多余的参数: {0}", ""),
    (r"'(.+?)' is not one of (.+?)\.", "'{0}' 不是可选值之一: {1}。", ""),
    (r"'(.+?)' is not a valid integer( range)?\.", "'{0}' 不是有效的整数。", ""),
    (r"'(.+?)' is not a valid float( range)?\.", "'{0}' 不是有效的数值。", ""),
    (r"'(.+?)' is not a valid boolean\.", "'{0}' 不是有效的是/否值。", ""),
    (r"(.+?) is not in the range (.+?)\.", "{0} 不在范围 {1} 内。", ""),
]


def click_message(msg: str) -> str:
    """A click usage message in the reader's language: click's own English words translated in a zh
    terminal (``Invalid value for '-n': …`` keeps finmodel's own text of the value's problem)."""
    if not is_zh():
        return msg
    import re

    m = re.fullmatch(r"Invalid value for (.+?): (.*)", msg, re.S)
    if m:
        return f"{m.group(1)} 的值无效: {click_message(m.group(2))}"
    for pattern, zh, extra in CLICK_ZH:
        m = re.fullmatch(pattern, msg.strip(), re.S)
        if m:
            g = [x or "" for x in m.groups()]
            return zh.format(*g) + (extra.format(*g) if extra and len(g) > 1 and g[1] else "")
    return msg


def describe(exc: BaseException) -> tuple[str, int, bool]:
    """``(line, exit code, show the traceback with --debug)`` of a failure; ``line`` without ``error: ``."""
    if isinstance(exc, (click.exceptions.Abort, KeyboardInterrupt)):
        return t("interrupted", "已中断"), 130, False
    if isinstance(exc, click.exceptions.ClickException):
        return click_message(exc.format_message()), 2, False
    if isinstance(exc, InputError):
        return exc.line(param_label=PARAM_FLAGS.get(exc.param)), exc.exit_code, True
    if isinstance(exc, FinmodelError):
        return (exc.line() if hasattr(exc, "line") else str(exc)), exc.exit_code, True
    if isinstance(exc, MemoryError):
        return t("out of memory: reduce the number of scenarios or the chunk size",
                 "内存不足: 请减少情景数或每批计算的情景数"), 1, False
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        return f"{where}{exc.strerror or exc}", 1, True
    # an internal error: one line, the traceback on request
    return t(f"internal error ({type(exc).__name__}): {exc}; run again with --debug for the traceback",
             f"内部错误({type(exc).__name__}): {exc};加 --debug 重新运行可看到调用栈"), 1, True
