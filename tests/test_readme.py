"""The README stays true: the Quick start block, the commands and the YAML reference."""

from __future__ import annotations

import re
import subprocess
import sys

from finmodel.cli import main

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_quick_start_has_exactly_two_command_lines():
    section = README.split("## Quick start", 1)[1]
    block = re.search(r"```(?:bash|sh|console)?\n(.*?)```", section, re.S).group(1)
    lines = [ln for ln in block.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    assert len(lines) == 2, lines
    assert "finmodel run" in lines[0] and "pytest" in lines[1]
    assert all("python3 -m venv" in ln for ln in lines)       # no virtual environment needs to be active


def test_ci_runs_the_readme_test_command():
    section = README.split("## Quick start", 1)[1]
    block = re.search(r"```(?:bash|sh|console)?\n(.*?)```", section, re.S).group(1)
    test_cmd = block.strip().splitlines()[1].split("&&")[-1].strip()
    assert test_cmd in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_command_is_documented_with_an_example():
    for name in main.commands:
        assert f"finmodel {name}" in README, name


def test_yaml_reference_is_current():
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "update_readme.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout
