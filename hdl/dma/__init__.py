"""The DMA engine and its AXI4 master."""
