"""The driver's first contact with a card (driver.msl_hardware.identify), against a
register bus that answers with the register map's reset values for a chosen build: the
build's numbers come back; a card that is missing, foreign or of another register-map
major version is refused with a sentence that says which, and nothing is written to it.

The coverage run found the missing-card and wrong-version branches never taken: every
simulated card is present and current.
"""

import asyncio

import pytest

from driver.bus import BusError
from driver.msl_hardware import AdapterInfo, HardwareFault, identify
from driver.registers import Registers
from msl_spec import ADAPTER_ID, REGISTER_MAP, VERSION

BUILD = {"lane_width": 1, "tx_slots": 3, "rx_slots": 4, "slot_size": 512, "dma_width": 64,
         "ack_timeout": 5000, "retry_limit": 3}
PORT = 0x300


class ResetValueBus:
    """Reads return each register's reset value for ``BUILD``, with ``overrides``
    (by register name); ``fail`` makes every access a bus error. Writes are recorded."""

    def __init__(self, overrides=None, fail=False):
        self.values = {r.address: r.reset_value(BUILD) for r in REGISTER_MAP}
        for name, value in (overrides or {}).items():
            self.values[REGISTER_MAP[name].address] = value
        self.fail = fail
        self.writes = []

    async def read32(self, address):
        if self.fail or address not in self.values:
            raise BusError(f"DECERR at {address:#x}")
        return self.values[address]

    async def write32(self, address, value, byte_enable=0xF):
        self.writes.append((address, value))


def _identify(bus):
    return asyncio.run(identify(Registers(bus), PORT))


def test_a_current_card_reports_its_build():
    bus = ResetValueBus()
    info = _identify(bus)
    assert info == AdapterInfo(slot_size=512, tx_slots=3, rx_slots=4, lane_width=1,
                               max_messages=128, dma_bytes=8)
    assert bus.writes == []


def test_no_card_at_the_port():
    bus = ResetValueBus(fail=True)
    with pytest.raises(HardwareFault, match=r"no adapter answers at port 0x300 \(DECERR"):
        _identify(bus)
    assert bus.writes == []


def test_a_card_that_is_not_an_msl_adapter():
    bus = ResetValueBus({"ID": ADAPTER_ID ^ 1})
    with pytest.raises(HardwareFault, match="is not an MSL adapter"):
        _identify(bus)
    assert bus.writes == []


@pytest.mark.parametrize("major", [VERSION[0] - 1, VERSION[0] + 1])
def test_another_register_map_major_version_is_refused(major):
    version = REGISTER_MAP["VERSION"].pack(major=major, minor=VERSION[1])
    bus = ResetValueBus({"VERSION": version})
    with pytest.raises(HardwareFault, match=f"register map {major}.{VERSION[1]} is not "
                                            f"supported .this driver knows {VERSION[0]}.x"):
        _identify(bus)
    assert bus.writes == []


def test_a_newer_minor_version_is_accepted():
    version = REGISTER_MAP["VERSION"].pack(major=VERSION[0], minor=VERSION[1] + 1)
    assert _identify(ResetValueBus({"VERSION": version})).tx_slots == 3
