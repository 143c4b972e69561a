"""The one-pass VCD scan against pywellen, the general reader (WaveFile.changes): the
same changes of clocks, lanes and flags, X bits included, on hand-written VCDs (values
written again unchanged, CRLF lines, a cut-off last line) and on the recorded ones."""

from pathlib import Path

import numpy as np
import pytest

from msl_tools.waves.vcd_scan import scan_vcd, vcd_header, vcd_identifiers
from msl_tools.waves.wave_file import WaveFile
from tests.test_wave_file import VCD
from tests.wave_fixtures import write_pair_vcd

ROOT = Path(__file__).resolve().parent.parent


def _as_pywellen_reads(wave: WaveFile, name: str):
    changes = wave.changes(name)
    return ([t for t, _ in changes], [v if v is not None else 0 for _, v in changes],
            [v is not None for _, v in changes])


def _check(path: Path, only=lambda name: True) -> int:
    wave = WaveFile(path)
    ids = vcd_identifiers(vcd_header(path))
    wanted = {n: ids[n] for n in wave.names if n in ids and ids[n][1] <= 63 and only(n)}
    assert wanted
    for name, (times, values, known) in scan_vcd(path, wanted).items():
        assert (times.tolist(), values.tolist(), known.tolist()) == \
            _as_pywellen_reads(wave, name), name
    return len(wanted)


def test_hand_written_vcd_with_unknown_bits(tmp_path):
    path = tmp_path / "hand.vcd"
    path.write_text(VCD)
    assert _check(path) == 3


def test_values_written_again_and_crlf_lines(tmp_path):
    pair = write_pair_vcd(tmp_path / "pair.vcd")   # writes every value every clock
    assert _check(pair) == 5
    crlf = tmp_path / "crlf.vcd"
    crlf.write_bytes(pair.read_bytes().replace(b"\n", b"\r\n"))
    assert _check(crlf) == 5


def test_a_cut_off_last_line_is_left_out(tmp_path):
    whole = write_pair_vcd(tmp_path / "whole.vcd")
    cut = write_pair_vcd(tmp_path / "cut.vcd", cut_at=whole.stat().st_size // 2 + 3)
    assert _check(cut) == 5


def test_the_wave_file_reads_a_vcd_through_the_scan(tmp_path):
    pair = write_pair_vcd(tmp_path / "pair.vcd")
    wave = WaveFile(pair)
    wave.prefetch(["top.clk", "top.a__lane_tx[9:0]"])
    times, values, known = wave.arrays("top.a__lane_tx[9:0]")
    assert (times.tolist(), values.tolist(), known.tolist()) == \
        _as_pywellen_reads(wave, "top.a__lane_tx[9:0]")


def _recorded() -> list[Path]:
    waves = ROOT / "sim_build" / "waves"
    return sorted(waves.glob("**/*.vcd"))[:2] if waves.is_dir() else []


@pytest.mark.parametrize("path", _recorded() or [None], ids=lambda p: p and p.parent.name)
def test_recorded_vcds(path):
    if path is None:
        pytest.skip("no recorded VCD under sim_build/waves/")
    _check(path, only=lambda n: n.count(".") == 1 and ("lane_" in n or n.endswith(".clk")
                                                      or n.endswith("irq")))
