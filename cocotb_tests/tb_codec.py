"""cocotb tests of the 8b/10b encoder and decoder and the CRC-32, against references.

The references are independent of the gateware: :mod:`linkmodel.code8b10b` (built from
the standard's 5b/6b and 3b/4b tables) and Python's ``zlib.crc32``.
"""

import random
import struct
import zlib

import cocotb
from cocotb.triggers import RisingEdge, Timer

from cocotb_tests.clocks import start_clock
from cocotb_tests.clocks import clock_cycles
from linkmodel import code8b10b as reference

SETTLE = (1, "ns")  # combinational logic needs a delta; 1 ns keeps waveforms readable


async def encode(dut, byte, k, rd):
    dut.enc_data.value, dut.enc_k.value, dut.enc_rd_in.value = byte, int(k), rd
    await Timer(*SETTLE)
    return int(dut.enc_code.value), int(dut.enc_rd_out.value), int(dut.enc_invalid_k.value)


async def decode(dut, code, rd):
    dut.dec_code.value, dut.dec_rd_in.value = code, rd
    await Timer(*SETTLE)
    return reference.Decoded(
        byte=int(dut.dec_data.value), k=bool(dut.dec_k.value),
        code_error=bool(dut.dec_code_error.value),
        disparity_error=bool(dut.dec_disparity_error.value),
        rd_after=int(dut.dec_rd_out.value))


@cocotb.test()
async def encoder_matches_reference_for_every_symbol(dut):
    """All 256 data bytes and all 12 control codes, from both running disparities."""
    checked = 0
    for rd in (0, 1):
        for byte in range(256):
            for k in (False, True):
                code, rd_out, invalid_k = await encode(dut, byte, k, rd)
                if reference.is_valid_symbol(byte, k):
                    expected = reference.encode(byte, k, rd)
                    assert (code, rd_out, invalid_k) == (*expected, 0), (
                        f"{'K' if k else 'D'}.{byte & 31}.{byte >> 5} at RD{'+-'[rd == 0]}: "
                        f"got {code:010b} rd={rd_out}, expected {expected[0]:010b} "
                        f"rd={expected[1]}")
                    checked += 1
                else:
                    # Not a control code: flagged, and sent as the data byte instead.
                    assert invalid_k == 1, f"K.{byte & 31}.{byte >> 5} not flagged"
                    assert (code, rd_out) == reference.encode(byte, False, rd)
    assert checked == 2 * (256 + 12)
    dut._log.info("checked %d symbol encodings", checked)


@cocotb.test()
async def decoder_decodes_every_code_word(dut):
    """Every valid code word, received at the right and at the wrong running disparity."""
    checked = 0
    for rd in (0, 1):
        for code in sorted(reference.code_words(0) | reference.code_words(1)):
            got, expected = await decode(dut, code, rd), reference.decode(code, rd)
            assert got == expected, f"{code:010b} at RD{'+-'[rd == 0]}: {got} != {expected}"
            checked += 1
    dut._log.info("checked %d valid code words", checked)


@cocotb.test()
async def decoder_flags_every_invalid_code_word(dut):
    """Each of the 1024 - |valid| other 10-bit values is a code violation at both RDs."""
    valid = set(reference.code_words(0)) | set(reference.code_words(1))
    invalid = [code for code in range(1024) if code not in valid]
    for rd in (0, 1):
        for code in invalid:
            got = await decode(dut, code, rd)
            assert got.code_error and not got.disparity_error, f"{code:010b}: {got}"
            assert got.rd_after == rd, f"{code:010b}: running disparity changed"
    dut._log.info("%d invalid code words flagged at both disparities", len(invalid))


@cocotb.test()
async def running_disparity_stays_bounded(dut):
    """A random symbol stream, chained through the encoder's own rd_out.

    The line's running digital sum must stay within ±3 at every bit and be ±1 at every
    symbol boundary, with no run longer than five equal bits (the code's published
    properties); decoding the stream gives the symbols back without error.
    """
    symbols = [(b, False) for b in range(256)] + [(b, True) for b in reference.CONTROL_CODES]
    rd, digital_sum, last_bit, run, decode_rd = 0, -1, None, 0, 0
    for _ in range(4000):
        byte, k = random.choice(symbols)
        code, rd, _ = await encode(dut, byte, k, rd)
        for position in range(9, -1, -1):
            bit = code >> position & 1
            digital_sum += 1 if bit else -1
            run = run + 1 if bit == last_bit else 1
            last_bit = bit
            assert -3 <= digital_sum <= 3, f"running digital sum {digital_sum}"
            assert run <= 5, f"run of {run} equal bits"
        assert digital_sum == (1 if rd else -1), "running disparity disagrees with the line"
        decoded = await decode(dut, code, decode_rd)
        assert not decoded.code_error and not decoded.disparity_error
        assert (decoded.byte, decoded.k) == (byte, k)
        decode_rd = decoded.rd_after


@cocotb.test()
async def crc_matches_zlib(dut):
    """Random payloads of random lengths: value against zlib.crc32, then the residue."""
    start_clock(dut)
    dut.rst.value = 1
    dut.crc_start.value = dut.crc_enable.value = 0
    await clock_cycles(dut.clk, 2)
    dut.rst.value = 0

    async def feed(data):
        dut.crc_start.value = 1
        await RisingEdge(dut.clk)
        dut.crc_start.value = 0
        dut.crc_enable.value = 1
        for byte in data:
            dut.crc_data.value = byte
            await RisingEdge(dut.clk)
        dut.crc_enable.value = 0
        await Timer(*SETTLE)

    for trial in range(200):
        length = random.choice([0, 1, 2, 3, 4, 5, random.randrange(300)])
        payload = random.randbytes(length)
        await feed(payload)
        value = int(dut.crc_value.value)
        assert value == zlib.crc32(payload), f"trial {trial}, {length} bytes: {value:#010x}"
        await feed(payload + struct.pack("<I", value))
        assert dut.crc_residue_ok.value == 1, f"trial {trial}: residue after own CRC"
        if length:
            corrupted = bytearray(payload)
            corrupted[random.randrange(length)] ^= 1 << random.randrange(8)
            await feed(bytes(corrupted) + struct.pack("<I", value))
            assert dut.crc_residue_ok.value == 0, f"trial {trial}: corruption not seen"
