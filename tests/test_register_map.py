"""The register-map declaration: derived addresses, field packing, and its own checks."""

import asyncio

import pytest

from driver.registers import Registers
from tests.fakes import DictRegisterBus
from msl_spec import (REGISTER_MAP, Access, Block, Field, Param, Register, RegisterMap,
    Window)


def test_addresses_are_derived_aligned_and_unique():
    addresses = [r.address for r in REGISTER_MAP]
    assert len(set(addresses)) == len(addresses)
    assert all(a % 4 == 0 for a in addresses)
    for block in REGISTER_MAP.blocks:
        inside = [r.address for r in REGISTER_MAP if r.block == block.name]
        assert inside == list(range(block.base, block.base + 4 * len(inside), 4))


def test_fields_pack_and_unpack():
    post = REGISTER_MAP["TX_POST"]
    word = post.pack(slot=3, length=1000, count=128)
    assert post.unpack(word) == {"slot": 3, "length": 1000, "count": 128}
    with pytest.raises(ValueError, match="does not fit"):
        post.pack(count=256)
    with pytest.raises(KeyError, match="no field 'nope'"):
        post.pack(nope=1)


def test_reset_values_follow_build_parameters():
    params = {"tx_slots": 3, "rx_slots": 4, "lane_width": 5, "slot_size": 512, "dma_width": 64}
    caps = REGISTER_MAP["CAPS"].unpack(REGISTER_MAP["CAPS"].reset_value(params))
    assert caps == {"tx_slots": 3, "rx_slots": 4, "lane_width": 5, "max_messages": 128,
                    "dma_bytes": 8}
    assert REGISTER_MAP["TX_FREE"].reset_value(params) == 0b111


def test_map_refuses_overlaps_and_wide_registers():
    one = Register("A", "", (Field("x", 8, Access.RW),))
    with pytest.raises(ValueError, match="overlaps"):
        RegisterMap([Block("b", 0x0, (one,))], [Window("W", 0x0, 0x10, "")])
    with pytest.raises(ValueError, match="33 bits"):
        RegisterMap([Block("b", 0x0, (Register("B", "", (Field("x", 33, Access.RO),)),))], [])
    with pytest.raises(ValueError, match="share a name"):
        RegisterMap([Block("b", 0x0, (one, one))], [])
    assert Param("tx_slots", lambda n: 2 * n).value({"tx_slots": 3}) == 6


@pytest.mark.parametrize("offset,length", [(0, 4), (1, 2), (3, 9), (6, 17), (8, 0)])
def test_window_copies_touch_only_their_bytes(offset, length):
    bus = DictRegisterBus()
    regs = Registers(bus)
    base = REGISTER_MAP.window("TX_BUFFER").base

    async def run():
        await regs.write_window("TX_BUFFER", 0, bytes([0xEE] * 32))
        data = bytes(range(1, length + 1))
        await regs.write_window("TX_BUFFER", offset, data)
        assert await regs.read_window("TX_BUFFER", offset, length) == data
        whole = await regs.read_window("TX_BUFFER", 0, 32)
        assert whole == bytes([0xEE] * offset) + data + bytes([0xEE] * (32 - offset - length))
        assert all(address >= base for address in bus.words)

    asyncio.run(run())
