"""Scheduling of the cocotb regression on parallel workers (``make test`` runs pytest
with ``-n auto --dist loadgroup``).

Every test of one design on one simulator goes to the same worker (an ``xdist_group``
named after both). A simulator build is cached and locked, so two workers that start
tests of the same unbuilt design at once would have one of them wait out the whole
build; grouped, the other worker runs something else meanwhile.
"""

import pytest

from cocotb_tests.harness import CocotbCase


def build_group(sim: str, variant_name: str) -> str:
    return f"{sim}-{variant_name}"


@pytest.hookimpl(tryfirst=True)   # before xdist reads the marks into the test ids
def pytest_collection_modifyitems(items):
    for item in items:
        case = getattr(item, "callspec", None) and item.callspec.params.get("case")
        if isinstance(case, CocotbCase) and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(build_group(case.sim, case.variant.name)))
