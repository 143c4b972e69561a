"""The adapter's interrupt causes: one bit each in INT_STATUS, INT_ENABLE and INT_RAW."""

__all__ = ["INTERRUPT_CAUSES"]

#: Interrupt causes, in bit order: (name, what sets it).
INTERRUPT_CAUSES = (
    ("RX_PACKET", "a DATA packet landed in a receive slot (with DMA_CONTROL.enable: "
                  "its headers and completion are in host memory)"),
    ("ACK_RECEIVED", "an ACK freed one or more transmit slots (with DMA_CONTROL.enable: "
                     "the status block shows it)"),
    ("HOLDOFF_RECEIVED", "the peer's driver is holding a packet of ours for its OS (restart "
                         "message timers); not raised by the peer adapter's HOLDOFF answers "
                         "to replays"),
    ("EMERGENCY_RECEIVED", "the peer sent EMERGENCY (reason in PEER_EMERGENCY)"),
    ("RX_ERROR", "a damaged or malformed frame was received and discarded"),
    ("TX_COMPLETE", "a DATA frame went out whole"),
    ("TX_ERROR", "a packet was replayed RETRY_LIMIT times without an ACK: transmitter halted"),
    ("DMA_DONE", "receive copies finished (COPY_HEAD in the status block moved)"),
    ("DMA_ERROR", "a DMA job failed (DMA_STATUS, STAT_DMA_ERRORS, the status block)"),
    ("LINK_UP", "the link came up"),
    ("LINK_DOWN", "the link went down"),
    ("PEER_RESET", "the peer reset the link: every slot here was emptied and the link "
                   "stays down (LINK_STATUS.held) until COMMAND.link_reset acknowledges"),
)
