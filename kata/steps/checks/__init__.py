"""Property checks, one module per step (`kata.steps.checks.step04` holds step04's CHECKS).

A check compares the learner's step N with the reference step N-1 (step00: with torch's own
functions) on inputs hypothesis draws. See `base.prop` for the form of a check.
"""
