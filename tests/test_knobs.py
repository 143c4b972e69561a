"""The knobs as a user spells them: WAVES the way cocotb reads it, a bad seed or WAVES
stopping a regression in one line before anything is built, TESTCASE's list form, and
`make help` naming every target and knob."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cocotb_tests.harness import environment_seed, waves_enabled

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("text, on", [("1", True), ("yes", True), ("TRUE", True),
                                      ("on", True), ("0", False), ("no", False),
                                      ("false", False), ("Off", False)])
def test_waves_reads_cocotbs_spellings(monkeypatch, text, on):
    monkeypatch.setenv("WAVES", text)
    assert waves_enabled() is on and waves_enabled(default=True) is on


def test_waves_unset_takes_the_default_and_nonsense_is_refused(monkeypatch):
    monkeypatch.delenv("WAVES", raising=False)
    assert waves_enabled() is False and waves_enabled(default=True) is True
    monkeypatch.setenv("WAVES", "maybe")
    with pytest.raises(ValueError, match="WAVES must be 1 or 0"):
        waves_enabled()


def test_the_seed_must_be_an_integer(monkeypatch):
    monkeypatch.setenv("COCOTB_RANDOM_SEED", "abc")
    with pytest.raises(ValueError, match="COCOTB_RANDOM_SEED must be an integer, not 'abc'"):
        environment_seed()
    monkeypatch.setenv("COCOTB_RANDOM_SEED", "17")
    assert environment_seed() == 17


@pytest.mark.parametrize("variable, value, message", [
    ("COCOTB_RANDOM_SEED", "abc", "COCOTB_RANDOM_SEED must be an integer"),
    ("WAVES", "maybe", "WAVES must be 1 or 0")])
def test_a_bad_knob_stops_the_cocotb_regression_in_one_line(variable, value, message):
    env = {**os.environ, variable: value}
    run = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                          "cocotb_tests/test_codec.py"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 4  # pytest's usage error: nothing collected, nothing built
    assert message in run.stderr and "Traceback" not in run.stderr


def _make(*argv) -> str:
    return subprocess.run(["make", "--no-print-directory", *argv], cwd=ROOT,
                          capture_output=True, text=True, timeout=60).stdout


def test_testcase_takes_cocotbs_list_form():
    assert '-k "codec or clocks"' in _make("-n", "test", "SIM=verilator",
                                          "TESTCASE=codec,clocks")


def test_make_help_names_every_target_and_knob():
    text = _make("help")
    for word in ("make setup", "make distclean", "OUT=", "ARGS=", "SEEDS=", "WAVES=",
                 "TESTCASE=", "COCOTB_RANDOM_SEED=", "JOBS="):
        assert word in text, word


def test_make_release_quotes_its_folder():
    assert '--out "a b"' in _make("-n", "release", "OUT=a b")


def test_waveform_formats_each_simulator_writes():
    from cocotb_tests.harness import missing_headers, waves_suffix
    assert waves_suffix("verilator") == ".vcd" and waves_suffix("verilator", "fst") == ".fst"
    assert waves_suffix("icarus") == ".fst"
    with pytest.raises(ValueError, match="icarus writes fst waveforms here, not vcd"):
        waves_suffix("icarus", "vcd")
    # Verilator's FST writer needs lz4 and zlib headers: a missing one is named.
    assert missing_headers(("no_such_header_xyz.h", "stdio.h")) == ["no_such_header_xyz.h"]


def test_the_demo_refuses_fst_it_cannot_build(monkeypatch, capsys):
    from msl_apps.mirror import demo
    monkeypatch.setattr(demo, "fst_problem", lambda sim: "Verilator's FST writer needs lz4.h")
    with pytest.raises(SystemExit):
        demo.parse_args(["--waves-format", "fst"])
    assert "--waves-format fst: Verilator's FST writer needs lz4.h" in capsys.readouterr().err
