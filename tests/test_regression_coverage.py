"""``make coverage``'s merge of Verilator coverage files (it has no verilator_coverage to
lean on): counts add up point by point, and a block's toggles count once per signal bit
whichever side of a two-adapter design toggled it. Checked on hand-written files."""

from msl_tools.coverage import block_of, merge_runs, rtl_report


def point(page, signal, count, line=1):
    keys = {"f": "top.v", "l": str(line), "page": page, "o": signal}
    return "C '" + "".join(f"\x01{k}\x02{v}" for k, v in keys.items()) + f"' {count}\n"


def write(path, *points):
    path.write_text("# SystemC::Coverage-3\n" + "".join(points))
    return path


def test_blocks_drop_the_design_and_the_side():
    assert block_of("adapter_pair_w10.adapter_a.dma.mover") == "dma.mover"
    assert block_of("adapter_pair_w1.adapter_b.dma.mover") == "dma.mover"
    assert block_of("phy_pair_w10.phy_b.framer") == "framer"
    assert block_of("codec") == "(top)"


def test_runs_add_up_and_toggles_count_once_per_bit(tmp_path):
    a_side = "v_toggle/adapter_pair_w10.adapter_a.transmit"
    b_side = "v_toggle/adapter_pair_w10.adapter_b.transmit"
    lines = "v_line/adapter_pair_w10.adapter_a.transmit"
    first = write(tmp_path / "1.dat", point(a_side, "timer[0]", 3), point(a_side, "timer[1]", 0),
                  point(lines, "block", 0, line=10), point(lines, "block", 2, line=11))
    second = write(tmp_path / "2.dat", point(a_side, "timer[0]", 1), point(b_side, "timer[1]", 5),
                   point(b_side, "halted", 0), point(lines, "block", 0, line=10))
    points = merge_runs([first, second], tmp_path / "merged.dat")
    counts = sorted(count for _, count in points.values())
    assert counts == [0, 0, 0, 2, 4, 5]          # timer[0] 3+1, line 10 0+0, ...
    report = rtl_report(tmp_path, [first, second])
    transmit = report["blocks"]["transmit"]
    # timer[0] (side a), timer[1] (side b) toggled; halted never: 2 of 3 bits
    assert (transmit["toggled"], transmit["toggle_bits"]) == (2, 3)
    assert transmit["never_toggled"] == ["halted"]
    assert (transmit["lines_run"], transmit["lines"]) == (1, 2)
    assert transmit["never_run"] == ["top.v:10 block"]
    # the merged file reads back as the same points
    assert merge_runs([tmp_path / "rtl.dat"], tmp_path / "again.dat").keys() == points.keys()
