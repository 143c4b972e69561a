"""The DMA mover test top (:mod:`hdl.testbench.dma_top`) with its host memory and a
byte-exact Python model of both memories, for tests and benchmarks.

Host memory is served by cocotbext-axi's AXI4 slave (:func:`host_memory.reference_memory`):
the mover is the block that speaks AXI4, so its own tests hold it to an independent
bus model, pausing at random on every channel."""

import random

from cocotb.triggers import RisingEdge, SimTimeoutError, with_timeout
from cocotb.utils import get_sim_time

from cocotb_tests.clocks import start_clock_and_reset
from cocotb_tests.harness import CLOCK_NS
from cocotb_tests.harness import top_params
from cocotb_tests.host_memory import HostRam, reference_memory

__all__ = ["MoverEnv", "HOST_REGION"]

HOST_REGION = 0x40000  # bytes of host memory the model mirrors (from address 0)


class MoverEnv:
    """The mover, its host memory, and a byte-exact model of both memories."""

    def __init__(self, dut, stall: float):
        self.dut = dut
        params = top_params()
        self.word = params["data_width"] // 8
        self.local_size = params["local_bytes"]
        self.host = HostRam()
        self.slave = reference_memory(dut, "axi", dut.clk, dut.rst, self.host, stall,
                                      random.getrandbits(32))
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
        started = get_sim_time("ns")
        dut.start.value = 0
        # Sleep until ``done`` rises rather than waking every clock; it counts once a
        # clock edge samples it high (a rise the inputs undo within the clock does not).
        while True:
            try:
                await with_timeout(RisingEdge(dut.done), 100_000 * CLOCK_NS, "ns")
            except SimTimeoutError:
                raise AssertionError("transfer never finished") from None
            await RisingEdge(dut.clk)
            if dut.done.value:
                clocks = round((get_sim_time("ns") - started) / CLOCK_NS)
                return bool(dut.error.value), int(dut.error_response.value), clocks

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
