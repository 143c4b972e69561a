"""Order of the cocotb regression, its shared simulator runs, and its knobs checked
before anything is built."""

import pytest

from cocotb_tests import shared_runs
from cocotb_tests.harness import (CocotbCase, environment_seed, selected_simulators,
                                  waves_enabled)

#: Each pytest item's shared run (:mod:`cocotb_tests.shared_runs`), when it has one.
SHARED_RUN = pytest.StashKey()


def pytest_configure(config):
    """A bad ``WAVES``, ``COCOTB_RANDOM_SEED`` or ``SIM`` stops the run with one line
    (inside a simulator it would make every test "run 0 times" with the cause in a log)."""
    try:
        waves_enabled()
        environment_seed()
        selected_simulators()
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None


def _shared_run_key(item) -> tuple | None:
    """Which items may share a simulator run: those of one test function on the same
    simulator, design variant and testbench module, with the same other parameters.
    None for an item that runs alone (no cocotb case, or marked ``long``)."""
    params = getattr(item, "callspec", None) and item.callspec.params
    case = params.get("case") if params else None
    if not isinstance(case, CocotbCase) or item.get_closest_marker("long"):
        return None
    others = tuple(sorted((name, repr(value)) for name, value in params.items()
                          if name != "case"))
    return (case.sim, case.variant.name, case.module, item.nodeid.split("[")[0], others)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks
def pytest_collection_modifyitems(items):
    """Mark the items that may share a simulator run ``xdist_group`` by their group, so
    that ``--dist loadgroup`` gives each group to one worker."""
    for item in items:
        key = _shared_run_key(item)
        if key is not None:
            item.add_marker(pytest.mark.xdist_group(shared_runs.group_name(key)))


@pytest.hookimpl(tryfirst=True)  # after -k and -m have deselected, before pytest-xdist
def pytest_collection_finish(session):  # sends the order to its controller
    """Form the shared runs of the selected items, then order: the tests marked ``long``
    first (see ``harness.marked_long``), so that no test of minutes is left to run alone
    at the end while the other workers idle; then the shared runs, the largest first;
    then the rest in their order."""
    grouped: dict[tuple, list] = {}
    for item in session.items:
        key = _shared_run_key(item)
        if key is not None:
            grouped.setdefault(key, []).append(item)
    runs = shared_runs.plan({key: [item.callspec.params["case"] for item in group]
                             for key, group in grouped.items()})
    for key, run in runs.items():
        for item in grouped[key]:
            item.stash[SHARED_RUN] = run

    def order(item):
        run = item.stash.get(SHARED_RUN, None)
        if item.get_closest_marker("long"):
            return (0, 0, "")
        return (1, -len(run.cases), run.name) if run else (2, 0, "")
    session.items.sort(key=order)


@pytest.fixture(autouse=True)
def _shared_run(request):
    """Tell ``harness.run_case`` which shared run the item belongs to."""
    with shared_runs.entered(request.node.stash.get(SHARED_RUN, None)):
        yield
