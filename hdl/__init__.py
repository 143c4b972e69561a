"""Gateware of the MSL adapter, in Amaranth 0.5 (one block per module).

Link PHY (step 1): :mod:`~hdl.encoder_8b10b`, :mod:`~hdl.decoder_8b10b`,
:mod:`~hdl.crc32`, :mod:`~hdl.serializer`, :mod:`~hdl.symbol_aligner`,
:mod:`~hdl.symbol_sync`, :mod:`~hdl.framer`, :mod:`~hdl.deframer`, composed by
:mod:`~hdl.phy_transmitter`, :mod:`~hdl.phy_receiver` and :mod:`~hdl.link_phy`;
the frame format is declared once in :mod:`msl_spec` (its layouts: :mod:`~hdl.frame_layouts`). :mod:`~hdl.testbench` holds the
simulation tops and the RTL channel model; :mod:`~hdl.tops` generates Verilog.
"""
