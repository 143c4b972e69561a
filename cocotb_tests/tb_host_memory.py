"""cocotb tests of the RTL host memory of the test tops (:mod:`hdl.testbench.host_memory`),
held to cocotbext-axi's AXI4 slave on the same transactions.

On :mod:`hdl.testbench.axi_passthrough_top` one cocotbext-axi master drives each bus:
``fast_in`` reaches the RTL memory, ``reference_in`` cocotbext-axi's slave on a Python
copy of the same bytes. Both masters get the same random operations (INCR, FIXED and
WRAP bursts, full and narrow beats, any address and length, so unaligned starts and ends
with partial strobes), with random pauses on every channel of masters and slaves alike;
every read's data and response, every write's response and the memories afterwards must
be the same. The CPU's view of the RTL memory (line reads and writes through the
simulator) is held to a Python bytearray the same way.
"""

from __future__ import annotations

import os
import random

import cocotb
from cocotb.triggers import Combine, RisingEdge
from cocotbext.axi import AxiBus, AxiMaster
from cocotbext.axi.constants import AxiBurstType, AxiResp

from cocotb_tests.axil_binding import pause_at_random
from cocotb_tests.clocks import start_clock_and_reset
from cocotb_tests.clocks import clock_cycles, testbench_clock
from cocotb_tests.driver_binding import CocotbPlatform
from cocotb_tests.harness import top_params
from cocotb_tests.host_memory import HostRam, RtlHostMemory, reference_memory
from server_os.platform import poll_every

SIZE = 1 << 16            # the region the operations use
HOLE = (0x8000, 0x9000)   # SLVERR here


class Pair:
    """The two masters (unless ``masters`` is False) and the two memories, holding the
    same bytes."""

    def __init__(self, dut, stall: float, seed: int, masters: bool = True):
        self.dut = dut
        self.lanes = top_params()["data_width"] // 8
        rng = random.Random(seed)
        self.rtl = RtlHostMemory(dut, "", stall, rng.getrandbits(32), HOLE)
        self.python = HostRam(slverr=HOLE)
        self.reference = reference_memory(dut, "reference", dut.clk, dut.rst, self.python,
                                          stall, rng.getrandbits(32))
        contents = rng.randbytes(SIZE)
        self.rtl.write(0, contents)
        self.python.write(0, contents)
        self.masters = []
        for name in ("fast_in", "reference_in") if masters else ():
            master = AxiMaster(AxiBus.from_prefix(dut, name, bus_separator="__"), dut.clk,
                               dut.rst)
            for interface in (master.write_if, master.read_if):
                interface.log.setLevel("WARNING")
            pause_at_random((master.write_if.aw_channel, master.write_if.w_channel,
                             master.write_if.b_channel, master.read_if.ar_channel,
                             master.read_if.r_channel), stall, rng.getrandbits(32))
            self.masters.append(master)

    async def both(self, operation: str, *args, **kwargs) -> list:
        """The same operation on both buses at once; the two results."""
        tasks = [cocotb.start_soon(getattr(m, operation)(*args, **kwargs))
                 for m in self.masters]
        await Combine(*tasks)
        return [task.result() for task in tasks]


async def started(dut, stall: float, seed: int, masters: bool = True) -> Pair:
    if not masters:   # the test drives the bus itself: idle until it does
        for bus in ("fast_in", "reference_in"):
            for name in ("arvalid", "awvalid", "wvalid", "rready", "bready"):
                getattr(dut, f"{bus}__{name}").value = 0
    await start_clock_and_reset(dut)
    pair = Pair(dut, stall, seed, masters)
    await pair.rtl.reseed()
    await clock_cycles(dut.clk, 5)
    return pair


def random_operation(rng: random.Random, lanes: int, low: int, high: int) -> dict:
    """A read or write of random burst kind and beat size inside ``[low, high)``."""
    max_size = (lanes - 1).bit_length()
    size = rng.choice([max_size, max_size, rng.randint(0, max_size)])
    step = 1 << size
    kind = rng.choice([AxiBurstType.INCR] * 4 + [AxiBurstType.FIXED, AxiBurstType.WRAP])
    if kind == AxiBurstType.INCR:
        length = rng.choice([1, 2, 3, lanes, lanes + 1, rng.randint(1, 64),
                             rng.randint(1, 2000)])
        address = rng.randrange(low, high - length)
    else:
        # FIXED and WRAP: one burst of 2, 4, 8 or 16 beats (WRAP's legal lengths),
        # starting on a beat boundary, within a 4 KiB page (the master would split it).
        length = step * rng.choice([2, 4, 8, 16])
        address = rng.randrange(low, high - length) // step * step
        address -= max(0, address % 4096 + length - 4096)
    operation = {"write": rng.random() < 0.5, "address": address, "burst": kind,
                 "size": size}
    if operation["write"]:
        operation["data"] = rng.randbytes(length)
    else:
        operation["length"] = length
    return operation


async def run(pair: Pair, operation: dict) -> tuple:
    """One operation on both buses; (RTL result, reference result), comparable."""
    options = {"burst": operation["burst"], "size": operation["size"]}
    if operation["write"]:
        results = await pair.both("write", operation["address"], operation["data"],
                                  **options)
        return tuple(AxiResp(r.resp) for r in results)
    results = await pair.both("read", operation["address"], operation["length"], **options)
    return tuple((bytes(r.data), AxiResp(r.resp)) for r in results)


@cocotb.test()
async def same_answers_as_the_reference(dut):
    """Random operations, several at once on disjoint regions, on both memories."""
    seed = random.getrandbits(32)
    count = int(os.environ.get("MSL_MEMORY_OPERATIONS", "300"))
    dut._log.info("seed %d, %d operations", seed, count)
    rng = random.Random(seed)
    pair = await started(dut, stall=0.3, seed=seed)
    regions = 4
    span = SIZE // regions
    kinds, errors = set(), 0
    for _ in range(count // regions):
        # One operation per region at once: overlapping ones would race differently on
        # the two buses.
        operations = [random_operation(rng, pair.lanes, r * span, (r + 1) * span)
                      for r in range(regions)]
        tasks = [cocotb.start_soon(run(pair, op)) for op in operations]
        await Combine(*tasks)
        for operation, task in zip(operations, tasks):
            rtl, reference = task.result()
            assert rtl == reference, \
                f"{operation}: the RTL memory answered {rtl}, the reference {reference}"
            kinds.add((operation["write"], operation["burst"], operation["size"]))
            errors += (rtl if operation["write"] else rtl[1]) != AxiResp.OKAY
    assert pair.rtl.read(0, SIZE) == pair.python.read(0, SIZE), "the memories differ"
    assert pair.rtl.counters()["protocol_errors"] == 0
    assert errors, "no operation touched the SLVERR hole: the error path went untested"
    dut._log.info("%d kinds of operation, %d answered with an error", len(kinds), errors)


@cocotb.test()
async def the_cpu_view_reads_what_it_wrote(dut):
    """CPU reads and writes of any address and length (partial lines at both ends)
    against a bytearray, and the bus sees what the CPU wrote."""
    seed = random.getrandbits(32)
    dut._log.info("seed %d", seed)
    rng = random.Random(seed)
    pair = await started(dut, stall=0.0, seed=seed)
    model = bytearray(pair.rtl.read(0, SIZE))
    for _ in range(200):
        address = rng.randrange(0, SIZE - 300)
        length = rng.choice([0, 1, 3, 63, 64, 65, rng.randint(1, 300)])
        if rng.random() < 0.5:
            data = rng.randbytes(length)
            pair.rtl.write(address, data)
            model[address:address + length] = data
        else:
            assert pair.rtl.read(address, length) == bytes(model[address:address + length])
    assert pair.rtl.read(0, SIZE) == bytes(model)
    result = await pair.masters[0].read(0x1234, 100)
    assert bytes(result.data) == bytes(model[0x1234:0x1234 + 100])
    for address, length in ((-1, 4), (pair.rtl.size - 2, 4)):
        try:
            pair.rtl.read(address, length)
        except ValueError:
            continue
        raise AssertionError(f"a CPU read of {length} bytes at {address:#x} did not fail")


@cocotb.test()
async def decerr_past_the_end(dut):
    """Past the end of memory the RTL answers DECERR where the reference (which has no
    DECERR) answers SLVERR; the beats before the end are answered normally."""
    pair = await started(dut, stall=0.0, seed=1)
    lanes, end = pair.lanes, pair.rtl.size
    full = (lanes - 1).bit_length()
    pair.python.write(end - 2 * lanes, pair.rtl.read(end - 2 * lanes, 2 * lanes))
    (rtl, rtl_resp), (ref, ref_resp) = await run(pair, {
        "write": False, "address": end - 2 * lanes, "length": 4 * lanes,
        "burst": AxiBurstType.INCR, "size": full})
    assert (rtl_resp, ref_resp) == (AxiResp.DECERR, AxiResp.SLVERR)
    assert rtl[:2 * lanes] == ref[:2 * lanes] == pair.rtl.read(end - 2 * lanes, 2 * lanes)
    rtl_resp, ref_resp = await run(pair, {
        "write": True, "address": end - lanes, "data": bytes(range(2 * lanes)),
        "burst": AxiBurstType.INCR, "size": full})
    assert (rtl_resp, ref_resp) == (AxiResp.DECERR, AxiResp.SLVERR)
    assert pair.rtl.read(end - lanes, lanes) == bytes(range(lanes))


@cocotb.test()
async def writes_into_the_watch_window_are_counted(dut):
    """A write burst that writes into the window counts once; one beside it not at all."""
    pair = await started(dut, stall=0.0, seed=2)
    pair.rtl.watch(0x2000, 0x2040)
    master = pair.masters[0]
    await master.write(0x1FF0, bytes(0x60))     # 0x1FF0..0x2050: 64 bytes inside
    await master.write(0x2010, bytes(8))
    assert pair.rtl.counters()["watched_writes"] == 2
    await master.write(0x3000, bytes(16))
    await master.write(0x1000, bytes(0x1000))   # ends where the window starts
    assert pair.rtl.counters()["watched_writes"] == 2


@cocotb.test()
async def a_burst_across_4_kib_is_a_protocol_error(dut):
    """An INCR burst that crosses a 4 KiB boundary (the master breaks AXI) is counted."""
    pair = await started(dut, stall=0.0, seed=3, masters=False)
    lanes = pair.lanes
    dut.fast_in__rready.value = 1
    for name, value in (("arid", 0), ("araddr", 0x1000 - 2 * lanes), ("arlen", 3),
                        ("arsize", (lanes - 1).bit_length()), ("arburst", 1)):
        getattr(dut, f"fast_in__{name}").value = value
    dut.fast_in__arvalid.value = 1
    while True:
        await RisingEdge(dut.clk)
        if int(dut.fast_in__arready.value):
            break
    dut.fast_in__arvalid.value = 0
    await clock_cycles(dut.clk, 10)
    assert pair.rtl.counters()["protocol_errors"] == 1


@cocotb.test()
async def reset_drops_what_is_under_way(dut):
    """A reset in the middle of a long read: the memory drops what it was answering at
    once (no valid during reset), and after the reset it answers afresh."""
    pair = await started(dut, stall=0.0, seed=4)
    master = pair.masters[0]
    reading = cocotb.start_soon(master.read(0, 4096))
    await clock_cycles(dut.clk, 40)
    dut.rst.value = 1
    await clock_cycles(dut.clk, 3)
    assert int(dut.fast_in__rvalid.value) == 0 and int(dut.fast_in__bvalid.value) == 0
    dut.rst.value = 0
    reading.cancel()
    await clock_cycles(dut.clk, 3)
    await master.write(0x40, b"after the reset")
    result = await master.read(0x40, 15)
    assert bytes(result.data) == b"after the reset" and result.resp == AxiResp.OKAY


@cocotb.test()
async def sleeping_polls_return_where_polling_loops_do(dut):
    """:meth:`CocotbPlatform.poll` with a watch window sleeps until the bus writes there,
    and returns on the clock, and with the answer, of the plain loop that checks every
    ``every`` clocks (:func:`server_os.platform.poll_every`): for writes at random times,
    at and between the loop's clocks, and for deadlines that pass first."""
    seed = random.getrandbits(32)
    dut._log.info("seed %d", seed)
    rng = random.Random(seed)
    pair = await started(dut, stall=0.0, seed=seed)
    platform = CocotbPlatform(testbench_clock(dut.clk), pair.rtl)
    master, flag = pair.masters[0], 0x4000
    for trial in range(40):
        pair.rtl.write(flag, bytes(4))
        every, clocks = rng.choice([1, 8, 16]), rng.randint(20, 400)
        delay = rng.randint(0, clocks + 40)
        await clock_cycles(dut.clk, rng.randint(1, 5))

        def ready():
            return pair.rtl.read(flag, 4) != bytes(4)

        async def timed(wait):
            result = await wait
            return result, platform.clocks()
        loop = cocotb.start_soon(timed(poll_every(platform, ready, every, clocks)))
        sleeping = cocotb.start_soon(timed(platform.poll(ready, every, clocks,
                                                         watch=(flag, 4))))
        await clock_cycles(dut.clk, delay)
        await master.write(flag, bytes([trial + 1]) * 4)
        await Combine(loop, sleeping)
        assert sleeping.result() == loop.result(), \
            f"every {every}, {clocks} clocks, write after {delay}: the sleeping poll " \
            f"gave {sleeping.result()}, the loop {loop.result()}"
