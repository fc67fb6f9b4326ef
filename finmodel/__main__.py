"""``python -m finmodel`` and the ``finmodel`` script: the command line.

A Ctrl-C is answered with 'interrupted' and exit code 130, during the imports (numpy, pandas, the
model: a few tenths of a second) as during a command. The process then leaves with ``os._exit``:
CPython remembers a KeyboardInterrupt that passed through C code running Python source
(``PyRun_*``, as some extension modules do while they load) even once it is handled, and at exit
would kill itself with SIGINT (exit -2) instead of returning 130.
"""

import os
import sys

INTERRUPTED = 130


def _leave_interrupted() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a closed pipe: nothing more to say
            pass
    os._exit(INTERRUPTED)


def entry() -> None:
    try:
        from .cli import main
    except KeyboardInterrupt:
        from .i18n import start, t

        start()
        sys.stderr.write(t("error: interrupted", "错误: 已中断") + "\n")
        _leave_interrupted()
    try:
        main()
    except SystemExit as exc:
        if exc.code == INTERRUPTED:     # 'interrupted' is printed; every file written is complete or removed
            _leave_interrupted()
        raise


if __name__ == "__main__":
    entry()
