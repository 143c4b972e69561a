"""cocotb testbenches, their bus-functional models, and the pytest wrappers that run them.

``tb_*.py`` hold ``@cocotb.test()`` coroutines; ``test_*.py`` are the pytest side that
builds each design with Icarus / Verilator (:mod:`cocotb_tests.harness`) and runs them.
"""
