"""Host memory for the test tops, in RTL: an AXI4 slave on a line memory.

The adapters' DMA masters move several beats a clock between them under load; a host
memory in Python wakes the testbench for every beat (most of the co-simulation's time).
Here the whole AXI4 side runs in the simulator: the testbench only reads and writes the
lines as the host CPU would (no simulated time, :mod:`cocotb_tests.host_memory`), sets
error regions and pauses, and reads counters. It is held to cocotbext-axi's AXI4 slave
by ``cocotb_tests/tb_host_memory.py``.
"""

from pathlib import Path

from amaranth import ClockSignal, Instance, Module, Mux, Signal
from amaranth.lib import data, wiring
from amaranth.lib.fifo import SyncFIFOBuffered
from amaranth.lib.wiring import In, Out

from hdl.dma.axi4 import Axi4Signature, AxiBurst
from hdl.testbench.random_generator import XorShift32
from hdl.testbench.sampled_inputs import sampled

__all__ = ["LINE_BYTES", "HOST_MEMORY_BYTES", "HostMemoryControl", "HostMemoryStatus",
           "LinePort", "HostMemoryLines", "AxiMemorySlave", "HOST_MEMORY_VERILOG"]

#: Bytes per line: what the testbench reads or writes in one simulator call.
LINE_BYTES = 64
#: Every address the tests use lies below 2 MiB; above, the memory answers DECERR.
HOST_MEMORY_BYTES = 1 << 21
#: The hand-written storage (see the file for why); generated tops that hold a host
#: memory carry it (:data:`msl_tools.tops.Top.verilog_files`).
HOST_MEMORY_VERILOG = Path(__file__).resolve().with_name("host_memory_lines.v")

_LINES = HOST_MEMORY_BYTES // LINE_BYTES
_LINE_ADDRESS_BITS = (_LINES - 1).bit_length()
_LINE_OFFSET_BITS = (LINE_BYTES - 1).bit_length()
_WORD_BITS = 4   # enough for the words of a line on the narrowest (32-bit) bus

#: Settings, held by the testbench.
HostMemoryControl = data.StructLayout({
    "slverr_low": 32,        # [slverr_low, slverr_high) answers SLVERR (whole bus words)
    "slverr_high": 32,
    "pause_threshold": 16,   # each clock, each channel pauses with probability t / 2**16
    "watch_low": 32,         # write bursts into [watch_low, watch_high) are counted
    "watch_high": 32,
    "seed": 32,              # the pause pattern, loaded on ``reseed``
})

#: Counters since reset (16-bit, wrapping).
HostMemoryStatus = data.StructLayout({
    "protocol_errors": 16,   # an INCR burst across 4 KiB, a beat wider than the bus, a
                             # misplaced wlast: the test must fail
    "watched_writes": 16,    # write bursts that wrote into the watch window (counted at
                             # their last beat: the testbench may sleep until it moves)
})

def LinePort(data_width: int) -> wiring.Signature:
    """One bus word's port into the line storage, as its user (the slave) sees it."""
    return wiring.Signature({
        "read_line": Out(_LINE_ADDRESS_BITS),
        "read_word": Out(_WORD_BITS),
        "read_data": In(data_width),
        "write_line": Out(_LINE_ADDRESS_BITS),
        "write_word": Out(_WORD_BITS),
        "write_data": Out(data_width),
        "write_strobe": Out(data_width // 8),
    })


_Request = data.StructLayout({"id": 4, "address": 32, "length": 8, "size": 3, "burst": 2})
_Response = data.StructLayout({"id": 4, "response": 2})


class HostMemoryLines(wiring.Component):
    """The 2 MiB of line storage (:data:`HOST_MEMORY_VERILOG`), with two ports.

    Parameters
    ----------
    data_width : int
        Bits of the bus word each port reads and writes.

    Members
    -------
    port0, port1 : In(LinePort)
        A combinational read and a byte-enabled write on the clock each.
    """

    def __init__(self, data_width: int = 32):
        self._data_width = data_width
        super().__init__({"port0": In(LinePort(data_width)),
                          "port1": In(LinePort(data_width))})

    def elaborate(self, platform):
        m = Module()
        ports = {}
        for index, port in enumerate((self.port0, self.port1)):
            ports.update({f"i_read_line_{index}": port.read_line,
                          f"i_read_word_{index}": port.read_word,
                          f"o_read_data_{index}": port.read_data,
                          f"i_write_line_{index}": port.write_line,
                          f"i_write_word_{index}": port.write_word,
                          f"i_write_data_{index}": port.write_data,
                          f"i_write_strobe_{index}": port.write_strobe})
        m.submodules.storage = Instance(
            "msl_host_memory_lines", p_LINES=_LINES, p_LINE_BYTES=LINE_BYTES,
            p_DATA_WIDTH=self._data_width, p_LINE_BITS=_LINE_ADDRESS_BITS,
            p_WORD_BITS=_WORD_BITS, i_clk=ClockSignal("sync"), **ports)
        return m


class AxiMemorySlave(wiring.Component):
    """An AXI4 slave serving host memory from a :class:`LinePort`.

    INCR, FIXED and WRAP bursts of any beat size up to the bus width, byte strobes,
    up to four bursts accepted ahead per direction (answered in order), one beat a
    clock each way. A beat whose bus word lies at or above :data:`HOST_MEMORY_BYTES`
    answers DECERR, one that overlaps the SLVERR window answers SLVERR; neither writes.
    Every channel can pause at random (the ready of AR, AW and W drops; R and B hold a
    new beat back; a beat on offer stays on offer).

    Parameters
    ----------
    data_width : int
        Bits per beat: 32 or 64.
    id_width : int

    Members
    -------
    axi : In(Axi4Signature)
        The slave side of the bus.
    lines : Out(LinePort)
    control : In(HostMemoryControl)
        Takes effect a clock after it is set (as ``reseed``), and is zero in reset.
    reseed : In(1)
        Load ``control.seed`` into the pause generators.
    status : Out(HostMemoryStatus)
    """

    def __init__(self, data_width: int = 32, id_width: int = 1):
        if data_width not in (32, 64):
            raise ValueError(f"data_width must be 32 or 64, not {data_width!r}")
        if not 1 <= id_width <= 4:
            raise ValueError(f"id_width must be 1..4, not {id_width!r}")
        self._data_width, self._id_width = data_width, id_width
        super().__init__({
            "axi": In(Axi4Signature(32, data_width, id_width)),
            "lines": Out(LinePort(data_width)),
            "control": In(HostMemoryControl),
            "reseed": In(1),
            "status": Out(HostMemoryStatus),
        })

    def elaborate(self, platform):
        m = Module()
        axi, status = self.axi, self.status
        # The testbench's settings a clock late (hdl.testbench.sampled_inputs says why).
        control = sampled(m, self.control, "control_sampled")
        reseed = sampled(m, self.reseed, "reseed_sampled")
        lanes = self._data_width // 8
        lane_bits = (lanes - 1).bit_length()

        # Pauses: a 16-bit slice of a random stream per channel below the threshold. The
        # streams stand still unless pauses are on (a simulator then has nothing to do
        # for them: Icarus runs the idle adapter pair twice as fast).
        randoms = []
        for salt in (1, 2, 3):
            generator = XorShift32(control.seed, salt)
            m.submodules[f"pause_random{salt}"] = generator
            m.d.comb += [generator.reseed.eq(reseed),
                         generator.step.eq(control.pause_threshold != 0)]
            randoms.append(generator.value)
        pause = {name: randoms[i // 2][16 * (i % 2):16 * (i % 2) + 16] < control.pause_threshold
                 for i, name in enumerate(("ar", "r", "aw", "w", "b"))}

        def bus_word(address):
            return address & (0xFFFF_FFFF ^ (lanes - 1))

        def response_of(address):
            """DECERR past the end, SLVERR in the window, else OKAY, for the bus word."""
            word = bus_word(address)
            return Mux(address >= HOST_MEMORY_BYTES, 3,
                       Mux((word < control.slverr_high) & (word + lanes > control.slverr_low),
                           2, 0))

        def line_of(address):
            return address[_LINE_OFFSET_BITS:_LINE_OFFSET_BITS + _LINE_ADDRESS_BITS]

        def word_in_line(address):
            return address[lane_bits:_LINE_OFFSET_BITS]

        def next_address(address, size, burst, mask):
            """The address of the beat after the one at ``address``."""
            incremented = ((address >> size) << size) + (1 << size)
            return Mux(burst == AxiBurst.FIXED, address,
                       Mux(burst == AxiBurst.WRAP,
                           (address & ~mask) | (incremented & mask), incremented))[:32]

        protocol_errors = Signal(16)
        m.d.comb += status.protocol_errors.eq(protocol_errors)

        def accept(name, valid, ready, fields, pause_now):
            """An address channel into a FIFO of requests; a bad request is counted."""
            fifo = SyncFIFOBuffered(width=_Request.size, depth=4)
            m.submodules[f"{name}_requests"] = fifo
            request = Signal(_Request)
            m.d.comb += [request.id.eq(fields["id"]), request.address.eq(fields["addr"]),
                         request.length.eq(fields["len"]), request.size.eq(fields["size"]),
                         request.burst.eq(fields["burst"]),
                         ready.eq(fifo.w_rdy & ~pause_now),
                         fifo.w_data.eq(request), fifo.w_en.eq(valid & ready)]
            first = (request.address >> request.size) << request.size
            last = first + ((request.length + 1) << request.size) - 1
            crosses = (request.burst == AxiBurst.INCR) & (first[12:32] != last[12:32])
            with m.If(valid & ready & ((request.size > lane_bits) | crosses)):
                m.d.sync += protocol_errors.eq(protocol_errors + 1)
            return fifo

        def burst_state(name):
            return {"active": Signal(name=f"{name}_active"),
                    "id": Signal(self._id_width, name=f"{name}_id"),
                    "address": Signal(32, name=f"{name}_address"),
                    "left": Signal(9, name=f"{name}_left"),
                    "size": Signal(3, name=f"{name}_size"),
                    "burst": Signal(2, name=f"{name}_burst"),
                    "mask": Signal(32, name=f"{name}_mask")}

        def start(state, fifo):
            request = Signal(_Request)
            m.d.comb += [request.eq(fifo.r_data), fifo.r_en.eq(1)]
            m.d.sync += [state["active"].eq(1), state["id"].eq(request.id),
                         state["address"].eq(request.address),
                         state["left"].eq(request.length + 1),
                         state["size"].eq(request.size), state["burst"].eq(request.burst),
                         state["mask"].eq(((request.length + 1) << request.size) - 1)]

        # ---- reads ----
        reads = accept("read", axi.arvalid, axi.arready,
                       {"id": axi.arid, "addr": axi.araddr, "len": axi.arlen,
                        "size": axi.arsize, "burst": axi.arburst}, pause["ar"])
        r = burst_state("read")
        read_response = response_of(r["address"])
        m.d.comb += [self.lines.read_line.eq(line_of(r["address"])),
                     self.lines.read_word.eq(word_in_line(r["address"]))]
        read_last = Signal()
        with m.If(~axi.rvalid | axi.rready):
            with m.If(r["active"] & ~pause["r"]):
                m.d.comb += read_last.eq(r["left"] == 1)
                m.d.sync += [axi.rvalid.eq(1), axi.rid.eq(r["id"]),
                             axi.rdata.eq(Mux(read_response == 0, self.lines.read_data, 0)),
                             axi.rresp.eq(read_response), axi.rlast.eq(read_last),
                             r["address"].eq(next_address(r["address"], r["size"],
                                                          r["burst"], r["mask"])),
                             r["left"].eq(r["left"] - 1)]
                with m.If(read_last):
                    m.d.sync += r["active"].eq(0)
            with m.Else():
                m.d.sync += axi.rvalid.eq(0)
        with m.If((~r["active"] | read_last) & reads.r_rdy):
            start(r, reads)

        # ---- writes ----
        writes = accept("write", axi.awvalid, axi.awready,
                        {"id": axi.awid, "addr": axi.awaddr, "len": axi.awlen,
                         "size": axi.awsize, "burst": axi.awburst}, pause["aw"])
        w = burst_state("write")
        w_response = Signal(2)   # the worst of the burst so far
        responses = SyncFIFOBuffered(width=_Response.size, depth=4)
        m.submodules.write_responses = responses
        m.d.comb += axi.wready.eq(w["active"] & responses.w_rdy & ~pause["w"])
        write_beat = axi.wvalid & axi.wready
        beat_response = response_of(w["address"])
        m.d.comb += [
            self.lines.write_line.eq(line_of(w["address"])),
            self.lines.write_word.eq(word_in_line(w["address"])),
            self.lines.write_data.eq(axi.wdata),
            self.lines.write_strobe.eq(Mux(write_beat & (beat_response == 0), axi.wstrb, 0)),
        ]
        write_last = Signal()
        watched = Signal()   # the burst has written into the watch window
        worst = Mux(beat_response > w_response, beat_response, w_response)
        with m.If(write_beat):
            m.d.comb += write_last.eq(w["left"] == 1)
            m.d.sync += [w["address"].eq(next_address(w["address"], w["size"], w["burst"],
                                                      w["mask"])),
                         w["left"].eq(w["left"] - 1), w_response.eq(worst)]
            with m.If(axi.wlast != write_last):
                m.d.sync += protocol_errors.eq(protocol_errors + 1)
            with m.If(write_last):
                answer = Signal(_Response)
                m.d.comb += [answer.id.eq(w["id"]), answer.response.eq(worst),
                             responses.w_data.eq(answer), responses.w_en.eq(1)]
                m.d.sync += [w["active"].eq(0), w_response.eq(0)]
            word = bus_word(w["address"])
            hit = (word < control.watch_high) & (word + lanes > control.watch_low)
            with m.If(hit):
                m.d.sync += watched.eq(1)
            with m.If(write_last):
                m.d.sync += watched.eq(0)
                with m.If(watched | hit):
                    m.d.sync += status.watched_writes.eq(status.watched_writes + 1)
        with m.If((~w["active"] | write_last) & writes.r_rdy):
            start(w, writes)

        # ---- write responses ----
        head = Signal(_Response)
        m.d.comb += head.eq(responses.r_data)
        with m.If(axi.bvalid):
            with m.If(axi.bready):
                m.d.sync += axi.bvalid.eq(0)
                m.d.comb += responses.r_en.eq(1)
        with m.Elif(responses.r_rdy & ~pause["b"]):
            m.d.sync += [axi.bvalid.eq(1), axi.bid.eq(head.id), axi.bresp.eq(head.response)]

        return m
