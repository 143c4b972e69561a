"""Clock compensation: the two ends of a link run on oscillators of their own, and the
receiver's elastic buffer makes up the difference with the commas between frames
(docs/link-phy.md, "Clock compensation", works the numbers through).

The sender follows every frame with :func:`idle_gap` commas, enough for the receiver
to remove the drift of the longest frame; the receiver's buffer is
:func:`elastic_depth` symbols deep, enough to hold that drift inside a frame.
"""

from math import ceil

from .frame_format import FRAME_OVERHEAD_BYTES

__all__ = ["TOLERANCE_PPM", "LEVEL_LAG", "drift_symbols", "idle_gap", "elastic_depth"]

#: The clock difference the link is built for: two oscillators of ±100 ppm each (as
#: 1000BASE-X and Aurora assume) differ by 200 ppm at most.
TOLERANCE_PPM = 200

#: Symbols by which the fill level one side of the elastic buffer sees may trail the
#: true level (the other side's pointer crosses through a synchronizer). The buffer
#: acts only outside a band of this width either side of half full.
LEVEL_LAG = 4


def drift_symbols(symbols: int, ppm: float = TOLERANCE_PPM) -> float:
    """Symbols by which two clocks ``ppm`` apart drift over ``symbols`` symbols."""
    return symbols * ppm * 1e-6


def idle_gap(max_payload: int, ppm: float = TOLERANCE_PPM) -> int:
    """Commas the sender puts after every frame: one that stays (frames are always
    separated) and one the receiver may remove for every symbol the longest frame can
    drift (a frame is its payload and FRAME_OVERHEAD_BYTES symbols on the line)."""
    return 1 + ceil(drift_symbols(max_payload + FRAME_OVERHEAD_BYTES, ppm))


def elastic_depth(max_payload: int, ppm: float = TOLERANCE_PPM) -> int:
    """Symbols of elastic buffer for frames of up to ``max_payload`` bytes: from half
    full, room for the level band either side of it (:data:`LEVEL_LAG` of margin and as
    much of lag), the longest frame's drift and one spare; a power of two, at least 16."""
    half = 2 * LEVEL_LAG + ceil(drift_symbols(max_payload + FRAME_OVERHEAD_BYTES, ppm)) + 1
    depth = 16
    while depth < 2 * half:
        depth *= 2
    return depth
