"""The driver's only way to the adapter: an abstract, asynchronous register bus.

The driver never imports cocotb; a simulation binds this to a bus-functional model (see
``cocotb_tests/axil_binding.py``), real hardware would bind it to memory-mapped I/O.
Every access takes bus time, which is what makes the driver's register-access budget
meaningful.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["RegisterBus", "BusError"]


class BusError(Exception):
    """A register access was answered with an error (e.g. nothing mapped there)."""


class RegisterBus(Protocol):
    """32-bit register reads and writes at byte addresses (4-byte aligned)."""

    async def read32(self, address: int) -> int:
        """Read a 32-bit word; raises :class:`BusError` on an error response."""

    async def write32(self, address: int, value: int, byte_enable: int = 0xF) -> None:
        """Write a 32-bit word (bytes selected by ``byte_enable``); raises
        :class:`BusError` on an error response."""
