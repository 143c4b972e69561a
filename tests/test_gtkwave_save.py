"""The GTKWave save file: where it opens (markers at the first DATA frame's and the
EMERGENCY's START words, which the fixture placed), which groups are open, the
dump file named relative to the save file, the filters wired in through a launcher
that runs."""

import subprocess
from pathlib import Path

from linkmodel.frames import frame_symbols
from msl_tools.waves.gtkwave_save import grouped_signals, save_file, write_save_file
from tests.wave_fixtures import A_FRAMES, CLOCK_PS, write_pair_vcd

IDLE = 20  # the fixture's commas before and after each frame


def _frame_start(index: int) -> int:
    words = IDLE + sum(len(frame_symbols(f)) + IDLE for f in A_FRAMES[:index])
    return words * CLOCK_PS


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def test_it_opens_on_the_first_data_frame_with_markers(tmp_path):
    vcd = write_pair_vcd(tmp_path / "pair.vcd")
    save, traces = write_save_file(str(vcd))
    lines = _lines(save)
    assert '[dumpfile] "pair.vcd"' in lines
    markers = next(line for line in lines if line.startswith("*")).split()[1:]
    primary, a, b = (int(m) for m in markers[:3])
    assert primary == a == _frame_start(1)           # DATA seq 17's START word
    assert b == _frame_start(2)                      # the EMERGENCY's
    assert len(markers) == 27 and set(markers[3:]) == {"-1"}
    timestart = int(next(line for line in lines if line.startswith("[timestart]")).split()[1])
    assert a - 20 * CLOCK_PS <= timestart < a
    # Both lanes twice (symbols, frames) and both interrupt lines.
    assert traces == 6


def test_the_dump_file_is_named_relative_to_the_save_file(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "views").mkdir()
    vcd = write_pair_vcd(tmp_path / "run" / "pair.vcd")
    save, _ = write_save_file(str(vcd), str(tmp_path / "views" / "pair.gtkw"))
    assert '[dumpfile] "../run/pair.vcd"' in _lines(save)


def test_lanes_go_through_the_filters_and_the_launcher_runs(tmp_path):
    vcd = write_pair_vcd(tmp_path / "pair.vcd")
    save, _ = write_save_file(str(vcd))
    lines = _lines(save)
    symbols = [i for i, line in enumerate(lines) if line.startswith("^>1 ")]
    frames = [i for i, line in enumerate(lines) if line.startswith("^<1 ")]
    assert [lines[i + 2] for i in symbols] == ["top.a__lane_tx[9:0]", "top.b__lane_tx[9:0]"]
    assert [lines[i + 2] for i in frames] == ["top.a__lane_tx[9:0]", "top.b__lane_tx[9:0]"]
    assert lines[frames[0]].endswith(f"frames:{CLOCK_PS}")
    launcher = lines[symbols[0]].split()[1]
    run = subprocess.run([launcher, "symbols"], input="0FA\n", capture_output=True,
                         text=True, timeout=30)
    assert run.stdout == "K28.5\n"


def test_lanes_and_link_state_open_buses_and_buffers_closed():
    top = "top."
    names = [top + n for n in ("a__lane_tx[9:0]", "a__irq", "a__axil__awaddr[15:0]",
                               "a__dma__araddr[31:0]", "adapter_a.in_sync",
                               "adapter_a.tx_free__value[3:0]", "a_to_b__frame_hit")]
    groups = grouped_signals(names)
    # In the file: a group's first line carries GTKWave's "closed" flag (0x400000) or not.
    lines = save_file("pair.vcd", groups).splitlines()
    begins = {lines[i + 1][1:]: int(lines[i][1:], 16) & 0x400000 == 0
              for i, line in enumerate(lines) if line.startswith("@") and
              int(line[1:], 16) & 0x800000}
    assert begins == {title: is_open for title, _, is_open in groups}
    assert {title: is_open for title, _, is_open in groups} == {"lanes and interrupts": True, "A: link state": True,
                      "A: register bus (AXI4-Lite)": False, "A: DMA bus (AXI4)": False,
                      "A: buffers": False, "channel model": False}
