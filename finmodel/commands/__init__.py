"""Study commands. Each module here defines ``register(group)`` and is picked up automatically."""

from __future__ import annotations

import importlib
import pkgutil


def register_all(group) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(group)
