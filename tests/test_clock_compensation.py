"""The clock-compensation arithmetic against the figures it must reproduce: 200 ppm is
one symbol per 5000 (1000BASE-X's budget); a 2 KiB frame drifts 0.41 symbol and a
32 KiB one 6.6; the sender's gap and the buffer's depth follow from them."""

import pytest

from msl_spec import FRAME_OVERHEAD_BYTES, LEVEL_LAG, drift_symbols, elastic_depth, idle_gap


def test_drift_is_one_symbol_in_5000_at_200_ppm():
    assert drift_symbols(5000, 200) == pytest.approx(1.0)
    assert drift_symbols(2048 + FRAME_OVERHEAD_BYTES) == pytest.approx(0.41, abs=0.005)
    assert drift_symbols(32768 + FRAME_OVERHEAD_BYTES) == pytest.approx(6.56, abs=0.005)
    assert FRAME_OVERHEAD_BYTES == 12   # START, 6 header bytes, 4 CRC bytes, END


@pytest.mark.parametrize("payload, gap", [(2048, 2), (4096, 2), (32768, 8)])
def test_the_gap_has_a_removable_comma_per_symbol_of_drift(payload, gap):
    assert idle_gap(payload) == gap
    assert idle_gap(payload) - 1 >= drift_symbols(payload + FRAME_OVERHEAD_BYTES)


@pytest.mark.parametrize("payload, ppm", [(2048, 200), (32768, 200), (4096, 2000)])
def test_the_buffer_holds_a_frame_of_drift_beyond_its_margins(payload, ppm):
    depth = elastic_depth(payload, ppm)
    assert depth >= 16 and depth & (depth - 1) == 0
    assert depth // 2 - 2 * LEVEL_LAG > drift_symbols(payload + FRAME_OVERHEAD_BYTES, ppm)
