"""Options of the whole test suite (pytest reads them only from the root conftest)."""
import pytest


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite the golden files of the report tests (tests/engine/golden/) instead of comparing")


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")
