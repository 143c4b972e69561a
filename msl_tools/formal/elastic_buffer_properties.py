"""Elastic buffer properties: commas are removed or repeated only where a comma stands
beside a comma, so never inside a frame; and, to the bounded depth, no overflow or
underflow within the clock-offset bound.

Clocks: both domains of :class:`hdl.phy.elastic_buffer.ElasticBuffer` (``rx`` writing,
``sync`` reading) run on the harness's one clock, and the offset between the two
oscillators is modelled by the slower side's enable: the side the solver picks as slower
(``AnyConst``) misses at most one clock in every ``slip_period`` (its symbol or its
tick), the faster side has one every clock. That is any rate between equal and
``1/slip_period`` apart (125,000 ppm at 8: the bound is scaled up, with frames scaled
down, so that drift shows within a bounded depth), in either direction. It exercises the
buffer's logic (levels, margins, the synchronizer lag of the FIFO's pointers as the
FIFO has it at equal clocks) but not metastability or the phase between two clocks,
which Amaranth's own ``AsyncFIFO`` proofs cover.

The line: symbols are valid code words in sync; frames are runs of up to ``max_run``
non-comma symbols, each run followed by at least ``gap`` commas, the sender's
``idle_gap`` rule for this drift (one comma that stays, one per symbol a run and its gap
can drift). What a symbol is matters to the buffer only as comma or not, so the line
carries commas, STARTs, ENDs and data bytes of value 0.

Bounded, not proved: the FIFO's memory and its pointers' synchronizers make k-induction
need lemmas on Amaranth's ``AsyncFIFO`` internals, and BMC grows about twice as costly
every five steps past 45. At the chosen depth (56 steps: reading starts near step 20)
the clocks can drift about five symbols against a margin of sixteen, so the over- and
underflow half is checked only that far: an early start or a wrong level compare would
show, a slow leak would not (docs/formal.md). A harness that started the buffer half
full would reach further; it needs the FIFO's internals.
"""

from math import ceil
from unittest import mock

from amaranth import ClockDomain, ClockSignal, Mux, ResetSignal, Signal
from amaranth.asserts import AnyConst, AnySeq
from amaranth.hdl import Assert, Assume, Cover

import hdl.phy.elastic_buffer as elastic_module
from hdl.phy.elastic_buffer import ElasticBuffer
from msl_spec import ControlSymbol
from msl_tools.formal.harness import FormalHarness

__all__ = ["ElasticBufferHarness"]

DEPTH = 32
SLIP_PERIOD = 8
MAX_RUN = 8


def gap_for(max_run: int, slip_period: int) -> int:
    """Commas after each run: one that stays, and one per symbol of drift over the run
    and its gap (a slip per ``slip_period - 1`` symbols of the slower side)."""
    drift = ceil(max_run / (slip_period - 1))
    gap = 1 + drift
    while 1 + ceil((max_run + gap) / (slip_period - 1)) > gap:
        gap += 1
    return gap


class ElasticBufferHarness(FormalHarness):
    """The elastic buffer between a line that keeps the sender's rules and a reader, at
    a bounded clock offset.

    Assumptions: as in the module docstring (valid, in-sync symbols; runs of at most
    ``max_run`` non-commas, each followed by ``gap`` commas; the slower side misses at most
    one clock in ``slip_period``).

    Assertions: ``deleted`` only for a comma that follows a comma on the line;
    ``inserted`` only with a comma that repeats the comma read just before, itself not
    a repeat (so a frame's symbols, which contain no comma, are never split, joined or
    changed by compensation); neither ``overflow`` nor ``underflow`` ever pulses.

    Covers: a comma deleted, a comma inserted, and both in one run.
    """

    MUTATIONS = {
        "start_removable": "the buffer takes START for a comma (_is_comma also matches "
                           "K27.7): a START after a comma may be deleted",
        "any_symbol_is_comma": "the buffer's comma test matches every valid symbol, so "
                               "it may delete or repeat a frame's symbols",
    }

    def __init__(self, mutation=None, depth=DEPTH, slip_period=SLIP_PERIOD, max_run=MAX_RUN):
        super().__init__(mutation)
        self.depth, self.slip_period, self.max_run = depth, slip_period, max_run
        self.gap = gap_for(max_run, slip_period)

    def check(self, m):
        m.domains.rx = ClockDomain("rx")
        m.d.comb += [ClockSignal("rx").eq(ClockSignal("sync")), ResetSignal("rx").eq(0)]
        dut = _build(self.mutation, self.depth)
        m.submodules.dut = dut

        # The clocks: the slower side misses at most one clock in slip_period.
        writer_slower = AnyConst(1)
        since_slip = Signal(range(self.slip_period), init=self.slip_period - 1)
        slip = AnySeq(1)
        m.d.comb += Assume(~slip | (since_slip == self.slip_period - 1))
        m.d.sync += since_slip.eq(Mux(slip, 0, since_slip + (since_slip != self.slip_period - 1)))
        m.d.comb += [dut.write_valid.eq(~(slip & writer_slower)),
                     dut.tick.eq(~(slip & ~writer_slower))]

        # The line.
        # What a symbol is matters to the buffer only as comma or not: the line carries
        # commas, STARTs and ENDs, and data bytes of value 0 (fewer values keep the
        # FIFO's memory cheap for the solver).
        kind = AnySeq(2)
        symbol = dut.write.symbol
        m.d.comb += [
            symbol.k.eq(kind != 3),
            symbol.data.eq(Mux(kind == 0, ControlSymbol.COMMA,
                               Mux(kind == 1, ControlSymbol.START,
                                   Mux(kind == 2, ControlSymbol.END, 0)))),
            dut.write.invalid.eq(0), dut.write.in_sync.eq(1)]
        comma_in = _comma(dut.write)
        run = Signal(range(self.max_run + 1))           # non-commas since the last comma
        commas = Signal(range(self.gap + 1), init=self.gap)   # commas since, saturating
        with m.If(dut.write_valid):
            with m.If(comma_in):
                m.d.sync += [run.eq(0), commas.eq(Mux(commas == self.gap, commas, commas + 1))]
            with m.Else():
                m.d.comb += Assume((run < self.max_run) & ((run != 0) | (commas == self.gap)))
                m.d.sync += [run.eq(run + 1), commas.eq(0)]

        # Deleting: only a comma after a comma.
        line_after_comma = Signal(init=1)     # the last line symbol was a comma
        with m.If(dut.write_valid):
            m.d.sync += line_after_comma.eq(comma_in)
        with m.If(dut.deleted):
            m.d.comb += Assert(dut.write_valid & comma_in & line_after_comma,
                               "only a comma after a comma is deleted")

        comma_out = _comma(dut.read)
        # Inserting: only a repeat of a comma just read, never twice running.
        last_out, last_out_inserted = Signal(9), Signal()
        last_out_comma = Signal()
        with m.If(dut.read_valid):
            m.d.sync += [last_out.eq(dut.read.symbol.as_value()), last_out_comma.eq(comma_out),
                         last_out_inserted.eq(dut.inserted)]
        with m.If(dut.inserted):
            m.d.comb += Assert(dut.read_valid & comma_out & last_out_comma &
                               ~last_out_inserted &
                               (dut.read.symbol.as_value() == last_out),
                               "only a comma after a comma read is inserted")

        m.d.comb += [
            Assert(~dut.overflow, "no overflow within the bound"),
            Assert(~dut.underflow, "no underflow within the bound"),
        ]

        deleted_once, inserted_once = Signal(), Signal()
        m.d.sync += [deleted_once.eq(deleted_once | dut.deleted),
                     inserted_once.eq(inserted_once | dut.inserted)]
        comma_out = _comma(dut.read)
        m.d.comb += [
            Cover(dut.deleted),
            Cover(dut.inserted),
            Cover(deleted_once & inserted_once),
        ]


def _comma(entry):
    """The harness's own test for a comma (K28.5, a valid code word)."""
    return ~entry.invalid & entry.symbol.k & (entry.symbol.data == ControlSymbol.COMMA)


class _Mutated(ElasticBuffer):
    """The real buffer elaborated with one name of its module replaced (the mutation
    lives here, not in ``hdl/``)."""

    def __init__(self, depth, name, value):
        super().__init__(depth)
        self._replaced = (name, value)

    def elaborate(self, platform):
        with mock.patch.object(elastic_module, *self._replaced):
            return super().elaborate(platform)


def _start_counts_as_comma(entry):
    symbol = entry.symbol
    return ~entry.invalid & symbol.k & ((symbol.data == ControlSymbol.COMMA) |
                                        (symbol.data == ControlSymbol.START))


def _any_valid_symbol(entry):
    return ~entry.invalid


def _build(mutation, depth):
    if mutation == "start_removable":
        return _Mutated(depth, "_is_comma", _start_counts_as_comma)
    if mutation == "any_symbol_is_comma":
        return _Mutated(depth, "_is_comma", _any_valid_symbol)
    return ElasticBuffer(depth)
