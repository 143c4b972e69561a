"""The transceiver boundary: what the link PHY needs from a SERDES, its simulation model
and its FPGA implementations."""
