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
