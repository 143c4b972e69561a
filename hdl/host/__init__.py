"""The host side: AXI4-Lite registers, interrupts and the slot buffers."""
