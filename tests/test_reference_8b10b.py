"""The 8b/10b reference tables themselves, against code words published for the standard
and the code's known properties (so the reference the gateware is judged by is sound)."""

import pytest

from linkmodel import code8b10b as ref

# (symbol name, byte, k, RD- code word, RD+ code word), as tabulated for IEEE 802.3
# clause 36 / the Widmer-Franaszek paper (abcdei fghj).
PUBLISHED = [
    ("D.00.0", 0x00, False, "100111 0100", "011000 1011"),
    ("D.03.0", 0x03, False, "110001 1011", "110001 0100"),
    ("D.07.0", 0x07, False, "111000 1011", "000111 0100"),
    ("D.11.7", 0xEB, False, "110100 1110", "110100 1000"),
    ("D.17.7", 0xF1, False, "100011 0111", "100011 0001"),
    ("D.21.5", 0xB5, False, "101010 1010", "101010 1010"),
    ("D.24.3", 0x78, False, "110011 0011", "001100 1100"),
    ("D.31.7", 0xFF, False, "101011 0001", "010100 1110"),
    ("K.28.1", 0x3C, True, "001111 1001", "110000 0110"),
    ("K.28.5", 0xBC, True, "001111 1010", "110000 0101"),
    ("K.28.7", 0xFC, True, "001111 1000", "110000 0111"),
    ("K.23.7", 0xF7, True, "111010 1000", "000101 0111"),
    ("K.27.7", 0xFB, True, "110110 1000", "001001 0111"),
    ("K.29.7", 0xFD, True, "101110 1000", "010001 0111"),
    ("K.30.7", 0xFE, True, "011110 1000", "100001 0111"),
]


@pytest.mark.parametrize("name,byte,k,minus,plus", PUBLISHED, ids=[p[0] for p in PUBLISHED])
def test_published_code_words(name, byte, k, minus, plus):
    assert f"{ref.encode(byte, k, 0)[0]:010b}" == minus.replace(" ", "")
    assert f"{ref.encode(byte, k, 1)[0]:010b}" == plus.replace(" ", "")


def test_code_properties():
    columns = (ref.code_words(0), ref.code_words(1))
    for rd, column in enumerate(columns):
        assert len(column) == 256 + 12  # one word per symbol: uniquely decodable
        for code, (_, _, rd_after) in column.items():
            disparity = ref.disparity(f"{code:010b}")
            assert disparity in (0, 2 if rd == 0 else -2)  # never away from balance
            assert rd_after == (rd if disparity == 0 else 1 - rd)
    # The comma (0011111 or 1100000 in bits a..f+) occurs only in K.28.1, K.28.5, K.28.7.
    for rd, column in enumerate(columns):
        commas = {(byte, k) for code, (byte, k, _) in column.items()
                  if f"{code:010b}"[:7] in ("0011111", "1100000")}
        assert commas == {(0x3C, True), (0xBC, True), (0xFC, True)}


def test_decode_reports_code_and_disparity_errors():
    k285_plus = ref.encode(0xBC, True, 1)[0]
    assert ref.decode(k285_plus, 1) == ref.Decoded(0xBC, True, False, False, 0)
    assert ref.decode(k285_plus, 0) == ref.Decoded(0xBC, True, False, True, 0)
    assert ref.decode(0b1111111111, 0) == ref.Decoded(0, False, True, False, 0)


def test_invalid_control_symbols_are_refused():
    with pytest.raises(ValueError, match="K.0.0 is not a control code"):
        ref.encode(0x00, True, 0)
