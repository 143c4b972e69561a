"""``make demo``: two servers mirror each other over the MSL, then one fails.

    python -m msl_apps.mirror.demo [--sim verilator|icarus] [--messages N]
                                       [--min-size B] [--max-size B] [--ber RATE]
                                       [--holdoff P] [--seed N] [--lane-width 10|1]
                                       [--waves-messages N] [--no-waves] [--links 1|2]

Each server (OS model, SFT III side, MSL driver, adapter, host memory) sends
``--messages`` operations on its half of a key-value store to the other while the other
does the same (full duplex), over a line with bit errors, with some deliveries held off.
With ``--links 2`` each server has two adapters, cross-wired pairwise; the carrying
cable is cut when 40 % of the messages are applied, and the traffic moves to the other
link with no error to either OS.
Then server a fails and sends EMERGENCY; b is told and carries on alone. Streams the
simulation's progress, then prints a summary: messages and packets each way, goodput,
both drivers' GetMSLStatistics and adapters' counters, the errors recovered, the mirror
check, and where the waveform (FST, or VCD) and its GTKWave save file are. The
waveform records a run of ``--waves-messages`` each way (the same seed and line): a
long run is simulated once without a waveform for the summary and once more, shorter,
for the waveform.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from cocotb_tests.clocks import offset_period_ps
from cocotb_tests.run_lock import RunLock
from cocotb_tests.harness import (SIM_BUILD, SIMULATORS, CocotbCase, environment_seed,
                                  fst_problem, run_case, waves_enabled, waves_path,
                                  waves_suffix)
from msl_apps.mirror.servers import MIN_MESSAGE, MIRROR_BUILDS, mirror_variant
from msl_spec import MESSAGE_HEADER_BYTES
from msl_tools.waves.gtkwave_save import write_save_file

MODULE, TEST = "msl_apps.mirror.simulation", "mirrored_servers"
#: Scopes dumped: the top's buses and lanes, each adapter's own nets and its blocks'
#: ports; the whole design would be some 10 MB a thousand clocks.
WAVES_DEPTH = 2
#: Messages each way of the run the waveform records: some 4 MB of FST, 65 MB of VCD
#: (1000 messages each way would be over a gigabyte of VCD, more than a viewer opens
#: comfortably).
WAVES_MESSAGES = 60



def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sim", choices=SIMULATORS,
                        default=os.environ.get("SIM") or "verilator",
                        help="simulator (default verilator, the faster one end to end)")
    parser.add_argument("--messages", type=int, default=1000,
                        help="messages each server sends (at least 1; default 1000)")
    parser.add_argument("--min-size", type=int, default=16,
                        help=f"smallest message in bytes ({MIN_MESSAGE} up to --max-size; "
                             "default 16)")
    parser.add_argument("--max-size", type=int, default=1024,
                        help="largest message in bytes (up to the slot's room: 4072 on the "
                             "10-bit lane, 1000 on the serial one; default 1024)")
    parser.add_argument("--ber", type=float, default=1e-5,
                        help="bit error rate of the line (0 to 1e-4; default 1e-5; make "
                             "soak explores noisier lines)")
    parser.add_argument("--holdoff", type=float, default=0.03,
                        help="probability that the OS holds a delivery off (0 to <1; "
                             "default 0.03)")
    parser.add_argument("--lane-width", type=int, choices=sorted(MIRROR_BUILDS), default=10,
                        help="bits per clock on the line (default 10)")
    parser.add_argument("--ppm", type=int, default=0,
                        help="server b's clocks this many parts per million slower than "
                             "a's (negative: faster; steps of 200; default 0: one clock): "
                             "each adapter on clocks of its own, with clock compensation "
                             "(10-bit lane)")
    parser.add_argument("--links", type=int, choices=(1, 2), default=1,
                        help="MSL links between the servers (default 1; 2: the first "
                             "one's cable is cut mid-run, the traffic fails over)")
    parser.add_argument("--seed", type=int,
                        help="random seed (default: COCOTB_RANDOM_SEED, else a new one)")
    parser.add_argument("--waves-messages", type=int, default=WAVES_MESSAGES,
                        help="messages each way of the run the waveform records (default "
                             f"{WAVES_MESSAGES}; a longer run is simulated twice: without "
                             "a waveform, then this many messages with one)")
    parser.add_argument("--waves-format", choices=("vcd", "fst"),
                        help="waveform format (default fst: a sixteenth of the VCD's size; "
                             "vcd on Verilator when its FST writer's lz4/zlib headers are "
                             "missing)")
    parser.add_argument("--no-waves", action="store_true",
                        help="do not write a waveform (also WAVES=0)")
    args = parser.parse_args(argv)
    no_fst = fst_problem(args.sim)
    #: why the waveform is a VCD when none was asked for (said before the run starts)
    args.vcd_reason = no_fst if args.waves_format is None else None
    if args.waves_format is None:  # FST where the simulator can write it
        args.waves_format = "vcd" if no_fst else "fst"
    if args.waves_format == "fst" and no_fst:
        parser.error(f"--waves-format fst: {no_fst}")
    try:
        waves_suffix(args.sim, args.waves_format)
        if args.seed is None:
            args.seed = environment_seed()
        args.waves = waves_enabled(default=True) and not args.no_waves
    except ValueError as error:
        parser.error(str(error))
    if args.messages < 1 or args.waves_messages < 1:
        parser.error("--messages and --waves-messages must be at least 1")
    # Checked here, before the build and the link-up: the workload would refuse them
    # only once the simulation runs.
    if args.links == 2 and (args.lane_width != 10 or args.ppm):
        parser.error("--links 2 runs on the 10-bit lane, on one clock (no --ppm)")
    room = mirror_variant(args.lane_width).all_params()["slot_size"] - MESSAGE_HEADER_BYTES
    if not MIN_MESSAGE <= args.min_size <= args.max_size <= room:
        parser.error(f"message sizes must satisfy {MIN_MESSAGE} <= --min-size <= --max-size "
                     f"<= {room} (a slot's room on the {args.lane_width}-bit lane), not "
                     f"{args.min_size}..{args.max_size}")
    if not 0 <= args.ber <= 1e-4:
        parser.error("--ber must be in [0, 1e-4] (make soak explores noisier lines)")
    if not 0 <= args.holdoff < 1:
        parser.error("--holdoff is a probability in [0, 1)")
    if args.ppm:
        try:
            offset_period_ps(args.ppm)
        except ValueError as error:
            parser.error(f"--ppm: {error}")
        if args.lane_width != 10:
            parser.error("--ppm needs the 10-bit lane (a transceiver's words)")
    if args.seed is None:
        args.seed = int.from_bytes(os.urandom(4), "little")
    return args


def _variant(args):
    return mirror_variant(args.lane_width, transceiver_clocks=bool(args.ppm),
                          links=args.links)


def config_of(args, messages: int) -> dict:
    return {"seed": args.seed, "bit_error_rate": args.ber, "ppm": args.ppm,
            "links": args.links,
            "workload": {"messages": messages, "min_size": args.min_size,
                         "max_size": args.max_size, "holdoff": args.holdoff}}


def run(args) -> tuple[dict, str | None, int]:
    """Run the demo's cocotb test (log streamed): its summary, the waveform's path (or
    None) and the messages each way of the run the waveform holds."""
    case = CocotbCase(args.sim, _variant(args), MODULE, TEST)
    waves = args.waves
    recorded = min(args.messages, args.waves_messages)
    runs = [(args.messages, waves and recorded == args.messages)]
    if waves and recorded < args.messages:
        runs.append((recorded, True))
    summary = None
    for messages, with_waves in runs:
        try:
            config = json.dumps(config_of(args, messages))
            folder = run_case(case, extra_env={"MIRROR_CONFIG": config}, waves=with_waves,
                              seed=args.seed, stream=True, waves_depth=WAVES_DEPTH,
                              waves_format=args.waves_format)
        except AssertionError as failure:
            raise SystemExit(f"The demo failed (seed {args.seed}, {messages} messages each "
                             f"way): {failure}") from None
        summary = summary or json.loads((folder / "mirror_summary.json").read_text())
    return (summary, str(waves_path(case, waves_format=args.waves_format)) if waves else None,
            recorded)


def recovered_line(summary: dict) -> str:
    """The summary's line on the errors recovered. The OSes' holds (the drivers'
    held_msg_count, and the HOLDOFF frames they asked for, holdoffs_sent) and the
    HOLDOFF frames on the line (the adapters' tx_holdoff) are told apart: an adapter
    also answers a replayed DATA frame it holds unacknowledged with HOLDOFF, with no OS
    involved (docs/link-protocol.md)."""
    stats = {s: summary["servers"][s]["statistics"] for s in "ab"}
    hardware = {s: summary["servers"][s]["hardware"] for s in "ab"}
    damaged = sum(c["frames_hit"] for c in summary["channel"].values())
    flipped = sum(c["bits_flipped"] for c in summary["channel"].values())
    replays = sum(hardware[s]["tx_replays"] for s in "ab")
    held = sum(stats[s]["held_msg_count"] for s in "ab")
    asked = sum(stats[s].get("holdoffs_sent", 0) for s in "ab")
    holdoff_frames = sum(hardware[s].get("tx_holdoff", 0) for s in "ab")
    reported = {side: summary["servers"][side]["errors"] for side in "ab"}
    return (f"Errors recovered: the line flipped {flipped} bits in {damaged} frames; the "
            f"adapters replayed {replays} DATA frames; the OSes held {held} deliveries "
            f"off; {holdoff_frames} HOLDOFF frames went out ({asked} asked for by the "
            f"drivers for those holds, the rest the adapters' answers to replays of "
            f"packets held unacknowledged); "
            f"errors reported to the OSes during the traffic: "
            f"{reported if any(reported.values()) else 'none'}.")


def _rate(bits_per_clock: float) -> str:
    return f"{bits_per_clock * 100 / 8:.1f} MB/s at 100 MHz"


def report(summary: dict, sim: str, vcd: str | None, recorded: int) -> None:
    lane = summary["lane_width"]
    w = summary["workload"]
    print()
    print(f"Mirrored servers: {sim}, {lane}-bit lane, {w['messages']} messages each way of "
          f"{w['min_size']}..{w['max_size']} bytes, bit error rate "
          f"{summary['bit_error_rate']:g}, holdoff {w['holdoff']:g}, seed {summary['seed']}"
          + (f", server b's clocks {summary['ppm']:+d} ppm" if summary.get("ppm") else ""))
    print(f"{summary['clocks']} clocks ({summary['clocks'] / 1e5:.2f} ms at 100 MHz)")
    if summary.get("links") == 2 and summary.get("cut"):
        cut = summary["cut"]
        moves = {s: summary["servers"][s]["statistics"]["fail_overs"] for s in "ab"}
        print(f"Two links: the first one's cable was cut at clock {cut['clock']} "
              f"({cut['applied']} messages applied); fail-overs a {moves['a']}, "
              f"b {moves['b']}")
    print()
    header = (f"{'direction':10} {'messages':>8} {'packets':>7} {'delivered':>9} {'bytes':>8}"
              f" {'goodput':>28}")
    print(header)
    print("-" * len(header))
    for name, d in summary["directions"].items():
        packets = summary["servers"][name[0]]["statistics"]["transmit_packet_count"]
        bits = d["goodput_bits_per_clock"]
        print(f"{name.replace('_to_', ' -> ').upper():10} {d['sent']:>8} {packets:>7} "
              f"{d['delivered']:>9} {d['data_bytes']:>8} {bits / lane:>7.1%} of line, "
              f"{_rate(bits)}")
    print()
    stats = {s: summary["servers"][s]["statistics"] for s in "ab"}
    hardware = {s: summary["servers"][s]["hardware"] for s in "ab"}
    names = [k for k in stats["a"] if stats["a"][k] or stats["b"][k]]
    print("GetMSLStatistics (non-zero)          a          b")
    for name in names:
        print(f"  {name:30} {stats['a'][name]:>8} {stats['b'][name]:>10}")
    names = [k for k in hardware["a"] if hardware["a"][k] or hardware["b"][k]]
    print("Adapter counters (non-zero)          a          b"
          + ("   (each server's two adapters, summed)" if summary.get("links") == 2 else ""))
    for name in names:
        print(f"  {name:30} {hardware['a'][name]:>8} {hardware['b'][name]:>10}")
    print()
    print(recovered_line(summary))
    finale = summary["finale"]
    print(f"Finale: server a failed and sent EMERGENCY; b was told "
          f"({', '.join(finale['b_errors'])}), "
          f"{'kept' if finale['b_replica_kept'] else 'did NOT keep'} a's half of the store "
          f"as a held it, applied {finale['b_operations_alone']} more operations alone; "
          f"b's books balanced at unload: {summary['books_balanced']['b']}.")
    lost = {k: sum(d[k] for d in summary["directions"].values())
            for k in ("lost", "duplicated", "reordered", "corrupted")}
    print(f"Mirror check: replicas identical: {summary['replicas_equal']}; message logs "
          f"identical: {summary['logs_equal']}; lost {lost['lost']}, duplicated "
          f"{lost['duplicated']}, reordered {lost['reordered']}, corrupted {lost['corrupted']}"
          f" -> {'PASS' if summary['replicas_equal'] and summary['logs_equal'] and not any(lost.values()) else 'FAIL'}")
    if vcd:
        save, count = write_save_file(vcd)
        print()
        size = os.path.getsize(vcd) / 1e6
        print(f"Waveform: {vcd} ({size:.0f} MB; a run of {recorded} messages each way, "
              "same seed and line)" if recorded < w["messages"] else
              f"Waveform: {vcd} ({size:.0f} MB)")
        print(f"  GTKWave save file ({count} traces; lanes decoded, opens on the first DATA "
              f"frame): {save}")
        print(f"  view it:   gtkwave {save}")
        python = os.path.relpath(sys.executable)
        print(f"  frames:    {python} -m msl_tools.waves.frame_timeline {vcd}")
    print()
    print(f"Repeat with: make demo COCOTB_RANDOM_SEED={summary['seed']} "
          f"(python -m msl_apps.mirror.demo --seed {summary['seed']}), the same options.")


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.waves and args.vcd_reason:
        print(f"demo: the waveform is a VCD, not an FST: {args.vcd_reason}", flush=True)
    variant = _variant(args)
    try:
        # Two demos of one design would share its results folder and waveform.
        with RunLock(f"demo-{args.sim}-{variant.name}", SIM_BUILD / "locks"):
            summary, vcd, recorded = run(args)
            report(summary, args.sim, vcd, recorded)
    except RunLock.Busy as busy:
        print(f"demo: {busy}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ndemo: interrupted (the next run starts afresh)", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
