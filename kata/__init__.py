"""torch-nn-kata: the grader's package. Rooms: engine/ (sealed grading), steps/ (one declaration per
step), learner/ (the learner's loop), classroom/ (class grading and reports), authoring/ (stubs,
self-check, wrong versions); paths.py says where things are."""
import os as _os

from kata import paths as _paths

# hypothesis keeps a cache of constants in ./.hypothesis even with database=None: keep it in the
# state folder, never in the learner's (read when hypothesis is first imported, so set it now)
_os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(_paths.state_dir() / "hypothesis"))
