"""Measurements for ``python -m msl_apps.bench.dma`` (not part of the regression).

Each test writes its numbers as JSON into its test folder; the script collects them.
The measurements still check what they move (against the models), so a number never
comes from a broken run.
"""

import json
import os
import random

import cocotb

from cocotb_tests.dma_traffic import dma_env, start_both_ways
from cocotb_tests.host_memory import set_reference_stall
from cocotb_tests.mover_env import MoverEnv

#: Probability per clock and channel that host memory pauses (0: never).
STALLS = (0.0, 0.25, 0.5)


@cocotb.test()
async def mover_throughput(dut):
    """Large transfers each way, aligned and not, at each level of backpressure."""
    results = []
    env = MoverEnv(dut, stall=0.0)
    await env.start()
    for stall in STALLS:
        set_reference_stall(env.slave, stall, random.getrandbits(32))
        length = env.local_size - 64
        for to_host in (False, True):
            for host_offset, local_offset in ((0, 0), (3, 1)):
                job = (to_host, 0x10000 + host_offset, local_offset, length)
                error, _, clocks = await env.transfer(*job)
                assert not error
                env.apply(*job)
                await env.check_around(*job[1:])
                beats = -(-(host_offset + length) // env.word)  # the fewest beats possible
                results.append({
                    "data_width": 8 * env.word, "stall": stall,
                    "direction": "write" if to_host else "read",
                    "aligned": host_offset == local_offset == 0, "bytes": length,
                    "clocks": clocks, "bound_clocks": beats,
                    "fraction_of_bound": beats / clocks,
                })
                dut._log.info("%s %s stall %.2f: %d bytes in %d clocks (%.3f of the bus bound)",
                              results[-1]["direction"],
                              "aligned" if results[-1]["aligned"] else "misaligned", stall,
                              length, clocks, beats / clocks)
    with open("mover_throughput.json", "w") as file:
        json.dump(results, file, indent=2)


@cocotb.test()
async def register_accesses_per_packet(dut):
    """Packets both ways through the rings; register accesses counted per user."""
    count = int(os.environ.get("MSL_BENCH_PACKETS", "100"))
    env, sides = await dma_env(dut)
    for *_, task in start_both_ways(sides, count, env.params["slot_size"]):
        await task
    results = []
    for side in sides.values():
        results.append({
            "side": side.side.name, "packets_sent": side.packets_sent,
            "packets_received": side.packets_received, "interrupts": side.interrupts,
            "send_reads_per_packet": side.send_bus.reads / side.packets_sent,
            "send_writes_per_packet": side.send_bus.writes / side.packets_sent,
            "receive_reads_per_packet": side.handler_bus.reads / side.packets_received,
            "receive_writes_per_packet": side.handler_bus.writes / side.packets_received,
        })
    with open("register_accesses.json", "w") as file:
        json.dump(results, file, indent=2)
