"""The console examples of the README and the docs: run each one, compare or rewrite its output.

An example is a ``$ finmodel ...`` line in a ```console block (``\\`` continues it on the next
line) and the lines after it up to the next ``$`` line: what the command prints, stdout and
stderr together. It is run with this Python in a scratch folder (one per file, the file's examples in
order) where ``assumptions/`` and ``docs/`` are the repository's, so relative paths in the text are
what a reader sees.

- An example with no output lines is shown, not run (``--pdf``, long runs).
- An output that is a JSON object with a subset of the keys is an excerpt: those keys must hold
  the command's values (``--write`` refreshes them, keeping the choice of keys).
- An output with a line ``...`` is elided: its other lines must appear in order in what is printed.
- Otherwise the output must be what is printed, line by line; numbers may differ by one unit in
  their last printed digit (a rounding edge on another machine's floating point).

    python tools/examples.py --check [FILE ...]     # exit 1 and a diff when an example drifted
    python tools/examples.py --write [FILE ...]     # rewrite the outputs in place

Without FILE: README.md and every page of docs/.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:e[+-]?\d+)?")


def default_files() -> list[Path]:
    """The files whose examples run: the README and every page of docs/ (the notebook's source,
    docs/notebooks/, has none: it runs as a notebook)."""
    return [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").rglob("*.md") if "notebooks" not in p.parts)]


@dataclass
class Example:
    path: Path
    command: str            # as written, continuation lines joined
    first: int              # index of the command's first line in the file's lines
    start: int              # index of the first output line
    end: int                # index after the last output line
    output: list[str]

    @property
    def kind(self) -> str:
        if not self.output:
            return "shown"
        if any(line.strip() == "..." for line in self.output):
            return "elided"
        if self.output[0].startswith("{") and "--json" in self.command:
            return "excerpt"
        return "full"


def examples(path: Path) -> list[Example]:
    lines = path.read_text(encoding="utf-8").splitlines()
    out, i, in_block = [], 0, False
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            in_block = line.strip() == "```console" if not in_block else False
            i += 1
            continue
        if in_block and line.startswith("$ finmodel"):
            first, cmd = i, line[2:]
            while cmd.rstrip().endswith("\\"):
                i += 1
                cmd = cmd.rstrip()[:-1] + " " + lines[i].strip()
            cmd = re.sub(r"\s+#.*$", "", cmd).strip()
            j = i + 1
            while j < len(lines) and not lines[j].startswith("$ ") and not lines[j].startswith("```"):
                j += 1
            end = j
            while end > i + 1 and not lines[end - 1].strip():
                end -= 1
            out.append(Example(path, cmd, first, i + 1, end, lines[i + 1:end]))
            i = j
            continue
        i += 1
    return out


def run(cmd: str, workdir: Path) -> list[str]:
    argv = shlex.split(cmd)
    env = {**os.environ, "COLUMNS": "100", "SOURCE_DATE_EPOCH": "1767225600", "PYTHONHASHSEED": "0",
           "FINMODEL_LANG": "en"}
    env.pop("FORCE_COLOR", None)
    r = subprocess.run([sys.executable, "-m", "finmodel", *argv[1:]], cwd=workdir, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8", timeout=600)
    return r.stdout.rstrip("\n").splitlines()


def _near(a: str, b: str) -> bool:
    """Two printed numbers equal up to one unit in the last printed digit."""
    if a == b:
        return True
    try:
        x, y = float(a.replace(",", "")), float(b.replace(",", ""))
    except ValueError:
        return False
    digits = len(a.split(".")[1]) if "." in a and "e" not in a.lower() else 0
    return abs(x - y) <= 10.0 ** -digits * 1.0000001 + 1e-9 * max(abs(x), abs(y))


#: A whole number in a --set override (a least support rounded up, a count): one unit off is another
#: answer (6271650 stays at tier 2 where 6271651 reaches tier 3), so it must be printed exactly.
SET_WHOLE = re.compile(r"--set \S+?=(-?\d+)(?=[\s)]|$)")


def same_line(expected: str, actual: str) -> bool:
    if expected == actual:
        return True
    if NUMBER.sub("#", expected) != NUMBER.sub("#", actual):
        return False
    if SET_WHOLE.findall(expected) != SET_WHOLE.findall(actual):
        return False
    return all(_near(a, b) for a, b in zip(NUMBER.findall(expected), NUMBER.findall(actual)))


def _excerpt(ex: Example, actual: list[str]) -> tuple[bool, list[str]]:
    """(matches, the refreshed excerpt) of a JSON excerpt."""
    want = json.loads("\n".join(ex.output))
    got = json.loads("\n".join(actual))
    fresh = {k: got.get(k) for k in want}
    text = json.dumps(fresh, ensure_ascii=False, indent=2)
    return all(same_line(a, b) for a, b in zip(json.dumps(want, ensure_ascii=False, indent=2).splitlines(),
                                                  text.splitlines())) and set(want) <= set(got), text.splitlines()


def compare(ex: Example, actual: list[str]) -> tuple[bool, list[str]]:
    """(matches, the output to write) of an example."""
    if ex.kind == "excerpt":
        return _excerpt(ex, actual)
    if ex.kind == "elided":
        k = 0
        for want in (ln for ln in ex.output if ln.strip() != "..."):
            while k < len(actual) and not same_line(want, actual[k]):
                k += 1
            if k == len(actual):
                return False, ex.output
            k += 1
        return True, ex.output
    ok = len(actual) == len(ex.output) and all(same_line(a, b) for a, b in zip(ex.output, actual))
    return ok, actual


def scratch(tmp: str) -> Path:
    """A scratch folder where ``assumptions/`` and ``docs/`` are the repository's."""
    work = Path(tmp)
    for folder in ("assumptions", "docs"):
        (work / folder).symlink_to(ROOT / folder, target_is_directory=True)
    return work


def process(files: list[Path], write: bool) -> int:
    """Run every example of ``files``; print and count those that differ; rewrite them with ``write``.

    Each file's examples run in their order, in a scratch folder of the file's own, so a page can
    build on its earlier commands (``init`` a file, then ``validate`` it)."""
    bad = 0
    for path in files:
        lines = path.read_text(encoding="utf-8").splitlines()
        found = examples(path)
        with tempfile.TemporaryDirectory() as tmp:
            work = scratch(tmp)
            results = [(ex, run(ex.command, work)) for ex in found if ex.kind != "shown"]
        for ex, actual in reversed(results):          # from the end: earlier line numbers stay valid
            ok, new = compare(ex, actual)
            if not ok:
                bad += 1
                name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                print(f"{name}:{ex.first + 1}: $ {ex.command}")
                for line in ex.output:
                    print(f"  - {line}")
                for line in actual:
                    print(f"  + {line}")
            if write and new != ex.output:
                lines[ex.start:ex.end] = new
        if write:
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return bad


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--check", action="store_true")
    g.add_argument("--write", action="store_true")
    args = ap.parse_args(argv)
    files = [(ROOT / f).resolve() if not f.is_absolute() else f for f in args.files] or default_files()
    bad = process(files, args.write)
    if bad and args.check:
        print(f"{bad} example(s) differ from what the command prints; rewrite: python tools/examples.py --write")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
