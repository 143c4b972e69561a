"""cocotb tests of the DMA mover against a Python model of host and local memory.

Host memory is served by cocotbext-axi's AXI4 slave (which also asserts that no burst
crosses 4 KiB), pausing at random on every channel; a region of it answers SLVERR.
"""

import os
import random

import cocotb

from cocotb_tests.clocks import clock_cycles
from cocotb_tests.host_memory import SLVERR_HOLE
from cocotb_tests.mover_bench import HOST_REGION, MoverBench


def random_job(bench):
    """A transfer of random direction, length (0 and short ones favoured) and alignment;
    often placed to cross a 4 KiB boundary."""
    length = random.choice([0, 1, 2, 3, 5, 7, bench.word, bench.word + 1,
                            random.randint(1, 64), random.randint(0, 2048),
                            random.randint(0, bench.local_size // 2)])
    if random.random() < 0.5:  # straddle a 4 KiB boundary
        host_address = random.randrange(1, HOST_REGION // 4096) * 4096 - random.randint(0, length)
    else:
        host_address = random.randrange(0, HOST_REGION - length)
    host_address = max(0, min(host_address, HOST_REGION - length))
    # (an empty transfer still needs an address the local port can hold)
    local_address = random.randrange(0, bench.local_size - max(length, 1) + 1)
    return random.random() < 0.5, host_address, local_address, length


@cocotb.test()
async def random_transfers_match_the_model(dut):
    bench = MoverBench(dut, stall=0.3)
    await bench.start()
    jobs = int(os.environ.get("MSL_DMA_JOBS", "150"))
    moved = crossings = 0
    for number in range(jobs):
        job = random_job(bench)
        error, response, _ = await bench.transfer(*job)
        assert not error, f"job {number} {job}: error response {response}"
        bench.apply(*job)
        await bench.check_around(*job[1:])
        moved += job[3]
        crossings += job[1] // 4096 != (job[1] + max(job[3], 1) - 1) // 4096
    assert bench.host.read(0, HOST_REGION) == bytes(bench.host_model)
    assert await bench.read_local(0, bench.local_size) == bytes(bench.local_model)
    assert crossings >= jobs // 5
    dut._log.info("%d transfers, %d bytes, %d crossing a 4 KiB boundary", jobs, moved, crossings)


@cocotb.test()
async def error_responses_stop_the_transfer_and_the_next_one_works(dut):
    bench = MoverBench(dut, stall=0.2)
    await bench.start()
    low, high = SLVERR_HOLE
    host_before = bench.host.read(low - 4096, 3 * 4096)
    for to_host in (False, True, False, True):
        length = random.randint(600, 3000)
        host_address = low - random.randint(1, length - 1)   # runs into the error region
        local_address = random.randrange(0, bench.local_size - length)
        local_before = await bench.read_local(0, bench.local_size)
        error, response, _ = await bench.transfer(to_host, host_address, local_address, length)
        assert error and response == 2, f"to_host={to_host}: error {error}, response {response}"
        # Nothing outside the requested range was touched, on either side.
        local_after = await bench.read_local(0, bench.local_size)
        assert local_after[:local_address] == local_before[:local_address]
        assert local_after[local_address + length:] == local_before[local_address + length:]
        host_after = bench.host.read(low - 4096, 3 * 4096)
        start = host_address - (low - 4096)
        assert host_after[:start] == host_before[:start]
        assert host_after[start + length:] == host_before[start + length:]
        host_before = host_after
        bench.local_model[:] = local_after
        bench.host_model[low - 4096:low] = host_after[:4096]
        # The engine is usable at once: a good transfer gives the right bytes.
        job = random_job(bench)
        error, response, _ = await bench.transfer(*job)
        assert not error
        bench.apply(*job)
        await bench.check_around(*job[1:])
        host_before = bench.host.read(low - 4096, 3 * 4096)
    await clock_cycles(dut.clk, 10)
