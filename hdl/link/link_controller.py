"""Link controller: bringing the link up (HELLO exchange) and resetting it."""

from amaranth import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from msl_spec import LinkCommand
from hdl.link.link_interfaces import LinkFrameSignature

__all__ = ["LinkController"]


class LinkController(wiring.Component):
    """Link state from the line and the LINK frames exchanged with the peer.

    * While in sync, enabled and not up, send HELLO every ``hello_interval`` clocks.
      Answer every HELLO with HELLO_ACK. A HELLO_ACK takes the link up: the peer
      answered us. Losing sync (or disabling) takes it down.
    * Link reset (``reset_command``, after a timeout): restart our sequence numbers
      (``local_reset``), go down, send RESET until RESET_ACK (or the peer's own RESET)
      comes back, then come up again through the HELLO exchange. While resetting, HELLO
      is not answered, so the peer cannot come up (and send DATA) before it has reset
      too.
    * A RESET from the peer, when the link has been up since our last restart: restart
      our sequence numbers, go down, answer RESET_ACK, raise ``peer_reset`` and *stay
      held*: no HELLO sent or answered until our driver acknowledges with
      ``reset_command`` (which then restarts the sequence numbers once more and sends no
      RESET). The driver may be using the slots the reset emptied (a DMA job, an
      announced packet); holding the link down keeps new packets out of them until it
      has stopped and started again.
    * A RESET while resetting: the peer has reset too; answer RESET_ACK, no second
      restart (packets our driver posted since its own reset stay). Likewise when held,
      or when the link has not been up since our last restart (a RESET the peer repeated
      before our RESET_ACK reached it; our numbering is new already).

    Parameters
    ----------
    hello_interval : int
        Clocks between HELLO (or RESET) frames while waiting for an answer.

    Members
    -------
    enable, in_sync, reset_command : In(1)
    received : In(LinkFrameSignature)
        A LINK frame arrived, with its sub-command (acted on a clock later).
    request : Out(4)
        One-clock requests to send HELLO, HELLO_ACK, RESET, RESET_ACK (bits 0..3).
    up, resetting : Out(1)
    held : Out(1)
        The peer reset the link; waiting for our driver's ``reset_command``.
    quiet : Out(1)
        Resetting or held: frames other than LINK and EMERGENCY are stale (sent before
        the reset) and are not acted on.
    local_reset : Out(1)
        Restart sequence numbers here (to the transmit and receive controllers).
    went_up, went_down, peer_reset : Out(1)
        One-clock events.
    peer_slots : Out(8)
        The peer's receive slots, as its last HELLO or HELLO_ACK said (0: not said).
    """

    enable: In(1)
    in_sync: In(1)
    reset_command: In(1)
    received: In(LinkFrameSignature)
    request: Out(4)
    up: Out(1)
    resetting: Out(1)
    held: Out(1)
    quiet: Out(1)
    local_reset: Out(1)
    went_up: Out(1)
    went_down: Out(1)
    peer_reset: Out(1)
    peer_slots: Out(8)

    def __init__(self, hello_interval: int = 2048):
        if hello_interval < 16:
            raise ValueError(f"hello_interval must be at least 16 clocks, not {hello_interval!r}")
        self._interval = hello_interval
        super().__init__()

    def elaborate(self, platform):
        m = Module()

        def request(command):
            m.d.comb += self.request[command - 1].eq(1)

        def go_down():
            with m.If(self.up):
                m.d.comb += self.went_down.eq(1)
            m.d.sync += self.up.eq(0)

        timer = Signal(range(self._interval))
        waiting = self.enable & self.in_sync & ~self.held & (~self.up | self.resetting)
        with m.If(~waiting):
            m.d.sync += timer.eq(0)  # the first HELLO goes out at once when possible
        with m.Elif(timer == 0):
            m.d.sync += timer.eq(self._interval - 1)
            with m.If(self.resetting):
                request(LinkCommand.RESET)
            with m.Else():
                request(LinkCommand.HELLO)
        with m.Else():
            m.d.sync += timer.eq(timer - 1)

        # Nothing exchanged since our last restart (it is followed by a HELLO exchange):
        # a RESET now is one the peer repeated before our RESET_ACK reached it, or a
        # reset of a link that never came up; either way our numbering is already new.
        fresh = Signal(init=1)
        with m.If(self.went_up):
            m.d.sync += fresh.eq(0)
        with m.If(self.local_reset):
            m.d.sync += fresh.eq(1)

        m.d.comb += self.quiet.eq(self.resetting | self.held)
        # A LINK frame is acted on a clock after the receive controller hands it on: its
        # verdict on the frame (from the deframer's status) ran on through a RESET's link
        # reset into every register of the receive and transmit controllers. Frames are
        # many clocks apart, so nothing can come in between.
        received = LinkFrameSignature.create(path=("link_frame",))
        given = self.received
        for (*_, port), (*_, taken) in zip(given.signature.flatten(given),
                                           LinkFrameSignature.flatten(received)):
            m.d.sync += taken.eq(port)
        command = received.command
        with m.If(received.valid & ((command == LinkCommand.HELLO)
                                         | (command == LinkCommand.HELLO_ACK))):
            m.d.sync += self.peer_slots.eq(received.slots)
        with m.If(received.valid & self.enable):
            with m.If(command == LinkCommand.HELLO):
                with m.If(~self.quiet):
                    request(LinkCommand.HELLO_ACK)
            with m.Elif(command == LinkCommand.HELLO_ACK):
                with m.If(~self.quiet & self.in_sync & ~self.up):
                    m.d.sync += self.up.eq(1)
                    m.d.comb += self.went_up.eq(1)
            with m.Elif(command == LinkCommand.RESET):
                request(LinkCommand.RESET_ACK)
                with m.If(self.resetting):
                    m.d.sync += self.resetting.eq(0)
                with m.Elif(~self.held & ~fresh):
                    m.d.comb += [self.local_reset.eq(1), self.peer_reset.eq(1)]
                    m.d.sync += self.held.eq(1)
                    go_down()
            with m.Elif(command == LinkCommand.RESET_ACK):
                m.d.sync += self.resetting.eq(0)

        with m.If(self.reset_command):
            m.d.comb += self.local_reset.eq(1)
            with m.If(self.held):
                m.d.sync += self.held.eq(0)     # the peer has reset already
            with m.Else():
                m.d.sync += [self.resetting.eq(1), timer.eq(0)]
            go_down()
        with m.If(~self.in_sync | ~self.enable):
            go_down()
        return m
