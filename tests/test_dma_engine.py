"""The DMA engine's status block and its ACK_RECEIVED event (docs/dma.md): a driver that
reads the status block only when an event tells it to must see every acknowledgement.
So whenever a status block carries a new TX_ACKED, the ``acknowledged`` event fires
once that block is in host memory, whatever other news the block was written for."""

import pytest

from tests.simulation import simulate
from hdl.dma.dma_engine import DmaEngine
from msl_spec import STATUS_BLOCK

STATUS_BASE, HEADERS_BASE, COMPLETIONS_BASE = 0x1000, 0x2000, 0x3000


class AxiWriteMemory:
    """Host memory behind the engine's AXI4 master, for writes only (this test gives the
    engine no descriptor to fetch): always ready, one OKAY per burst, in order."""

    def __init__(self, axi):
        self.axi, self.bytes = axi, {}
        self.bursts, self.beats, self.responses = [], [], 0

    def read(self, address: int, length: int) -> bytes:
        return bytes(self.bytes.get(address + i, 0) for i in range(length))

    def clock(self, ctx) -> None:
        """The handshakes of the coming clock edge (call with the inputs settled)."""
        axi = self.axi
        assert not ctx.get(axi.arvalid), "the engine read host memory unasked"
        if ctx.get(axi.awvalid):
            self.bursts.append(ctx.get(axi.awaddr))
        if ctx.get(axi.wvalid):
            self.beats.append((ctx.get(axi.wdata), ctx.get(axi.wstrb), ctx.get(axi.wlast)))
        if ctx.get(axi.bvalid) and ctx.get(axi.bready):
            self.responses -= 1
        # A burst is applied once its address and last beat are both in.
        while self.bursts and any(last for _, _, last in self.beats):
            address = self.bursts.pop(0)
            while True:
                data, strobe, last = self.beats.pop(0)
                for lane in range(4):
                    if strobe >> lane & 1:
                        self.bytes[address + lane] = data >> 8 * lane & 0xFF
                address += 4
                if last:
                    break
            self.responses += 1

    def drive(self, ctx) -> None:
        axi = self.axi
        ctx.set(axi.awready, 1)
        ctx.set(axi.wready, 1)
        ctx.set(axi.bvalid, self.responses > 0)
        ctx.set(axi.bresp, 0)


def run_trials(offsets):
    """For each offset: a packet arrives (the engine announces it and writes a status
    block for that news), and ``offset`` clocks after its arrival the adapter counts
    one more acknowledged message. Returns, per trial, the TX_ACKED of the status block
    in memory and the TX_ACKED the driver would have read at the trial's last event."""
    dut = DmaEngine(tx_slots=2, rx_slots=2, slot_size=256)
    results = []

    async def testbench(ctx):
        memory = AxiWriteMemory(dut.axi)
        registers = dut.registers
        for signal, value in ((dut.enable, 1), (registers.status_base, STATUS_BASE),
                              (registers.rx_headers_base, HEADERS_BASE),
                              (registers.rx_completion_base, COMPLETIONS_BASE),
                              (registers.rx_completion_log2, 4), (registers.rx_copy_log2, 4),
                              (registers.tx_ring_log2, 4), (dut.tx_progress.free, 0b11)):
            ctx.set(signal, value)
        acked = 0
        seen_by_driver = 0

        async def tick():
            nonlocal seen_by_driver
            memory.drive(ctx)
            if ctx.get(dut.acknowledged):
                seen_by_driver = status(memory)["TX_ACKED"]
            memory.clock(ctx)
            await ctx.tick()

        for offset in offsets:
            # Header of zeros: one message with no data bytes.
            ctx.set(dut.arrival.valid, 1)
            ctx.set(dut.arrival.count, 1)
            ctx.set(dut.arrival.length, 24)
            for clock in range(120):
                if clock == 1:
                    ctx.set(dut.arrival.valid, 0)
                if clock == offset:
                    acked += 1
                    ctx.set(dut.tx_progress.acked_messages, acked)
                await tick()
            results.append((offset, status(memory)["TX_ACKED"], seen_by_driver))

    simulate(dut, testbench)
    return results


def status(memory):
    return STATUS_BLOCK.unpack(memory.read(STATUS_BASE, STATUS_BLOCK.size))


@pytest.mark.parametrize("first", [0, 25, 50])
def test_an_ack_during_any_status_write_raises_acknowledged(first):
    # Every clock from the packet's arrival to well after its status block: one of them
    # is the clock the engine takes TX_ACKED into the block for the packet's news.
    offsets = range(first, first + 25)
    for trial, (offset, in_memory, seen) in enumerate(run_trials(offsets), start=1):
        assert in_memory == trial, f"ACK {offset} clocks after the packet: not written"
        assert seen == trial, (f"ACK {offset} clocks after the packet: the status block "
                               f"says {in_memory} acknowledged, but the last "
                               f"ACK_RECEIVED event came with {seen}")
