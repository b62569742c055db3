"""The table every benchmark prints: each command's median in seconds and its ratios to the medians
of base commands measured in the same run (this machine is noisy: compare ratios, not seconds)."""
from __future__ import annotations

import statistics


def print_table(figures: dict[str, list[float]], bases: dict[str, str], width: int = 58) -> None:
    """`figures`: command -> its times; `bases`: column title -> the command whose median it divides by."""
    base = {title: statistics.median(figures[command]) for title, command in bases.items()}
    print(f"{'command':<{width}} {'median s':>9}" + "".join(f" {title:>15}" for title in bases))
    for name, values in figures.items():
        median = statistics.median(values)
        print(f"{name:<{width}} {median:>9.3f}" + "".join(f" {median / base[t]:>15.2f}" for t in bases))
