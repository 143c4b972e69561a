"""Tools: Verilog generation, the release, the C header, synthesis, lint checks,
doc tables, coverage and the waveform tools."""
