"""DMA mover: copies a byte range between host memory (AXI4) and local RAM, any alignment."""

from amaranth import Array, Cat, Const, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.fifo import SyncFIFOBuffered
from amaranth.lib.wiring import In, Out

from hdl.dma.axi4 import Axi4Signature, AxiBurst

__all__ = ["DmaMover"]


class DmaMover(wiring.Component):
    """One transfer at a time between host memory and a local word-addressed RAM.

    ``to_host`` = 0 reads ``length`` bytes at ``host_address`` into local memory at
    ``local_address``; 1 writes the other way. Both addresses may have any byte
    alignment and the length may be anything, 0 included (done at once).

    * Bursts: INCR, at most ``max_burst`` beats, never across a 4 KiB boundary.
    * Reads: up to ``max_outstanding`` bursts in flight; ``rready`` is always high (local
      writes never wait), so a read moves a beat per clock when the host allows it.
    * Writes: address bursts run ahead (up to ``max_outstanding`` unanswered); data for
      a burst is produced only once its address is issued, so an error can stop the
      transfer between bursts.
    * Realignment: destination word j holds source bytes ``[jB+e, jB+e+B)`` with
      ``e = (source mod B) - (destination mod B)``: two consecutive source words and one
      barrel shift. Byte enables (local writes) and write strobes (host writes) cover
      exactly the requested bytes.
    * Errors: a SLVERR or DECERR response stops the issue of further bursts; the bursts
      in flight finish (their read data is not stored), then ``done`` pulses with
      ``error`` and the response in ``error_response``.

    Parameters
    ----------
    data_width : int
        32 or 64 bits, for the AXI bus and the local RAM words alike.
    max_burst, max_outstanding : int
    local_address_width : int
        Bits of a local byte address.

    Members
    -------
    axi : Out(Axi4Signature)
    start, to_host, host_address, local_address, length : In
        A transfer, taken while not ``busy``.
    busy, done, error, error_response : Out
        ``done`` pulses (with ``error``) the clock after ``busy`` falls; a job spends
        its first clock after ``start`` preparing, before its first request.
    local_write_address, local_write_data, local_write_enable : Out
        A local word write (byte enables; all 0 = no write), registered: a clock after
        the beat it comes from, and in the RAM by the time ``done`` can be acted on.
    local_read_address : Out, local_read_data : In
        A local word read; the data arrives the next clock.
    """

    def __init__(self, data_width: int = 32, max_burst: int = 16, max_outstanding: int = 4,
                 local_address_width: int = 18, address_width: int = 32):
        if data_width not in (32, 64):
            raise ValueError(f"data_width must be 32 or 64, not {data_width!r}")
        if not 1 <= max_burst <= 256:
            raise ValueError(f"max_burst must be in 1..256, not {max_burst!r}")
        if not 1 <= max_outstanding <= 16:
            raise ValueError(f"max_outstanding must be in 1..16, not {max_outstanding!r}")
        self._width, self._bytes = data_width, data_width // 8
        self._shift = self._bytes.bit_length() - 1
        self._max_burst, self._max_outstanding = max_burst, max_outstanding
        self._local_width, self._address_width = local_address_width, address_width
        word_address = local_address_width - self._shift
        super().__init__({
            "axi": Out(Axi4Signature(address_width, data_width)),
            "start": In(1), "to_host": In(1), "host_address": In(address_width),
            "local_address": In(local_address_width), "length": In(16),
            "busy": Out(1), "done": Out(1), "error": Out(1), "error_response": Out(2),
            "local_write_address": Out(word_address), "local_write_data": Out(data_width),
            "local_write_enable": Out(self._bytes),
            "local_read_address": Out(word_address), "local_read_data": In(data_width),
        })

    def elaborate(self, platform):
        m = Module()
        axi = self.axi
        B, lb = self._bytes, self._shift
        full = (1 << B) - 1

        # The job, taken at start as it comes; what follows from it is worked out the
        # clock after (`preparing`): the engine's choice of job and this arithmetic were
        # one path, the sync domain's longest (docs/timing.md, step 10).
        to_host = Signal()
        length = Signal(16)
        host_address = Signal.like(self.host_address)
        local_address = Signal.like(self.local_address)
        preparing = Signal()
        start = self.start & ~self.busy
        with m.If(start):
            m.d.sync += [to_host.eq(self.to_host), length.eq(self.length),
                         host_address.eq(self.host_address), local_address.eq(self.local_address),
                         preparing.eq(1), self.busy.eq(1)]
        with m.If(preparing):
            m.d.sync += preparing.eq(0)

        # S: source byte address, D: destination.
        src, dst = Signal(32), Signal(32)
        shift = Signal(lb)       # (S - D) mod B, bytes
        lag = Signal()           # S mod B >= D mod B: dest word j needs source word j+1
        src_words, dst_words = Signal(17), Signal(17)
        first_mask, last_mask = Signal(B), Signal(B)
        failed = Signal()
        job_src = Mux(to_host, local_address, host_address)
        job_dst = Mux(to_host, host_address, local_address)
        sm, dm = job_src[:lb], job_dst[:lb]
        with m.If(preparing):
            end = (dm + length)[:lb]
            m.d.sync += [
                src.eq(job_src), dst.eq(job_dst),
                shift.eq((sm - dm)[:lb]), lag.eq(sm >= dm),
                src_words.eq((sm + length + B - 1) >> lb),
                dst_words.eq((dm + length + B - 1) >> lb),
                first_mask.eq(Array(Const(full & ~((1 << k) - 1), B) for k in range(B))[dm]),
                last_mask.eq(Array(Const(full if k == 0 else (1 << k) - 1, B)
                                   for k in range(B))[end]),
                failed.eq(0),
            ]

        def realign(previous, current):
            return (Cat(previous, current) >> Cat(Const(0, 3), shift))[:self._width]

        def enables(j):
            return (Mux(j == 0, first_mask, full) & Mux(j == dst_words - 1, last_mask, full))

        def burst_length(address, words_left):
            """Beats of the next burst: max_burst, what is left, and the 4 KiB boundary."""
            to_boundary = (4096 - address[:12]) >> lb
            limit = Mux(words_left < self._max_burst, words_left, self._max_burst)
            return Mux(to_boundary < limit, to_boundary, limit)

        for prefix in ("aw", "ar"):
            m.d.comb += [getattr(axi, f"{prefix}size").eq(lb),
                         getattr(axi, f"{prefix}burst").eq(AxiBurst.INCR.value)]

        active = self.busy & ~preparing
        reading = active & ~to_host
        writing = active & to_host
        address = Signal(32)       # next burst's host address (word aligned)
        words_left = Signal(17)    # host words not yet requested
        in_flight = Signal(range(self._max_outstanding + 2))  # bursts issued, not finished
        with m.If(preparing):  # the host side is the source of a read, the destination of a write
            m.d.sync += [address.eq(host_address & ~(B - 1)),
                         words_left.eq((host_address[:lb] + length + B - 1) >> lb),
                         in_flight.eq(0)]
            with m.If(length == 0):
                m.d.sync += words_left.eq(0)

        def fail(response):
            m.d.sync += [failed.eq(1), self.error_response.eq(response)]

        # ---- Reads: host -> local ----
        write_address = Signal.like(self.local_write_address)   # this clock's local write
        write_data = Signal.like(self.local_write_data)
        write_enable = Signal.like(self.local_write_enable)
        beats = Signal(17)       # source words received
        previous = Signal(self._width)
        flushed = Signal()
        can_read = reading & ~axi.arvalid & (words_left != 0) & ~failed & \
            (in_flight < self._max_outstanding)
        read_burst = burst_length(address, words_left)
        with m.If(can_read):
            m.d.sync += [axi.arvalid.eq(1), axi.araddr.eq(address), axi.arlen.eq(read_burst - 1),
                         address.eq(address + (read_burst << lb)),
                         words_left.eq(words_left - read_burst)]
        with m.If(axi.arvalid & axi.arready):
            m.d.sync += axi.arvalid.eq(0)
        m.d.comb += axi.rready.eq(reading)
        with m.If(preparing):
            m.d.sync += [beats.eq(0), flushed.eq(0)]
        beat = axi.rvalid & axi.rready
        beat_error = beat & (axi.rresp != 0)
        with m.If(beat):
            m.d.sync += [beats.eq(beats + 1), previous.eq(axi.rdata)]
            with m.If(beat_error & ~failed):
                fail(axi.rresp)
            with m.If((beats >= lag) & ~failed & ~beat_error):
                j = beats - lag
                m.d.comb += [write_address.eq((dst >> lb) + j),
                             write_data.eq(realign(previous, axi.rdata)),
                             write_enable.eq(enables(j))]
        flush_due = reading & (beats == src_words) & ~flushed & ~failed & \
            (dst_words > src_words - lag) & (length != 0)
        with m.If(flush_due):
            j = src_words - lag
            m.d.comb += [write_address.eq((dst >> lb) + j),
                         write_data.eq(realign(previous, 0)),
                         write_enable.eq(enables(j))]
            m.d.sync += flushed.eq(1)
        # The local write is registered: the beat count's arithmetic, the realignment
        # and the slot buffer's write port were one path, the sync domain's longest
        # (docs/timing.md). The last write still lands before `done` can be acted on:
        # done comes a clock after the last beat or the flush at the earliest.
        m.d.sync += [self.local_write_address.eq(write_address),
                     self.local_write_data.eq(write_data),
                     self.local_write_enable.eq(write_enable)]

        # ---- Writes: local -> host ----
        m.submodules.bursts = bursts = SyncFIFOBuffered(width=9, depth=self._max_outstanding)
        m.submodules.wdata = wdata = SyncFIFOBuffered(width=self._width + B + 1, depth=8)
        write_burst = burst_length(address, words_left)
        can_write = writing & ~axi.awvalid & (words_left != 0) & ~failed & \
            (in_flight < self._max_outstanding) & bursts.w_rdy
        with m.If(can_write):
            m.d.sync += [axi.awvalid.eq(1), axi.awaddr.eq(address), axi.awlen.eq(write_burst - 1),
                         address.eq(address + (write_burst << lb)),
                         words_left.eq(words_left - write_burst)]
            m.d.comb += [bursts.w_data.eq(write_burst), bursts.w_en.eq(1)]
        with m.If(axi.awvalid & axi.awready):
            m.d.sync += axi.awvalid.eq(0)
        m.d.comb += axi.bready.eq(writing)
        with m.If(axi.bvalid & axi.bready & (axi.bresp != 0) & ~failed):
            fail(axi.bresp)

        # Producing write data: read a local word, realign it with the one before,
        # queue it with its strobes. Only for bursts already issued.
        burst_left = Signal(9)   # words of the current burst still to produce
        next_j = Signal(17)      # destination word to produce next
        primed = Signal()        # the first source word is in `previous` (when lag)
        stage = Signal()         # a local read was issued last clock
        stage_prime = Signal()
        stage_zero = Signal()    # that word lies past the source: use zeros
        stage_j = Signal(17)
        stage_last = Signal()
        # The local read address is a register, kept a clock ahead (the word at next_j
        # + lag), and put out whether or not a read is issued: reading has no effect of
        # its own, and the read decision and an adder were in series with the RAM's
        # address port (docs/timing.md, step 10).
        next_read = Signal.like(self.local_read_address)
        m.d.comb += self.local_read_address.eq(Mux(lag & ~primed, src >> lb, next_read))
        with m.If(preparing):
            m.d.sync += [next_j.eq(0), primed.eq(0), burst_left.eq(0), stage.eq(0),
                         next_read.eq((job_src >> lb) + (sm >= dm))]  # sm >= dm: lag
        room = wdata.w_level + stage < wdata.depth - 1
        m.d.sync += stage.eq(0)  # unless a read is issued below
        with m.If(writing & (burst_left == 0) & bursts.r_rdy):
            m.d.comb += bursts.r_en.eq(1)
            m.d.sync += burst_left.eq(bursts.r_data)
        with m.Elif(writing & lag & ~primed):
            m.d.sync += [stage.eq(1), stage_prime.eq(1), stage_zero.eq(0), primed.eq(1)]
        with m.Elif(writing & (burst_left != 0) & room):
            source_word = next_j + lag
            m.d.sync += [stage.eq(1), stage_prime.eq(0), stage_zero.eq(source_word >= src_words),
                         stage_j.eq(next_j), stage_last.eq(burst_left == 1),
                         next_j.eq(next_j + 1), burst_left.eq(burst_left - 1),
                         next_read.eq(next_read + 1)]
            with m.If((burst_left == 1) & bursts.r_rdy):  # the next burst, without a bubble
                m.d.comb += bursts.r_en.eq(1)
                m.d.sync += burst_left.eq(bursts.r_data)
        current = Mux(stage_zero, 0, self.local_read_data)
        with m.If(stage):
            m.d.sync += previous.eq(current)
            with m.If(~stage_prime):
                m.d.comb += [wdata.w_en.eq(1),
                             wdata.w_data.eq(Cat(realign(previous, current),
                                                 enables(stage_j), stage_last))]
        m.d.comb += [
            axi.wvalid.eq(wdata.r_rdy),
            axi.wdata.eq(wdata.r_data[:self._width]),
            axi.wstrb.eq(wdata.r_data[self._width:self._width + B]),
            axi.wlast.eq(wdata.r_data[-1]),
            wdata.r_en.eq(axi.wready),
        ]

        # Bursts in flight: issued, not yet answered (reads: last beat; writes: B).
        issued = (axi.arvalid & axi.arready) | (axi.awvalid & axi.awready)
        finished = (beat & axi.rlast) | (axi.bvalid & axi.bready)
        m.d.sync += in_flight.eq(in_flight + issued - finished)

        # Done: nothing in flight and nothing more to issue (or a failure stopped it).
        quiet = (in_flight == 0) & ~axi.arvalid & ~axi.awvalid & ~issued
        read_done = reading & quiet & (((words_left == 0) & ~flush_due
                                        & ((beats == src_words) | (length == 0))) | failed)
        write_done = writing & quiet & ((words_left == 0) | failed) & ~bursts.r_rdy & \
            (burst_left == 0) & ~stage & ~wdata.r_rdy
        # `done` is registered, a clock after the end: the end's conditions ran on into
        # the engine's state machine and the receive controller (docs/timing.md, step 10).
        m.d.sync += self.done.eq(0)
        with m.If(self.busy & (read_done | write_done)):  # busy: no start this clock
            m.d.sync += [self.done.eq(1), self.error.eq(failed), self.busy.eq(0)]
        return m
