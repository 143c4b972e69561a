"""Deframer properties: a frame is reported good exactly when it is good.

The harness feeds :class:`hdl.phy.deframer.Deframer` any symbol stream (``AnySeq``:
data, control symbols, invalid code words, lost sync, clocks with no symbol) and keeps
its own judgement of the frame in progress, written from the frame format
(``docs/frame-format.md``), not from the deframer: a frame is good when, from its
``START`` to its ``END``, the receiver stayed in sync, no code word was invalid, no
other control symbol came, and the data symbols are six header bytes with a known kind
and a length no larger than the maximum, that many payload bytes and four CRC bytes, and
the CRC of those bytes checks.

The CRC is split off: the deframer's ``Crc32`` is replaced by an abstract one whose
verdict (``residue_ok``) is free, and the harness checks that the deframer presets it at
every ``START`` and feeds it exactly the frame's header, payload and CRC bytes, and
that it calls good only frames the CRC's verdict passed. That the CRC block's verdict
is the CRC-32 of the bytes fed to it is the ``crc32`` property set
(:mod:`msl_tools.formal.crc_properties`). Together: no frame whose CRC is wrong is
reported good. (Kept whole, two CRC-32 networks over a frame's symbolic bytes make the
solver compare XOR networks at every step: a bounded check to 20 steps ran for over
ten minutes.)
"""

from unittest import mock

from amaranth import Module, Mux, Signal
from amaranth.asserts import AnySeq
from amaranth.hdl import Assert, Assume, Cover, Fragment
from amaranth.lib import data

import hdl.phy.deframer as deframer_module
from hdl.phy.crc32 import Crc32
from hdl.phy.deframer import Deframer
from hdl.phy.frame_layouts import FrameHeader, FrameStatus
from msl_spec import CRC_BYTES, HEADER_BYTES, ControlSymbol, FrameKind
from msl_tools.formal.harness import FormalHarness
from msl_tools.formal.probes import elaborated_with_probes, fsm_state, fsm_states

__all__ = ["DeframerHarness", "MAX_PAYLOAD"]

#: The deframer's maximum payload in the harness: frames of at most 16 symbols keep the
#: bounded depth that covers a whole frame (and what came before it) small. The bound
#: enters the deframer only through the header's length compare.
MAX_PAYLOAD = 4


class _AbstractCrc(Crc32):
    """The CRC block with its verdict free: ``residue_ok`` is whatever the solver
    chooses (:attr:`verdict`); the register is not modelled. :attr:`preset` is the
    ``start`` that reaches the CRC. The mutations cut a wire between the deframer and
    its CRC: ``ignored`` tells the deframer every CRC matched, ``start_cut`` keeps its
    preset from the CRC."""

    ignored = False
    start_cut = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.verdict = Signal()
        self.preset = Signal()

    def elaborate(self, platform):
        m = Module()
        m.d.comb += [self.verdict.eq(AnySeq(1)), self.value.eq(AnySeq(32)),
                     self.residue_ok.eq(1 if self.ignored else self.verdict),
                     self.preset.eq(0 if self.start_cut else self.start)]
        return m


class _CrcIgnored(_AbstractCrc):
    ignored = True


class _CrcStartCut(_AbstractCrc):
    start_cut = True


def _elaborate_with_crc(deframer, crc_class, platform):
    """Elaborate ``deframer`` with ``crc_class`` standing for its ``Crc32``; returns the
    fragment and the CRC instance, whose ports the harness then reads (the abstraction and
    the mutations live here, not in ``hdl/``)."""
    made = []

    class Recorded(crc_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    with mock.patch.object(deframer_module, "Crc32", Recorded):
        fragment = Fragment.get(deframer, platform)
    return fragment, made[0]


class DeframerHarness(FormalHarness):
    """The deframer on any symbol stream, against the harness's own frame judgement.

    Assumption: a symbol comes only while the receiver is in sync (``valid`` implies
    ``in_sync``), as :class:`hdl.phy.phy_receiver.PhyReceiver` wires it; ``in_sync`` may
    drop at any clock.

    Assertions: ``end`` with an all-zero ``status`` comes exactly in the clock of a good
    frame's ``END`` (neither a bad frame reported good nor a good one bad); the CRC is
    preset at every ``START`` and shifts exactly the frame's header, payload and CRC
    bytes, in order; a good frame's reported header is the one received; payload bytes
    are handed out only inside the payload of a frame whose header was acceptable, and
    are its bytes.

    Covers: a good frame of the largest payload, a good frame with no payload, and one
    bad frame each of a CRC error alone, a bad header and lost sync.
    """

    MUTATIONS = {
        "crc_ignored": "the deframer is told every CRC matched (residue_ok tied to 1)",
        "length_off_by_one": f"the deframer accepts a header length of MAX_PAYLOAD + 1 "
                             f"(built with max_payload={MAX_PAYLOAD + 1})",
        "crc_not_preset": "the deframer's CRC is never preset at START (start tied to 0)",
    }

    def check(self, m):
        dut = Deframer(MAX_PAYLOAD + 1 if self.mutation == "length_off_by_one"
                       else MAX_PAYLOAD)
        crc_class = {"crc_ignored": _CrcIgnored,
                     "crc_not_preset": _CrcStartCut}.get(self.mutation, _AbstractCrc)
        module, crc = _elaborate_with_crc(dut, crc_class, platform=None)
        m.submodules.dut, probe = elaborated_with_probes(
            module, "deframer_state", "index", "remaining", "header_raw")
        frames = dut.frames

        m.d.comb += [dut.valid.eq(AnySeq(1)), dut.invalid.eq(AnySeq(1)),
                     dut.in_sync.eq(AnySeq(1)), dut.symbol.as_value().eq(AnySeq(9))]
        # PhyReceiver hands the deframer a symbol only while in sync.
        m.d.comb += Assume(~dut.valid | dut.in_sync)

        sym = dut.symbol
        control = dut.valid & ~dut.invalid & sym.k
        data_byte = dut.valid & ~dut.invalid & ~sym.k
        start = control & (sym.data == ControlSymbol.START)
        end = control & (sym.data == ControlSymbol.END)

        # The reference judgement of the frame in progress.
        longest = HEADER_BYTES + MAX_PAYLOAD + CRC_BYTES
        ref_open = Signal()      # a START came and no symbol has ended the frame yet
        ref_ok = Signal()        # and no invalid code word came inside it
        ref_pos = Signal(range(longest + 2))   # data bytes since START, saturating
        ref_header_raw = Signal(8 * HEADER_BYTES)
        ref_header = data.View(FrameHeader, ref_header_raw)
        header_ok = ref_header.kind.matches(*[kind.value for kind in FrameKind]) & \
            (ref_header.length <= MAX_PAYLOAD)
        total = HEADER_BYTES + ref_header.length + CRC_BYTES
        # The CRC covers the header, the payload and the CRC bytes, nothing after.
        crc_byte = data_byte & ref_open & ref_ok & \
            ((ref_pos < HEADER_BYTES) | (header_ok & (ref_pos < total)))
        # The abstract CRC's verdict stands for "the bytes fed since the last preset
        # check": the assertions below hold the deframer to feeding it the frame's.
        good = end & ref_open & ref_ok & (ref_pos == total) & header_ok & crc.verdict

        with m.If(start):
            m.d.sync += [ref_open.eq(1), ref_ok.eq(1), ref_pos.eq(0), ref_header_raw.eq(0)]
        with m.Elif(~dut.in_sync | control):
            m.d.sync += ref_open.eq(0)   # lost sync, END, or a control symbol cut it short
        with m.Elif(dut.valid & dut.invalid):
            m.d.sync += ref_ok.eq(0)
        with m.Elif(data_byte & ref_open):
            m.d.sync += ref_pos.eq(Mux(ref_pos == longest + 1, ref_pos, ref_pos + 1))
            with m.If(ref_pos < HEADER_BYTES):
                m.d.sync += ref_header_raw.word_select(ref_pos[:3], 8).eq(sym.data)

        # The CRC shifts what the line delivered, and only the frame's bytes.
        # (start takes priority over enable in Crc32: a byte shifted with it is lost.)
        with m.If(crc.enable & ~crc.preset):
            m.d.comb += Assert(crc_byte & (crc.data == sym.data), "CRC fed a frame byte")
        with m.If(crc_byte):
            m.d.comb += Assert(crc.enable & ~crc.preset, "every frame byte fed to the CRC")
        m.d.comb += Assert(crc.preset == start, "CRC preset at START, only then")

        reported_good = frames.end & (frames.status.as_value() == 0)
        m.d.comb += Assert(reported_good == good, "good verdict iff the frame is good")
        with m.If(good):
            m.d.comb += Assert(frames.header.as_value() == ref_header_raw,
                               "good frame's header")
        # Header and payload are handed out exactly where the frame has them (these
        # also serve the solver as lemmas: they tie the deframer's counters to the
        # reference's position at every step).
        in_payload = data_byte & ref_open & ref_ok & header_ok & \
            (ref_pos >= HEADER_BYTES) & (ref_pos < HEADER_BYTES + ref_header.length)
        m.d.comb += Assert(frames.payload_valid == in_payload, "payload where it is")
        with m.If(frames.payload_valid):
            m.d.comb += Assert(frames.payload == sym.data, "payload as received")
        header_byte_ok = data_byte & ref_open & ref_ok & (ref_pos == HEADER_BYTES - 1)
        m.d.comb += Assert(~frames.header_valid | header_byte_ok, "header when complete")

        # Lemmas (white box): where the deframer's state and counters stand for the
        # reference's position in the frame. They make the assertions above
        # k-inductive: without them the solver may start the induction from counters
        # that no frame leads to.
        state = probe["deframer_state"]

        def in_state(name):
            return state == fsm_state(state, name)

        good_so_far = ref_open & ref_ok & ((ref_pos < HEADER_BYTES) | header_ok)
        payload_end = HEADER_BYTES + ref_header.length
        m.d.comb += [
            Assert(state.matches(*fsm_states(state).values()), "a state of the FSM"),
            Assert(in_state("HEADER") == (good_so_far & (ref_pos < HEADER_BYTES))),
            Assert(in_state("PAYLOAD") == (good_so_far & (ref_pos >= HEADER_BYTES) &
                                           (ref_pos < payload_end))),
            Assert(in_state("CRC") == (good_so_far & (ref_pos >= payload_end) &
                                       (ref_pos < total))),
            Assert(in_state("EXPECT_END") == (good_so_far & (ref_pos == total))),
        ]
        index, remaining, header_raw = probe["index"], probe["remaining"], probe["header_raw"]
        with m.If(in_state("HEADER")):
            m.d.comb += [
                Assert(index == ref_pos),
                Assert((header_raw >> ((HEADER_BYTES - ref_pos) * 8).as_unsigned())
                       == ref_header_raw),
            ]
        with m.If(in_state("PAYLOAD")):
            m.d.comb += [Assert(remaining == payload_end - ref_pos), Assert(index == 0)]
        with m.If(in_state("CRC")):
            m.d.comb += Assert(index == ref_pos - payload_end)
        with m.If(in_state("PAYLOAD") | in_state("CRC") | in_state("EXPECT_END")):
            m.d.comb += Assert(header_raw == ref_header_raw)

        status = frames.status
        crc_error_alone = FrameStatus.const({"crc_error": 1}).as_value()
        m.d.comb += [
            Cover(good & (ref_header.length == MAX_PAYLOAD)),
            Cover(good & (ref_header.length == 0)),
            Cover(frames.end & (status.as_value() == crc_error_alone)),
            Cover(frames.end & status.bad_header),
            Cover(frames.end & status.sync_lost),
        ]
