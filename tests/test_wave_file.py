"""The waveform reader on a VCD written here by hand: names as GTKWave's save files give
them, widths, changes in the file's time units (X read as None), and clear errors.
(Reading FST is exercised by the Icarus waveform tests, which decode frames out of it.)"""

import pytest

from msl_tools.waves.wave_file import WaveFile

VCD = """$timescale 1ps $end
$scope module top $end
$var wire 1 ! clk $end
$var wire 10 " lane [9:0] $end
$scope module inner $end
$var wire 1 # flag $end
$upscope $end
$enddefinitions $end
#0
0!
bxxxxxxxxxx "
0#
#5000
1!
b1010000011 "
#10000
0!
1#
#15000
1!
"""


@pytest.fixture
def vcd(tmp_path):
    path = tmp_path / "hand.vcd"
    path.write_text(VCD)
    return path


def test_names_widths_and_changes(vcd):
    wave = WaveFile(vcd)
    assert wave.names == ["top.clk", "top.lane[9:0]", "top.inner.flag"]
    assert wave.width("top.lane[9:0]") == 10 and wave.width("top.clk") == 1
    assert wave.ns_per_unit == pytest.approx(1e-3)
    assert wave.changes("top.clk") == [(0, 0), (5000, 1), (10000, 0), (15000, 1)]
    assert wave.changes("top.lane[9:0]") == [(0, None), (5000, 0b1010000011)]
    assert wave.changes("top.inner.flag") == [(0, 0), (10000, 1)]


def test_missing_and_unreadable_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no waveform file"):
        WaveFile(tmp_path / "absent.vcd")
    junk = tmp_path / "junk.vcd"
    junk.write_bytes(b"\x00\x01 not a waveform")
    with pytest.raises(ValueError, match="not a VCD or FST file"):
        WaveFile(junk)


def test_a_vcd_cut_off_mid_line_is_read_up_to_the_cut(tmp_path):
    # What a simulation stopped by Ctrl-C leaves: its write buffer ends mid-line.
    cut = tmp_path / "cut.vcd"
    cut.write_text(VCD[:VCD.index("#15000") + 3])
    wave = WaveFile(cut)
    assert wave.truncated
    assert wave.changes("top.clk")[:3] == [(0, 0), (5000, 1), (10000, 0)]
    whole = tmp_path / "whole.vcd"
    whole.write_text(VCD)
    assert not WaveFile(whole).truncated


def test_a_vcd_cut_off_in_its_header_or_empty_says_so(tmp_path):
    cut = tmp_path / "header.vcd"
    cut.write_text(VCD[:VCD.index("$enddefinitions") - 5])
    with pytest.raises(ValueError, match="truncated inside its header"):
        WaveFile(cut)
    empty = tmp_path / "empty.vcd"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="is empty"):
        WaveFile(empty)


def test_arrays_hold_changes_with_unknowns_marked(vcd):
    times, values, known = WaveFile(vcd).arrays("top.lane[9:0]")
    assert times.tolist() == [0, 5000] and values.tolist() == [0, 0b1010000011]
    assert known.tolist() == [False, True]


def test_a_cut_off_fst_is_named(tmp_path):
    from pathlib import Path
    recorded = sorted((Path(__file__).resolve().parent.parent / "sim_build" / "waves")
                      .glob("**/*.fst"))
    if not recorded:
        pytest.skip("no recorded FST under sim_build/waves/ (make demo ARGS=--waves-format "
                    "fst, or an Icarus test with WAVES=1, leaves one)")
    whole = recorded[0].read_bytes()
    cut = tmp_path / "cut.fst"
    cut.write_bytes(whole[:len(whole) // 2])
    with pytest.raises(ValueError, match="cannot be read as FST .*one cut off is unreadable"):
        WaveFile(cut)
    assert WaveFile(recorded[0]).names  # the whole file reads
