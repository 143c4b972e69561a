"""CRC-32 properties: :class:`hdl.phy.crc32.Crc32` computes the CRC-32 of the bytes since
its ``start``, and ``residue_ok`` says exactly that they ended in their own CRC.

The reference is the bit-serial CRC of IEEE 802.3 (one shift and conditional XOR per
bit), written here again and held to ``zlib.crc32`` in ``tests/test_formal.py``: it
shares nothing with the block's XOR network, which is derived from the polynomial by
linearity. With the deframer set (:mod:`msl_tools.formal.deframer_properties`, which
checks that the deframer feeds its CRC exactly a frame's bytes and calls good only what
``residue_ok`` passed), this is the proof that no frame with a wrong CRC is reported
good.
"""

from amaranth import Mux, Signal
from amaranth.asserts import AnySeq
from amaranth.hdl import Assert, Cover

from hdl.phy.crc32 import Crc32
from msl_spec import CRC_BYTES
from msl_tools.formal.harness import FormalHarness

__all__ = ["CrcHarness", "reference_crc_byte", "reference_residue"]

#: The IEEE 802.3 polynomial, bit-reversed, written out again here.
_POLYNOMIAL = 0xEDB88320
#: CRC-32C (Castagnoli), for the mutation.
_CASTAGNOLI = 0x82F63B78


def reference_crc_byte(register, byte):
    """The CRC register after one byte, one bit at a time: on ``int`` values an ``int``,
    on Amaranth values an expression (a chain of eight multiplexers)."""
    if isinstance(register, int) and isinstance(byte, int):
        register ^= byte
        for _ in range(8):
            register = (register >> 1) ^ (_POLYNOMIAL if register & 1 else 0)
        return register
    value = (register ^ byte)[:32]
    for _ in range(8):
        value = Mux(value[0], (value >> 1) ^ _POLYNOMIAL, value >> 1)[:32]
    return value


def reference_residue() -> int:
    """The register after any message followed by its CRC (0xDEBB20E3 for IEEE 802.3):
    the empty message's CRC is 0, so four zero bytes after the preset."""
    register = 0xFFFFFFFF
    for _ in range(CRC_BYTES):
        register = reference_crc_byte(register, 0)
    return register


class CrcHarness(FormalHarness):
    """``Crc32`` on any ``start``/``enable``/``data``, beside the bit-serial reference.

    Assertions: the block's register (``~value``) is the reference's after every clock;
    ``residue_ok`` is high exactly when the reference register is at the residue.

    Cover: ``residue_ok`` after a message of at least one byte and its CRC (five bytes or
    more since ``start``).
    """

    MUTATIONS = {
        "wrong_polynomial": "the CRC network built for CRC-32C (0x82F63B78) instead of "
                            "IEEE 802.3",
    }

    def check(self, m):
        polynomial = _CASTAGNOLI if self.mutation == "wrong_polynomial" else _POLYNOMIAL
        m.submodules.crc = crc = Crc32(polynomial)
        m.d.comb += [crc.start.eq(AnySeq(1)), crc.enable.eq(AnySeq(1)),
                     crc.data.eq(AnySeq(8))]

        reference = Signal(32, init=0xFFFFFFFF)
        shifted = Signal(range(CRC_BYTES + 2))   # bytes since start, saturating
        with m.If(crc.start):
            m.d.sync += [reference.eq(0xFFFFFFFF), shifted.eq(0)]
        with m.Elif(crc.enable):
            m.d.sync += reference.eq(reference_crc_byte(reference, crc.data))
            with m.If(shifted != CRC_BYTES + 1):
                m.d.sync += shifted.eq(shifted + 1)

        m.d.comb += [
            Assert(~crc.value == reference, "register is the CRC of the bytes since start"),
            Assert(crc.residue_ok == (reference == reference_residue()),
                   "residue_ok exactly at the residue"),
            Cover(crc.residue_ok & (shifted == CRC_BYTES + 1)),
        ]
