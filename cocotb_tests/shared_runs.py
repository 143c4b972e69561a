"""Several cocotb tests of one build in one simulator run, one pytest verdict each.

Starting a simulator costs more than many tests take: Icarus loads the two-adapter
design in about 0.6 s and Verilator's model with the Python inside it in about 0.3 s,
while a register test runs in 0.2. So the regression runs the tests of one testbench
module on one build, with the same settings, in one simulator (as cocotb itself runs a
module's tests), and pytest keeps an item, and a verdict, per cocotb test:

* ``cocotb_tests/conftest.py`` forms the groups from the selected items
  (:func:`plan`) and marks each ``xdist_group``, so that one worker gets a whole group
  (``make test`` runs pytest-xdist with ``--dist loadgroup``).
* The first item of a group to run starts one simulator on every test of the group
  (:meth:`SharedRun.verdict`); the others take their verdict from its results.
* cocotb seeds each test from the run's seed and the test's own name, so a test draws
  the same numbers in a shared run as alone. A test that fails in a shared run is run
  again alone with that seed: it fails with the log of that run, or, if it passes
  alone, fails saying so (a test must not depend on the tests before it).
* A test the shared run did not report (the simulator stopped) runs alone, as does a
  test that asks for other settings than the run had.

Tests marked ``long`` (they start first and spread over the workers) run alone, as do
runs with waveforms, on the console, in a folder of their own or on cocotb's default
build (:func:`cocotb_tests.harness.run_case`).
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from xml.etree import ElementTree

__all__ = ["SharedRun", "TestOutcome", "group_name", "plan", "current", "entered", "outcomes"]


@dataclass(frozen=True)
class TestOutcome:
    """One cocotb test's result in a ``results.xml``: ``passed`` (a skip counts as
    passed, as for a test run alone) and the run's random seed."""

    passed: bool
    seed: int | None


def outcomes(results_xml: Path) -> dict[str, TestOutcome]:
    """The outcome of each test named in cocotb's JUnit ``results_xml`` (empty when the
    file is missing: the simulator stopped before writing it)."""
    if not results_xml.is_file():
        return {}
    found = {}
    for case in ElementTree.parse(results_xml).getroot().iter("testcase"):
        seeds = [p.get("value") for p in case.iter("property") if p.get("name") == "random_seed"]
        failed = case.find("failure") is not None or case.find("error") is not None
        found[case.get("name")] = TestOutcome(not failed, int(seeds[0]) if seeds else None)
    return found


@dataclass(eq=False)
class SharedRun:
    """The cocotb tests of one module on one build and simulator that share a run.

    Parameters
    ----------
    cases :
        The :class:`cocotb_tests.harness.CocotbCase` objects of the group, in the order
        the run takes them.
    name :
        The group's name, unique in the regression (its ``xdist_group``).
    folder :
        The run's folder name in the build's folder.
    """

    cases: tuple
    name: str
    folder: str
    _settings: dict | None = field(default=None, init=False)
    _folder: Path | None = field(default=None, init=False)
    _outcomes: dict[str, TestOutcome] = field(default_factory=dict, init=False)

    def __contains__(self, case) -> bool:
        return case in self.cases

    def verdict(self, case, settings: dict,
                run_tests: Callable[[list[str], dict, str], Path],
                run_alone: Callable[[int | None], Path]) -> Path:
        """Pass or fail ``case`` on the group's shared run, starting it on the first call.

        ``settings``: the environment the test asks for (``extra_env``).
        ``run_tests(tests, settings, folder_name)``: runs the named tests in one
        simulator, returns the run's folder (with ``results.xml``). ``run_alone(seed)``:
        runs ``case`` by itself (the seed: None for the usual one), raises
        AssertionError when it fails, returns its folder. Returns the folder whose log
        holds the test's run.
        """
        if self._settings is None:
            self._settings = dict(settings)
            self._folder = run_tests([c.test for c in self.cases], self._settings, self.folder)
            self._outcomes = outcomes(self._folder / "results.xml")
        outcome = self._outcomes.get(case.test)
        if settings != self._settings or outcome is None:
            return run_alone(None)
        if outcome.passed:
            print(f"log: {self._folder / 'sim.log'} (a run of {len(self.cases)} tests)")
            return self._folder
        alone = run_alone(outcome.seed)  # raises with its own log if it fails alone too
        before = [c.test for c in self.cases[:self.cases.index(case)]]
        raise AssertionError(
            f"cocotb test {case} failed in a run shared with other tests of its module "
            f"(after {', '.join(before) or 'none'}) and passed alone with the same seed "
            f"({outcome.seed}): it depends on what ran before it. Shared run's log: "
            f"{self._folder / 'sim.log'}; alone: {alone / 'sim.log'}")


def _folder_name(key: tuple) -> str:
    """A shared run's folder in its build's folder (which names the simulator and the
    design): the module and a digest of the whole key."""
    digest = hashlib.sha256(repr(key).encode()).hexdigest()[:8]
    return f"shared-{key[2].rsplit('.', 1)[-1]}-{digest}"


def group_name(key: tuple) -> str:
    """The name of the group with ``key`` (the simulator, the design variant and the
    module first), unique in the regression: its ``xdist_group``."""
    return f"{key[0]}-{key[1]}-{_folder_name(key)}"


def plan(grouped: dict[tuple, list]) -> dict[tuple, SharedRun]:
    """A :class:`SharedRun` for each group of two or more cases (``grouped``: group key
    -> cases in run order)."""
    return {key: SharedRun(tuple(cases), group_name(key), _folder_name(key))
            for key, cases in grouped.items() if len(cases) >= 2}


_current: SharedRun | None = None


def current() -> SharedRun | None:
    """The shared run of the pytest item now running (None: it runs alone)."""
    return _current


@contextlib.contextmanager
def entered(run: SharedRun | None):
    """``with entered(run):`` makes ``run`` the :func:`current` one (conftest's fixture,
    around each item)."""
    global _current
    saved, _current = _current, run
    try:
        yield run
    finally:
        _current = saved
