"""The frame format's Amaranth layouts, from its declaration in :mod:`msl_spec.frame_format`."""

from amaranth import unsigned
from amaranth.lib import data

from msl_spec import HEADER_FIELDS, STATUS_FLAGS

__all__ = ["FrameHeader", "FrameStatus", "Symbol"]

#: The header as a layout; its value's byte ``i`` is header byte ``i`` on the wire.
FrameHeader = data.StructLayout({name: unsigned(width) for name, width, _ in HEADER_FIELDS})

#: Why a received frame was rejected, a bit per :data:`msl_spec.STATUS_FLAGS` entry. A
#: frame with no flag set is good.
FrameStatus = data.StructLayout({name: 1 for name, _ in STATUS_FLAGS})

#: One line symbol before encoding.
Symbol = data.StructLayout({"data": 8, "k": 1})
