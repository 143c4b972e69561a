"""Gateware of the MSL adapter, in Amaranth 0.5, one block per module, by layer.

- :mod:`hdl.phy`: the link PHY (8b/10b, comma alignment, serializer, framing, CRC-32,
  statistics), composed by :class:`hdl.phy.link_phy.LinkPhy`;
- :mod:`hdl.link`: the link layer (link start-up and reset, frame arbitration, receive
  sequencing, transmit slots and replay);
- :mod:`hdl.host`: the host side (AXI4-Lite slave, register file and decoder,
  interrupts, the dual-ported slot buffers);
- :mod:`hdl.dma`: the DMA engine on an AXI4 master;
- :mod:`hdl.msl_adapter`: the adapter that joins them.

Everything software-visible (registers, frame format, host structures) is declared in
:mod:`msl_spec`; the gateware derives from it. :mod:`hdl.testbench` holds simulation
tops and test equipment in RTL: it imports the gateware, never the other way round.
Tools (Verilog generation, release, synthesis) live in :mod:`msl_tools`.
"""
