"""Test top exposing the 8b/10b coder halves and the CRC-32 register."""

from amaranth import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from hdl.phy.crc32 import Crc32
from hdl.phy.decoder_8b10b import Decoder8b10b
from hdl.phy.encoder_8b10b import Encoder8b10b

__all__ = ["CodecTop"]


class CodecTop(wiring.Component):
    """The combinational encoder and decoder side by side, and a CRC-32 register.

    Members
    -------
    enc_data, enc_k, enc_rd_in : In
    enc_code, enc_rd_out, enc_invalid_k : Out
        See :class:`hdl.phy.encoder_8b10b.Encoder8b10b`.
    dec_code, dec_rd_in : In
    dec_data, dec_k, dec_code_error, dec_disparity_error, dec_rd_out : Out
        See :class:`hdl.phy.decoder_8b10b.Decoder8b10b`.
    crc_start, crc_enable, crc_data : In
    crc_value, crc_residue_ok : Out
        See :class:`hdl.phy.crc32.Crc32`.
    """

    enc_data: In(8)
    enc_k: In(1)
    enc_rd_in: In(1)
    enc_code: Out(10)
    enc_rd_out: Out(1)
    enc_invalid_k: Out(1)
    dec_code: In(10)
    dec_rd_in: In(1)
    dec_data: Out(8)
    dec_k: Out(1)
    dec_code_error: Out(1)
    dec_disparity_error: Out(1)
    dec_rd_out: Out(1)
    crc_start: In(1)
    crc_enable: In(1)
    crc_data: In(8)
    crc_value: Out(32)
    crc_residue_ok: Out(1)

    def elaborate(self, platform):
        m = Module()
        m.submodules.encoder = encoder = Encoder8b10b()
        m.submodules.decoder = decoder = Decoder8b10b()
        m.submodules.crc = crc = Crc32()
        m.d.comb += [
            encoder.data.eq(self.enc_data),
            encoder.k.eq(self.enc_k),
            encoder.rd_in.eq(self.enc_rd_in),
            self.enc_code.eq(encoder.code),
            self.enc_rd_out.eq(encoder.rd_out),
            self.enc_invalid_k.eq(encoder.invalid_k),
            decoder.code.eq(self.dec_code),
            decoder.rd_in.eq(self.dec_rd_in),
            self.dec_data.eq(decoder.data),
            self.dec_k.eq(decoder.k),
            self.dec_code_error.eq(decoder.code_error),
            self.dec_disparity_error.eq(decoder.disparity_error),
            self.dec_rd_out.eq(decoder.rd_out),
            crc.start.eq(self.crc_start),
            crc.enable.eq(self.crc_enable),
            crc.data.eq(self.crc_data),
            self.crc_value.eq(crc.value),
            self.crc_residue_ok.eq(crc.residue_ok),
        ]
        return m
