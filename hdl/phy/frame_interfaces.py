"""Signatures of the frame interfaces between the link layer and the PHY."""

from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

from hdl.phy.frame_layouts import FrameHeader, FrameStatus

__all__ = ["FrameTxSignature", "FrameRxSignature"]

#: Frames to send, as seen by whoever supplies them (see :class:`hdl.phy.framer.Framer`).
FrameTxSignature = wiring.Signature({
    "header": Out(stream.Signature(FrameHeader)),
    "payload": Out(stream.Signature(8)),
    "abort": Out(1),
    "busy": In(1),
    "sent": In(1),
    "aborted": In(1),
    "underrun": In(1),
})

#: Frames received, as seen by the PHY that reports them (see
#: :class:`hdl.phy.deframer.Deframer`).
FrameRxSignature = wiring.Signature({
    "header": Out(FrameHeader),
    "header_valid": Out(1),
    "payload": Out(8),
    "payload_valid": Out(1),
    "end": Out(1),
    "status": Out(FrameStatus),
    "orphan": Out(1),
})
