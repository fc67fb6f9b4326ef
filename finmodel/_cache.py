"""The user's cache folder for generated kernels (never inside the repository).

``FINMODEL_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/finmodel``, else ``~/.cache/finmodel``; a
temporary folder when none of them can be written. Entries are named by a hash of everything
they are generated from (the row definitions' source included), so a change makes a new entry
and an old one is never used; ``FINMODEL_CACHE_DIR=`` with an empty value turns the cache off.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path

_SOURCES: dict[str, str] = {}


def folder(sub: str) -> Path | None:
    """The cache folder ``sub`` (created), or None when caching is off or nothing can be written."""
    env = os.environ.get("FINMODEL_CACHE_DIR")
    if env is not None and not env.strip():
        return None
    base = Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "finmodel"
    for path in (base / sub, Path(tempfile.gettempdir()) / f"finmodel-{_uid()}" / sub):
        try:
            path.mkdir(parents=True, exist_ok=True)
            if os.access(path, os.W_OK):
                return path
        except OSError:
            continue
    return None


def _uid() -> int:
    return os.getuid() if hasattr(os, "getuid") else 0


def sources_hash(package_dir: Path) -> str:
    """A hash of the Python sources of a package folder (the row definitions and their renderers)."""
    key = str(package_dir)
    if key not in _SOURCES:
        h = hashlib.sha256(sys.version.encode())
        for p in sorted(package_dir.glob("*.py")):
            h.update(p.name.encode() + p.read_bytes())
        _SOURCES[key] = h.hexdigest()
    return _SOURCES[key]


def write_atomic(path: Path, text: str) -> None:
    """Write a cache entry under a temporary name and rename it into place (readers never see half)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
