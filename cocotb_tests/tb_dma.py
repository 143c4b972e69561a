"""cocotb tests of the DMA mover against a Python model of host and local memory.

Host memory is cocotbext-axi's AxiRam (which also asserts that no burst crosses 4 KiB),
pausing at random on every channel; a region of it answers SLVERR.
"""

import os
import random

import cocotb
from cocotb.triggers import ClockCycles, RisingEdge

from cocotb_tests.channel_bfm import start_clock_and_reset
from cocotb_tests.harness import top_params
from cocotb_tests.host_memory import SLVERR_HOLE, host_memory

HOST_REGION = 0x40000  # bytes of host memory the model mirrors (from address 0)


class MoverBench:
    """The mover, its host memory, and a byte-exact model of both memories."""

    def __init__(self, dut, stall: float):
        self.dut = dut
        params = top_params()
        self.word = params["data_width"] // 8
        self.local_size = params["local_bytes"]
        self.host = host_memory(dut, "axi", stall=stall, seed=random.getrandbits(32))
        self.host_model = bytearray(random.randbytes(HOST_REGION))
        self.local_model = bytearray(random.randbytes(self.local_size))
        dut.start.value = 0
        dut.test_write.value = 0

    async def start(self):
        await start_clock_and_reset(self.dut)
        self.host.write(0, bytes(self.host_model))
        for index in range(self.local_size // self.word):
            chunk = self.local_model[index * self.word:(index + 1) * self.word]
            self.dut.test_address.value = index
            self.dut.test_write_data.value = int.from_bytes(chunk, "little")
            self.dut.test_write.value = 1
            await RisingEdge(self.dut.clk)
        self.dut.test_write.value = 0

    async def read_local(self, start: int, end: int) -> bytes:
        first, last = start // self.word, (end + self.word - 1) // self.word
        out = bytearray()
        for index in range(first, last):
            self.dut.test_address.value = index
            await RisingEdge(self.dut.clk)
            await RisingEdge(self.dut.clk)
            out += int(self.dut.test_read_data.value).to_bytes(self.word, "little")
        return bytes(out[start - first * self.word:end - first * self.word])

    async def transfer(self, to_host: bool, host_address: int, local_address: int,
                       length: int) -> tuple[bool, int, int]:
        """Run one transfer; return (error, response, clocks taken)."""
        dut = self.dut
        dut.to_host.value = int(to_host)
        dut.host_address.value = host_address
        dut.local_address.value = local_address
        dut.length.value = length
        dut.start.value = 1
        await RisingEdge(dut.clk)
        dut.start.value = 0
        clocks = 0
        while True:
            await RisingEdge(dut.clk)
            clocks += 1
            if dut.done.value:
                return bool(dut.error.value), int(dut.error_response.value), clocks
            assert clocks < 100000, "transfer never finished"

    def apply(self, to_host: bool, host_address: int, local_address: int, length: int):
        """What the transfer must do, in the model."""
        if to_host:
            self.host_model[host_address:host_address + length] = \
                self.local_model[local_address:local_address + length]
        else:
            self.local_model[local_address:local_address + length] = \
                self.host_model[host_address:host_address + length]

    async def check_around(self, host_address: int, local_address: int, length: int, margin=16):
        """The target range and ``margin`` bytes either side agree with the model, in
        both memories (so nothing next to the range was touched)."""
        low, high = max(0, host_address - margin), min(HOST_REGION, host_address + length + margin)
        assert self.host.read(low, high - low) == bytes(self.host_model[low:high]), \
            f"host memory {low:#x}..{high:#x}"
        low = max(0, local_address - margin)
        high = min(self.local_size, local_address + length + margin)
        assert await self.read_local(low, high) == bytes(self.local_model[low:high]), \
            f"local memory {low:#x}..{high:#x}"


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
    local_address = random.randrange(0, bench.local_size - length + 1)
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
    await ClockCycles(dut.clk, 10)
