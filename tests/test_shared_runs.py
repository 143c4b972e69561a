"""The regression's shared simulator runs (cocotb_tests/shared_runs.py): one run for a
group, one verdict per test, and every doubt settled by running the test alone. The
simulator is replaced by functions that write cocotb's JUnit results; the grouping is
checked on the regression's own collection."""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from cocotb_tests.shared_runs import SharedRun, outcomes, plan

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Case:
    """Stands in for cocotb_tests.harness.CocotbCase (only ``test`` is read)."""

    test: str


def results(folder: Path, verdicts: dict[str, bool | None], seed: int = 77) -> Path:
    """A results.xml as cocotb writes it: True passed, False failed, None skipped."""
    cases = []
    for name, verdict in verdicts.items():
        inner = {True: "", False: '<failure message="boom" />', None: "<skipped />"}[verdict]
        cases.append(f'<testcase classname="tb" name="{name}" time="0.1"><properties>'
                     f'<property name="random_seed" value="{seed}" /></properties>{inner}'
                     "</testcase>")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.xml").write_text(
        "<?xml version='1.0' encoding='utf-8'?>\n<testsuites name=\"cocotb tests\">"
        f'<testsuite name="tb" tests="{len(cases)}">{"".join(cases)}</testsuite></testsuites>')
    return folder


class Simulator:
    """Fake ``run_tests``/``run_alone``: what the shared run and each alone run report."""

    def __init__(self, tmp_path, shared: dict, alone_passes: bool = True):
        self.tmp_path, self.shared, self.alone_passes = tmp_path, shared, alone_passes
        self.shared_calls, self.alone_calls = [], []

    def run_tests(self, tests, settings, folder):
        self.shared_calls.append((list(tests), dict(settings), folder))
        return results(self.tmp_path / folder, self.shared)

    def alone(self, case):
        def run_alone(seed):
            self.alone_calls.append((case.test, seed))
            if not self.alone_passes:
                raise AssertionError(f"{case.test} failed alone")
            return self.tmp_path / case.test
        return run_alone

    def verdict(self, run, case, settings=None):
        return run.verdict(case, settings or {"N": "1"}, self.run_tests, self.alone(case))


CASES = (Case("first"), Case("second"), Case("third"))


def test_results_give_each_tests_outcome_and_seed(tmp_path):
    found = outcomes(results(tmp_path, {"a": True, "b": False, "c": None}, seed=5) / "results.xml")
    assert {name: o.passed for name, o in found.items()} == {"a": True, "b": False, "c": True}
    assert {o.seed for o in found.values()} == {5}
    assert outcomes(tmp_path / "nowhere" / "results.xml") == {}


def test_one_simulator_run_gives_every_verdict(tmp_path):
    sim = Simulator(tmp_path, {case.test: True for case in CASES})
    run = SharedRun(CASES, "g", "shared-tb-1")
    folders = {sim.verdict(run, case) for case in reversed(CASES)}
    assert sim.shared_calls == [(["first", "second", "third"], {"N": "1"}, "shared-tb-1")]
    assert folders == {tmp_path / "shared-tb-1"} and sim.alone_calls == []


def test_a_failure_that_passes_alone_fails_saying_so(tmp_path):
    sim = Simulator(tmp_path, {"first": True, "second": False, "third": True})
    run = SharedRun(CASES, "g", "shared-tb-1")
    sim.verdict(run, CASES[0])
    with pytest.raises(AssertionError, match=r"after first\) and passed alone with the "
                                             r"same seed \(77\)"):
        sim.verdict(run, CASES[1])
    assert sim.alone_calls == [("second", 77)]   # the shared run's seed, for the same draws
    sim.verdict(run, CASES[2])
    assert len(sim.shared_calls) == 1


def test_a_failure_alone_too_is_the_alone_runs_failure(tmp_path):
    sim = Simulator(tmp_path, {"first": False, "second": True, "third": True},
                    alone_passes=False)
    with pytest.raises(AssertionError, match="first failed alone"):
        sim.verdict(SharedRun(CASES, "g", "f"), CASES[0])


def test_tests_the_run_did_not_report_run_alone(tmp_path):
    sim = Simulator(tmp_path, {"first": True})   # the simulator stopped after one test
    run = SharedRun(CASES, "g", "f")
    assert sim.verdict(run, CASES[0]) == tmp_path / "f"
    assert sim.verdict(run, CASES[1]) == tmp_path / "second"
    assert sim.verdict(run, CASES[2]) == tmp_path / "third"
    assert sim.alone_calls == [("second", None), ("third", None)] and len(sim.shared_calls) == 1


def test_other_settings_than_the_run_had_run_alone(tmp_path):
    sim = Simulator(tmp_path, {case.test: True for case in CASES})
    run = SharedRun(CASES, "g", "f")
    sim.verdict(run, CASES[0], {"N": "1"})
    assert sim.verdict(run, CASES[1], {"N": "2"}) == tmp_path / "second"
    assert sim.alone_calls == [("second", None)]


def test_groups_of_one_run_alone_and_names_are_unique():
    runs = plan({("icarus", "codec", "cocotb_tests.tb_codec", "f", ()): [Case("a"), Case("b")],
                 ("icarus", "codec", "cocotb_tests.tb_codec", "f", (("ppm", "1"),)):
                     [Case("a"), Case("b")],
                 ("verilator", "codec", "cocotb_tests.tb_codec", "f", ()): [Case("a")]})
    assert len(runs) == 2
    assert len({run.name for run in runs.values()}) == 2
    assert all(run.folder.startswith("shared-tb_codec-") for run in runs.values())


COLLECT = r"""
import sys, pytest
from cocotb_tests.conftest import SHARED_RUN
class Report:
    def pytest_collection_finish(self, session):
        for item in session.items:
            run = item.stash.get(SHARED_RUN, None)
            case = getattr(item, "callspec", None) and item.callspec.params.get("case")
            print("ITEM", run.name if run else "-", bool(item.get_closest_marker("long")),
                  f"{case.sim}/{case.variant.name}/{case.module}" if case else "-",
                  [m.args for m in item.iter_markers("xdist_group")])
sys.exit(pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", "cocotb_tests"],
                     plugins=[Report()]))
"""


def test_the_regressions_shared_runs_are_one_build_each_and_in_order():
    """On the real collection: a shared run's items are one simulator, design and
    module, carry its xdist_group, stand together in the run order, and no test marked
    long shares a run; the long tests come first, then the shared runs, the largest
    first, then the rest."""
    output = subprocess.run([sys.executable, "-c", COLLECT], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout
    items = [line.split(" ", 4)[1:] for line in output.splitlines() if line.startswith("ITEM ")]
    shared = [item for item in items if item[0] != "-"]
    assert len(shared) > len(items) // 2     # most cocotb tests share a run
    names = [item[0] for item in items]
    for name in set(names) - {"-"}:
        where = [i for i, n in enumerate(names) if n == name]
        assert where == list(range(where[0], where[-1] + 1)), f"{name} is not contiguous"
        members = [items[i] for i in where]
        assert len({m[2] for m in members}) == 1 and len(members) > 1
        assert all(m[1] == "False" and m[3] == f"[('{name}',)]" for m in members)
    rank = [0 if long == "True" else 2 if name == "-" else 1 for name, long, *_ in items]
    assert rank == sorted(rank)
    sizes = [names.count(name) for name, r in zip(names, rank) if r == 1]
    assert sizes == sorted(sizes, reverse=True)


GROUPED_CONFTEST = """
import pytest
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.xdist_group("g" + str(item.callspec.params["i"] % 2)))
"""
GROUPED_TESTS = """
import os, pytest, time
@pytest.mark.parametrize("i", range(8))
def test_where(i):
    time.sleep(0.05)
    with open(os.environ["WHERE"], "a") as f:
        f.write(f"{i % 2} {os.environ['PYTEST_XDIST_WORKER']}\\n")
"""


def test_pytest_xdist_gives_a_marked_group_to_one_worker(tmp_path):
    """What the shared runs stand on: with the marks conftest adds, ``--dist loadgroup``
    runs each group on one worker (pytest 9.2 with pytest-xdist 3.8 silently does not)."""
    (tmp_path / "conftest.py").write_text(GROUPED_CONFTEST)
    (tmp_path / "test_grouped.py").write_text(GROUPED_TESTS)
    where = tmp_path / "where.txt"
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
                    "--dist", "loadgroup", str(tmp_path)], cwd=tmp_path, check=True,
                   capture_output=True, env={**os.environ, "WHERE": str(where)})
    runs = [line.split() for line in where.read_text().splitlines()]
    assert len(runs) == 8
    assert all(len({worker for group, worker in runs if group == g}) == 1 for g in "01")
