"""The demos' command lines refuse what cannot run before anything is built, say where a
second run of the same design would collide, and end a Ctrl-C in one line."""

import pytest

from msl_apps.mirror import demo
from cocotb_tests.harness import SIM_BUILD, run_lock
from cocotb_tests.run_lock import RunLock
from msl_apps.mirror.servers import mirror_variant
from msl_apps.phy_demo import demo as phy_demo


def _refused(capsys, parse, *argv) -> str:
    with pytest.raises(SystemExit) as stop:
        parse(list(argv))
    assert stop.value.code == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


@pytest.mark.parametrize("argv", [["--max-size", "999999"], ["--min-size", "100",
                                                             "--max-size", "10"],
                                  ["--lane-width", "1", "--max-size", "1001"]])
def test_sizes_no_slot_holds_are_refused_up_front(capsys, argv):
    assert "message sizes must satisfy 16 <= --min-size <= --max-size" in \
        _refused(capsys, demo.parse_args, *argv)


def test_the_largest_message_fills_a_slot_exactly():
    # docs/dma.md: a message is its 24-byte header and its data, in one slot.
    assert demo.parse_args(["--max-size", "4072"]).max_size == 4072
    assert demo.parse_args(["--lane-width", "1", "--max-size", "1000"]).max_size == 1000


@pytest.mark.parametrize("argv", [["--links", "2", "--ppm", "200"],
                                  ["--links", "2", "--lane-width", "1"]])
def test_two_links_need_the_10_bit_lane_on_one_clock(capsys, argv):
    assert "--links 2 runs on the 10-bit lane, on one clock" in \
        _refused(capsys, demo.parse_args, *argv)


def test_two_links_run_on_the_dual_link_build_of_the_mirror():
    one, two = mirror_variant(), mirror_variant(links=2)
    assert two.top == "dual_link"
    assert {k: two.all_params()[k] for k in ("lane_width", "slot_size", "tx_slots")} == \
        {k: one.all_params()[k] for k in ("lane_width", "slot_size", "tx_slots")}


@pytest.mark.parametrize("parse", [demo.parse_args, phy_demo.parse_args])
def test_a_bad_seed_or_waves_knob_is_one_line(monkeypatch, capsys, parse):
    monkeypatch.setenv("COCOTB_RANDOM_SEED", "abc")
    assert "COCOTB_RANDOM_SEED must be an integer, not 'abc'" in _refused(capsys, parse)
    monkeypatch.setenv("COCOTB_RANDOM_SEED", "7")
    assert parse([]).seed == 7
    monkeypatch.setenv("WAVES", "0")
    assert parse([]).waves is False
    monkeypatch.delenv("WAVES")
    assert parse([]).waves is True and parse(["--no-waves"]).waves is False


def test_a_second_demo_of_the_design_is_refused_while_one_runs(monkeypatch, capsys):
    def ran(args):  # (so that a lock that fails to refuse does not start a simulation)
        raise AssertionError("the second demo ran although the first held its lock")
    monkeypatch.setattr(demo, "run", ran)
    variant = mirror_variant(10)
    with RunLock(f"demo-verilator-{variant.name}", SIM_BUILD / "locks"):
        assert demo.main(["--messages", "1", "--sim", "verilator"]) == 1
    message = capsys.readouterr().err
    assert "another run of demo-verilator-" in message and "wait for it" in message
    with RunLock(f"demo-verilator-{variant.name}", SIM_BUILD / "locks"):  # free again once the first ends
        pass


def test_one_test_on_the_two_simulators_takes_two_locks():
    """make test runs a test's Icarus and Verilator cases side by side: each has its own
    results folder, so neither may refuse the other."""
    build_dir = SIM_BUILD / "icarus" / "adapter_pair_w10"
    with run_lock("icarus", build_dir, build_dir / "a_test"):
        with run_lock("verilator", SIM_BUILD / "verilator" / "adapter_pair_w10",
                      SIM_BUILD / "verilator" / "adapter_pair_w10" / "a_test"):
            pass
        with pytest.raises(RunLock.Busy):
            with run_lock("icarus", build_dir, build_dir / "a_test"):
                pass


def test_ctrl_c_ends_the_demo_in_one_line(monkeypatch, capsys, tmp_path):
    def interrupted(args):
        raise KeyboardInterrupt
    monkeypatch.setattr(demo, "run", interrupted)
    # Its own lock folder: the demo's test (cocotb_tests/test_mirror.py) may hold the
    # real one on another worker.
    monkeypatch.setattr(demo, "SIM_BUILD", tmp_path)
    assert demo.main(["--messages", "1"]) == 130
    assert capsys.readouterr().err.strip() == "demo: interrupted (the next run starts afresh)"


def _summary(held, holdoff_frames):
    side = {"statistics": {"held_msg_count": held, "holdoffs_sent": held}, "errors": [],
            "hardware": {"tx_replays": 2, "tx_holdoff": holdoff_frames}}
    return {"servers": {"a": side, "b": side},
            "channel": {"a_to_b": {"frames_hit": 1, "bits_flipped": 3},
                        "b_to_a": {"frames_hit": 0, "bits_flipped": 0}}}


def test_the_holds_of_the_oses_and_the_holdoff_frames_are_told_apart():
    # The run the issue quotes: no OS held anything, yet HOLDOFF frames went out (the
    # adapters answer a replay of a packet they still hold with HOLDOFF).
    line = demo.recovered_line(_summary(held=0, holdoff_frames=1))
    assert "the OSes held 0 deliveries off; 2 HOLDOFF frames went out (0 asked for by " \
        "the drivers" in line


def test_the_simulators_python_ends_on_ctrl_c_without_a_traceback():
    import subprocess
    import sys
    code = ("import os, signal, time\n"
            "from msl_apps.sim_interrupt import end_quietly_on_interrupt\n"
            "end_quietly_on_interrupt()\n"
            "os.kill(os.getpid(), signal.SIGINT)\n"
            "time.sleep(5)\n"
            "print('still running')\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=30)
    assert (run.returncode, run.stdout, run.stderr) == (130, "", "")


def test_a_waveform_that_falls_back_to_vcd_says_why_before_the_run(monkeypatch, capsys):
    """Without the FST writer's headers the demo writes a VCD (some 16 times the size)
    and says so first; an asked-for VCD needs no reason."""
    monkeypatch.setattr(demo, "fst_problem", lambda sim: "no lz4.h here")
    monkeypatch.delenv("WAVES", raising=False)
    def ran(args):
        raise KeyboardInterrupt  # (stop before anything is built)
    monkeypatch.setattr(demo, "run", ran)
    assert demo.main(["--messages", "1", "--sim", "verilator"]) == 130
    out = capsys.readouterr().out
    assert "the waveform is a VCD, not an FST: no lz4.h here" in out
    assert demo.main(["--messages", "1", "--sim", "verilator", "--waves-format", "vcd"]) == 130
    assert "not an FST" not in capsys.readouterr().out
