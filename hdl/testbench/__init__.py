"""Simulation tops and test equipment in RTL.

Synthesizable like the rest of ``hdl/``, but built for the testbenches: they wrap the
product's gateware with what a cocotb test needs to drive and observe it at simulator
speed (FIFOs the test fills, event ports it watches, a cable with fault injection).
"""
