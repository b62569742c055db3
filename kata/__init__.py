"""torch-nn-kata: the grader's package, in layers that import only downward (docs/ARCHITECTURE.md;
tests/test_layers.py holds their order): the ground (paths, inert, state, i18n, data), child/ (the
sealed child's side), judging/ (the judge's side), steps/ (one declaration per step), grading/ (the
grading core), rendering/ (reports), the fronts learner/, classroom/ and authoring/, server/ (the warm
server's host), and dispatch.py, which grader.py calls."""
import os as _os

from kata import paths as _paths

# hypothesis keeps a cache of constants in ./.hypothesis even with database=None: keep it in the
# state folder, never in the learner's (read when hypothesis is first imported, so set it now)
_os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(_paths.state_dir() / "hypothesis"))


def load_ipython_extension(ipython) -> None:
    """`%load_ext kata` in a notebook: the `%%kata` and `%kata` magics (kata.learner.magics)."""
    from kata.learner import magics

    magics.load_ipython_extension(ipython)
