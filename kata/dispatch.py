"""`python grader.py ...`: the one place a command line is routed to its front.

- `server status|stop`: the learner's client of the warm grading server (kata.learner.client);
- `class`, `compare`, `gradescope`, `classroom`: the instructor's commands (kata.classroom.cli),
  never the server's (they read and write folders of their own);
- `--check [STEP]`: the kata's self-check (kata.authoring.selfcheck);
- everything else: the learner's commands (kata.learner.cli), which may hand the grade to the server.
"""
from __future__ import annotations

import sys

INSTRUCTOR = ("class", "compare", "gradescope", "classroom")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv else None
    if command in INSTRUCTOR:
        from kata.classroom import cli as class_cli

        return {"class": class_cli.main_class, "compare": class_cli.main_compare,
                "gradescope": class_cli.main_gradescope, "classroom": class_cli.main_classroom}[command](argv[1:])
    from kata import i18n
    from kata.learner import cli

    i18n.setup(cli.asked_language(argv))  # before any parser: its help is in that language too
    if command == "server":
        from kata.learner import client

        return client.command(argv[1:])
    args = cli.parser().parse_args(argv)  # a usage error or --help ends here, as the learner's command would
    if not args.check:
        return cli.main(argv)
    from kata.authoring import selfcheck

    steps = cli.steps_named(args.step)
    return cli.USAGE_ERROR if steps is None else selfcheck.main(steps)
