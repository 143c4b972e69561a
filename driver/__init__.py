"""The MSL driver side (nothing here imports cocotb).

- :mod:`driver.bus`: the abstract register bus the driver reaches the adapter through;
  :mod:`driver.platform`: host memory, clock and flows of the server machine.
- :mod:`driver.registers`: named access to the registers and buffer windows generated
  from :data:`msl_spec.REGISTER_MAP`; :mod:`driver.dma_rings`: the DMA rings in
  host memory.
- :mod:`driver.cpu`: the CPU interrupt flag; :mod:`driver.server_os`: the NetWare
  services with their books; :mod:`driver.sft3`: the SFT III message side.

- :mod:`driver.msl_driver`: the MSL driver module (DriverInitialize, DriverControl,
  DriverTimeout, DriverRemove, the registered entry points); :mod:`driver.msl_link`:
  one adapter at run time (send path, ISR, holdoff, timeouts);
  :mod:`driver.msl_hardware`: identification, self-tests, tuning;
  :mod:`driver.msl_statistics`: the tables DriverControl copies.
"""
