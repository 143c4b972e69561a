"""Two mirrored servers: the workload, the replica and its oracle, fault kinds,
``make demo`` and ``make soak``."""
