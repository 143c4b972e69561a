"""Byte-parallel CRC-32 (IEEE 802.3 / zlib)."""

from functools import reduce
from operator import xor

from amaranth import Cat, Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["Crc32", "CRC32_POLYNOMIAL", "residue"]

#: The IEEE 802.3 polynomial, bit-reversed (zlib's form).
CRC32_POLYNOMIAL = 0xEDB88320


def _shift_byte(register: int, byte: int, polynomial: int) -> int:
    """The register after one byte, bit by bit (used only to derive the XOR network)."""
    register ^= byte
    for _ in range(8):
        register = (register >> 1) ^ (polynomial if register & 1 else 0)
    return register


def residue(polynomial: int = CRC32_POLYNOMIAL) -> int:
    """Register value after any message followed by its own CRC (LSB first).

    The same for every message, so a receiver checks a frame without buffering the CRC.
    The empty message has CRC 0: four zero bytes after the preset give the constant
    (0xDEBB20E3 for IEEE 802.3).
    """
    register = 0xFFFFFFFF
    for _ in range(4):
        register = _shift_byte(register, 0, polynomial)
    return register


def _xor_network(polynomial: int):
    """For each next-register bit, the register bits and data bits XORed into it.

    The byte update is linear over GF(2) in (register, byte), so the effect of each
    input bit on its own gives the whole network.
    """
    taps = [([], []) for _ in range(32)]
    for bit in range(32):
        out = _shift_byte(1 << bit, 0, polynomial)
        for j in range(32):
            if out >> j & 1:
                taps[j][0].append(bit)
    for bit in range(8):
        out = _shift_byte(0, 1 << bit, polynomial)
        for j in range(32):
            if out >> j & 1:
                taps[j][1].append(bit)
    return taps


class Crc32(wiring.Component):
    """CRC-32 register advanced one byte per enabled clock.

    Parameters
    ----------
    polynomial : int
        Reflected generator polynomial; the default is IEEE 802.3 (zlib's ``crc32``).

    Members
    -------
    start : In(1)
        Preset the register to all ones (the start of a message). Takes priority over
        ``enable``.
    enable : In(1)
        Shift ``data`` into the register.
    data : In(8)
    value : Out(32)
        The CRC of the bytes since ``start`` (register complemented), as
        ``zlib.crc32`` returns it; sent least significant byte first.
    residue_ok : Out(1)
        The bytes since ``start`` were a message followed by its correct CRC.
    """

    start: In(1)
    enable: In(1)
    data: In(8)
    value: Out(32)
    residue_ok: Out(1)

    def __init__(self, polynomial: int = CRC32_POLYNOMIAL):
        if not 0 < polynomial < 1 << 32:
            raise ValueError(f"polynomial must be a 32-bit value, not {polynomial!r}")
        self._polynomial = polynomial
        super().__init__()

    def elaborate(self, platform):
        m = Module()
        register = Signal(32, init=0xFFFFFFFF)
        following = Cat(
            reduce(xor, [register[i] for i in reg_taps] + [self.data[i] for i in data_taps])
            for reg_taps, data_taps in _xor_network(self._polynomial)
        )
        with m.If(self.start):
            m.d.sync += register.eq(0xFFFFFFFF)
        with m.Elif(self.enable):
            m.d.sync += register.eq(following)
        m.d.comb += [
            self.value.eq(~register),
            self.residue_ok.eq(register == residue(self._polynomial)),
        ]
        return m
