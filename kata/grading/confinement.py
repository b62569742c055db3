"""Whether this machine can confine every learner's code fully (`grader.py class --require-sandbox`):
Landlock ABI 6 or later, or, as root, a user of its own per child that can read nothing private.
Said to the instructor, in English."""
from __future__ import annotations

from kata import paths
from kata.child import sandbox, unprivileged


def shortfall() -> str:
    """Why the learners' code could not be fully confined here ('' when it can)."""
    mode = sandbox.isolation_mode()
    if mode == "landlock" and sandbox.landlock_abi() >= 6:
        return ""
    if mode == "uid":
        private = [str(paths.SOLUTIONS), str(paths.state_dir())]
        exposed = unprivileged.exposed(private)
        if not exposed:
            return ""
        return (f"without Landlock each learner's code runs as a user of its own, and such a user can read "
                f"{', '.join(exposed)}. Make them unreadable to other users (chmod o-rwx), or grade on a "
                "Linux 6.12+ kernel.")
    if mode == "landlock":
        return (f"this machine offers Landlock ABI {sandbox.landlock_abi()} (6 or later is needed to confine "
                "files, network and signals). Grade on a Linux 6.12+ kernel, or drop --require-sandbox.")
    return ("this machine offers neither Landlock nor root (to run each learner's code as a user of its own): "
            "the learners' code would run with process isolation only. Grade on a Linux 6.12+ kernel, as root "
            "where there is none, or drop --require-sandbox.")
