"""A status line on stderr while a command scores many scenarios: shown after about a second, on a
terminal only, never with ``--quiet``; erased when the command ends."""

from __future__ import annotations

import sys
import time

#: What the status line says it is doing and, when known, how many scenarios in all (a command sets them).
STATE = {"label": "finmodel", "total": None, "quiet": False}


class Status:
    def __init__(self, stream=None, delay: float = 1.0):
        self.stream = stream or sys.stderr
        self.delay = delay
        self.start = time.monotonic()
        self.last = 0.0
        self.count = 0
        self.shown = False

    def __call__(self, n: int) -> None:
        self.count += n
        now = time.monotonic()
        if now - self.start < self.delay or now - self.last < 0.2:
            return
        self.last = now
        from ..i18n import t

        total = STATE["total"]
        done, secs = f"{self.count:,}" + (f"/{total:,}" if total else ""), f"{now - self.start:.0f}"
        line = t(f"{self.count:,}{f' of {total:,}' if total else ''} scenarios scored, {secs} s",
                 f"已计算 {done} 个情景,{secs} 秒")
        self.stream.write(f"\r{STATE['label']}: {line} ")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 79 + "\r")
            self.stream.flush()


def enabled() -> bool:
    return not STATE["quiet"] and sys.stderr.isatty()
