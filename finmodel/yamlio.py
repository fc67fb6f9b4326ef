"""Reading YAML: safe YAML 1.2 (ruamel.yaml's pure-Python loader: ``3e7`` is a number, ``no`` the
string "no", a duplicate key is an error, ``!!python/...`` tags are refused), alias bombs and
oversized files refused, the parse of a text kept (in this process and in the cache folder), and
the line and column of every dotted key, to place an error. Every failure is an ``InputError``
naming the file; nothing here knows the schema (:mod:`finmodel.scenarios` loads scenarios on it).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any


from .errors import InputError
from .i18n import t

MAX_FILE_BYTES = 2_000_000
MAX_ALIASES = 100


def _yaml():
    from ruamel.yaml import YAML    # (imported here: a command that finds its parse in the cache never needs it)

    y = YAML(typ="safe", pure=True)
    y.allow_duplicate_keys = False
    return y


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    problem = getattr(exc, "problem", None)
    mark = getattr(exc, "problem_mark", None)
    if problem:
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        return f"{problem}{where}"
    return text[0] if text else type(exc).__name__


class _TooManyAliases(Exception):
    pass


_PARSED: dict[str, Any] = {}


def parse_yaml_text(text: str, source: str | None, *, param: str | None = None) -> Any:
    """Parse YAML text safely; refuse alias bombs and unknown tags with one line.

    ``source`` is the file the text came from; ``param`` the library argument that carried it instead.
    A text parsed before in this process is not parsed again (a copy of the result is returned):
    a command that reads the scenario and the default case reads the same file twice.
    """
    hit = _PARSED.get(text)
    if hit is not None:
        return copy.deepcopy(hit)
    data = _stored_parse(text, source, param)
    if len(_PARSED) >= 8:
        _PARSED.pop(next(iter(_PARSED)))
    _PARSED[text] = copy.deepcopy(data)
    return data


def _stored_parse(text: str, source: str | None, param: str | None) -> Any:
    """:func:`_parse`, or its result kept in the cache folder (:mod:`finmodel._cache`, ``yaml``)
    for this very text: the pure-Python parse is about 50 ms of every command. An entry is named
    by a hash of the text, of this module's parsing rules and of the installed ruamel.yaml (its
    file's path, size and time), and holds the parsed document only (a text that does not parse is
    never stored: its error is raised again by the parse)."""
    import hashlib
    import importlib.util
    import os
    import pickle

    from . import _cache

    folder = _cache.folder("yaml")
    path = None
    if folder is not None:
        spec = importlib.util.find_spec("ruamel.yaml")
        origin = spec.origin if spec is not None and spec.origin else ""
        try:
            st = os.stat(origin)
            lib = f"{origin}|{st.st_size}|{st.st_mtime_ns}"
        except OSError:
            lib = None
        if lib is not None:
            key = hashlib.sha256("\0".join((_YAML_RULES, str(MAX_ALIASES), lib, text)).encode("utf-8"))
            path = folder / f"y_{key.hexdigest()[:32]}.pickle"
            try:
                return pickle.loads(path.read_bytes())   # noqa: S301 - our own entry, written below
            except (OSError, EOFError, ValueError, TypeError, AttributeError, ImportError, IndexError,
                    pickle.UnpicklingError):
                pass
    data = _parse(text, source, param)
    if path is not None:
        try:
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(tmp, path)
        except (OSError, pickle.PicklingError, TypeError, AttributeError, RecursionError):
            pass
    return data


#: Changes with the rules of :func:`_parse` (the loader, its settings, the alias limit): a new
#: value makes new cache entries (see :func:`_stored_parse`).
_YAML_RULES = "ruamel safe pure, no duplicate keys, 1"


def _parse(text: str, source: str | None, param: str | None) -> Any:
    from ruamel.yaml.error import YAMLError

    y = _yaml()
    count = [0]

    class Counting(y.Composer):
        """Counts the aliases as the document is composed (one pass over the text: it was parsed twice)."""

        def return_alias(self, node):
            count[0] += 1
            if count[0] > MAX_ALIASES:
                raise _TooManyAliases()
            return node

    y.Composer = Counting
    try:
        node = y.compose(text)
    except _TooManyAliases:
        raise InputError(t(f"too many YAML aliases (more than {MAX_ALIASES}); refusing a possible alias bomb",
                           f"YAML 别名过多(超过 {MAX_ALIASES} 个),拒绝读取(可能是别名炸弹)"),
                         source=source, param=param) from None
    except YAMLError as exc:
        raise InputError(t(f"YAML syntax error: {_first_line(exc)}", f"YAML 语法错误: {_first_line(exc)}"),
                         source=source, param=param) from None
    except RecursionError:
        raise InputError(t("YAML nesting too deep", "YAML 嵌套层数过多"), source=source, param=param) from None
    try:
        return None if node is None else y.constructor.construct_document(node)
    except YAMLError as exc:
        name = type(exc).__name__
        if "Duplicate" in name:
            mark, first = getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None)
            m = re.search(r'duplicate key "([^"]*)"', getattr(exc, "problem", "") or "")
            key = m.group(1) if m else "?"
            also = f" (first given on line {first.line + 1})" if first is not None else ""
            also_zh = f"(首次出现在第 {first.line + 1} 行)" if first is not None else ""
            raise InputError(t(f"duplicate key '{key}'{also}: keep one of them", f"重复的键 '{key}'{also_zh}: 只保留一个"), source=source, param=param,
                             where=(mark.line + 1, mark.column + 1) if mark is not None else None) from None
        if "Constructor" in name:
            raise InputError(t(f"tag not allowed: {_first_line(exc)}", f"不允许的标签: {_first_line(exc)}"), source=source, param=param) from None
        raise InputError(t(f"YAML syntax error: {_first_line(exc)}", f"YAML 语法错误: {_first_line(exc)}"), source=source, param=param) from None
    except RecursionError:
        raise InputError(t("YAML nesting too deep", "YAML 嵌套过深"), source=source, param=param) from None


#: A key followed by a full-width colon (typed with a Chinese input method): ``name：x``.
_FULLWIDTH_KEY = re.compile(r"^[ \t-]*([A-Za-z_][\w.]*)[ \t]*(：)", re.M)


def read_yaml_file(path: Path) -> dict:
    source = str(path)
    if not path.exists():
        raise InputError(t("file not found", "文件不存在"), source=source)
    if path.is_dir():
        raise InputError(t("is a directory, not a YAML file", "这是文件夹,不是 YAML 文件"), source=source)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(t(f"cannot read: {exc.strerror}", f"无法读取: {exc.strerror}"), source=source) from None
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(t(f"file too large ({len(raw)} bytes > {MAX_FILE_BYTES})", f"文件过大({len(raw)} 字节 > {MAX_FILE_BYTES})"), source=source)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        hint = ""
        try:
            raw.decode("gb18030")
            hint = t("; it looks like GBK/GB18030 (a Chinese Windows encoding): save it as UTF-8 "
                     "(Notepad: Save As, Encoding UTF-8)",
                     ";看起来是 GBK/GB18030 编码(中文 Windows 常用): 请另存为 UTF-8(记事本: 另存为,编码选 UTF-8)")
        except UnicodeDecodeError:
            pass
        raise InputError(t(f"not UTF-8 text (byte {exc.start}){hint}", f"不是 UTF-8 文本(第 {exc.start} 字节){hint}"), source=source) from None
    wide = _FULLWIDTH_KEY.search(text)
    if wide:
        line = text.count("\n", 0, wide.start()) + 1
        col = wide.start(2) - (text.rfind("\n", 0, wide.start(2)) + 1) + 1
        raise InputError(t(f"a full-width colon '：' after '{wide.group(1)}': YAML needs ':' (ASCII) followed by a space",
                           f"'{wide.group(1)}' 后是全角冒号 '：': YAML 需要半角冒号 ':' 加一个空格"),
                         source=source, where=(line, col))
    if not text.strip():
        raise InputError(t("empty file: expected a YAML mapping of assumptions", "空文件: 应为 YAML 格式的假设"), source=source)
    data = parse_yaml_text(text, source)
    if data is None:
        raise InputError(t("empty document: expected a YAML mapping of assumptions", "空文档: 应为 YAML 格式的假设"), source=source)
    if not isinstance(data, dict):
        raise InputError(t(f"expected a YAML mapping at the top, got {type(data).__name__}", f"顶层应为键值映射,实际为 {type(data).__name__}"), source=source)
    return data



# --------------------------------------------------------------------------- positions of keys
def _walk_positions(node, path: list[str], into: dict[str, tuple[int, int]]) -> None:
    kind = type(node).__name__
    if kind == "MappingNode":
        for k, v in node.value:
            key = path + [str(k.value)]
            into[".".join(key)] = (k.start_mark.line + 1, k.start_mark.column + 1)
            _walk_positions(v, key, into)
    elif kind == "SequenceNode":
        for i, v in enumerate(node.value):
            key = path + [str(i)]
            into[".".join(key)] = (v.start_mark.line + 1, v.start_mark.column + 1)
            _walk_positions(v, key, into)


def key_positions(path: str | Path) -> dict[str, tuple[int, int]]:
    """(line, column), 1-based, of each dotted key of a YAML file; {} when it cannot be read.

    Read again only when there is an error to place, so loading stays one parse.
    """
    try:
        node = _yaml().compose(Path(path).read_bytes().decode("utf-8-sig"))
    except Exception:        # noqa: BLE001 - positions are a courtesy; the error itself is already known
        return {}
    out: dict[str, tuple[int, int]] = {}
    if node is not None:
        _walk_positions(node, [], out)
    return out


def position_of(positions: dict[str, tuple[int, int]], key: str) -> tuple[int, int] | None:
    """The position of a dotted key, or of its nearest ancestor that the file writes."""
    parts = key.split(".") if key else []
    for n in range(len(parts), 0, -1):
        hit = positions.get(".".join(parts[:n]))
        if hit:
            return hit
    return None
