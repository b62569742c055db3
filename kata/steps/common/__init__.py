"""What every step's judges share: the form of a check (base), helpers for the reference side
(fixtures) and for the learner's objects in the child (judging)."""
