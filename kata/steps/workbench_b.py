"""Child-side fixtures of steps 05-07 (merged into kata.steps.workbench). torch only: no check, no expected value."""
import torch


def draw_from_global(n: int = 3) -> None:
    """Draw n numbers from torch's global generator, as building a model does between get_data and fit."""
    torch.rand(n)


FIXTURES = {
    "draw_from_global": draw_from_global,
}

OBSERVERS: dict = {}
