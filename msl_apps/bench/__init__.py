"""``make bench``: the link through the whole stack, and the DMA engine."""
