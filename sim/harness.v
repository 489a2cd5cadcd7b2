// spikeforge simulation harness for Icarus Verilog (docs/hardware.md, "Harness").
//
// A synchronous driver of the generated top, written like RTL (nonblocking updates on
// the rising edge, so it samples the design's outputs exactly as a register would).
// Its behaviour per cycle is part of the verification contract: the Verilator harness
// and the cycle-accurate simulator drive the top in exactly the same way.
//
//   reset : rst is high for the first 3 cycles.
//   wait  : when !rst and !busy, read the next stimulus line "<n> <ch>..."; with n > 0
//           present the first channel (in_valid = 1), else raise tick.
//   feed  : on a cycle where in_valid && in_ready, present the next channel, or (after
//           the last) drop in_valid and raise tick.
//   tick  : tick is high for exactly one cycle; then run.
//   run   : on tick_done, count the tick and go back to wait.
//   out_ready: a 32-bit Fibonacci LFSR (taps 32, 22, 2, 1) seeded with +seed, stepped
//           every cycle; out_ready = (lfsr % 100) < ready_pct, registered.
//   output: every cycle with out_valid && out_ready writes "<tick> <port> <index>";
//           the cycle after the last tick (phase DONE) writes "cycles <n>" and ends.
//   trace : with +trace=<file>, the port values the design sees at each rising edge
//           (pre-edge, as this block reads them): a header line
//             cycle rst in_valid in_channel in_ready out_valid out_port out_index out_ready tick busy tick_done
//           then "<cycle> <values...>" in decimal for the first edge and for every
//           edge where any value differs from the previous line (<cycle> = `cycles`
//           at that edge, 0 at the first). Tracing only observes: the driver behaves
//           the same with or without it. sim/verilator/harness.cpp writes the same.
//
// Compile: iverilog -g2012 -DTOP=<design>_top -DCB=<in_channel bits> -DOB=<out_port bits>
//          -DIB=<out_index bits> -o sim.vvp harness.v $(cat files.f)
// Run in the build directory (for the $readmemh images):
//          vvp -n sim.vvp +stimulus=stim.txt +output=out.txt +seed=1 +ready_pct=70
//          [+max_cycles=<n>] [+trace=trace.txt]
`default_nettype none
`timescale 1ns / 1ps

module harness;
  localparam [2:0] P_RESET = 3'd0, P_WAIT = 3'd1, P_FEED = 3'd2, P_TICK = 3'd3,
                   P_RUN = 3'd4, P_DONE = 3'd5;
  localparam integer MAX_CHANNELS = 1 << 20;

  reg clk = 1'b0;
  reg rst = 1'b1;
  reg in_valid = 1'b0;
  reg [`CB-1:0] in_channel = {`CB{1'b0}};
  wire in_ready;
  wire out_valid;
  wire [`OB-1:0] out_port;
  wire [`IB-1:0] out_index;
  reg out_ready = 1'b0;
  reg tick = 1'b0;
  wire busy;
  wire tick_done;

  `TOP dut (
    .clk(clk), .rst(rst),
    .in_valid(in_valid), .in_channel(in_channel), .in_ready(in_ready),
    .out_valid(out_valid), .out_port(out_port), .out_index(out_index), .out_ready(out_ready),
    .tick(tick), .busy(busy), .tick_done(tick_done)
  );

  always #5 clk = ~clk;

  reg [2:0] phase = P_RESET;
  reg [31:0] lfsr;
  reg [63:0] cycles = 64'd0;
  reg [63:0] max_cycles;
  integer stim, outf, n, i, k, ch, t, code, ready_pct;
  integer queue [0:MAX_CHANNELS-1];
  reg [8*256-1:0] stim_name, out_name, trace_name;
  // Tracing state (observation only, never read by the driver).
  localparam integer TW = 9 + `CB + `OB + `IB;
  integer tracef = 0;
  reg trace_first = 1'b1;
  reg [TW-1:0] trace_prev, trace_now;

  initial begin
    if (!$value$plusargs("stimulus=%s", stim_name)) stim_name = "stim.txt";
    if (!$value$plusargs("output=%s", out_name)) out_name = "out.txt";
    if (!$value$plusargs("seed=%d", lfsr)) lfsr = 32'd1;
    if (lfsr == 32'd0) lfsr = 32'd1;
    if (!$value$plusargs("ready_pct=%d", ready_pct)) ready_pct = 100;
    if (!$value$plusargs("max_cycles=%d", max_cycles)) max_cycles = 64'd100000000;
    t = 0;
    k = 0;
    n = 0;
    stim = $fopen(stim_name, "r");
    outf = $fopen(out_name, "w");
    if (stim == 0 || outf == 0) begin
      $display("harness: cannot open the stimulus or output file");
      $finish_and_return(2);
    end
    if ($value$plusargs("trace=%s", trace_name)) begin
      tracef = $fopen(trace_name, "w");
      if (tracef == 0) begin
        $display("harness: cannot open the trace file");
        $finish_and_return(2);
      end
      $fdisplay(tracef, "cycle rst in_valid in_channel in_ready out_valid out_port out_index out_ready tick busy tick_done");
    end
  end

  always @(posedge clk) begin
    if (tracef != 0) begin
      trace_now = {rst, in_valid, in_channel, in_ready, out_valid, out_port, out_index,
                   out_ready, tick, busy, tick_done};
      if (trace_first || trace_now !== trace_prev)
        $fdisplay(tracef, "%0d %0d %0d %0d %0d %0d %0d %0d %0d %0d %0d %0d", cycles, rst,
                  in_valid, in_channel, in_ready, out_valid, out_port, out_index, out_ready,
                  tick, busy, tick_done);
      trace_first = 1'b0;
      trace_prev = trace_now;
    end
    cycles <= cycles + 64'd1;
    lfsr <= {lfsr[30:0], lfsr[31] ^ lfsr[21] ^ lfsr[1] ^ lfsr[0]};
    out_ready <= (lfsr % 100) < ready_pct;
    if (out_valid && out_ready)
      $fdisplay(outf, "%0d %0d %0d", t, out_port, out_index);
    if (cycles >= max_cycles) begin
      $display("harness: gave up after %0d cycles", cycles);
      if (tracef != 0) $fclose(tracef);
      $finish_and_return(2);
    end
    case (phase)
      P_RESET: if (cycles == 64'd2) begin
        rst <= 1'b0;
        phase <= P_WAIT;
      end
      P_WAIT: if (!busy) begin
        code = $fscanf(stim, "%d", n);
        if (code != 1) begin
          phase <= P_DONE;
        end else begin
          for (i = 0; i < n; i = i + 1) code = $fscanf(stim, "%d", queue[i]);
          k = 0;
          if (n > 0) begin
            ch = queue[0];
            in_channel <= ch[`CB-1:0];
            in_valid <= 1'b1;
            phase <= P_FEED;
          end else begin
            tick <= 1'b1;
            phase <= P_TICK;
          end
        end
      end
      P_FEED: if (in_valid && in_ready) begin
        k = k + 1;
        if (k < n) begin
          ch = queue[k];
          in_channel <= ch[`CB-1:0];
        end else begin
          in_valid <= 1'b0;
          tick <= 1'b1;
          phase <= P_TICK;
        end
      end
      P_TICK: begin
        tick <= 1'b0;
        phase <= P_RUN;
      end
      P_RUN: if (tick_done) begin
        t = t + 1;
        phase <= P_WAIT;
      end
      default: begin
        $fdisplay(outf, "cycles %0d", cycles);
        $fclose(outf);
        if (tracef != 0) $fclose(tracef);
        $finish;
      end
    endcase
  end
endmodule

`default_nettype wire
