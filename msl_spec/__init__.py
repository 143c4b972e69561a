"""The MSL adapter's specification, as data, with no Amaranth in it.

Frame format, register map and its description language, interrupt causes,
statistics counters, host-memory structures, the packet format, the line
synchronisation policy and clock compensation. The gateware (:mod:`hdl`), the driver (:mod:`driver`), the
reference models (:mod:`linkmodel`), the tools and ``docs/`` all derive from it;
importing it (or the driver, or the models) never loads Amaranth.
"""

from .clock_compensation import *  # noqa: F401,F403
from .counters import *          # noqa: F401,F403
from .frame_format import *      # noqa: F401,F403
from .host_structures import *   # noqa: F401,F403
from .interrupts import *        # noqa: F401,F403
from .line_sync import *         # noqa: F401,F403
from .packet_format import *     # noqa: F401,F403
from .register_model import *    # noqa: F401,F403
from .registers import *         # noqa: F401,F403
from . import (clock_compensation, counters, frame_format, host_structures, interrupts, line_sync, packet_format,
               register_model, registers)

__all__ = [name for module in (clock_compensation, counters, frame_format, host_structures, interrupts, line_sync,
                               packet_format, register_model, registers)
           for name in module.__all__]
