"""Fast unit tests: amaranth.sim, and the OS model and driver on asyncio (no simulator)."""
