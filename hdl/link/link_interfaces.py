"""Signatures of the paths between the link layer's blocks, the DMA engine and the slot
buffers (``hdl.msl_adapter`` joins them with ``wiring.connect``).

Each is seen from the block that drives its ``valid``: a one-clock event with its
fields, valid only together with it.
"""

from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from msl_spec import MAX_SLOTS

__all__ = ["AckSignature", "NakSignature", "HoldoffSignature", "HoldoffAnswerSignature",
           "AnswersSignature",
           "ReleaseSignature", "LinkFrameSignature", "EmergencySignature", "ArrivalSignature",
           "PostSignature", "SlotWriteSignature", "PayloadReadSignature", "DataOfferSignature",
           "TxProgressSignature"]

#: ACK ``seq``: every DATA frame up to ``seq`` acknowledged, the last carrying ``count``
#: messages.
AckSignature = wiring.Signature({"valid": Out(1), "seq": Out(8), "count": Out(8)})

#: NAK: replay from ``seq``; ``busy`` for NAK BUSY (no free slot), ``ready`` for NAK
#: READY (a slot came free after a refusal), else NAK ERROR.
NakSignature = wiring.Signature({"valid": Out(1), "seq": Out(8), "busy": Out(1),
                                 "ready": Out(1)})

#: HOLDOFF ``seq``: the peer holds that DATA frame for its OS.
HoldoffSignature = wiring.Signature({"valid": Out(1), "seq": Out(8)})

#: HOLDOFF as a frame: ``driver`` when the driver holds it (HoldoffSource.DRIVER), else
#: the adapter answering a replay of a packet not yet acknowledged.
HoldoffAnswerSignature = wiring.Signature({"valid": Out(1), "seq": Out(8), "driver": Out(1)})

#: The three answers to DATA: received from the peer (receive -> transmit controller)
#: or to be sent to it (receive controller -> frame arbiter).
AnswersSignature = wiring.Signature({
    "ack": Out(AckSignature),
    "nak": Out(NakSignature),
    "holdoff": Out(HoldoffAnswerSignature),
})

#: RX_RELEASE: the driver gives receive slot ``slot`` back.
ReleaseSignature = wiring.Signature({"valid": Out(1), "slot": Out(4)})

#: A LINK frame received, with its sub-command (receive -> link controller).
LinkFrameSignature = wiring.Signature({"valid": Out(1), "command": Out(8), "slots": Out(8)})

#: EMERGENCY with its reason: sent by SEND_EMERGENCY (register file -> frame arbiter) or
#: received from the peer (receive controller -> PEER_EMERGENCY, interrupts).
EmergencySignature = wiring.Signature({"valid": Out(1), "reason": Out(8)})

#: A DATA frame committed to receive slot ``slot`` (receive controller -> DMA engine).
ArrivalSignature = wiring.Signature({
    "valid": Out(1),
    "slot": Out(range(MAX_SLOTS)),
    "seq": Out(8),
    "count": Out(8),
    "length": Out(16),
})

#: A packet posted in transmit slot ``slot`` (DMA engine or TX_POST -> transmit
#: controller).
PostSignature = wiring.Signature({
    "valid": Out(1),
    "slot": Out(4),
    "length": Out(16),
    "count": Out(8),
})

#: One received payload byte into a receive slot (receive controller -> receive buffer).
SlotWriteSignature = wiring.Signature({
    "valid": Out(1),
    "slot": Out(range(MAX_SLOTS)),
    "index": Out(16),
    "byte": Out(8),
})

#: Start reading ``length`` bytes of transmit slot ``slot`` onto the line (frame arbiter
#: -> transmit buffer).
PayloadReadSignature = wiring.Signature({
    "start": Out(1),
    "slot": Out(range(MAX_SLOTS)),
    "length": Out(16),
})

#: A DATA frame the transmit controller wants sent, as the frame arbiter sees it.
DataOfferSignature = wiring.Signature({
    "valid": Out(1),
    "slot": Out(range(MAX_SLOTS)),
    "seq": Out(8),
    "length": Out(16),
    "count": Out(8),
    "taken": In(1),    # the framer started it
    "sent": In(1),     # it went out whole
    "aborted": In(1),  # it was cut short (it will be offered again)
})

#: The transmit slots' progress (transmit controller -> DMA engine): which slots are
#: FREE, and the messages acknowledged since the link came up.
TxProgressSignature = wiring.Signature({
    "free": Out(MAX_SLOTS),
    "acked_messages": Out(32),
})
