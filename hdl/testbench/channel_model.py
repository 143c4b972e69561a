"""Channel model: the cable between two adapters, with delay and fault injection, in RTL.

Fault injection runs at simulator speed: the testbench only sets rates and reads counters.
"""

from amaranth import Cat, Const, DomainRenamer, Module, Mux, Signal
from amaranth.lib import data, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from hdl.phy.lane import check_lane_width
from hdl.testbench.random_generator import XorShift32
from hdl.testbench.sampled_inputs import sampled

__all__ = ["ChannelControl", "ChannelStatus", "ChannelPort", "ChannelLane", "ChannelModel"]

#: Settings of one direction, held by the testbench.
ChannelControl = data.StructLayout({
    "delay_words": 16,       # whole lane words of delay (< max_delay_words)
    "delay_bits": 4,         # further delay in bit times (< lane_width)
    "error_threshold": 32,   # a lane word gets a bit error with probability error_threshold / 2**32
    "burst_threshold": 32,   # each clock a burst starts with probability burst_threshold / 2**32
    "burst_bits": 16,        # length of a burst in bit times (rounded up to lane words)
    "cut": 1,                # the cable is cut: the receiver sees zeros or noise
    "cut_noise": 1,          # while cut, send random bits instead of zeros
})

#: What one direction has done since reset (32-bit wrapping counters).
ChannelStatus = data.StructLayout({
    "bits_flipped": 32,   # line bits inverted by random errors and bursts
    "bursts": 32,         # bursts started
    "frames": 32,         # frames that have passed
    "frames_hit": 32,     # of those, frames with a bit flipped or cut (ChannelLane.frame_hit)
})

#: A testbench's handle on one direction (settings out, counters and frame events in).
ChannelPort = wiring.Signature({
    "control": Out(ChannelControl),
    "burst_now": Out(1),
    "kill_frame": Out(1),
    "seed": Out(32),
    "reseed": Out(1),
    "status": In(ChannelStatus),
    "frame_done": In(1),
    "frame_hit": In(1),
    "frame_near_hit": In(1),
})

class ChannelLane(wiring.Component):
    """One direction of the cable.

    The line is delayed by ``delay_words * lane_width + delay_bits`` bit times plus a
    fixed latency of three clocks. Random bit errors and error bursts are then applied
    (not while cut):

    * bit errors: each lane word, independently, gets one inverted bit (at a uniformly
      chosen position) with probability ``error_threshold / 2**32``. For a bit error
      rate p the testbench sets the word probability 1 - (1 - p)**lane_width; two errors
      in one word (a (lane_width·p)²/2 chance) count as one;
    * bursts: ``burst_bits`` bit times of noise (each bit inverted with probability ½),
      started by ``burst_now`` or at random with probability ``burst_threshold / 2**32``
      per clock.

    Randomness comes from two xorshift32 generators that step only while a feature uses
    them (an idle generator costs the simulator nothing); ``reseed`` loads both from
    ``seed``, so a run is reproducible from its seed.

    ``frame_done`` pulses as each frame's last bit leaves the channel, with two facts
    about that frame: ``frame_hit``, an error or the cut touched one of its own bits
    (the receiver must then never report it good); ``frame_near_hit``, the line was
    damaged within ``guard_bits`` bit times before it started (an error there can
    reach the frame's first symbols through the running disparity, so the frame may be
    lost without being hit itself).

    Parameters
    ----------
    lane_width : int
    max_delay_words : int
        Depth of the delay line, a power of two; ``delay_words`` must stay below it.
    guard_bits : int
        Reach of ``frame_near_hit`` before a frame. Two symbols suffice: the comma after
        an error resynchronises the receiver's running disparity; one more for margin.

    Members
    -------
    tx : In(lane_width)
    tx_in_frame : In(1)
        The sender's frame sideband (see :class:`hdl.phy.serializer.Serializer`).
    rx : Out(lane_width)
    control : In(ChannelControl)
        Takes effect a clock after it is set, as ``burst_now``, ``kill_frame``,
        ``seed`` and ``reseed`` do (all zero in reset).
    burst_now : In(1)
        Start a burst now (if none is running).
    kill_frame : In(1)
        Damage the next frame to start: one bit is inverted two symbols into it (enough to
        make it bad, too little to cost synchronisation). For "lost frame" tests.
    seed : In(32)
    reseed : In(1)
    status : Out(ChannelStatus)
    frame_done, frame_hit : Out(1)
    """

    def __init__(self, lane_width: int, max_delay_words: int = 64, guard_bits: int = 30):
        self._width = check_lane_width(lane_width)
        if max_delay_words < 2 or max_delay_words & (max_delay_words - 1):
            raise ValueError(f"max_delay_words must be a power of two >= 2, "
                             f"not {max_delay_words!r}")
        if guard_bits < 1:
            raise ValueError(f"guard_bits must be positive, not {guard_bits!r}")
        self._depth = max_delay_words
        self._guard_words = -(-guard_bits // self._width) + 1
        super().__init__({
            "tx": In(self._width),
            "tx_in_frame": In(1),
            "rx": Out(self._width),
            "control": In(ChannelControl),
            "burst_now": In(1),
            "kill_frame": In(1),
            "seed": In(32),
            "reseed": In(1),
            "status": Out(ChannelStatus),
            "frame_done": Out(1),
            "frame_hit": Out(1),
            "frame_near_hit": Out(1),
        })

    def elaborate(self, platform):
        m = Module()
        width, status = self._width, self.status
        # The testbench's settings a clock late (hdl.testbench.sampled_inputs says why).
        ctrl, seed, reseed, burst_now, kill_frame = (
            sampled(m, getattr(self, name), f"{name}_sampled")
            for name in ("control", "seed", "reseed", "burst_now", "kill_frame"))

        # Delay: whole words through a RAM, then 0..width-1 bits by splicing two words.
        m.submodules.line = line = Memory(shape=width + 1, depth=self._depth, init=[])
        write, read = line.write_port(), line.read_port()
        position = Signal(range(self._depth))
        m.d.sync += position.eq(position + 1)
        m.d.comb += [
            write.addr.eq(position),
            write.data.eq(Cat(self.tx, self.tx_in_frame)),
            write.en.eq(1),
            read.addr.eq(position - ctrl.delay_words - 1),
        ]
        # Words written before the last reset are not on the line: after a reset it
        # carries zeros until the delay has filled, as after power-up (tests that share
        # a simulator run each start from a reset: cocotb_tests/shared_runs.py).
        written = Signal(range(self._depth + 1))  # words written since reset, saturating
        with m.If(written != self._depth):
            m.d.sync += written.eq(written + 1)
        read_valid = Signal()  # read.data was written since reset (it is a clock late)
        m.d.sync += read_valid.eq(written > ctrl.delay_words)
        current = Mux(read_valid, read.data, 0)
        older = Signal(width + 1)
        m.d.sync += older.eq(current)
        shift = Mux(ctrl.delay_bits < width, ctrl.delay_bits, width - 1)
        spliced = (Cat(current[:width], older[:width]) >> shift)[:width]
        spliced_in_frame = (Cat(current[width].replicate(width),
                                older[width].replicate(width)) >> shift)[:width]

        # Two random generators: one for bit errors, one for noise and burst starts.
        error_random = XorShift32(seed, salt=1)
        noise_random = XorShift32(seed, salt=2)
        m.submodules.error_random = error_random
        m.submodules.noise_random = noise_random
        in_burst = Signal()
        m.d.comb += [
            error_random.reseed.eq(reseed),
            error_random.step.eq(ctrl.error_threshold != 0),
            noise_random.reseed.eq(reseed),
            noise_random.step.eq(in_burst | (ctrl.burst_threshold != 0)
                                 | (ctrl.cut & ctrl.cut_noise)),
        ]
        word_error = error_random.value < ctrl.error_threshold
        # Position uniform over the word: (8 random bits × width) / 256.
        error_position = (error_random.value[:8] * width)[8:]
        bit_errors = Mux(word_error, Const(1, width) << error_position, 0)[:width]
        noise = noise_random.value[:width]
        burst_starts = noise_random.value < ctrl.burst_threshold

        burst_left = Signal(16)  # bit times of the current burst still to come
        m.d.comb += in_burst.eq(burst_left != 0)
        with m.If(in_burst):
            m.d.sync += burst_left.eq(Mux(burst_left > width, burst_left - width, 0))
        with m.Elif(~ctrl.cut & (burst_now | burst_starts) & (ctrl.burst_bits != 0)):
            m.d.sync += [burst_left.eq(ctrl.burst_bits), status.bursts.eq(status.bursts + 1)]

        was_in_frame = Signal()  # the previous word's last bit belonged to a frame
        m.d.sync += was_in_frame.eq(spliced_in_frame[0])
        # Frames are at least a symbol apart, so a word holds at most one frame edge.
        frame_starts = ~was_in_frame & spliced_in_frame.any()
        frame_ends = was_in_frame & ~spliced_in_frame[0]

        # A frame to kill: one bit, two symbols after its start.
        kill_armed, killing = Signal(), Signal()
        kill_wait = Signal(range(20 // width + 2))
        kill_now = killing & (kill_wait == 0)
        with m.If(kill_frame):
            m.d.sync += kill_armed.eq(1)
        with m.If(kill_armed & frame_starts):
            m.d.sync += [kill_armed.eq(0), killing.eq(1), kill_wait.eq(20 // width)]
        with m.Elif(killing):
            m.d.sync += kill_wait.eq(kill_wait - 1)
            with m.If(kill_now):
                m.d.sync += killing.eq(0)

        flips = Mux(ctrl.cut, 0, bit_errors | Mux(in_burst, noise, 0) | kill_now)
        with m.If(ctrl.cut):
            m.d.sync += self.rx.eq(Mux(ctrl.cut_noise, noise, 0))
        with m.Else():
            m.d.sync += self.rx.eq(spliced ^ flips)
        m.d.sync += status.bits_flipped.eq(
            status.bits_flipped + sum(flips[i] for i in range(width)))

        # Attribute damage to frames, from the frame sideband travelling with the bits.
        hit_inside = (flips & spliced_in_frame).any() | (ctrl.cut & spliced_in_frame.any())
        hit_outside = (flips & ~spliced_in_frame).any() | (ctrl.cut & ~spliced_in_frame.all())
        recent_outside = Signal(self._guard_words)  # outside hits of the last few words
        m.d.sync += recent_outside.eq(Cat(hit_outside, recent_outside[:-1]))
        hit_so_far = Signal()
        near_hit = Signal()
        with m.If(frame_starts):
            m.d.sync += [hit_so_far.eq(hit_inside),
                         near_hit.eq(recent_outside.any() | hit_outside)]
        with m.Elif(hit_inside):
            m.d.sync += hit_so_far.eq(1)
        m.d.sync += [
            self.frame_done.eq(frame_ends),
            self.frame_hit.eq(frame_ends & (hit_so_far | hit_inside)),
            self.frame_near_hit.eq(frame_ends & near_hit),
        ]
        with m.If(frame_ends):
            m.d.sync += status.frames.eq(status.frames + 1)
            with m.If(hit_so_far | hit_inside):
                m.d.sync += status.frames_hit.eq(status.frames_hit + 1)
        return m


class ChannelModel(wiring.Component):
    """A full-duplex cable between sides A and B: two :class:`ChannelLane`.

    Members
    -------
    a_tx, a_tx_in_frame : In
        From side A's transmitter.
    a_rx : Out
        To side A's receiver.
    b_tx, b_tx_in_frame, b_rx
        The same for side B.
    a_to_b, b_to_a : In(ChannelPort)
        Settings and counters of each direction.

    Parameters
    ----------
    lane_width, max_delay_words :
        As for :class:`ChannelLane`.
    domains : dict, optional
        Clock domain of each direction (``{"a_to_b": ..., "b_to_a": ...}``): the
        sender's word clock when the two sides have their own. Default ``sync``.
    """

    def __init__(self, lane_width: int, max_delay_words: int = 64, domains: dict | None = None):
        self._width = check_lane_width(lane_width)
        self._max_delay_words = max_delay_words
        self._domains = {"a_to_b": "sync", "b_to_a": "sync", **(domains or {})}
        super().__init__({
            "a_tx": In(self._width), "a_tx_in_frame": In(1), "a_rx": Out(self._width),
            "b_tx": In(self._width), "b_tx_in_frame": In(1), "b_rx": Out(self._width),
            "a_to_b": In(ChannelPort),
            "b_to_a": In(ChannelPort),
        })

    def elaborate(self, platform):
        m = Module()
        for name, source, sink in (("a_to_b", "a", "b"), ("b_to_a", "b", "a")):
            lane = ChannelLane(self._width, self._max_delay_words)
            m.submodules[name] = lane = DomainRenamer(self._domains[name])(lane)
            port = getattr(self, name)
            m.d.comb += [
                lane.tx.eq(getattr(self, f"{source}_tx")),
                lane.tx_in_frame.eq(getattr(self, f"{source}_tx_in_frame")),
                getattr(self, f"{sink}_rx").eq(lane.rx),
            ]
            for member in ("control", "burst_now", "kill_frame", "seed", "reseed"):
                m.d.comb += getattr(lane, member).eq(getattr(port, member))
            for member in ("status", "frame_done", "frame_hit", "frame_near_hit"):
                m.d.comb += getattr(port, member).eq(getattr(lane, member))
        return m
