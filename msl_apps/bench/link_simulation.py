"""Measurements for ``python -m msl_apps.bench.link`` (not part of the regression).

Each test writes its numbers into ``<test name>.json`` in its test folder; the script
collects them.
Every measurement also checks what it moved (the peer's OS got exactly what was sent,
in order), so a number never comes from a broken run.

Settings come from the environment: ``MSL_BENCH_SIZES`` (message sizes, comma
separated), ``MSL_BENCH_BYTES`` (data per direction and point), ``MSL_BENCH_REPEATS``
(latency samples), ``MSL_BENCH_CLOCKS`` (clocks timed for the simulator rate).
"""

import dataclasses
import json
import os
import statistics
import time

import cocotb
from cocotb.triggers import ClockCycles, RisingEdge, Timer

from cocotb_tests.clocks import start_clock_and_reset
from cocotb_tests.clocks import clock_cycles
from cocotb_tests.harness import CLOCK_NS, top_params
from msl_apps.mirror.servers import MIRROR_SETTINGS
from cocotb_tests.msl_system import MslSystem, Server, same_messages
from driver.dma_rings import MESSAGE_HEADER_BYTES
from msl_spec import FRAME_OVERHEAD_BYTES

#: One 8b/10b symbol per byte.
LINE_BITS_PER_BYTE = 10
#: Messages per direction and point at least: the steady-state window then spans about
#: 47 packets of the largest size, so the ACK delays at its two ends matter little.
MIN_MESSAGES = 48


def frame_clocks(payload: int, lane_width: int) -> float:
    """Clocks a frame with ``payload`` bytes spends on the line."""
    return (FRAME_OVERHEAD_BYTES + payload) * LINE_BITS_PER_BYTE / lane_width


def _env_ints(name: str, default: str) -> list[int]:
    return [int(v) for v in os.environ.get(name, default).split(",") if v]


async def bench_system(dut) -> MslSystem:
    """Both servers up on a clean line, no register-bus backpressure, and an ACK timer
    three full frames long (a lane-1 ACK can wait behind a 1 KiB DATA frame of the
    peer's: the mirror settings' 5000 clocks would replay for nothing)."""
    params = top_params()
    ack_timeout = round(3 * frame_clocks(params["slot_size"], params["lane_width"]))
    settings = dataclasses.replace(MIRROR_SETTINGS,
                                   ack_timeout_clocks=max(ack_timeout,
                                                          MIRROR_SETTINGS.ack_timeout_clocks))
    system = MslSystem(dut, settings=settings, stall=0.0)
    await system.up()
    return system


def record_acks(server: Server) -> list[tuple[int, int]]:
    """(clock, messages) of every ServerCommCompleted ``server`` gets from now on."""
    marks, completed = [], server.mirror.server_comm_completed
    clocks = server.os.platform.clocks

    async def recording(count):
        marks.append((clocks(), count))
        await completed(count)
    server.mirror.server_comm_completed = recording
    return marks


def record_first_receive(server: Server) -> dict[int, int]:
    """EAX -> clock of the first ReceiveServerComm for it at ``server``."""
    seen, receive = {}, server.mirror.receive_server_comm
    clocks = server.os.platform.clocks

    async def recording(header):
        seen.setdefault(header.eax, clocks())
        return await receive(header)
    server.mirror.receive_server_comm = recording
    return seen


def check_delivered(sender: Server, receiver: Server, sent_from: int = 0,
                    taken_from: int = 0) -> None:
    """The receiver's OS took, from ``taken_from`` on, exactly what the sender sent from
    ``sent_from`` on (the receive buffer is a ring: check each point as it ends)."""
    same_messages(receiver.taken()[taken_from:], sender.sent[sent_from:],
                  f"{sender.name} to {receiver.name}")


def write_json(name: str, data) -> None:
    """Into the test's folder, where the script collects it."""
    with open(name, "w") as file:
        json.dump(data, file, indent=2)


def bus_counts(server: Server) -> tuple[int, int]:
    return server.side.bus.reads, server.side.bus.writes


@cocotb.test()
async def link_goodput(dut):
    """For each message size: enough messages to fill the line for a while, one
    direction (a to b) and then both at once. Goodput is taken between the first and the
    last ACK a sender gets (the pipeline is full), as a fraction of the line's bit rate."""
    params = top_params()
    lane, slot = params["lane_width"], params["slot_size"]
    budget = int(os.environ.get("MSL_BENCH_BYTES", "65536"))
    sizes = [min(s, slot - MESSAGE_HEADER_BYTES) for s in _env_ints("MSL_BENCH_SIZES", "16")]
    system = await bench_system(dut)
    a, b = system.a, system.b
    marks = {"a": record_acks(a), "b": record_acks(b)}
    results = []
    for duplex in (False, True):
        for size in sizes:
            senders = [(a, b), (b, a)] if duplex else [(a, b)]
            count = max(MIN_MESSAGES, budget // size)
            for sender, _ in senders:
                sender.recycle_send_region()
                marks[sender.name].clear()
            before = {s.name: {"completed": s.acknowledged(), "stats": s.stats(),
                               "bus": bus_counts(s), "sent": len(s.sent),
                               "taken": len(s.taken()),
                               "replays": (await s.side.stats())["tx_replays"],
                               "refusals": (await s.side.stats())["rx_busy_refusals"]}
                      for s in (a, b)}
            started = a.os.platform.clocks()
            for sender, _ in senders:
                cocotb.start_soon(sender.send(*[size] * count))
            for sender, _ in senders:
                goal = before[sender.name]["completed"] + count
                await system.until(lambda s=sender, g=goal: s.acknowledged() >= g,
                                   int(40 * count * frame_clocks(size + 24, lane)) + 200000,
                                   f"{count} messages of {size} bytes from {sender.name}")
            for sender, receiver in senders:
                check_delivered(sender, receiver, before[sender.name]["sent"],
                                before[receiver.name]["taken"])
            for sender, receiver in senders:
                points = marks[sender.name]
                (first, _), (last, _) = points[0], points[-1]
                steady_bytes = sum(n for _, n in points[1:]) * size
                window = last - first
                was = before[sender.name]
                packets = sender.stats()["transmit_packet_count"] - \
                    was["stats"]["transmit_packet_count"]
                row = {
                    "lane_width": lane, "slot_size": slot, "size": size,
                    "mode": "duplex" if duplex else "one-way", "direction":
                    f"{sender.name}->{receiver.name}", "messages": count, "packets": packets,
                    "messages_per_packet": count / packets,
                    "clocks_total": last - started, "clocks_steady": window,
                    "goodput_steady": steady_bytes * 8 / (window * lane) if window else None,
                    "goodput_total": count * size * 8 / ((last - started) * lane),
                    "bound": 0.8 * size / (size + MESSAGE_HEADER_BYTES),
                    "replays": (await sender.side.stats())["tx_replays"] - was["replays"],
                    # frames the receiver refused for want of a free slot (replayed later)
                    "busy_refusals": (await receiver.side.stats())["rx_busy_refusals"]
                    - before[receiver.name]["refusals"],
                }
                if not duplex:
                    sent_bus = [n - o for n, o in zip(bus_counts(sender), was["bus"])]
                    got_bus = [n - o for n, o in zip(bus_counts(receiver),
                                                     before[receiver.name]["bus"])]
                    received = receiver.stats()["receive_packet_count"] - \
                        before[receiver.name]["stats"]["receive_packet_count"]
                    row.update({"sender_accesses_per_packet": sum(sent_bus) / packets,
                                "receiver_accesses_per_packet": sum(got_bus) / received})
                results.append(row)
                dut._log.info("%s %s %d B: %.3f of the line (bound %.3f), %.1f messages a "
                              "packet", row["mode"], row["direction"], size,
                              row["goodput_steady"] or 0, row["bound"],
                              row["messages_per_packet"])
    write_json("link_goodput.json", results)
    await system.down()


@cocotb.test()
async def idle_latency(dut):
    """One 64-byte message at a time on an idle link: clocks from DriverSend to the
    peer's ReceiveServerComm, and the register accesses of each step."""
    params = top_params()
    lane = params["lane_width"]
    size, repeats = 64, int(os.environ.get("MSL_BENCH_REPEATS", "10"))
    system = await bench_system(dut)
    a, b = system.a, system.b
    arrived = record_first_receive(b)
    samples = []
    for _ in range(repeats):
        await system.clocks(3000)                      # idle: every ACK and interrupt done
        a_before, b_before = bus_counts(a), bus_counts(b)
        goal = a.acknowledged() + 1
        async with a.os.cpu.interrupts_disabled():     # DriverSend alone, no ISR meanwhile
            started = a.os.platform.clocks()
            header, = await a.send(size)
            send = [n - o for n, o in zip(bus_counts(a), a_before)]
        await system.until(lambda: header.eax in arrived, 200000, "the delivery")
        await system.until(lambda: a.acknowledged() >= goal, 200000, "the ACK")
        await system.clocks(1000)
        receive = [n - o for n, o in zip(bus_counts(b), b_before)]
        ack = [n - o - s for n, o, s in zip(bus_counts(a), a_before, send)]
        samples.append({"clocks": arrived[header.eax] - started,
                        "send_reads": send[0], "send_writes": send[1],
                        "receive_reads": receive[0], "receive_writes": receive[1],
                        "ack_reads": ack[0], "ack_writes": ack[1]})
    check_delivered(a, b)
    clocks = [s["clocks"] for s in samples]
    result = {"lane_width": lane, "size": size, "samples": samples,
              "min_clocks": min(clocks), "median_clocks": statistics.median(clocks),
              "max_clocks": max(clocks),
              "serialization_bound_clocks": frame_clocks(MESSAGE_HEADER_BYTES + size, lane)}
    dut._log.info("64-byte latency: median %s clocks, bound %.0f", result["median_clocks"],
                  result["serialization_bound_clocks"])
    write_json("idle_latency.json", result)
    await system.down()


@cocotb.test()
async def load_rate(dut):
    """Simulated clocks per wall-second of the two-adapter system with both servers
    sending 256-byte messages all the time (the window sleeps: only the testbench's own
    work wakes Python)."""
    timed = int(os.environ.get("MSL_BENCH_CLOCKS", "20000"))
    system = await bench_system(dut)
    a, b = system.a, system.b
    lane = top_params()["lane_width"]
    count = max(64, int(2 * timed / frame_clocks(280, lane)) + 64)
    for sender in (a, b):
        cocotb.start_soon(sender.send(*[256] * count))
    await system.until(lambda: a.acknowledged() and b.acknowledged(), 200000,
                       "the first ACKs")

    async def data_frames():
        return (await a.side.stats())["rx_data"] + (await b.side.stats())["rx_data"]
    before = await data_frames()
    wall = time.perf_counter()
    await clock_cycles(dut.clk, timed)
    wall = time.perf_counter() - wall
    moved = await data_frames() - before
    assert moved > 0, "no DATA frame was received while the clock was timed"
    for sender, receiver in ((a, b), (b, a)):
        done = sender.acknowledged()   # acknowledged: the receiver's copies are finished
        assert receiver.taken()[:done] == sender.sent[:done], \
            "a delivery differs from what was sent"
    result = {"clocks": timed, "seconds": wall, "clocks_per_second": timed / wall,
              "data_frames": moved}
    dut._log.info("two adapters under load: %.0f clocks/s", result["clocks_per_second"])
    write_json("load_rate.json", result)


@cocotb.test()
async def clock_rate(dut):
    """Simulated clocks per wall-second of a design that is only a clock and a counter,
    timed twice: awaiting cocotb's ``ClockCycles`` (Python resumes on every edge: cocotb's
    bare-clock rate, the yardstick) and sleeping on one ``Timer`` (the simulator's own
    rate, no Python at all)."""
    timed = int(os.environ.get("MSL_BENCH_CLOCKS", "20000"))
    await start_clock_and_reset(dut)
    await ClockCycles(dut.clk, 1000)
    result = {"clocks": timed}
    period_ps = CLOCK_NS * 1000

    async def timer_window():
        # To half a period before the last edge, then that edge (the same edge the
        # ClockCycles window ends on).
        await Timer(timed * period_ps - period_ps // 2, unit="ps")
        await RisingEdge(dut.clk)
    for window, wait in (("clock_cycles", lambda: ClockCycles(dut.clk, timed)),
                         ("timer", timer_window)):
        start = int(dut.count.value)
        wall = time.perf_counter()
        await wait()
        wall = time.perf_counter() - wall
        assert int(dut.count.value) - start == timed, "the counter did not count every clock"
        result[f"{window}_seconds"] = wall
        result[f"{window}_clocks_per_second"] = timed / wall
        dut._log.info("clock only, %s window: %.0f clocks/s", window, timed / wall)
    write_json("clock_rate.json", result)
