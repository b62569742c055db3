"""The prose of the shipped notebooks (notebooks/kata.<lang>.ipynb), marked for the catalogs.

tools/make_notebooks.py builds one notebook per language from the step declarations and the stubs;
every sentence it writes around them is one of these, shown with `_()` in that language. Each is one
line (a paragraph, or a comment the generator wraps): the catalogs keep a text's line breaks.
"""
from __future__ import annotations

from kata.i18n import N_

# the first markdown cell: what the kata is and how to run the cells
INTRO = N_(
    "A graded refactoring kata for PyTorch's torch.nn: you start from an MNIST classifier written by hand "
    "with raw tensors and, one step at a time, replace each hand-written part with its torch.nn equivalent, "
    "while checks prove that your code computes the same numbers as the reference solution of the step "
    "before. Run the two cells below first (on Colab the first one fetches and installs the kata). Each "
    "step's `%%kata` cell holds its whole file: replace its TODOs and run the cell; the kata saves it in "
    "steps/, grades it in a sealed process of its own, never in this notebook, and shows the report below "
    "the cell. `%kata hint stepNN` gives the next hint, `%kata diff stepNN` shows what you changed since "
    "your previous step, `%kata reset stepNN` puts the stub back in a new cell, and `%kata` shows the "
    "board of every step.")

# comments of the setup cell
SETUP_LANGUAGE = N_("The language of the kata's reports in this notebook.")
SETUP_COLAB = N_(
    "On Colab: fetch the kata, go into its folder and install it (Colab keeps its own torch when it is in "
    "the kata's range). Anywhere else the kata is already installed, and this does nothing.")
SETUP_REPOSITORY = N_("The kata's Git repository: your course's copy of it.")
# said on Colab when the notebook still holds the placeholder address (an instructor did not set one)
SETUP_NO_REPOSITORY = N_(
    "This notebook does not yet know where your course keeps the kata. Put the Git address your instructor "
    "gave you in KATA_REPOSITORY above, then run this cell again.")

# a step's markdown cell, after its title and docstring
STEP_FILE = N_("The cell below is the whole file {file}: replace its TODOs, then run the cell to save the file "
               "and grade it.")

# the comment of the cell that uses a step, after its `%%kata` cell
USE_TRAIN = N_("Train it next to {reference}, from the same start, and show the curves (what python grader.py "
               "{step} --train does).")
REFERENCE_BEFORE = N_("the reference solution of {step}")
REFERENCE_BASELINE = N_("the hand-written version it replaces")
USE_MAIN = N_("{step} trains no model: run its own demonstration, main(), with the names your cell above defines.")

# the last markdown cell
END_HEADING = N_("The end of the kata")
END = N_(
    "Every part of the classifier you wrote by hand now comes from torch.nn, and at each step the checks "
    "proved that the numbers stayed the same. `%kata` shows your board; the reference solutions are in "
    "solutions/, to compare with your own once you pass.")
