"""msl_tools.synth's own logic (no synthesis tools run): the seed options, the summary of
several placements, the two ECP5 parts."""

import json

import pytest

from msl_tools.synth import FAMILIES, clock_timing, parse_args, reuse_netlist, summarize_seeds


def _run(seed, fmax):
    return {"seed": seed, "fmax_mhz": {"clk": fmax}, "target_mhz": 100.0,
            "utilization": {"seed": seed}, "critical_path": {"from_seed": seed}}


def test_several_seeds_give_the_median_and_the_slowest_path():
    summary = summarize_seeds([_run(1, 52.7), _run(2, 45.5), _run(3, 50.1)])
    assert summary["fmax_mhz"] == {"clk": 50.1}
    assert summary["fmax_range_mhz"] == {"clk": [45.5, 52.7]}
    assert summary["critical_path_seed"] == 2
    assert summary["critical_path"] == {"from_seed": 2}
    assert [run["seed"] for run in summary["runs"]] == [1, 2, 3]


def test_even_count_median_is_the_mean_of_the_middle_two():
    assert summarize_seeds([_run(1, 40.0), _run(2, 50.0)])["fmax_mhz"] == {"clk": 45.0}


def test_seed_list_parsed_and_bad_lists_refused(capsys):
    assert parse_args(["--seeds", "1, 2,3"]).seeds == [1, 2, 3]
    assert parse_args([]).seeds == [1]
    for bad in ("one", ",", "1,x"):
        with pytest.raises(SystemExit):
            parse_args(["--seeds", bad])
        assert "--seeds" in capsys.readouterr().err


def test_ecp5_rows_are_the_part_with_transceivers_and_the_one_without():
    """Both placed and routed in CABGA756 (a pin for every port of the bare adapter):
    the LFE5UM5G-85F at speed 8 (DCUs), and the LFE5U-85F at speed 6 beside it."""
    assert parse_args([]).family == ["ecp5", "ecp5-lfe5u", "ice40"]
    with_dcus, without = FAMILIES["ecp5"], FAMILIES["ecp5-lfe5u"]
    assert with_dcus.device.startswith("LFE5UM5G-85F") and without.device.startswith("LFE5U-85F")
    assert with_dcus.nextpnr[1:] == ["--um5g-85k", "--package", "CABGA756", "--speed", "8"]
    assert without.nextpnr[1:] == ["--85k", "--package", "CABGA756", "--speed", "6"]
    assert with_dcus.synth_command == without.synth_command   # one netlist, two parts


def test_the_second_ecp5_row_reuses_the_first_netlist(tmp_path):
    source, target = FAMILIES["ecp5"], FAMILIES["ecp5-lfe5u"]
    (tmp_path / "ecp5").mkdir()
    (tmp_path / "ecp5" / "ecp5.json").write_text("{}")
    stat = {"design": {"num_cells_by_type": {"LUT4": 10, "TRELLIS_FF": 7, "DP16KD": 2}}}
    (tmp_path / "ecp5" / "stat.json").write_text(json.dumps(stat))
    result = reuse_netlist(source, target, tmp_path)
    assert (tmp_path / "ecp5-lfe5u" / "ecp5-lfe5u.json").read_text() == "{}"
    assert result["cells"]["LUT4"] == 10 and result["cells"]["BRAM"] == 2
    assert result["netlist_of"] == "ecp5"


def _nextpnr_path(start, end, *delays):
    steps = [{"type": kind, "delay": delay, "from": {"cell": f"c{i}"}, "to": {"cell": f"c{i + 1}"}}
             for i, (kind, delay) in enumerate(delays)]
    return {"from": start, "to": end, "path": steps}


def test_each_clock_gets_its_own_path_and_the_slowest_clocks_is_the_critical_one():
    """nextpnr lists one path per pair of clocks in no order of delay (as in a report of
    the transceiver-clocks adapter: rx's first, the 10 ns sync path third); the paths
    between clocks or from inputs belong to no clock."""
    report = {"fmax": {"rx_clk": {"achieved": 160.44}, "clk": {"achieved": 99.9}},
              "critical_paths": [
                  _nextpnr_path("posedge rx_clk", "posedge rx_clk", ("logic", 0.5),
                                ("routing", 5.6)),
                  _nextpnr_path("posedge clk", "posedge clk", ("logic", 0.4), ("routing", 0.6),
                                ("logic", 3.0), ("routing", 6.0)),
                  _nextpnr_path("<async>", "posedge clk", ("routing", 12.0)),
                  _nextpnr_path("posedge clk", "posedge rx_clk", ("routing", 11.0))]}
    timing = clock_timing(report)
    assert timing["fmax_mhz"] == {"rx_clk": 160.44, "clk": 99.9}
    assert set(timing["clock_paths"]) == {"rx_clk", "clk"}
    clk = timing["clock_paths"]["clk"]
    assert clk["delay_ns"] == 10.0 and clk["routing_ns"] == 6.6
    assert clk["logic_cells"] == 2 and clk["start"] == "c0"
    assert timing["critical_path"] == clk
