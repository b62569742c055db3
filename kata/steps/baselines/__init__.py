"""The hand-written versions that the companion steps (12-14) replace, as the seed lessons wrote them.

A companion step is not graded against the step before it in the tutorial's chain but against
the code it refactors: the registry names that module as the step's `baseline`, and the runner
hands it to the checks as the reference. Each module here is whole and correct, just written
the long way round; its docstring says which lesson it comes from.
"""
