"""Excel reports."""

from __future__ import annotations

from pathlib import Path


def write_report(pj, summary: dict, path: Path, loaded=None) -> None:
    """Write the scenario's workbook to ``path`` (the caller renames it into place)."""
    from .plain import write_plain

    language = pj.assumptions.report.language
    write_plain(pj, summary, path, language)
