"""`%load_ext kata`: the `%%kata` and `%kata` magics, IPython's side of kata.learner.notebook.

    %%kata step04 [--lang vi] [--timeout 60] [--target steps] [--raise]
    <the whole step file>

writes the cell to steps/step04_optim.py, grades it as `python grader.py step04` does, shows the report,
then defines the cell's names in the notebook (as an import of the step would: its
`if __name__ == "__main__":` block does not run). `%kata` shows the board; `%kata hint|diff|reset|train
STEP` are the command line's --hint, --diff, --reset and --train. A failing grade never raises, unless
--raise; bad input is one line, and writes nothing.
"""
from __future__ import annotations

import sys

from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.display import Image, display

from kata.i18n import _
from kata.learner import notebook
from kata.learner.notebook import KataFailed, Refusal


def load_ipython_extension(ipython) -> None:
    ipython.register_magics(KataMagics)


@magics_class
class KataMagics(Magics):
    @line_cell_magic
    def kata(self, line: str, cell: str | None = None):
        try:
            if cell is None:
                self._line(line)
            else:
                self._cell(line, cell)
        except Refusal as e:
            print(str(e), file=sys.stderr)

    # --- %%kata STEP: a step's file, graded ------------------------------------------------------------

    def _cell(self, line: str, cell: str) -> None:
        args = notebook.cell_arguments(line)
        lang = notebook.choose_language(args.lang)
        step = notebook.step_named(args.step)
        target = notebook.target_folder(args.target)
        kept = notebook.write_cell(step, target, cell)
        shown = notebook.grade([step.id, "--target", str(target), "--timeout", f"{args.timeout:g}", "--lang", lang]
                               + ["--verbose"] * args.verbose, step, target, args.timeout)
        if kept is not None:
            shown.extra.append(_("Your previous file is kept in {backup}.").format(backup=kept))
        _show(shown)  # the report first: the cell's own imports (torch, the first time) come after it
        self._define(step, target)
        if args.raise_ and shown.code != 0:
            raise KataFailed(_("{step} does not pass yet.").format(step=step.id))

    def _define(self, step, target) -> None:
        """The cell's names, defined in the notebook as an import of the step would define them."""
        path = target / step.filename
        source = path.read_text(encoding="utf-8")
        try:
            code = compile(source, str(path), "exec")
        except (SyntaxError, ValueError):
            return  # the report says where
        names = self.shell.user_ns
        saved = {k: names[k] for k in ("__name__", "__file__") if k in names}
        names["__name__"], names["__file__"] = step.slug, str(path)  # `if __name__ == "__main__":` stays shut
        try:
            exec(code, names)  # noqa: S102  the learner's own code, in the learner's own kernel, as a cell runs it
        except Exception as e:  # noqa: BLE001  said in one line: the report above already judged the code
            print(_("The cell's names are not all defined in this notebook: running it raised {error}.").format(
                error=f"{type(e).__name__}: {e}"[:300]), file=sys.stderr)
        finally:
            names.pop("__file__", None)
            names.update(saved)

    # --- %kata [hint|diff|reset|train] [STEP] ------------------------------------------------------------

    def _line(self, line: str) -> None:
        args = notebook.line_arguments(line)
        lang = notebook.choose_language(args.lang)
        target = notebook.target_folder(args.target)
        common = ["--target", str(target), "--lang", lang]
        if args.command is None:
            step = notebook.step_named(args.step) if args.step else None
            argv = ([step.id] if step else []) + common + ["--timeout", f"{args.timeout:g}"] + ["--verbose"] * args.verbose
            _show(notebook.grade(argv, step, target, args.timeout))
            return
        step = notebook.step_named(args.step, f"%kata {args.command}")
        if args.command == "train":
            extra = [x for k, v in (("--epochs", args.epochs), ("--limit", args.limit)) if v for x in (k, str(v))]
            _show(notebook.train([step.id, "--train", *common, "--timeout", f"{args.timeout:g}", *extra]))
            return
        flag = {"hint": ["--hint"], "reset": ["--reset"], "diff": ["--diff", args.against or "previous"]}
        shown = notebook.torch_free([step.id, *flag[args.command], *common])
        _show(shown)
        if args.command == "reset" and shown.code == 0:
            path = target / step.filename
            self.shell.set_next_input(f"%%kata {step.id}\n" + path.read_text(encoding="utf-8"), replace=False)


def _show(shown) -> None:
    display({"text/plain": shown.text, "text/html": shown.html}, raw=True)
    if shown.picture is not None:
        display(Image(data=shown.picture, format="png"))
