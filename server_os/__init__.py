"""The server OS model the MSL driver runs in: the driver's environment, not the driver.

- :mod:`server_os.platform`: what the OS and the driver run on (host memory, the
  clock, events), bound by a simulation or by asyncio;
- :mod:`server_os.cpu`: the CPU interrupt flag;
- :mod:`server_os.netware`: the NetWare services with books of everything handed out;
- :mod:`server_os.sft3`: the SFT III message side the driver delivers to.
"""
