"""The grading core: what every front calls to grade, and nothing a front shows.

- `runner.grade(step, folder, timeout, hidden, memory_mb)`: one step of one folder, sealed (its static
  rules, then its judges against the learner's code in a child), as a `StepResult`;
- `isolate.run_all(jobs, workers, ...)`: many (learner, step) grades side by side, each in a process
  of its own (a class); `isolate.warm_up(steps)`: what a long-lived grader loads once;
- `training.SideBySide(step, folder, cfg)`: train mode's run, the learner's model next to the reference;
- `runner.reference(step)`, `runner.baseline(step)`: the modules a step is compared with;
- `hidden_checks.for_grading(folder)`: an instructor's hidden checks, loaded once the zygote runs;
- `confinement.shortfall()`: why this machine cannot confine learners' code fully ('' when it can).

The fronts reach the child's side only through these (tests/test_layers.py).
"""
