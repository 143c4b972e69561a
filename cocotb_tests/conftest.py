"""Order of the cocotb regression, and its knobs checked before anything is built."""

import pytest

from cocotb_tests.harness import environment_seed, selected_simulators, waves_enabled


def pytest_configure(config):
    """A bad ``WAVES``, ``COCOTB_RANDOM_SEED`` or ``SIM`` stops the run with one line
    (inside a simulator it would make every test "run 0 times" with the cause in a log)."""
    try:
        waves_enabled()
        environment_seed()
        selected_simulators()
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None


def pytest_collection_modifyitems(items):
    """Start the tests marked ``long`` first (see ``harness.marked_long``); the rest keep
    their order."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)
