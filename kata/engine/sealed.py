"""The one zygote of this process: started before any check or reference is loaded.

`start()` is called by the command line right after `import torch`; anything that grades calls
`zygote()`, which starts it if nobody did (tests, tools). A dead zygote is replaced.
"""
from __future__ import annotations

import atexit
import signal

from kata import paths

_zygote = None


EVERYTHING = ("torch._dynamo",)  # what any step's code may import lazily: warmed once for many grades


def start(preload: tuple[str, ...] = EVERYTHING):
    return zygote(preload)


def zygote(preload: tuple[str, ...] = EVERYTHING):
    """The zygote, started with `preload` imported if none runs yet (a cold grade of one step warms
    only what that step's code needs, while the parent loads its checks)."""
    global _zygote
    if _zygote is None or not _zygote.alive():
        import torch  # noqa: F401  the zygote forks with torch already imported: children start warm

        _settle_heap()

        from kata.engine import remote
        from kata.engine.zygote import Zygote

        remote.sweep_stale_scratch()
        _zygote = Zygote(exclude=[str(paths.ROOT), str(paths.state_dir())], preload=tuple(preload))
        atexit.register(_zygote.stop)
        _clean_up_on_terminate()
    return _zygote


def _settle_heap() -> None:
    """What importing torch made stays for the process's life: gc.freeze() keeps the collector from
    walking it at every full collection (hypothesis forces one at its first draw: ~0.1 s over torch's
    objects), and a forked child from touching its pages."""
    import gc

    if not _settled:
        gc.freeze()
        _settled.append(True)


_settled: list[bool] = []


def _clean_up_on_terminate() -> None:
    """SIGTERM ends this process through Python's normal exit path, so every `finally` (scratch
    folders, children) runs, as it does for Ctrl-C."""
    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        try:
            signal.signal(signal.SIGTERM, terminate)
        except ValueError:
            pass  # not the main thread: leave it as it is
