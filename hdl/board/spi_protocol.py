"""The demonstration host's SPI frames (:mod:`hdl.board.spi_axil_bridge`): how a
microcontroller reads and writes the adapter's registers. Plain Python, so that a host's
driver (or a test) builds and reads frames without Amaranth.

SPI mode 0 (clock idles low, both sides sample on the rising edge), most significant
bit first, one frame per chip select (active low). Every frame starts with a command
byte and a 16-bit register address, big-endian:

* write: ``WRITE, addr_hi, addr_lo, d3, d2, d1, d0`` (data big-endian), then optionally
  one more byte, during which the bridge sends the write's status;
* read: ``READ, addr_hi, addr_lo, TURNAROUND``, then 4 bytes during which the bridge
  sends the data (big-endian), then one byte for the status.

The bridge starts the AXI4-Lite access as soon as the address (read) or the data
(write) is in. The status byte is ``DONE`` (bit 7) with the AXI response in bits 1:0;
``DONE`` clear means the access had not finished when the byte began (the SPI clock
is too fast for the bus: a turnaround byte lasts 8 SPI clocks, the access a few
adapter clocks).
"""

__all__ = ["WRITE", "READ", "TURNAROUND", "DONE", "write_frame", "read_frame",
           "parse_read", "parse_status"]

WRITE = 0x02
READ = 0x03
TURNAROUND = 0x00     # the byte sent while a read is done
DONE = 0x80           # status: the access finished
READ_FRAME_BYTES = 9  # command, address (2), turnaround, data (4), status


def write_frame(address: int, data: int) -> bytes:
    """The bytes to send for a write of ``data`` at ``address``, with the status byte."""
    _check(address, data)
    return bytes([WRITE, address >> 8, address & 0xFF]) + data.to_bytes(4, "big") + b"\0"


def read_frame(address: int) -> bytes:
    """The bytes to send for a read at ``address`` (the last five are don't-care)."""
    _check(address, 0)
    return bytes([READ, address >> 8, address & 0xFF, TURNAROUND]) + bytes(5)


def parse_read(received: bytes) -> tuple[int, int]:
    """From the bytes received during a :func:`read_frame`: (data, AXI response).

    Raises
    ------
    ValueError
        The frame is short, or the bridge had not finished the read in time.
    """
    if len(received) != READ_FRAME_BYTES:
        raise ValueError(f"a read frame is {READ_FRAME_BYTES} bytes, not {len(received)}")
    return int.from_bytes(received[4:8], "big"), parse_status(received[8])


def parse_status(status: int) -> int:
    """The AXI response in a status byte (0 OKAY, 2 SLVERR, 3 DECERR).

    Raises
    ------
    ValueError
        ``DONE`` is clear: the access had not finished.
    """
    if not status & DONE:
        raise ValueError(f"the access had not finished (status {status:#04x}): "
                         f"slow the SPI clock down")
    return status & 0x3


def _check(address, data):
    if not 0 <= address < 1 << 16 or address % 4:
        raise ValueError(f"address must be a 32-bit aligned 16-bit address, not {address:#x}")
    if not 0 <= data < 1 << 32:
        raise ValueError(f"data must fit 32 bits, not {data:#x}")
