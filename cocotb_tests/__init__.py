"""cocotb testbenches, their bus-functional models, and the pytest wrappers that run them.

``tb_*.py`` hold ``@cocotb.test()`` coroutines; ``test_*.py`` are the pytest side that
builds each design with Icarus / Verilator (:mod:`cocotb_tests.harness`) and runs them.
Bus-functional models (``*_bfm.py``, ``axil_binding``, ``host_memory``), environments
that assemble them for one test top (``*_env.py``, ``msl_system``), scoreboards and
traffic (``phy_scoreboard``, ``dma_traffic``), and the clocks every testbench uses
(``clocks``). Applications built on them are in :mod:`msl_apps`.
"""
