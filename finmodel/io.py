"""Writing outputs safely: a temporary file in the target folder, then an atomic rename.

A failure midway never leaves a half-written file nor destroys the previous one; a report
open in Excel or LibreOffice (their lock files) is refused with a clear error.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np

from .i18n import t
from .errors import EnvironmentFault, UsageError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def lock_files(path: Path) -> list[Path]:
    """The lock files Excel (``~$name``) and LibreOffice (``.~lock.name#``) leave beside an open file."""
    return [path.parent / f"~${path.name}", path.parent / f".~lock.{path.name}#"]


def check_not_locked(path: Path) -> None:
    for lock in lock_files(path):
        if lock.exists():
            raise EnvironmentFault(t(f"{path}: the file is open in a spreadsheet program ({lock.name}); close it and run again",
                                       f"{path}: 文件正在电子表格程序中打开({lock.name});请关闭后重新运行"))


def ensure_dir(folder: Path) -> Path:
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UsageError(t(f"{folder}: output path exists and is not a folder", f"{folder}: 输出路径已存在且不是文件夹"), param="folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EnvironmentFault(t(f"{folder}: cannot create the output folder: {exc.strerror or exc}",
                                 f"{folder}: 无法创建输出文件夹: {exc.strerror or exc}")) from None
    return folder


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` then rename tmp to ``path``; remove tmp on any failure."""
    path = Path(path)
    check_not_locked(path)
    ensure_dir(path.parent)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise EnvironmentFault(t(f"{path.parent}: cannot write here: {exc.strerror or exc}",
                                 f"{path.parent}: 无法在此写入: {exc.strerror or exc}")) from None
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())     # mkstemp makes 0600; a report is an ordinary file
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise EnvironmentFault(t(f"{path}: cannot write: {exc.strerror or exc}", f"{path}: 无法写入: {exc.strerror or exc}")) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: Path, text: str) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def jsonable(obj):
    """Numpy scalars and arrays to Python; NaN and infinity to None."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def dumps(obj) -> str:
    return json.dumps(jsonable(obj), ensure_ascii=False, indent=2, allow_nan=False)
