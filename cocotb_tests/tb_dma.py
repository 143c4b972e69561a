"""cocotb tests of the DMA mover against a Python model of host and local memory.

Host memory is served by cocotbext-axi's AXI4 slave (which also asserts that no burst
crosses 4 KiB), pausing at random on every channel; a region of it answers SLVERR.
"""

import os
import random

import cocotb

from cocotb_tests.clocks import clock_cycles
from cocotb_tests.host_memory import SLVERR_HOLE
from cocotb_tests.mover_env import HOST_REGION, MoverEnv


def random_job(env):
    """A transfer of random direction, length (0 and short ones favoured) and alignment;
    often placed to cross a 4 KiB boundary."""
    length = random.choice([0, 1, 2, 3, 5, 7, env.word, env.word + 1,
                            random.randint(1, 64), random.randint(0, 2048),
                            random.randint(0, env.local_size // 2)])
    if random.random() < 0.5:  # straddle a 4 KiB boundary
        host_address = random.randrange(1, HOST_REGION // 4096) * 4096 - random.randint(0, length)
    else:
        host_address = random.randrange(0, HOST_REGION - length)
    host_address = max(0, min(host_address, HOST_REGION - length))
    # (an empty transfer still needs an address the local port can hold)
    local_address = random.randrange(0, env.local_size - max(length, 1) + 1)
    return random.random() < 0.5, host_address, local_address, length


@cocotb.test()
async def random_transfers_match_the_model(dut):
    env = MoverEnv(dut, stall=0.3)
    await env.start()
    jobs = int(os.environ.get("MSL_DMA_JOBS", "150"))
    moved = crossings = 0
    for number in range(jobs):
        job = random_job(env)
        error, response, _ = await env.transfer(*job)
        assert not error, f"job {number} {job}: error response {response}"
        env.apply(*job)
        await env.check_around(*job[1:])
        moved += job[3]
        crossings += job[1] // 4096 != (job[1] + max(job[3], 1) - 1) // 4096
    assert env.host.read(0, HOST_REGION) == bytes(env.host_model)
    assert await env.read_local(0, env.local_size) == bytes(env.local_model)
    assert crossings >= jobs // 5
    dut._log.info("%d transfers, %d bytes, %d crossing a 4 KiB boundary", jobs, moved, crossings)


@cocotb.test()
async def error_responses_stop_the_transfer_and_the_next_one_works(dut):
    env = MoverEnv(dut, stall=0.2)
    await env.start()
    low, high = SLVERR_HOLE
    host_before = env.host.read(low - 4096, 3 * 4096)
    for to_host in (False, True, False, True):
        length = random.randint(600, 3000)
        host_address = low - random.randint(1, length - 1)   # runs into the error region
        local_address = random.randrange(0, env.local_size - length)
        local_before = await env.read_local(0, env.local_size)
        error, response, _ = await env.transfer(to_host, host_address, local_address, length)
        assert error and response == 2, f"to_host={to_host}: error {error}, response {response}"
        # Nothing outside the requested range was touched, on either side.
        local_after = await env.read_local(0, env.local_size)
        assert local_after[:local_address] == local_before[:local_address]
        assert local_after[local_address + length:] == local_before[local_address + length:]
        host_after = env.host.read(low - 4096, 3 * 4096)
        start = host_address - (low - 4096)
        assert host_after[:start] == host_before[:start]
        assert host_after[start + length:] == host_before[start + length:]
        host_before = host_after
        env.local_model[:] = local_after
        env.host_model[low - 4096:low] = host_after[:4096]
        # The engine is usable at once: a good transfer gives the right bytes.
        job = random_job(env)
        error, response, _ = await env.transfer(*job)
        assert not error
        env.apply(*job)
        await env.check_around(*job[1:])
        host_before = env.host.read(low - 4096, 3 * 4096)
    await clock_cycles(dut.clk, 10)
