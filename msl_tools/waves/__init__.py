"""Waveform tools: a VCD's lanes decoded, the frame timeline, GTKWave save files."""
