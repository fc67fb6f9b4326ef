"""What a Chinese terminal may show in Latin letters, and the check that finds any other English
word: shared by the tests of the commands' output (test_i18n_studies.py) and of their --help
(test_help_zh.py)."""

from __future__ import annotations

import re

from finmodel import registry
from finmodel.starter import REPLACE

#: Words a Chinese terminal may show: abbreviations, proper names (methods, programs, formats) and
#: the names of the packaged scenarios.
ALLOWED = {
    "DSCR", "LLCR", "IRR", "NPV", "MIRR", "FIRR", "FNPV", "PV", "PERT", "LHS", "Sobol", "Morris", "Iman",
    "Conover", "SALib", "Dask", "YAML", "JSON", "PDF", "Excel", "LibreOffice", "sigma", "mu", "finmodel",
    "j_community", "j_community_loan",
}

#: Codes stripped before looking for English: --set lines and flags, file paths, dotted YAML paths,
#: percentiles and index names (metric keys, as in a target npv=0, are skipped word by word).
CODES = [
    r"--set\s+\S+",                          # --set support.subsidy_annual_cny=5113608
    r"(?<!\w)--?[A-Za-z][\w-]*",             # --no-report, -n
    r"\S*[/\\]\S*",                          # file paths
    r"\S+\.(?:ya?ml|xlsx|json|csv|parquet|pdf)\b",
    r"[A-Za-z_][\w]*(?:\.[\w*]+)+",          # dotted YAML paths
    r"\b(?:P\d{1,2}|S1|ST|mu\*)",            # P5..P95, Sobol's S1 and ST, Morris's mu*
]


def stray_english(text: str, names=frozenset()) -> list[str]:
    """English words left once codes, metric keys, allowed names (and ``names``) and command lines are taken out."""
    keys = set(registry.metric_names()) | ALLOWED | set(names)
    out = []
    for line in text.splitlines():
        line = line.replace(REPLACE, " ")                   # the marker of init's values, quoted as the file writes it
        line = re.sub(r"finmodel\s+(?:run|validate|breakeven|sensitivity|montecarlo|compare|table|init|scenarios)\b",
                      " ", line)
        for pat in CODES:
            line = re.sub(pat, " ", line)
        for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", line):
            if word in keys or not re.search(r"[A-Za-z]{3,}", word):
                continue
            out.append(word)
    return out
