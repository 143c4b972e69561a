"""The MSL driver (nothing here imports cocotb or Amaranth).

- :mod:`driver.bus`: the abstract register bus the driver reaches the adapter through;
- :mod:`driver.registers`: named access to the registers and buffer windows generated
  from :data:`msl_spec.REGISTER_MAP`; :mod:`driver.dma_rings`: the DMA rings in host
  memory;
- :mod:`driver.msl_driver`: the MSL driver module (DriverInitialize, DriverControl,
  DriverTimeout, DriverRemove, the registered entry points); :mod:`driver.msl_link`:
  one adapter at run time (send path, ISR, holdoff, timeouts);
  :mod:`driver.msl_settings`: its tunables and what a link gets of the driver;
  :mod:`driver.msl_hardware`: identification, self-tests, tuning;
  :mod:`driver.msl_statistics`: the tables DriverControl copies.

The driver runs in the server OS model (:mod:`server_os`): NetWare's services, the SFT
III message side, the CPU, and the machine's platform (host memory, time, events).
"""
