"""The AXI4 bus of the adapter's DMA master."""

from amaranth.lib import enum, wiring
from amaranth.lib.wiring import In, Out

__all__ = ["Axi4Signature", "AxiBurst"]


class AxiBurst(enum.Enum, shape=2):
    FIXED = 0
    INCR = 1
    WRAP = 2


def Axi4Signature(address_width: int = 32, data_width: int = 32, id_width: int = 1):
    """AXI4 as the master sees it (signal names as in the AXI spec); the DMA issues INCR
    bursts with ID 0 and ignores the IDs it gets back (one ID, so responses come in
    order)."""
    strobe = data_width // 8
    return wiring.Signature({
        "awid": Out(id_width), "awaddr": Out(address_width), "awlen": Out(8),
        "awsize": Out(3), "awburst": Out(2), "awprot": Out(3), "awcache": Out(4),
        "awvalid": Out(1), "awready": In(1),
        "wdata": Out(data_width), "wstrb": Out(strobe), "wlast": Out(1),
        "wvalid": Out(1), "wready": In(1),
        "bid": In(id_width), "bresp": In(2), "bvalid": In(1), "bready": Out(1),
        "arid": Out(id_width), "araddr": Out(address_width), "arlen": Out(8),
        "arsize": Out(3), "arburst": Out(2), "arprot": Out(3), "arcache": Out(4),
        "arvalid": Out(1), "arready": In(1),
        "rid": In(id_width), "rdata": In(data_width), "rresp": In(2), "rlast": In(1),
        "rvalid": In(1), "rready": Out(1),
    })
