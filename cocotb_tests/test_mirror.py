"""The main job and the fault campaigns, in the regression.

``test_mirrored_servers``: a short ``make demo`` run on each simulator; its mirror check
must pass. On Icarus it also dumps the waveform (FST), and the frame timeline read out of
it (:mod:`msl_tools.waves.frame_timeline`, reference decoder) must show every message each
server sent, in order, with its six header values and data, in good DATA frames on its
lane; the GTKWave save file must name only signals the waveform has.

``test_mirrored_servers_on_two_links``: the same on two links (``--links 2``), the
carrying cable cut mid-run.

``test_soak_slice``: one seeded run of several fault campaigns (``make soak`` runs them
all, many seeds), on each simulator: 30 messages each way on Verilator, 14 on Icarus (the
regression's time budget); the clock-offset campaign (its own build, each server on
clocks of its own) on Verilator only, for the same reason (tb_adapter_clocks covers
clock offsets on Icarus).
"""

import json

import pytest

from cocotb_tests.harness import CocotbCase, run_case, selected_simulators, waves_path
from msl_apps.mirror.demo import WAVES_DEPTH
from msl_apps.mirror.servers import EAX_BASE, mirror_variant
from msl_apps.mirror.soak import run_setup
from msl_tools.waves.frame_timeline import DEFAULT_LANES, timeline
from msl_tools.waves.gtkwave_save import write_save_file
from msl_tools.waves.wave_file import WaveFile

MODULE = "msl_apps.mirror.simulation"
DEMO = {"seed": 11, "bit_error_rate": 3e-5,
        "workload": {"messages": 16, "max_size": 600, "holdoff": 0.1}}
SLICE = ("burst_errors", "lost_acks", "slots_full", "holdoff_storm", "emergency_mid_frame",
         "fail_over", "axi_error")


@pytest.mark.parametrize("sim", selected_simulators())
def test_mirrored_servers(sim):
    case = CocotbCase(sim, mirror_variant(), MODULE, "mirrored_servers")
    waves = sim == "icarus"
    folder = run_case(case, extra_env={"MIRROR_CONFIG": json.dumps(DEMO)}, waves=waves,
                      seed=DEMO["seed"], waves_depth=WAVES_DEPTH)
    summary = json.loads((folder / "mirror_summary.json").read_text())
    assert summary["replicas_equal"] and summary["logs_equal"]
    assert all(d["delivered"] == d["sent"] == DEMO["workload"]["messages"]
               for d in summary["directions"].values())
    if not waves:
        return
    vcd = str(waves_path(case))
    sent = json.loads((folder / "sent_messages.json").read_text())
    frames = timeline(vcd)
    for direction in DEFAULT_LANES:
        tag = EAX_BASE[direction[0]]
        seen, on_line = set(), []
        for frame in frames:
            if frame.direction == direction and frame.kind == "DATA" and frame.status == "good":
                for header, data in zip(frame.messages, frame.data):
                    # not the self-test's packets; once each (a replay carries them again)
                    if header[0] & 0xF0000000 == tag and header[0] not in seen:
                        seen.add(header[0])
                        on_line.append([header, data])
        assert on_line == sent[direction[0]], f"{direction}: the waveform's messages differ"
    # What reached b through the erroring channel: the frames the channel damaged are
    # the ones the decoder rejects (one bad frame per damaged one, at least).
    hit = summary["channel"]["a_to_b"]["frames_hit"]
    received = timeline(vcd, {"a_to_b": "b__lane_rx"})
    assert hit, "the channel damaged no frame: the decoder's verdicts went untested"
    assert sum(f.status != "good" for f in received) >= hit
    good_sent = {(f.kind, f.seq, f.length, tuple(map(tuple, f.messages))) for f in frames
                 if f.direction == "a_to_b" and f.status == "good"}
    assert all((f.kind, f.seq, f.length, tuple(map(tuple, f.messages))) in good_sent
               for f in received if f.status == "good")
    save, count = write_save_file(vcd)
    names = set(WaveFile(vcd).names)
    listed = [line for line in save.read_text().splitlines()
              if line and line[0] not in "@-[*^"]
    assert count == len(listed) > 50 and set(listed) <= names


#: The demo on two links: the carrying cable is cut when 40 % of the messages are
#: applied (fewer on Icarus, the regression's time budget).
TWO_LINKS_MESSAGES = {"verilator": 40, "icarus": 16}


@pytest.mark.parametrize("sim", selected_simulators())
def test_mirrored_servers_on_two_links(sim):
    """``make demo ARGS="--links 2"``: the mirror check passes across the fail-over
    (the simulation fails on an error to either OS or on no fail-over at all)."""
    config = {**DEMO, "links": 2,
              "workload": {**DEMO["workload"], "messages": TWO_LINKS_MESSAGES[sim]}}
    case = CocotbCase(sim, mirror_variant(links=2), MODULE, "mirrored_servers")
    folder = run_case(case, extra_env={"MIRROR_CONFIG": json.dumps(config)}, waves=False,
                      seed=DEMO["seed"])
    summary = json.loads((folder / "mirror_summary.json").read_text())
    assert summary["replicas_equal"] and summary["logs_equal"]
    assert all(d["delivered"] == d["sent"] == TWO_LINKS_MESSAGES[sim]
               for d in summary["directions"].values())
    assert all(summary["servers"][s]["statistics"]["fail_overs"] >= 1 for s in "ab")


SLICE_MESSAGES = {"verilator": 30, "icarus": 14}
#: Kinds whose fault needs a longer run to leave a trace: a lost ACK is mostly covered
#: by the next (cumulative) one, with four packets in flight; only the last of a burst
#: makes the sender replay.
SLICE_MESSAGES_AT_LEAST = {"lost_acks": 30}


@pytest.mark.parametrize("kind, sim", [(kind, sim) for kind in SLICE
                                       for sim in selected_simulators()]
                         + [("clock_offset", sim) for sim in selected_simulators()
                            if sim == "verilator"])
def test_soak_slice(kind, sim):
    variant, config = run_setup(kind, 1, max(SLICE_MESSAGES[sim],
                                             SLICE_MESSAGES_AT_LEAST.get(kind, 0)))
    folder = run_case(CocotbCase(sim, variant, MODULE, "soak_run"),
                      extra_env={"MIRROR_CONFIG": json.dumps(config)}, seed=1,
                      run_name=f"soak-{kind}-1", waves=False)
    record = json.loads((folder / "soak_result.json").read_text())
    assert record["problems"] == []
