"""The waveform tools' command lines on bad input: one line saying what is wrong, no
traceback; a truncated VCD is named as such and what is complete is decoded."""

import pytest

from msl_tools.waves import frame_timeline, gtkwave_save, vcd_lanes
from tests.wave_fixtures import write_pair_vcd

TOOLS = [vcd_lanes.main, frame_timeline.main, gtkwave_save.main]


def _error(capsys, main, *argv) -> str:
    with pytest.raises(SystemExit) as stop:
        main(list(argv))
    assert stop.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert "Traceback" not in "\n".join(lines)
    return lines[-1]


@pytest.mark.parametrize("main", TOOLS)
def test_missing_empty_and_signal_less_files_are_named(main, capsys, tmp_path):
    assert "no waveform file" in _error(capsys, main, str(tmp_path / "nosuch.vcd"))
    empty = tmp_path / "empty.vcd"
    empty.write_bytes(b"")
    assert "is empty" in _error(capsys, main, str(empty))
    bare = tmp_path / "bare.vcd"
    bare.write_text("$timescale 1ps $end\n$enddefinitions $end\n#0\n")
    assert "holds no signals" in _error(capsys, main, str(bare))


@pytest.mark.parametrize("main", [vcd_lanes.main, frame_timeline.main])
def test_a_truncated_vcd_is_named_and_decoded_up_to_the_cut(main, capsys, tmp_path):
    whole = write_pair_vcd(tmp_path / "whole.vcd")
    cut = write_pair_vcd(tmp_path / "cut.vcd", cut_at=int(whole.stat().st_size * 0.6) + 3)
    assert main([str(whole)]) == 0
    complete = capsys.readouterr()
    assert "truncated" not in complete.err
    assert main([str(cut)]) == 0
    partial = capsys.readouterr()
    assert "is truncated" in partial.err
    # The first frames are there, the last (EMERGENCY, near the end) is not.
    emergency = "EMERGENCY" if main is frame_timeline.main else "kind=5"
    assert emergency in complete.out and emergency not in partial.out
    assert "seq=17" in partial.out


def test_the_save_file_writer_warns_of_a_truncated_vcd(capsys, tmp_path):
    whole = write_pair_vcd(tmp_path / "whole.vcd")
    cut = write_pair_vcd(tmp_path / "cut.vcd", cut_at=int(whole.stat().st_size * 0.6) + 3)
    assert gtkwave_save.main([str(cut)]) == 0
    assert "is truncated" in capsys.readouterr().err


def test_a_good_data_frame_of_random_bytes_is_good_with_a_note(tmp_path):
    # The PHY demo's DATA frames carry random payloads, not messages: the timeline must
    # call them good, as vcd_lanes and the receiver do, and say the payload is no packet.
    from linkmodel.frames import Frame
    from msl_spec import FrameKind
    from msl_tools.waves.frame_timeline import timeline

    vcd = write_pair_vcd(tmp_path / "random.vcd",
                         a_frames=[Frame(FrameKind.DATA, 3, 1, payload=bytes(range(7)))])
    entry = next(e for e in timeline(str(vcd)) if e.kind == "DATA")
    assert entry.status == "good" and "not a message packet" in entry.note
