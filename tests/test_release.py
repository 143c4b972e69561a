"""``python -m msl_tools.release``: the adapter's RTL, parameters JSON and C header for a build
the user chooses. The header is compiled as C11 and C++11 and its values are compared
with the register map, a few of them with numbers worked out by hand from
docs/registers.md; the RTL is lint clean and has nothing only a simulator understands."""

import json
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from msl_tools.c_header import header_values
from msl_spec import INTERRUPT_CAUSES, REGISTER_MAP, RX_COMPLETION
from msl_tools.release import adapter_parameters, lint, main, write_release
from msl_tools.verilog_checks import simulation_only_constructs

#: A build unlike the defaults in every parameter the header shows.
BUILD = {"lane_width": 1, "tx_slots": 4, "rx_slots": 3, "slot_size": 1024, "dma_width": 64,
         "ack_timeout": 5000, "retry_limit": 3}


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    return write_release(tmp_path_factory.mktemp("release"), "msl_custom", **BUILD)


def compile_and_run(folder, name, source, language):
    compiler = {"c": shutil.which("gcc") or shutil.which("cc"), "c++": shutil.which("g++")}[language]
    assert compiler, f"no {language} compiler on PATH"
    standard = "-std=c11" if language == "c" else "-std=c++11"
    program = folder / f"{name}.{'c' if language == 'c' else 'cpp'}"
    program.write_text(source)
    binary = folder / f"{name}-{language.replace('+', 'x')}"
    built = subprocess.run([compiler, standard, "-Wall", "-Wextra", "-pedantic", "-Werror",
                            "-I", str(folder), str(program), "-o", str(binary)],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-3000:]
    return subprocess.run([str(binary)], capture_output=True, check=True).stdout


def test_parameters_json_names_the_build(release):
    written = json.loads(release.params.read_text())
    assert written["module"] == "msl_custom"
    assert written["parameters"] == {**adapter_parameters(), **BUILD}
    assert written["register_map_version"] == "4.2"


def test_verilog_is_one_module_with_the_build_ports(release):
    text = release.verilog.read_text()
    assert "module msl_custom(" in text
    assert "output [63:0] dma__wdata;" in text          # dma_width 64
    assert "output lane_tx;" in text and "input lane_rx;" in text   # lane_width 1


def test_no_simulation_only_constructs(release):
    assert simulation_only_constructs(release.verilog.read_text()) == []


def test_the_simulation_only_check_can_fail():
    # an escaped memory name (Yosys escapes keywords: ``\table ``) is memory contents
    text = "\n".join(["module m(clk);", "  reg [1:0] mem [1:0];", "  initial begin",
                      "    mem[0] = 2'h1;", "    mem[1] = 2'd0;", "    \\table [1] = 2'h2;",
                      "  end", "  initial x = 1;",
                      "  always @(posedge clk) $display(\"x\");", "  assign #5 y = z;",
                      "  wire \\$display ;", "endmodule"])
    found = simulation_only_constructs(text)
    assert [line.split(":")[0] for line in found] == ["8", "9", "10"]


def test_verilator_wall_lint_clean(release):
    if shutil.which("verilator") is None:
        pytest.fail("verilator is not on PATH: run the tests through `make test`")
    result = lint(release)
    assert result.returncode == 0, result.stderr[-4000:]


def test_c_header_values_as_a_compiler_sees_them(release, tmp_path):
    names = [name for name, _, _ in header_values({**adapter_parameters(), **BUILD})]
    extra = {"MSL_REG_RX_INFO(3)": None, "MSL_GET(TX_SEQ_BASE, 0x00AB1200u)": 0x12,
             "MSL_SET(TX_POST_LENGTH, 1000)": 1000 << 4}
    prints = "\n".join(f'    printf("%s=%llu\\n", "{expr}", (unsigned long long)({expr}));'
                       for expr in (*names, *extra))
    source = (f'#include <stdio.h>\n#include "{release.header.name}"\n'
              f"int main(void) {{\n{prints}\n    return 0;\n}}\n")
    shutil.copy(release.header, tmp_path)
    outputs = [compile_and_run(tmp_path, "values", source, language) for language in ("c", "c++")]
    assert outputs[0] == outputs[1]
    seen = dict(line.split("=", 1) for line in outputs[0].decode().splitlines())
    seen = {name: int(value) for name, value in seen.items()}

    # Against the declaration, register by register and field by field.
    for register in REGISTER_MAP:
        name = register.array or register.name
        if register.array is None or register.index == 0:
            assert seen[f"MSL_REG_{register.name}"] == register.address
            assert seen[f"MSL_{name}_RESET"] == register.reset_value(BUILD)
        for field in register.fields:
            prefix = f"MSL_{name}_{field.name.upper()}"
            assert (seen[f"{prefix}_SHIFT"], seen[f"{prefix}_WIDTH"], seen[f"{prefix}_MASK"]) \
                == (field.offset, field.width, field.mask)
    for bit, (cause, _) in enumerate(INTERRUPT_CAUSES):
        assert seen[f"MSL_INT_{cause}"] == 1 << bit
    # And a few numbers worked out from docs/registers.md by hand.
    assert seen["MSL_REG_ACK_TIMEOUT"] == 0x01C and seen["MSL_ACK_TIMEOUT_RESET"] == 5000
    assert seen["MSL_RETRY_LIMIT_RESET"] == 3
    # CAPS: tx_slots 4 | rx_slots 3 << 4 | lane_width 1 << 8 | 128 << 16 | 8 bytes << 24
    assert seen["MSL_CAPS_RESET"] == 0x0880_0134
    assert seen["MSL_TX_FREE_RESET"] == 0b1111
    assert seen["MSL_REG_RX_INFO(3)"] == REGISTER_MAP["RX_INFO3"].address
    assert seen["MSL_INT_PEER_RESET"] == 1 << 11
    for expr, value in extra.items():
        if value is not None:
            assert seen[expr] == value, expr


def test_c_structs_lay_out_host_memory_as_the_driver_reads_it(release, tmp_path):
    source = f"""#include <stdio.h>
#include <string.h>
#include "{release.header.name}"
int main(void) {{
    struct msl_rx_completion completion;
    memset(&completion, 0, sizeof completion);
    completion.packet = MSL_SET(RX_COMPLETION_PACKET_SLOT, 2)
                      | MSL_SET(RX_COMPLETION_PACKET_COUNT, 17)
                      | MSL_SET(RX_COMPLETION_PACKET_SEQ, 200);
    completion.length = MSL_SET(RX_COMPLETION_LENGTH_LENGTH, 1000);
    completion.index = 0x12345678u;
    fwrite(&completion, sizeof completion, 1, stdout);
    return 0;
}}
"""
    shutil.copy(release.header, tmp_path)
    data = compile_and_run(tmp_path, "layout", source, "c")
    assert len(data) == RX_COMPLETION.size
    assert RX_COMPLETION.unpack(data) == {
        "PACKET": {"slot": 2, "count": 17, "seq": 200}, "LENGTH": 1000,
        "INDEX": 0x12345678, "RESERVED": 0}
    # little-endian words, as the adapter writes them
    assert struct.unpack("<I", data[8:12])[0] == 0x12345678


def test_a_bad_parameter_is_refused_and_nothing_is_written(tmp_path, capsys):
    out = tmp_path / "never"
    with pytest.raises(ValueError, match="lane_width"):
        write_release(out, lane_width=3)
    assert main(["--out", str(out), "--tx-slots", "9"]) == 2
    assert "slots" in capsys.readouterr().err
    assert main(["--out", str(out), "--name", "1bad"]) == 2
    assert not out.exists()


def test_an_output_folder_that_cannot_be_made_is_refused_before_generating(tmp_path,
                                                                           capsys):
    afile = tmp_path / "afile"
    afile.write_text("")
    for out, why in ((afile, "is a file, not a folder"),
                     (afile / "sub", "cannot make the folder"),
                     (Path("/proc/forbidden"), "cannot make the folder")):
        with pytest.raises(SystemExit) as stop:
            main(["--out", str(out)])
        assert stop.value.code == 2
        error = capsys.readouterr().err.strip().splitlines()[-1]
        assert f"--out {out}: {why}" in error and "Traceback" not in error
    fresh = tmp_path / "a" / "b"
    assert main(["--out", str(fresh), "--tx-slots", "9"]) == 2  # a bad parameter later
    assert not (tmp_path / "a").exists()                        # leaves nothing behind
