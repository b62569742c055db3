"""The one zygote of this process: started before any check or reference is loaded.

The warm server (kata.server.host) calls `start()` right after `import torch`, with everything any
step may import; anything else that grades calls `zygote()`, which starts one if none runs (warming
only what the step at hand needs). A dead zygote is replaced by a fresh interpreter, and so is a
zygote asked for by a process that has loaded checks or references (`unclean_modules`): fail closed.
"""
from __future__ import annotations

import atexit
import os
import re
import signal
import site
import sys
import sysconfig

from kata import paths

_zygote = None


EVERYTHING = ("torch._dynamo",)  # what any step's code may import lazily: warmed once for many grades


def start(preload: tuple[str, ...] = EVERYTHING):
    return zygote(preload, preload)


def zygote(preload: tuple[str, ...] = EVERYTHING, here: tuple[str, ...] = ()):
    """The zygote, started with `preload` imported if none runs yet (a cold grade of one step warms
    only what that step's code needs). Forked from this process while it holds nothing but torch and
    the engine; once it has loaded anything else (a check, a reference, a hidden check, a learner's
    name), a fresh interpreter instead: fail closed. `here`: what this process will import too (its
    references' optimizers import torch._dynamo): imported before the fork, once for both sides,
    rather than by each, one after the other (the judge waits for the zygote, then for its own)."""
    global _zygote
    if _zygote is None or not _zygote.alive():
        import torch  # noqa: F401  the zygote forks with torch already imported: children start warm

        _settle_heap()

        from kata.child import scratch
        from kata.child.zygote import Zygote

        scratch.sweep_stale_scratch()
        fresh = _zygote is not None or bool(unclean_modules())
        if not fresh:
            import importlib

            for name in here:
                importlib.import_module(name)
        _zygote = Zygote(exclude=[str(paths.ROOT), str(paths.state_dir())], preload=tuple(preload), fresh=fresh)
        atexit.register(_zygote.stop)
        _clean_up_on_terminate()
    return _zygote


# What a process may hold and still fork the zygote: the kata's engine, fronts and step declarations
# (titles, sentences, hints), never a judge, a baseline, a reference, a hidden check or anything else.
_FORKABLE_KATA = re.compile(r"kata(\.(paths|inert|data|state|files|i18n(\..+)?|child(\..+)?|judging(\..+)?|grading(\..+)?"
                            r"|rendering(\..+)?|server(\..+)?|dispatch|learner(\..+)?|classroom(\..+)?|authoring(\..+)?"
                            r"|steps(\.(registry|declare|static|guards|advisories|stubs|step\d\d))?))?")


def unclean_modules() -> list[str]:
    """The loaded modules that a forked zygote must not inherit: every module but the Python
    installation's own (standard library, installed packages) and the kata's listed above."""
    installed = tuple({os.path.realpath(p) + os.sep for p in (
        sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"], sysconfig.get_paths()["purelib"],
        sysconfig.get_paths()["platlib"], *getattr(site, "getsitepackages", list)())})
    unclean = []
    for name, module in list(sys.modules.items()):
        if name in ("__main__", "__mp_main__") or _FORKABLE_KATA.fullmatch(name):
            continue
        top = name.split(".")[0]
        where = getattr(module, "__file__", None)
        if not (isinstance(where, str) and os.path.isabs(where)):  # torch.ops says "_ops.py": its package's
            where = getattr(sys.modules.get(top), "__file__", None)
        if where is None and (top in sys.builtin_module_names or not getattr(module, "__path__", None)):
            continue  # built into the interpreter
        if top != "kata" and where is not None and os.path.realpath(where).startswith(installed):
            continue
        unclean.append(name)
    return unclean


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
