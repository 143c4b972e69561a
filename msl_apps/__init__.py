"""Applications on the co-simulation: the mirrored servers (demo, soak), the PHY
demo and the benchmarks."""
