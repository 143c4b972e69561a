"""Python reference models of the link, independent of the gateware in ``hdl/``.

They are what tests compare the gateware against, and what the waveform tools
(:mod:`msl_tools.waves`) use to read a lane back into frames: the 8b/10b code tables
(:mod:`~linkmodel.code8b10b`) and the frame format on the wire
(:mod:`~linkmodel.frames`). Only the frame format's constants are shared with the
gateware (:mod:`msl_spec`, the single source).
"""
