"""The package's shape: every command registered whatever is imported first, and no import cycle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "finmodel"
COMMANDS = ["breakeven", "compare", "init", "montecarlo", "portfolio", "run", "scenarios", "schema", "sensitivity", "table", "validate"]


def _modules() -> dict[str, tuple[Path, bool]]:
    """Every module of the package: dotted name -> (file, is a package's ``__init__``)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        out[".".join(parts)] = (path, is_pkg)
    return out


MODULES = _modules()
CLI_MODULES = sorted(m for m in MODULES if m.startswith("finmodel.cli.") and m != "finmodel.cli.__main__")


def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports, at module level or inside a function.

    ``from . import x`` is an edge to the module ``x`` when there is one, else to the package (a
    name defined in its ``__init__``); ``from .a import b`` is an edge to ``a``. The implicit import
    of a module's parent packages is not an edge (Python runs the parent first, whatever it imports).
    """
    graph: dict[str, set[str]] = {}
    for name, (path, is_pkg) in MODULES.items():
        here = name if is_pkg else name.rpartition(".")[0]
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                deps.update(al.name for al in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    parts = here.split(".")[: len(here.split(".")) - node.level + 1]
                    base = ".".join(parts + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                for al in node.names:
                    sub = f"{base}.{al.name}"
                    deps.add(sub if sub in MODULES else base)
        graph[name] = {d for d in deps if d in MODULES and d != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_graph_sees_relative_and_function_level_imports():
    g = import_graph()
    assert "finmodel.cli.options" in g["finmodel.cli.breakeven"]          # from .options import ...
    assert "finmodel.breakeven" in g["finmodel.cli.breakeven"]            # from .. import breakeven as B (inside a function)
    assert "finmodel.cli.main" in g["finmodel.cli"]                       # the package's __init__
    assert "finmodel.sensitivity.sample" in g["finmodel.sensitivity"]     # from . import analyze, sample


def test_no_import_cycle_in_the_package():
    # The whole package: at the time of writing, no module of finmodel takes part in a cycle.
    assert cycles(import_graph()) == []


def test_a_cycle_is_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_commands_never_import_the_group():
    """Command modules share finmodel.cli.options; only the package's __init__ imports the group."""
    g = import_graph()
    for name in CLI_MODULES:
        if name != "finmodel.cli.main":
            assert not g[name] & {"finmodel.cli", "finmodel.cli.main"}, name


def test_the_report_runs_no_study():
    """finmodel.report writes results it is given: it imports neither the orchestration above it nor
    the sensitivity studies, and its options and results module imports no model at all."""
    g = import_graph()
    report = [m for m in g if m == "finmodel.report" or m.startswith("finmodel.report.")]
    for name in report:
        assert not g[name] & {"finmodel.studies", "finmodel.sensitivity", "finmodel.cli"}, name
    for name in ("finmodel.report", "finmodel.report.studies"):
        assert not g[name] & {"finmodel.engine", "finmodel.breakeven", "finmodel.government"}, name


# What the report may not import: it writes the results it is given (data classes, the model's rows,
# units, the verdict's rule), and computes none of them.
COMPUTING = ("finmodel.engine", "finmodel.metrics", "finmodel.breakeven", "finmodel.sensitivity", "finmodel.government")


def test_the_report_computes_nothing():
    """No module of finmodel.report imports the engine, the metrics, the studies or the government view."""
    g = import_graph()
    found = []
    for name, deps in g.items():
        if name == "finmodel.report" or name.startswith("finmodel.report."):
            found += [f"{name} -> {d}" for d in sorted(deps)
                      if any(d == c or d.startswith(c + ".") for c in COMPUTING)]
    assert found == []


def test_the_verdict_is_library_level():
    """finmodel.verdict is below the report and the CLI: both import it, it imports neither."""
    g = import_graph()
    assert not {d for d in g["finmodel.verdict"] if d.split(".")[:2] in (["finmodel", "report"], ["finmodel", "cli"])}
    assert "finmodel.verdict" in g["finmodel.report.summary"]


def test_write_report_requires_the_studies():
    import inspect

    from finmodel.report import write_report

    params = inspect.signature(write_report).parameters
    assert params["studies"].default is inspect.Parameter.empty
    assert params["verdict"].default is inspect.Parameter.empty


@pytest.mark.parametrize("module", CLI_MODULES)
def test_importing_a_command_module_first_registers_every_command(module):
    """A fresh interpreter imports one module of finmodel.cli first; ``finmodel --help`` lists every command."""
    code = f"import {module}\nfrom finmodel.cli import main\nmain(['--help'])\n"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    listed = [ln.split()[0] for ln in r.stdout.split("Commands:", 1)[1].splitlines() if ln.strip()]
    assert listed == COMMANDS, r.stdout


# Modules that still name command-line flags in their errors (source="--vary", ...): finmodel.breakeven
# and finmodel.sensitivity, which are being converted to InputError(param=...) on their own branch.
FLAGS_STILL_IN = {"finmodel.breakeven", "finmodel.sensitivity", "finmodel.sensitivity.sample"}


def test_no_library_module_names_a_flag_in_an_error():
    """Outside finmodel.cli an error names the argument (param="sets"); the CLI maps it to its flag."""
    found = []
    for name, (path, _) in MODULES.items():
        if name == "finmodel.cli" or name.startswith("finmodel.cli.") or name in FLAGS_STILL_IN:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if (kw.arg in ("source", "param") and isinstance(kw.value, ast.Constant)
                            and str(kw.value.value).startswith("-")):
                        found.append(f"{name}:{node.lineno}: {kw.arg}={kw.value.value!r}")
    assert found == []
