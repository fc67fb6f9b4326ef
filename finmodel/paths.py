"""Dotted paths into assumption data: the one get and set of finmodel.

A path names a value in the YAML tree: sections and fields by name, list items by index,
``space.tiers.2.rent_cny_per_m2_day``. The functions work on plain data (dicts and lists, as
read from YAML or from ``Assumptions.model_dump()``) and, for reading, on pydantic models.

A path that does not exist raises :class:`PathError` (a ``LookupError``) whose ``depth`` says
how many parts were found, so that a caller can name the first missing part.
"""

from __future__ import annotations

from typing import Any, Sequence


class PathError(LookupError):
    """A dotted path does not exist in the data; ``depth`` parts of it were found."""

    def __init__(self, path: str, depth: int, why: str):
        self.path = path
        self.depth = depth
        self.why = why
        super().__init__(f"{path}: {why}")


def split(path: str | Sequence[str]) -> list[str]:
    """The parts of a dotted path (a list of parts is returned as a list)."""
    return path.split(".") if isinstance(path, str) else [str(p) for p in path]


def _step(node: Any, part: str, path: str, depth: int) -> Any:
    if isinstance(node, (list, tuple)):
        try:
            idx = int(part)
        except ValueError:
            raise PathError(path, depth, f"'{part}' is not a list index") from None
        if not -len(node) <= idx < len(node):
            raise PathError(path, depth, f"index {idx} out of range (the list has {len(node)} items)")
        return node[idx]
    if isinstance(node, dict):
        if part not in node:
            raise PathError(path, depth, f"no key '{part}'")
        return node[part]
    if node is not None and hasattr(type(node), "model_fields") and part in type(node).model_fields:
        return getattr(node, part)
    raise PathError(path, depth, f"'{part}' cannot be read inside a {type(node).__name__}")


def get(node: Any, path: str | Sequence[str]) -> Any:
    """The value at ``path`` in ``node`` (dicts, lists, or pydantic models)."""
    parts = split(path)
    text = ".".join(parts)
    for depth, part in enumerate(parts):
        node = _step(node, part, text, depth)
    return node


def exists(node: Any, path: str | Sequence[str]) -> bool:
    try:
        get(node, path)
    except PathError:
        return False
    return True


def set_in(node: Any, path: str | Sequence[str], value: Any) -> None:
    """Set ``value`` at ``path`` in plain data, in place; every part but the last must exist."""
    parts = split(path)
    parent = get(node, parts[:-1]) if len(parts) > 1 else node
    last = parts[-1]
    if isinstance(parent, list):
        _step(parent, last, ".".join(parts), len(parts) - 1)
        parent[int(last)] = value
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise PathError(".".join(parts), len(parts) - 1, "cannot set inside a value that is not a mapping or list")


def replaced(node: Any, path: str | Sequence[str], value: Any) -> Any:
    """A copy of plain data with ``value`` at ``path``, sharing every branch it does not change."""
    parts = split(path)
    text = ".".join(parts)

    def go(n: Any, depth: int) -> Any:
        if depth == len(parts):
            return value
        part = parts[depth]
        if isinstance(n, list):
            child = _step(n, part, text, depth)
            out = list(n)
            out[int(part)] = go(child, depth + 1)
            return out
        if isinstance(n, dict):
            out = dict(n)
            if depth + 1 == len(parts):
                out[part] = value
            else:
                out[part] = go(_step(n, part, text, depth), depth + 1)
            return out
        raise PathError(text, depth, f"'{part}' cannot be set inside a {type(n).__name__}")

    return go(node, 0)
