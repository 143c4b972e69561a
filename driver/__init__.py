"""The MSL driver side.

Now: :mod:`driver.bus`, the abstract register bus the driver talks to the adapter
through (no cocotb here), and :mod:`driver.registers`, named access to the registers and
buffer windows generated from :data:`hdl.register_map.REGISTER_MAP`. The MSL driver and
the NetWare server OS model arrive in step 4.
"""
