"""cocotb tests of the adapter's registers against their declaration (msl_spec/registers.py).

The expected values are computed from the declaration, not repeated here. The cable is
cut, so the receivers never synchronise and no counter moves while registers are checked.
AXI4-Lite runs with random stalls on every channel.
"""

import random

import cocotb
from cocotbext.axi.constants import AxiResp

from cocotb_tests.adapter_env import ALL_CAUSES, AdapterPairEnv, cause_bit
from cocotb_tests.harness import top_params
from msl_spec import INTERRUPT_CAUSES, REGISTER_MAP, Access


async def quiet_env(dut) -> AdapterPairEnv:
    params = top_params()
    env = AdapterPairEnv(dut, params, stall=0.3, seed=random.getrandbits(32))
    for channel in env.channel.values():
        channel.set(cut=1)
    await env.start()
    return env


def masks(register):
    out = {}
    for f in register.fields:
        out[f.access] = out.get(f.access, 0) | f.mask
    return out


@cocotb.test()
async def reset_values_match_the_declaration(dut):
    env = await quiet_env(dut)
    for side in env.side.values():
        for register in REGISTER_MAP:
            got = await side.regs.read(register.name)
            expected = register.reset_value(env.params)
            assert got == expected, (f"side {side.name} {register.name}: read {got:#010x}, "
                                     f"declared reset {expected:#010x}")
    dut._log.info("%d registers x 2 sides at their declared reset values",
                  len(REGISTER_MAP.registers))


@cocotb.test()
async def read_only_fields_ignore_writes(dut):
    env = await quiet_env(dut)
    regs = env.a.regs
    for register in REGISTER_MAP:
        if register.accesses() == {Access.RO}:
            before = await regs.read(register.name)
            await regs.write(register.name, 0xFFFFFFFF)
            assert await regs.read(register.name) == before, register.name


@cocotb.test()
async def read_write_fields_store_what_is_written(dut):
    env = await quiet_env(dut)
    regs = env.a.regs
    for register in REGISTER_MAP:
        rw = masks(register).get(Access.RW, 0)
        if not rw:
            continue
        value = random.getrandbits(32) & rw
        await regs.write(register.name, value)
        assert await regs.read(register.name) & rw == value, register.name
        await regs.write(register.name, register.reset_value(env.params))
        assert await regs.read(register.name) == register.reset_value(env.params)
    # Byte strobes: only the enabled byte of a RW register changes.
    address = regs.address("ACK_TIMEOUT")
    await regs.write("ACK_TIMEOUT", 0x11223344)
    await env.a.bus.write32(address, 0xAABBCCDD, byte_enable=0b0100)
    assert await regs.read("ACK_TIMEOUT") == 0x11BB3344


@cocotb.test()
async def command_fields_read_as_zero(dut):
    env = await quiet_env(dut)
    regs = env.a.regs
    # Writes that are refused or do nothing, so the command has no effect to undo.
    harmless = {"COMMAND": 0, "TX_POST": REGISTER_MAP["TX_POST"].pack(slot=15),
                "RX_RELEASE": REGISTER_MAP["RX_RELEASE"].pack(slot=15), "SEND_ACK": 0,
                "SEND_HOLDOFF": 0}
    for register in REGISTER_MAP:
        if Access.CMD in register.accesses():
            assert await regs.read(register.name) == 0, register.name
            if register.name in harmless:
                await regs.write(register.name, harmless[register.name])
                assert await regs.read(register.name) == 0, register.name
    checked = {r.name for r in REGISTER_MAP if Access.CMD in r.accesses()}
    assert checked - set(harmless) == {"SEND_EMERGENCY"}  # written in the link tests


@cocotb.test()
async def refusals_are_sticky_and_clear_on_write_one(dut):
    """ERROR_STATUS (W1C): a refused post and a refused command each set their bit."""
    env = await quiet_env(dut)
    regs = env.a.regs
    await regs.write("TX_POST", slot=15, length=4, count=1)       # no slot 15
    await regs.write("SEND_ACK", seq=3, count=1)                  # nothing received
    assert await regs.fields("ERROR_STATUS") == {"post_refused": 1, "command_refused": 1}
    await regs.write("ERROR_STATUS", 0)
    assert await regs.fields("ERROR_STATUS") == {"post_refused": 1, "command_refused": 1}
    await regs.write("ERROR_STATUS", post_refused=1)
    assert await regs.fields("ERROR_STATUS") == {"post_refused": 0, "command_refused": 1}
    await regs.write("ERROR_STATUS", command_refused=1)
    assert await regs.read("ERROR_STATUS") == 0


@cocotb.test()
async def each_interrupt_cause_raises_irq_only_when_enabled(dut):
    """For every cause: raised through INT_RAW (W1S), irq follows INT_ENABLE, and W1C on
    INT_PENDING clears it (in INT_RAW too). Writing 0 changes nothing."""
    env = await quiet_env(dut)
    side, regs = env.a, env.a.regs
    for name, _ in INTERRUPT_CAUSES:
        bit = cause_bit(name)
        await regs.write("INT_RAW", bit)
        await regs.write("INT_RAW", 0)  # W1S: a 0 leaves it set
        assert await regs.read("INT_RAW") == bit, name
        assert await regs.read("INT_PENDING") == 0 and not side.irq.value, name
        await regs.write("INT_ENABLE", bit)
        assert await regs.read("INT_PENDING") == bit and side.irq.value, name
        await regs.write("INT_ENABLE", ALL_CAUSES & ~bit)
        assert not side.irq.value, f"{name}: irq with the cause disabled"
        await regs.write("INT_ENABLE", ALL_CAUSES)
        await regs.write("INT_PENDING", 0)  # W1C: a 0 leaves it pending
        assert side.irq.value, name
        await regs.write("INT_PENDING", bit)
        # At once: a write is answered only when it has taken effect.
        assert not side.irq.value, f"{name}: irq still high when the W1C was answered"
        assert await regs.read("INT_RAW") == 0 and await regs.read("INT_PENDING") == 0, name
        await regs.write("INT_ENABLE", 0)
    assert not env.b.irq.value, "the other adapter's line moved"


@cocotb.test()
async def unmapped_addresses_answer_decerr(dut):
    env = await quiet_env(dut)
    bus, params = env.a.bus, env.params
    tx_end = REGISTER_MAP.window("TX_BUFFER").base + params["tx_slots"] * params["slot_size"]
    rx_end = REGISTER_MAP.window("RX_BUFFER").base + params["rx_slots"] * params["slot_size"]
    mapped = {r.address for r in REGISTER_MAP}
    holes = [a for a in (0x028, 0x0FC, 0x10C, 0x3FC, 0x7FC, 0x3FFC, tx_end, 0x7FFC, rx_end,
                         0xC000, 0xFFFC) if a not in mapped]
    for address in holes:
        value, response = await bus.read_with_response(address)
        assert (value, response) == (0, AxiResp.DECERR), f"read {address:#06x}"
        assert await bus.write_with_response(address, 0x12345678) == AxiResp.DECERR
    # The registers next to the holes still work.
    assert await env.a.regs.read("ID") == REGISTER_MAP["ID"].reset_value(params)


@cocotb.test()
async def buffer_windows_hold_bytes(dut):
    """TX_BUFFER stores writes (byte strobes honoured) in every slot; RX_BUFFER is
    read-only (writes are ignored)."""
    env = await quiet_env(dut)
    regs, params = env.a.regs, env.params
    size = params["slot_size"]
    for slot in range(params["tx_slots"]):
        offset = slot * size + random.randrange(size - 64)
        data = random.randbytes(random.randrange(1, 64))
        await regs.write_window("TX_BUFFER", offset, data)
        assert await regs.read_window("TX_BUFFER", offset, len(data)) == data
    rx_base = REGISTER_MAP.window("RX_BUFFER").base
    await env.a.bus.write32(rx_base, 0xDEADBEEF)
    assert await regs.read_window("RX_BUFFER", 0, 4) == bytes(4)
