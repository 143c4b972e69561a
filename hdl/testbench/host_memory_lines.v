// Host memory lines: the storage of the testbench's host memory model
// (hdl/testbench/host_memory.py), written by hand because Amaranth's Memory writes an
// initial value for every word into the Verilog (4 MB for 2 MiB of memory, and tens of
// seconds of C++ compile in Verilator); this zeroes it with a loop instead.
//
// Lines of LINE_BYTES; two ports of one bus word (DATA_WIDTH bits) each: a
// combinational read and a byte-enabled write on the clock (port 1 writes last where
// both write one byte). The ports select their word inside the line themselves, so no
// line-wide value is formed on any clock. The testbench reads and writes `lines`
// directly too, a line at a time, as the host CPU's view of the memory.
module msl_host_memory_lines #(
  parameter LINES = 32768,
  parameter LINE_BYTES = 64,
  parameter DATA_WIDTH = 32,
  parameter LINE_BITS = 15,
  parameter WORD_BITS = 4
) (
  input  wire                    clk,
  input  wire [LINE_BITS-1:0]    read_line_0,
  input  wire [WORD_BITS-1:0]    read_word_0,
  output wire [DATA_WIDTH-1:0]   read_data_0,
  input  wire [LINE_BITS-1:0]    write_line_0,
  input  wire [WORD_BITS-1:0]    write_word_0,
  input  wire [DATA_WIDTH-1:0]   write_data_0,
  input  wire [DATA_WIDTH/8-1:0] write_strobe_0,
  input  wire [LINE_BITS-1:0]    read_line_1,
  input  wire [WORD_BITS-1:0]    read_word_1,
  output wire [DATA_WIDTH-1:0]   read_data_1,
  input  wire [LINE_BITS-1:0]    write_line_1,
  input  wire [WORD_BITS-1:0]    write_word_1,
  input  wire [DATA_WIDTH-1:0]   write_data_1,
  input  wire [DATA_WIDTH/8-1:0] write_strobe_1
);
  reg [8*LINE_BYTES-1:0] lines [0:LINES-1];
  integer line, lane;

  initial begin
    for (line = 0; line < LINES; line = line + 1)
      lines[line] = {8*LINE_BYTES{1'b0}};
  end

  assign read_data_0 = lines[read_line_0][read_word_0 * DATA_WIDTH +: DATA_WIDTH];
  assign read_data_1 = lines[read_line_1][read_word_1 * DATA_WIDTH +: DATA_WIDTH];

  // (The loops run only on a clock that writes: Icarus would otherwise step through
  // them on every clock.)
  always @(posedge clk) begin
    if (|write_strobe_0)
      for (lane = 0; lane < DATA_WIDTH / 8; lane = lane + 1)
        if (write_strobe_0[lane])
          lines[write_line_0][write_word_0 * DATA_WIDTH + lane * 8 +: 8]
            <= write_data_0[lane * 8 +: 8];
    if (|write_strobe_1)
      for (lane = 0; lane < DATA_WIDTH / 8; lane = lane + 1)
        if (write_strobe_1[lane])
          lines[write_line_1][write_word_1 * DATA_WIDTH + lane * 8 +: 8]
            <= write_data_1[lane * 8 +: 8];
  end
endmodule
