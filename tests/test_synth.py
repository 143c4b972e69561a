"""msl_tools.synth's own logic (no synthesis tools run): the seed options and the summary of
several placements."""

import pytest

from msl_tools.synth import parse_args, summarize_seeds


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
